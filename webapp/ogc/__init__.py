"""OGC API – Features under /ogc: routes, collections and their declared fields, GeoJSON, HTTP policy."""
