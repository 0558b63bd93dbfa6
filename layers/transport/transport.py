"""The build's transport stage: railways of every rail source in one layer, stations, gateways, corridors and
their waypoints combined and checked, and the raster sources (DEMs) found for the analyses."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from layers.errors import SourceFormatError
from layers.ownership.relations import combine_layer
from layers.rasters import RasterInfo
from layers.schema import CORRIDOR_WAYPOINTS, CORRIDORS, GATEWAYS, RAILWAYS, STATIONS, STORE_CRS, LayerSchema, validate
from layers.transport.corridors import check_waypoint_corridors
from layers.transport.railways import RailwayLoad

#: The transport layers loaders feed, each with the columns that identify a row. Railway loaders return a
#: :class:`layers.transport.railways.RailwayLoad`; the others return their validated frame, as the relation loaders do.
TRANSPORT_LAYERS: dict[str, tuple[LayerSchema, tuple[str, ...]]] = {
    "railways": (RAILWAYS, ("rail_id",)),
    "stations": (STATIONS, ("station_id",)),
    "gateways": (GATEWAYS, ("node_id",)),
    "corridors": (CORRIDORS, ("corridor_id",)),
    "corridor_waypoints": (CORRIDOR_WAYPOINTS, ("corridor_id", "seq")),
}

#: The loader layer name of raster sources: found and described, never written into the store.
RASTERS = "rasters"


@dataclass
class RailSourceCounts:
    """What one rail source gave the railways layer."""

    features_read: int
    features_kept: int
    dropped_kinds: dict[str, int]  # OSM type → ways dropped
    lines: int = 0  # LineString parts in the store layer
    duplicates: int = 0  # OSM ways left out because an earlier source already gave them


@dataclass
class TransportReport:
    """What the transport stage made: rail lines per source, corridors without waypoints, rasters present."""

    rail_sources: dict[str, RailSourceCounts] = field(default_factory=dict)
    railway_lines: int = 0
    rasters: dict[str, RasterInfo] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Return the report's lines: one for the railways layer, one per raster present, then notes."""
        out = []
        if self.rail_sources:
            parts = [_rail_part(source_id, counts) for source_id, counts in self.rail_sources.items()]
            out.append(f"railways: {self.railway_lines} lines in the store: " + "; ".join(parts))
        out += [f"raster {sid}: present at {r.path} ({r.width} x {r.height} cells, 1 band, {r.crs})"
                for sid, r in self.rasters.items()]
        out += [f"note: {note}" for note in self.notes]
        return out

    def info(self) -> dict:
        """Return the facts for the store's build_info (``rasters`` maps source id → absolute path)."""
        return {
            "rasters": {sid: str(r.path) for sid, r in self.rasters.items()},
            "raster_metadata": {sid: r.metadata() for sid, r in self.rasters.items()},
            "railway_lines": self.railway_lines,
            "railway_sources": {sid: {"features_read": c.features_read, "features_kept": c.features_kept,
                                      "osm_ways_dropped_by_type": c.dropped_kinds, "lines": c.lines,
                                      "duplicate_osm_ways_left_out": c.duplicates}
                                for sid, c in self.rail_sources.items()},
        }


def _rail_part(source_id: str, counts: RailSourceCounts) -> str:
    text = f"{counts.lines} from {source_id} ({counts.features_read} features read"
    dropped = counts.features_read - counts.features_kept
    if counts.dropped_kinds:
        text += f", {dropped} OSM ways of other types dropped"
    if counts.duplicates:
        text += f", {counts.duplicates} OSM ways already given by an earlier source left out"
    return text + ")"


def build_transport(tables: dict[str, list[pd.DataFrame]], rails: dict[str, RailwayLoad],
                    rasters: dict[str, RasterInfo]) -> tuple[dict[str, pd.DataFrame], TransportReport]:
    """Combine the transport layers of every source and check waypoints against corridors.

    Parameters
    ----------
    tables : dict
        Layer name (stations, gateways, corridors, corridor_waypoints) → the validated frames its sources gave; a
        layer without frames becomes empty with its schema.
    rails : dict
        Rail source id → what :func:`layers.transport.railways.load_railways` gave, in manifest order. An OSM way
        that an
        earlier source already gave (same ``osm:<way id>``) is left out, so each way is in the layer once, from
        the first source that has it.
    rasters : dict
        Raster source id → the raster found.

    Returns
    -------
    layers : dict
        Every layer of :data:`TRANSPORT_LAYERS`, validated, in EPSG:4326.
    report : TransportReport
        Rail lines per source, OSM ways dropped and left out, rasters present, corridors without waypoints.

    Raises
    ------
    SourceFormatError
        If two sources give the same id (a station, gateway, corridor, waypoint, or a Natural Earth rail line), or
        a waypoint names a corridor that is not in corridors.
    """
    layers = {name: combine_layer(tables.get(name, []), schema, key)
              for name, (schema, key) in TRANSPORT_LAYERS.items() if name != "railways"}
    report = TransportReport(rasters=dict(rasters))
    layers["railways"] = _combine_railways(rails, report)
    check_waypoint_corridors(layers["corridors"], layers["corridor_waypoints"])
    bare = sorted(set(layers["corridors"]["corridor_id"]) - set(layers["corridor_waypoints"]["corridor_id"]))
    if bare and len(layers["corridor_waypoints"]):
        report.notes.append(f"corridors without waypoints (not routable): {', '.join(bare)}")
    return layers, report


def _combine_railways(rails: dict[str, RailwayLoad], report: TransportReport) -> gpd.GeoDataFrame:
    frames, seen_ways = [], set()
    for source_id, load in rails.items():
        frame = load.railways
        # rail_id is <prefix>:<id>[:<part>]; the way is the first two fields.
        ways = frame["rail_id"].str.split(":").str[:2].str.join(":")
        repeated = (ways.isin(seen_ways) & frame["rail_id"].str.startswith("osm:")).to_numpy()
        seen_ways.update(ways)
        counts = RailSourceCounts(load.features_read, load.features_kept, load.dropped_kinds,
                                  lines=int((~repeated).sum()), duplicates=int(ways[repeated].nunique()))
        report.rail_sources[source_id] = counts
        frames.append(frame[~repeated])
    present = [f for f in frames if len(f)]
    if not present:
        return RAILWAYS.empty()
    railways = gpd.GeoDataFrame(pd.concat(present, ignore_index=True), geometry="geometry", crs=STORE_CRS)
    duplicated = railways["rail_id"][railways["rail_id"].duplicated()].unique().tolist()
    if duplicated:
        raise SourceFormatError(f"railways: rail_id values given by more than one source: {duplicated[:10]}")
    report.railway_lines = len(railways)
    validate(railways, RAILWAYS, what="railways from every rail source")
    return railways
