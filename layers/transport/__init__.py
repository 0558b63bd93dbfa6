"""Corridors, gateways, railways, stations, and the build's transport stage."""
