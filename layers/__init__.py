"""Map layers: each raw source loaded into a validated GeoDataFrame, and the built store."""
