"""The JSON and download API under /api: sites, ownership, corridors."""
