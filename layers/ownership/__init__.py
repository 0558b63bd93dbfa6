"""Companies, ownership edges, licences and their polygons, holders, agreements, profiles, facilities."""
