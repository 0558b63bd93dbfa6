"""Shared type aliases and small value types."""

from __future__ import annotations

from typing import NamedTuple


class BBox(NamedTuple):
    """A WGS84 bounding box in degrees: west, south, east, north."""

    minx: float
    miny: float
    maxx: float
    maxy: float
