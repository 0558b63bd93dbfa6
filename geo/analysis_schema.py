"""Contracts of the analysis results (the corridor analysis store, data/analysis.gpkg)."""

from __future__ import annotations

from layers.schema import Column, LayerSchema

#: Why a corridor leg is drawn as a straight (schematic) segment instead of along track.
SCHEMATIC_REASONS = ("missing_in_data", "planned", "sea")

CORRIDOR_SEGMENTS = LayerSchema(
    name="corridor_segments",
    geometry_type="LineString",
    doc="Each leg of each corridor between consecutive waypoints: along real track, or straight with a reason.",
    columns=(
        Column("corridor_id", "str", "corridor"),
        Column("seq", "int", "leg number (the waypoint it starts at)"),
        Column("from_name", "str", "waypoint the leg starts at"),
        Column("to_name", "str", "waypoint the leg ends at"),
        Column("mode", "str", "`rail` or `sea`"),
        Column("on_track", "bool", "True when the leg follows the rail graph"),
        Column("reason", "str", "empty on track; else one of SCHEMATIC_REASONS"),
        Column("detail", "str", "why, in words: snap distances, detour ratio ..."),
        Column("length_km", "float", "geodesic length of the drawn leg"),
        Column("straight_km", "float", "geodesic distance between the two waypoints"),
    ),
)

CORRIDOR_LINES = LayerSchema(
    name="corridor_lines",
    geometry_type="MultiLineString",
    doc="One row per corridor: its whole drawn line, length and the share that follows real track.",
    columns=(
        Column("corridor_id", "str", "corridor"),
        Column("name", "str", "English name"),
        Column("status", "str", "existing, under_construction, planned"),
        Column("length_km", "float", "geodesic length of all legs"),
        Column("track_share", "float", "share of the length along real track, 0..1"),
        Column("schematic_share", "float", "share of the length drawn straight (missing, planned or sea), 0..1"),
    ),
)

SITE_CORRIDORS = LayerSchema(
    name="site_corridors",
    geometry_type=None,
    doc="Geodesic distance from each mapped site to each corridor's land legs.",
    columns=(
        Column("site_id", "str", "site"),
        Column("corridor_id", "str", "corridor"),
        Column("status", "str", "the corridor's status"),
        Column("distance_km", "float", "geodesic distance to the nearest point of the corridor's land legs"),
        Column("nearest_lon", "float", "that nearest point, degrees"),
        Column("nearest_lat", "float", "that nearest point, degrees"),
        Column("precision_km", "float", "the site's location precision (the distance is ± this)", nullable=True),
    ),
)

SITE_ACCESS = LayerSchema(
    name="site_access",
    geometry_type=None,
    doc="Per mapped site: nearest corridor (existing; and any status), nearest gateway, railhead and access cost.",
    columns=(
        Column("site_id", "str", "site"),
        Column("nearest_corridor", "str", "nearest existing corridor"),
        Column("corridor_distance_km", "float", "geodesic km to it"),
        Column("nearest_corridor_any", "str", "nearest corridor of any status"),
        Column("corridor_distance_any_km", "float", "geodesic km to it"),
        Column("planned_change_km", "float", "corridor_distance_any_km - corridor_distance_km (<= 0)"),
        Column("nearest_gateway", "str", "node_id of the nearest gateway (straight line)"),
        Column("gateway_distance_km", "float", "geodesic km to it"),
        Column("railhead_lon", "float", "nearest point of the rail network", nullable=True),
        Column("railhead_lat", "float", "nearest point of the rail network", nullable=True),
        Column("access_km", "float", "geodesic km from the site to its railhead", nullable=True),
        Column("access_cost", "float", "slope-weighted cost from the site to the rail network (README)", nullable=True),
        Column("precision_km", "float", "the site's location precision", nullable=True),
    ),
)

SITE_GATEWAY_RAIL = LayerSchema(
    name="site_gateway_rail",
    geometry_type=None,
    doc="Rail km from each site's railhead to each gateway reachable on the rail graph.",
    columns=(
        Column("site_id", "str", "site"),
        Column("gateway_id", "str", "gateway node_id"),
        Column("rail_km", "float", "km along the rail graph from the railhead to the gateway's snapped node"),
        Column("access_km", "float", "the separate road/access leg from the site to its railhead"),
    ),
)

CATCHMENTS = LayerSchema(
    name="catchments",
    geometry_type=None,
    doc="Mapped sites within 50, 100 and 250 km of each corridor, per country.",
    columns=(
        Column("corridor_id", "str", "corridor"),
        Column("country", "str", "ISO alpha-2 of the sites"),
        Column("within_50_km", "int", "sites within 50 km"),
        Column("within_100_km", "int", "sites within 100 km"),
        Column("within_250_km", "int", "sites within 250 km"),
    ),
)

CORRIDOR_BUFFERS = LayerSchema(
    name="corridor_buffers",
    geometry_type="MultiPolygon",
    doc="Bands within 50, 100 and 250 km of the land legs of existing corridors (planar, in METRIC_CRS).",
    columns=(
        Column("distance_km", "int", "the band's outer distance"),
    ),
)

ANALYSIS_LAYERS: dict[str, LayerSchema] = {
    s.name: s for s in (CORRIDOR_SEGMENTS, CORRIDOR_LINES, SITE_CORRIDORS, SITE_ACCESS, SITE_GATEWAY_RAIL, CATCHMENTS,
                        CORRIDOR_BUFFERS)
}
