"""Railway lines from Natural Earth 10m railroads and OpenStreetMap extracts, one row per LineString part."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.errors import SourceFormatError
from layers.features import feature_error, osm_ids, read_vector, text_values
from layers.manifest import Source
from layers.messages import describe_columns
from layers.schema import RAILWAYS, STORE_CRS, validate

log = logging.getLogger(__name__)

#: OSM ``railway=*`` (Overpass) and Geofabrik ``fclass`` values kept: heavy-rail lines in use. Construction,
#: proposed, disused and abandoned lines, light rail, subway, tram, monorail and miniature railways are dropped.
KEPT_OSM_KINDS = ("rail", "narrow_gauge")

_LINE_TYPES = ("LineString", "MultiLineString")


@dataclass(frozen=True)
class RailShape:
    """A rail file shape the loader recognises by its columns."""

    name: str
    columns: tuple[str, ...]  # all present → this shape
    id_column: str | None  # None: ids are feature positions
    kind_column: str | None  # None: every feature is "rail"
    name_column: str | None
    prefix: str  # rail_id prefix


#: The shapes of the three staged rail files (docs: ../shared/data/geo/PROVENANCE.md).
RAIL_SHAPES = (
    RailShape("Natural Earth railroads", ("scalerank", "featurecla", "rwdb_rr_id"), None, None, None, "ne10m"),
    RailShape("OSM Overpass extract", ("id", "type", "extract"), "id", "type", None, "osm"),
    RailShape("OSM Geofabrik railways layer", ("osm_id", "fclass", "name"), "osm_id", "fclass", "name", "osm"),
)


@dataclass
class RailwayLoad:
    """What :func:`load_railways` returns: the lines and what it read and dropped on the way."""

    railways: gpd.GeoDataFrame
    features_read: int = 0
    features_kept: int = 0
    dropped_kinds: dict[str, int] = field(default_factory=dict)  # OSM kind → features dropped
    parts_dropped: int = 0  # features without geometry, and empty or zero-length parts
    without_id: list[str] = field(default_factory=list)  # ids given to OSM-layer features without an OSM id
    notes: list[str] = field(default_factory=list)


def load_railways(paths: list[Path], source: Source) -> RailwayLoad:
    """Load railway lines from Natural Earth or OSM files, recognising each file's shape by its columns.

    Natural Earth 10m railroads (``scalerank``, ``featurecla``, ``rwdb_rr_id`` ...): every feature is kind
    ``rail``, ``rail_id`` is ``ne10m:<position in the file, from 0>``. An OSM Overpass extract (``id``, ``type``,
    ``extract``) or a Geofabrik railways layer (``osm_id``, ``fclass``, ``name``): only ways whose type is in
    :data:`KEPT_OSM_KINDS` are kept, ``rail_id`` is ``osm:<way id>`` (``<source id>:row<n>`` for a line added by
    hand upstream, which has no OSM id). MultiLineStrings are split into their LineString parts, ``rail_id`` then
    ending in ``:<part, from 0>``; empty and zero-length parts are dropped.

    Parameters
    ----------
    paths : list of Path
        GDAL-readable line files (GeoJSON, GeoPackage, shapefile) in any declared CRS.
    source : Source
        The manifest entry; its id fills ``source``.

    Returns
    -------
    RailwayLoad
        ``railways`` in the :data:`layers.schema.RAILWAYS` contract (LineStrings, EPSG:4326, reprojected if the
        file declares another CRS), features read and kept, OSM features dropped by type, parts dropped, and
        notes for the build report.

    Raises
    ------
    SourceFormatError
        If a file cannot be read, has no CRS, has columns of none of the :data:`RAIL_SHAPES` (the message names
        the file and the columns it has), or (naming file, row and column) a geometry that is not a line or an OSM
        id that is malformed or repeated.
    """
    frames, dropped_kinds, seen = [], Counter(), {}
    load = RailwayLoad(railways=RAILWAYS.empty())
    for path in paths:
        raw = read_vector(path, "railways")
        shape = _shape_of(raw, path)
        _check_line_geometries(raw, path)
        feature_ids = _feature_ids(raw, shape, path, seen, source.id)
        load.without_id += [f for f in feature_ids if f.startswith(f"{source.id}:")]
        kinds = ["rail"] * len(raw) if shape.kind_column is None else text_values(raw, shape.kind_column)
        keep = np.array([shape.kind_column is None or k in KEPT_OSM_KINDS for k in kinds], dtype=bool)
        dropped_kinds.update(k or "(none)" for k, kept in zip(kinds, keep, strict=True) if not kept)
        table = pd.DataFrame({
            "feature_id": feature_ids, "kind": kinds,
            "name": [""] * len(raw) if shape.name_column is None else text_values(raw, shape.name_column),
        })[keep]
        lines, parts_dropped = _explode(table, raw.geometry.array[keep], source.id)
        frames.append(lines)
        load.features_read += len(raw)
        load.features_kept += int(keep.sum())
        load.parts_dropped += parts_dropped
    if frames:
        load.railways = _assemble(frames, source.id)
    load.dropped_kinds = dict(sorted(dropped_kinds.items(), key=lambda item: (-item[1], item[0])))
    load.notes = _notes(load)
    for note in load.notes:
        log.info("%s: %s", source.id, note)
    return load


def _feature_ids(raw: gpd.GeoDataFrame, shape: RailShape, path: Path, seen: dict, source_id: str) -> list[str]:
    """``<prefix>:<id>``; a feature of an OSM layer without an OSM id gets ``<source id>:row<n>`` instead."""
    if shape.id_column is None:
        return [f"{shape.prefix}:{position}" for position in range(len(raw))]
    ids = osm_ids(raw[shape.id_column], path, shape.id_column, seen, missing_ok=True)
    return [f"{shape.prefix}:{i}" if i else f"{source_id}:row{row}" for row, i in enumerate(ids, start=1)]


def _shape_of(raw: gpd.GeoDataFrame, path: Path) -> RailShape:
    columns = set(raw.columns)
    for shape in RAIL_SHAPES:
        if set(shape.columns) <= columns:
            return shape
    expected = "; ".join(f"{s.name} ({', '.join(s.columns)})" for s in RAIL_SHAPES)
    has = describe_columns(raw.columns, [c for s in RAIL_SHAPES for c in s.columns])
    raise SourceFormatError(f"{path}: not a railway file this loader knows: {has}; expected "
                            f"the columns of one of: {expected}")


def _check_line_geometries(raw: gpd.GeoDataFrame, path: Path) -> None:
    types = raw.geometry.geom_type
    wrong = types.notna() & ~types.isin(_LINE_TYPES)
    if wrong.any():
        position = int(np.flatnonzero(wrong.to_numpy())[0])
        raise feature_error(path, position + 1, "geometry",
                            f"{types.iloc[position]} is not a line; expected LineString or MultiLineString")


def _explode(table: pd.DataFrame, geometries: np.ndarray, source_id: str) -> tuple[gpd.GeoDataFrame, int]:
    """Split features into LineString parts; return them and how many parts (or null features) were dropped."""
    geometries = np.asarray(geometries, dtype=object)
    parts, owner = shapely.get_parts(geometries, return_index=True)
    part_number = np.arange(len(owner)) - np.searchsorted(owner, owner)  # position within its feature
    multi = shapely.get_type_id(geometries)[owner] == shapely.GeometryType.MULTILINESTRING
    usable = ~shapely.is_empty(parts) & (shapely.length(parts) > 0)
    no_geometry = int(np.count_nonzero(shapely.is_missing(geometries)))
    base = table["feature_id"].to_numpy()[owner]
    rail_ids = [f"{b}:{n}" if m else b for b, n, m in zip(base, part_number, multi, strict=True)]
    lines = pd.DataFrame({
        "rail_id": rail_ids, "source": source_id, "kind": table["kind"].to_numpy()[owner],
        "name": table["name"].to_numpy()[owner],
    })[usable]
    frame = gpd.GeoDataFrame(lines.reset_index(drop=True), geometry=gpd.GeoSeries(parts[usable], crs=STORE_CRS),
                             crs=STORE_CRS)
    return frame, int(np.count_nonzero(~usable)) + no_geometry


def _assemble(frames: list[gpd.GeoDataFrame], source_id: str) -> gpd.GeoDataFrame:
    combined = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    combined = gpd.GeoDataFrame(combined, geometry="geometry", crs=STORE_CRS)
    if not len(combined):
        return RAILWAYS.empty()
    duplicated = combined["rail_id"][combined["rail_id"].duplicated()].unique().tolist()
    if duplicated:  # only possible when one source lists several Natural Earth files
        raise SourceFormatError(f"railways from {source_id}: rail_id values given twice: {duplicated[:10]}")
    validate(combined, RAILWAYS, what=f"railways from {source_id}")
    return combined


def _notes(load: RailwayLoad) -> list[str]:
    notes = []
    dropped = load.features_read - load.features_kept
    if load.dropped_kinds:
        by_kind = ", ".join(f"{kind} {n}" for kind, n in load.dropped_kinds.items())
        notes.append(f"dropped {dropped} of {load.features_read} OSM ways whose type is not "
                     f"{' or '.join(KEPT_OSM_KINDS)}: {by_kind}")
    if load.without_id:
        shown = ", ".join(load.without_id[:5]) + (", ..." if len(load.without_id) > 5 else "")
        notes.append(f"kept {len(load.without_id)} features without an OSM id (added by hand upstream) as {shown}")
    if load.parts_dropped:
        notes.append(f"dropped {load.parts_dropped} empty or zero-length line parts")
    return notes
