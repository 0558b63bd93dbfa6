"""Railway stations and halts from OpenStreetMap (railway_stations_osm.geojson)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.errors import ColumnMappingError
from layers.features import feature_error, osm_ids, read_vector, text_values
from layers.manifest import Source
from layers.messages import describe_columns
from layers.schema import STATIONS, STORE_CRS, validate

#: Columns a station file must have; ``nameLocal`` (local-script name) is read when present.
STATION_COLUMNS = ("id", "name", "type")


def load_stations(paths: list[Path], source: Source) -> gpd.GeoDataFrame:
    """Load OSM railway stations and halts.

    Parameters
    ----------
    paths : list of Path
        GDAL-readable point files (GeoJSON as staged: ``id``, ``name``, ``type``, ``nameLocal``, ``extract``) in
        any declared CRS.
    source : Source
        The manifest entry.

    Returns
    -------
    GeoDataFrame
        :data:`layers.schema.STATIONS` columns, one Point (EPSG:4326) per station, in file order;
        ``station_id`` is ``osm:<id>``, ``kind`` the OSM ``railway=*`` value (station, halt, yard, ...).

    Raises
    ------
    ColumnMappingError
        If a file lacks ``id``, ``name`` or ``type`` (the message counts the columns it has).
    SourceFormatError
        If a file cannot be read or has no CRS, or (naming file, row and column) a feature has no geometry, a
        geometry that is not a Point, or an OSM id that is missing, malformed or repeated.
    """
    frames, seen = [], {}
    for path in paths:
        raw = read_vector(path, "stations")
        missing = [c for c in STATION_COLUMNS if c not in raw.columns]
        if missing:
            raise ColumnMappingError(f"{path}: missing station columns {missing}; "
                                     f"{describe_columns(raw.columns, STATION_COLUMNS)}")
        _check_points(raw, path)
        frames.append(pd.DataFrame({
            "station_id": [f"osm:{i}" for i in osm_ids(raw["id"], path, "id", seen)],
            "name": text_values(raw, "name"),
            "name_local": text_values(raw, "nameLocal"),
            "kind": text_values(raw, "type"),
            "geometry": raw.geometry.array,
        }))
    if not frames or not sum(len(f) for f in frames):
        return STATIONS.empty()
    stations = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=STORE_CRS)
    validate(stations, STATIONS, what=f"stations from {source.id}")
    return stations


def _check_points(raw: gpd.GeoDataFrame, path: Path) -> None:
    types = raw.geometry.geom_type
    wrong = (types != "Point").to_numpy() | raw.geometry.is_empty.to_numpy()
    if wrong.any():
        position = int(np.flatnonzero(wrong)[0])
        geometry = raw.geometry.iloc[position]
        found = "no geometry" if geometry is None or geometry.is_empty else f"a {geometry.geom_type}"
        raise feature_error(path, position + 1, "geometry", f"{found}; expected a Point")
