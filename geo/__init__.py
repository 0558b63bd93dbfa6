"""Geospatial operations and analyses over the built store; never imports Flask."""
