"""Corridor geometry: each corridor drawn along the real railway between its waypoints, or flagged where not.

For each leg between consecutive waypoints (README, "Corridors"):

* a ``sea`` leg is a straight (geodesic) segment with reason ``sea``: sea legs are never routed over land;
* a ``rail`` leg is routed on the rail graph when both waypoints lie within :data:`SNAP_MAX_M` of track and the
  routed path is at most :data:`MAX_DETOUR` times the straight distance (plus :data:`DETOUR_SLACK_M`); a far
  longer path means the data lacks a line built later;
* any other rail leg is a straight segment flagged ``missing_in_data`` on an existing corridor and ``planned``
  on a corridor under construction or planned.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString

from geo.analysis_schema import CORRIDOR_LINES, CORRIDOR_SEGMENTS
from geo.railgraph import RailGraph
from layers.schema import STORE_CRS, validate

_GEOD = Geod(ellps="WGS84")

#: A waypoint is taken onto the graph only within this distance of a track vertex (metres).
SNAP_MAX_M = 5000.0

#: A routed leg is accepted when it is at most this many times the straight distance ...
MAX_DETOUR = 2.0

#: ... plus this much, so short legs around a bend are not refused (metres).
DETOUR_SLACK_M = 20_000.0

#: Schematic legs are drawn with a vertex at least every this many metres, so they bend as great circles.
SCHEMATIC_STEP_M = 20_000.0


@dataclass(frozen=True)
class Leg:
    """One leg as drawn."""

    coords: np.ndarray  # (n, 2) lon/lat
    on_track: bool
    reason: str
    detail: str


def route_corridors(corridors: pd.DataFrame, waypoints: gpd.GeoDataFrame,
                    graph: RailGraph | None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Draw every corridor leg by leg.

    Parameters
    ----------
    corridors : DataFrame
        The corridors layer (``corridor_id``, ``name``, ``status``).
    waypoints : GeoDataFrame
        The corridor_waypoints layer (``corridor_id``, ``seq``, ``node_or_place``, ``mode_to_next``), EPSG:4326.
    graph : RailGraph or None
        The rail graph; None when there is no rail data (every rail leg is then schematic).

    Returns
    -------
    segments : GeoDataFrame
        ``geo.analysis_schema.CORRIDOR_SEGMENTS``, one row per leg.
    lines : GeoDataFrame
        ``geo.analysis_schema.CORRIDOR_LINES``, one row per corridor with its length and track share.
    """
    rows = []
    for corridor in corridors.to_dict("records"):
        points = waypoints[waypoints["corridor_id"] == corridor["corridor_id"]].sort_values("seq")
        records = points.to_dict("records")
        for start, end in zip(records[:-1], records[1:], strict=True):
            leg = draw_leg(start, end, corridor["status"], graph)
            line = LineString(leg.coords)
            straight = _GEOD.inv(start["geometry"].x, start["geometry"].y, end["geometry"].x, end["geometry"].y)[2]
            rows.append({
                "corridor_id": corridor["corridor_id"], "seq": int(start["seq"]),
                "from_name": start["node_or_place"], "to_name": end["node_or_place"],
                "mode": start["mode_to_next"], "on_track": leg.on_track, "reason": leg.reason,
                "detail": leg.detail, "length_km": _GEOD.geometry_length(line) / 1000.0,
                "straight_km": straight / 1000.0, "geometry": line,
            })
    segments = gpd.GeoDataFrame(rows, geometry="geometry", crs=STORE_CRS) if rows else CORRIDOR_SEGMENTS.empty()
    validate(segments, CORRIDOR_SEGMENTS, what="corridor segments")
    return segments, corridor_lines(corridors, segments)


def draw_leg(start: dict, end: dict, status: str, graph: RailGraph | None) -> Leg:
    """Draw one leg: along the graph when the rules allow, else straight with its reason.

    Parameters
    ----------
    start, end : dict
        Waypoint rows (``geometry`` a Point in EPSG:4326, ``mode_to_next`` on ``start``).
    status : str
        The corridor's status.
    graph : RailGraph or None
        The rail graph, or None when there is no rail data.

    Returns
    -------
    Leg
    """
    a, b = start["geometry"], end["geometry"]
    straight_m = _GEOD.inv(a.x, a.y, b.x, b.y)[2]
    fallback = "missing_in_data" if status == "existing" else "planned"
    if start["mode_to_next"] == "sea":
        return Leg(_great_circle(a, b), False, "sea", "sea leg: never routed over land")
    if graph is None:
        return Leg(_great_circle(a, b), False, fallback, "no rail data present")
    node_a, snap_a = graph.snap(a.x, a.y)
    node_b, snap_b = graph.snap(b.x, b.y)
    far = [(w["node_or_place"], d) for w, d in ((start, snap_a), (end, snap_b)) if d > SNAP_MAX_M]
    if far:
        named = "; ".join(f"{name} is {d / 1000:.1f} km from track" for name, d in far)
        return Leg(_great_circle(a, b), False, fallback, f"{named} (snap limit {SNAP_MAX_M / 1000:g} km)")
    route = graph.route(node_a, node_b)
    if route is None:
        return Leg(_great_circle(a, b), False, fallback, "no connected track between the waypoints")
    limit = MAX_DETOUR * straight_m + DETOUR_SLACK_M
    if route.length_m > limit:
        return Leg(_great_circle(a, b), False, fallback,
                   f"track path {route.length_m / 1000:.0f} km vs straight {straight_m / 1000:.0f} km "
                   f"(ratio {route.length_m / max(straight_m, 1.0):.2f} > {MAX_DETOUR:g})")
    coords = np.vstack([[a.x, a.y], route.lonlat(graph), [b.x, b.y]])
    return Leg(coords, True, "", f"track path {route.length_m / 1000:.0f} km vs straight "
                                 f"{straight_m / 1000:.0f} km (ratio {route.length_m / max(straight_m, 1.0):.2f})")


def corridor_lines(corridors: pd.DataFrame, segments: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Merge the legs of each corridor into one line with its length and the share along track.

    Parameters
    ----------
    corridors : DataFrame
        The corridors layer.
    segments : GeoDataFrame
        :func:`route_corridors`'s legs.

    Returns
    -------
    GeoDataFrame
        ``geo.analysis_schema.CORRIDOR_LINES``.
    """
    rows = []
    for corridor in corridors.to_dict("records"):
        legs = segments[segments["corridor_id"] == corridor["corridor_id"]]
        length = float(legs["length_km"].sum())
        track = float(legs.loc[legs["on_track"], "length_km"].sum())
        rows.append({
            "corridor_id": corridor["corridor_id"], "name": corridor["name"], "status": corridor["status"],
            "length_km": length, "track_share": track / length if length else 0.0,
            "schematic_share": 1.0 - track / length if length else 0.0,
            "geometry": MultiLineString(list(legs.geometry)),
        })
    lines = gpd.GeoDataFrame(rows, geometry="geometry", crs=STORE_CRS) if rows else CORRIDOR_LINES.empty()
    validate(lines, CORRIDOR_LINES, what="corridor lines")
    return lines


def _great_circle(a, b) -> np.ndarray:
    distance = _GEOD.inv(a.x, a.y, b.x, b.y)[2]
    steps = max(int(distance // SCHEMATIC_STEP_M), 0)
    middle = _GEOD.npts(a.x, a.y, b.x, b.y, steps) if steps else []
    return np.array([[a.x, a.y], *middle, [b.x, b.y]], dtype=float)
