"""The built store: one GeoPackage written atomically by the build and read by the analyses and the app."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from layers.errors import StoreError
from layers.schema import (
    AGREEMENTS,
    CHANGES,
    COMPANIES,
    CORRIDOR_WAYPOINTS,
    CORRIDORS,
    COUNTRIES,
    COUNTRY_PROFILES,
    FACILITIES,
    GATEWAYS,
    LAKES,
    LICENCE_SITES,
    LICENCES,
    LINK_CANDIDATES,
    OWNERSHIP,
    PLACES,
    QUARANTINE,
    RAILWAYS,
    RIVERS,
    SITES,
    SOURCE_RECORDS,
    STATIONS,
    LayerSchema,
    validate,
)

log = logging.getLogger(__name__)

#: Bumped when a layer's columns change, so an app never reads a store of another layout.
STORE_FORMAT = "8"

#: Layers every store holds, with their contracts. ``build_info`` and ``sources`` are key tables.
STORE_LAYERS: dict[str, LayerSchema] = {
    "sites": SITES,
    "source_records": SOURCE_RECORDS,
    "quarantine": QUARANTINE,
    "countries": COUNTRIES,
    "companies": COMPANIES,
    "ownership": OWNERSHIP,
    "licences": LICENCES,
    "licence_sites": LICENCE_SITES,
    "agreements": AGREEMENTS,
    "country_profiles": COUNTRY_PROFILES,
    "facilities": FACILITIES,
    "railways": RAILWAYS,
    "stations": STATIONS,
    "gateways": GATEWAYS,
    "corridors": CORRIDORS,
    "corridor_waypoints": CORRIDOR_WAYPOINTS,
    "changes": CHANGES,
    "link_candidates": LINK_CANDIDATES,
    "places": PLACES,
    "lakes": LAKES,
    "rivers": RIVERS,
}

#: Layers :func:`write_store` writes empty, with their schema, when it is not given them: the relation and
#: transport layers, whose sources a build may lack (the build report then names the source as skipped).
OPTIONAL_LAYERS = ("companies", "ownership", "licences", "licence_sites", "agreements", "country_profiles",
                   "facilities", "railways", "stations", "gateways", "corridors", "corridor_waypoints", "changes",
                   "link_candidates", "places", "lakes", "rivers")


@dataclass
class Store:
    """Every layer of a built store, in memory."""

    sites: gpd.GeoDataFrame
    source_records: gpd.GeoDataFrame
    quarantine: pd.DataFrame
    countries: gpd.GeoDataFrame
    sources: pd.DataFrame
    build_info: dict
    companies: pd.DataFrame = field(default_factory=COMPANIES.empty)
    ownership: pd.DataFrame = field(default_factory=OWNERSHIP.empty)
    licences: gpd.GeoDataFrame = field(default_factory=LICENCES.empty)
    licence_sites: pd.DataFrame = field(default_factory=LICENCE_SITES.empty)
    agreements: pd.DataFrame = field(default_factory=AGREEMENTS.empty)
    country_profiles: pd.DataFrame = field(default_factory=COUNTRY_PROFILES.empty)
    facilities: gpd.GeoDataFrame = field(default_factory=FACILITIES.empty)
    railways: gpd.GeoDataFrame = field(default_factory=RAILWAYS.empty)
    stations: gpd.GeoDataFrame = field(default_factory=STATIONS.empty)
    gateways: gpd.GeoDataFrame = field(default_factory=GATEWAYS.empty)
    corridors: pd.DataFrame = field(default_factory=CORRIDORS.empty)
    corridor_waypoints: gpd.GeoDataFrame = field(default_factory=CORRIDOR_WAYPOINTS.empty)
    changes: pd.DataFrame = field(default_factory=CHANGES.empty)
    link_candidates: pd.DataFrame = field(default_factory=LINK_CANDIDATES.empty)
    places: gpd.GeoDataFrame = field(default_factory=PLACES.empty)
    lakes: gpd.GeoDataFrame = field(default_factory=LAKES.empty)
    rivers: gpd.GeoDataFrame = field(default_factory=RIVERS.empty)

    def layer(self, name: str) -> gpd.GeoDataFrame | pd.DataFrame:
        """Return a layer by its store name."""
        return getattr(self, name)

    def raster_path(self, source_id: str) -> Path:
        """Return the absolute path of a raster source (a DEM) the build found, from ``build_info["rasters"]``.

        Raises
        ------
        StoreError
            If the build did not find that raster (its source was skipped or is not in the manifest), or the
            file has gone since the build.
        """
        rasters = self.build_info.get("rasters", {})
        if source_id not in rasters:
            raise StoreError(f"raster {source_id!r} was not present when the store was built; present: "
                             f"{sorted(rasters)}")
        path = Path(rasters[source_id])
        if not path.is_file():
            raise StoreError(f"raster {source_id!r} was at {path} when the store was built but is gone: rebuild")
        return path


def write_store(path: Path, layers: dict[str, gpd.GeoDataFrame | pd.DataFrame], sources: pd.DataFrame,
                build_info: dict) -> None:
    """Write the store atomically: to a temporary file beside ``path``, then move it into place.

    Parameters
    ----------
    path : Path
        Destination ``.gpkg``.
    layers : dict
        Every layer of :data:`STORE_LAYERS`, each meeting its contract; a layer of :data:`OPTIONAL_LAYERS`
        that is not given is written empty with its schema.
    sources : DataFrame
        One row per manifest source with its status.
    build_info : dict
        JSON-serialisable facts about the build (counts, time, skipped sources).

    Raises
    ------
    StoreError
        If a required layer is missing or the file cannot be written. The previous store is untouched.
    """
    missing = [name for name in STORE_LAYERS if name not in layers and name not in OPTIONAL_LAYERS]
    if missing:
        raise StoreError(f"cannot write {path}: layers {missing} are missing")
    layers = {**{name: STORE_LAYERS[name].empty() for name in OPTIONAL_LAYERS}, **layers}
    write_layers(path, {name: (layers[name], schema) for name, schema in STORE_LAYERS.items()},
                 {"sources": sources.astype(str)}, {**build_info, "store_format": STORE_FORMAT})
    log.info("wrote store %s", path)


def read_store(path: Path) -> Store:
    """Read every layer of a built store.

    Parameters
    ----------
    path : Path
        A ``.gpkg`` written by :func:`write_store`.

    Returns
    -------
    Store
        Layers decoded back to their contracts (list columns as lists).

    Raises
    ------
    StoreError
        If the file is missing, unreadable, of another store format, or a layer breaks its contract.
    """
    layers, tables, info = read_layers(path, STORE_LAYERS, ("sources",), expected_format=STORE_FORMAT)
    return Store(sources=tables["sources"], build_info=info, **layers)


def write_layers(path: Path, layers: dict[str, tuple[pd.DataFrame, LayerSchema]], tables: dict[str, pd.DataFrame],
                 info: dict) -> None:
    """Write contract-checked layers, plain tables and an info table to a GeoPackage, atomically.

    Parameters
    ----------
    path : Path
        Destination ``.gpkg``; written to a temporary file beside it, then moved into place.
    layers : dict
        Layer name -> (frame, contract); each frame is validated before anything is written.
    tables : dict
        Name -> plain DataFrame of text columns, written as is.
    info : dict
        JSON-serialisable facts, written as the key/value table ``build_info``.

    Raises
    ------
    StoreError
        If the file cannot be written; the previous file is untouched and no temporary file is left.
    SchemaError
        If a layer breaks its contract (nothing is moved into place).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp.gpkg", dir=path.parent)
    except OSError as exc:
        raise StoreError(f"cannot write the store {path}: {exc}") from exc
    os.close(handle)
    os.unlink(temporary)  # GDAL wants to create the file itself
    try:
        for name, (frame, schema) in layers.items():
            validate(frame, schema, what=f"layer {name} of {path.name}")
            _write_layer(_encode(frame, schema), temporary, name)
        for name, table in tables.items():
            _write_layer(table, temporary, name)
        table = pd.DataFrame({"key": list(info), "value": [json.dumps(v, ensure_ascii=False) for v in info.values()]})
        _write_layer(table, temporary, "build_info")
        os.replace(temporary, path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise StoreError(f"cannot write the store {path}: {exc}") from exc
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def read_layers(path: Path, schemas: dict[str, LayerSchema], tables: tuple[str, ...] = (), *,
                expected_format: str) -> tuple[dict, dict, dict]:
    """Read what :func:`write_layers` wrote, decoding each layer back to its contract.

    Parameters
    ----------
    path : Path
        The ``.gpkg``.
    schemas : dict
        Layer name -> contract of every layer to read.
    tables : tuple of str
        Plain tables to read as they are.
    expected_format : str
        The ``store_format`` the ``build_info`` table must carry.

    Returns
    -------
    layers, tables, info : dict, dict, dict

    Raises
    ------
    StoreError
        If the file is missing, unreadable, of another format, or a layer breaks its contract.
    """
    if not path.is_file():
        raise StoreError(f"no store at {path}: run `make build` (or `make run`) first")
    try:
        info_table = pyogrio.read_dataframe(path, layer="build_info", read_geometry=False)
        info = {k: json.loads(v) for k, v in zip(info_table["key"], info_table["value"], strict=True)}
        if info.get("store_format") != expected_format:
            raise StoreError(f"{path} has store format {info.get('store_format')!r}, expected {expected_format}: "
                             "rebuild it with `make build`")
        layers = {name: _decode(_read_layer(path, name, schema), schema) for name, schema in schemas.items()}
        plain = {name: pyogrio.read_dataframe(path, layer=name, read_geometry=False) for name in tables}
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, json.JSONDecodeError) as exc:
        raise StoreError(f"cannot read the store {path}: {exc}") from exc
    for name, schema in schemas.items():
        validate(layers[name], schema, what=f"layer {name} in {path}")
    return layers, plain, info


def _write_layer(frame: pd.DataFrame, path: str, layer: str) -> None:
    if isinstance(frame, gpd.GeoDataFrame):
        pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG", promote_to_multi=False)
    else:
        pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG")


def _read_layer(path: Path, layer: str, schema: LayerSchema) -> pd.DataFrame:
    if schema.geometry_type is None:
        return pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
    return pyogrio.read_dataframe(path, layer=layer)


def _encode(frame: pd.DataFrame, schema: LayerSchema) -> pd.DataFrame:
    encoded = frame.copy()
    for column in schema.list_columns:
        encoded[column] = [json.dumps(v, ensure_ascii=False) for v in encoded[column]]
    return encoded


def _decode(frame: pd.DataFrame, schema: LayerSchema) -> pd.DataFrame:
    decoded = frame[[*schema.column_names, *(["geometry"] if schema.geometry_type else [])]].copy()
    for column in schema.columns:
        if column.kind in ("list", "json"):
            decoded[column.name] = [json.loads(v) for v in decoded[column.name]]
        elif column.kind == "str":
            decoded[column.name] = decoded[column.name].fillna("").astype(object)
        elif column.kind == "int":
            # int64 even when the layer is empty (a list assigned to an empty column keeps its float dtype)
            decoded[column.name] = pd.Series([int(v) for v in decoded[column.name]], index=decoded.index, dtype="int64")
        elif column.kind == "float":
            decoded[column.name] = decoded[column.name].astype("float64")
    if schema.geometry_type is not None:
        decoded = gpd.GeoDataFrame(decoded, geometry="geometry", crs=frame.crs)
        # GeoPackage keeps an empty geometry as NULL; the contract's "no geometry" is None.
    return decoded
