"""The offline base map's layers: Natural Earth towns, lakes and rivers, clipped to the region."""
