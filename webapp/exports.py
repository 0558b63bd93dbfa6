"""Downloads: a registry of pure exporters from a layer frame (EPSG:4326) to the bytes of a file, and credits."""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import rasterio
import rasterio.crs
import shapely

from layers.errors import AtlasError, CRSMismatchError, LayerNotFound
from layers.schema import METRIC_CRS, STORE_CRS
from webapp.ogc.schema import Field, checked_columns, json_ready, property_rows, typed_table

#: Layer name -> its declared fields (``webapp.ogc.fields.LAYER_FIELDS``), as the exporters take them.
FieldsByLayer = Mapping[str, tuple[Field, ...]]

#: GeoPackage version written: 1.2, which GDAL 3.6 and QGIS 3.22 open without a warning (GDAL >= 3.10
#: writes 1.4 by default).
GPKG_VERSION = "1.2"

#: Decimal places of written coordinates in GeoJSON, CSV and WKT (1e-7 degrees is about 1 cm).
COORDINATE_DECIMALS = 7

#: dBASE limits: a field name has at most 10 characters, a text value at most 254 bytes.
DBF_NAME_LENGTH = 10
DBF_TEXT_BYTES = 254

#: Columns an export adds to CSV files.
CSV_GEOMETRY_COLUMNS = ("lon", "lat", "wkt")

#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP, CSV injection): such text cells
#: are written with a leading single quote. Tab and carriage return are OWASP's too.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Shapefile field names of the atlas's long column names; other names are cut to 10 characters and
#: numbered on a clash (see :func:`shapefile_field_names`). docs/EXPORTS.md lists them per layer.
SHAPEFILE_FIELD_NAMES: dict[str, str] = {
    "commodities": "commods", "commodity_groups": "comm_grps", "primary_group": "prim_group",
    "deposit_types": "dep_types", "source_record_ids": "record_ids", "location_precision_km": "prec_km",
    "location_record_id": "loc_rec_id", "link_reason": "link_rsn", "controlling_partner": "ctrl_prtnr",
    "dominant_partner": "dom_prtnr", "share_china": "sh_china", "share_usa": "sh_usa", "share_eu": "sh_eu",
    "share_uk": "sh_uk", "share_russia": "sh_russia", "share_korea": "sh_korea", "share_japan": "sh_japan",
    "share_other_foreign": "sh_oth_for", "share_multilateral": "sh_multi", "share_domestic_state": "sh_dom_st",
    "share_domestic_private": "sh_dom_pr", "share_unknown": "sh_unknown", "ownership_coverage": "own_cover",
    "nearest_corridor": "corr_id",
    "nearest_corridor_name": "corr_name", "corridor_distance_km": "corr_km", "nearest_corridor_any": "corany_id",
    "nearest_corridor_any_name": "corany_nam", "corridor_distance_any_km": "corany_km", "nearest_gateway": "gw_id",
    "nearest_gateway_name": "gw_name", "gateway_distance_km": "gw_km", "access_cost": "acc_cost",
    "licensed_sites": "lic_sites", "partner_shares": "prt_shares", "corridor_id": "corr_id",
    "corridor_name": "corr_name", "track_share": "track_shr", "schematic_share": "schem_shr",
    "straight_km": "straightkm", "location_precision": "loc_prec", "deposit_name": "dep_name",
    "deposit_name_ru": "dep_nam_ru", "deposit_country": "dep_cntry", "holder_company_id": "holder_id",
    "holder_text": "holder_txt", "licence_kind": "lic_kind", "references": "refs", "facility_id": "fac_id",
    "operator_company_id": "operator", "precision_km": "prec_km", "distance_km": "dist_km",
}

_DEPOSITS = ("minmod", "usgs_tienshan_ree", "national_curated", "national_registry")
_OWNERSHIP = ("curated_companies", "curated_ownership", "curated_licences", "licence_areas")
_TRANSPORT = ("railways_ne10m", "railways_osm_tkm_afg_aze", "railways_osm_uzbekistan", "gateways", "corridors",
              "corridor_waypoints")
_DEMS = ("dem_globe_30s", "dem_pvlib_5min")

#: The manifest sources (``data/sources.toml`` ids) that feed each downloadable product. Sites carry partner
#: shares (ownership tables) and corridor distances and access cost (rail, including OpenStreetMap, and DEMs).
LAYER_SOURCES: dict[str, tuple[str, ...]] = {
    "sites": (*_DEPOSITS, *_OWNERSHIP, *_TRANSPORT, *_DEMS),
    "source_records": _DEPOSITS,
    "countries": ("countries_ne10m", *_DEPOSITS, *_OWNERSHIP),
    "corridors": _TRANSPORT,
    "corridor_segments": _TRANSPORT,
    "corridor_buffers": _TRANSPORT,
    "corridor_access": (*_DEPOSITS, *_TRANSPORT, *_DEMS),
    "gateways": ("gateways",),
    "licences": (*_OWNERSHIP, *_DEPOSITS),
    "facilities": ("curated_facilities",),
    "partner_matrix": (*_DEPOSITS, *_OWNERSHIP),
    "coverage": (*_DEPOSITS, *_OWNERSHIP),
    "distance_to_corridor": _TRANSPORT,
    "access_cost": (*_TRANSPORT, *_DEMS),
}

#: Statuses of the store's ``sources`` table whose data reached the store.
_USED_STATUSES = ("used", "present")

#: Said of every download holding data derived from OpenStreetMap (ODbL 1.0, section 4.3).
ODBL_NOTICE = ("Contains information from OpenStreetMap, © OpenStreetMap contributors, available under the "
               "Open Database License 1.0 (https://opendatacommons.org/licenses/odbl/1-0/); the parts derived "
               "from it stay under the ODbL.")


class ExportError(AtlasError):
    """A frame cannot be written in the requested format."""


@dataclass(frozen=True)
class Credit:
    """What a download must say about its sources: attribution and licence text."""

    attribution: str
    licence: str


@dataclass(frozen=True)
class Exporter:
    """A download format: media type, file extension, label and ``function(frame, *, layer, attribution,
    licence) -> bytes``; ``multi_layer`` exporters also take ``related`` (name -> frame) layers."""

    media_type: str
    extension: str
    label: str
    function: Callable[..., bytes]
    multi_layer: bool = False


def layer_credit(sources: pd.DataFrame, layer: str) -> Credit:
    """Assemble the attribution and licence of a product from the store's ``sources`` table.

    Parameters
    ----------
    sources : DataFrame
        The store's ``sources`` table (``id``, ``licence``, ``attribution``, ``status`` ...).
    layer : str
        A key of :data:`LAYER_SOURCES`.

    Returns
    -------
    Credit
        The distinct ``"; "``-separated parts of the attributions of the sources the build used, in
        :data:`LAYER_SOURCES` order; their licences as ``"<source ids>: <licence>"`` joined with ``" | "``,
        led by :data:`ODBL_NOTICE` when any is under the ODbL.

    Raises
    ------
    LayerNotFound
        If ``layer`` is not a key of :data:`LAYER_SOURCES`.
    """
    if layer not in LAYER_SOURCES:
        raise LayerNotFound(f"no credits for {layer!r}; known: {sorted(LAYER_SOURCES)}")
    rows = {row["id"]: row for row in sources.to_dict("records") if row["status"] in _USED_STATUSES}
    used = [rows[source] for source in LAYER_SOURCES[layer] if source in rows]
    attribution = list(dict.fromkeys(part for row in used for part in row["attribution"].split("; ")))
    licences: dict[str, list[str]] = {}
    for row in used:
        licences.setdefault(row["licence"], []).append(row["id"])
    notes = [f"{', '.join(ids)}: {text}" for text, ids in licences.items()]
    if any("ODbL" in text for text in licences):
        if "© OpenStreetMap contributors" not in attribution:
            attribution.append("© OpenStreetMap contributors")
        notes.insert(0, ODBL_NOTICE)
    return Credit(attribution="; ".join(attribution) or "Central Asia Critical Minerals Atlas",
                  licence=" | ".join(notes) or "MIT (Central Asia Critical Minerals Atlas)")


def export_filename(layer: str, day: date, exporter: Exporter) -> str:
    """``atlas-<layer>-<YYYY-MM-DD>.<extension>``, underscores in the layer name as hyphens."""
    return f"atlas-{layer.replace('_', '-')}-{day.isoformat()}.{exporter.extension}"


# --- GeoJSON ---------------------------------------------------------------------------------------------

def geojson_document(frame: gpd.GeoDataFrame, *, attribution: str, licence: str, id_column: str | None = None,
                     fields: tuple[Field, ...] | None = None, layer: str = "layer") -> dict:
    """Return an RFC 7946 FeatureCollection of ``frame``.

    Polygon exteriors are counter-clockwise and holes clockwise; coordinates are lon/lat rounded to
    :data:`COORDINATE_DECIMALS`; there is no ``crs`` member; list and dict values stay JSON arrays and
    objects, NaN becomes null. ``attribution`` and ``licence`` are foreign members of the collection, and
    ``id_column`` (if given) names the column whose value is each feature's ``id``.

    Raises
    ------
    CRSMismatchError
        If ``frame`` is not in EPSG:4326.
    """
    frame = _checked(frame)
    geometries = _rounded(shapely.orient_polygons(frame.geometry.to_numpy(), exterior_cw=False))
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    if fields is not None:
        records = property_rows(attributes, tuple(checked_columns(attributes.columns, fields, layer)))
    else:
        records = [{key: json_ready(value) for key, value in row.items()} for row in attributes.to_dict("records")]
    features = []
    for row, geometry in zip(records, geometries, strict=True):
        feature: dict = {"type": "Feature"}
        if id_column is not None:
            feature["id"] = row[id_column]
        feature["geometry"] = None if _missing(geometry) else shapely.geometry.mapping(geometry)
        feature["properties"] = row
        features.append(feature)
    return {"type": "FeatureCollection", "attribution": attribution, "licence": licence, "features": features}


def export_geojson(frame: gpd.GeoDataFrame, *, layer: str, attribution: str, licence: str,
                   fields: FieldsByLayer | None = None) -> bytes:
    """RFC 7946 GeoJSON (UTF-8) of ``frame``: see :func:`geojson_document`; ``fields`` maps layer names to their
    declared schemas (values then written as their types)."""
    document = geojson_document(frame, attribution=attribution, licence=licence, layer=layer,
                                fields=fields.get(layer) if fields else None)
    return json.dumps(document, ensure_ascii=False, allow_nan=False).encode("utf-8")


# --- GeoPackage ------------------------------------------------------------------------------------------

def export_gpkg(frame: gpd.GeoDataFrame, *, layer: str, attribution: str, licence: str,
                related: Mapping[str, pd.DataFrame] | None = None, fields: FieldsByLayer | None = None) -> bytes:
    """A GeoPackage with ``frame`` as layer ``layer``, each ``related`` frame as a layer of its own, and a
    non-spatial ``attribution`` table (one row per layer).

    GeoPackage version 1.2 (:data:`GPKG_VERSION`: GDAL 3.6 and QGIS 3.22 warn on every open of a 1.4 file).
    With ``fields``, columns have their declared types (REAL, INTEGER, BOOLEAN, TEXT; null where missing) and
    lists are JSON text. The dataset metadata and every layer's metadata carry ``ATTRIBUTION``
    and ``LICENCE``; a layer's ``DESCRIPTION`` (``gpkg_contents.description``) says both in one sentence.
    """
    layers = {layer: _checked(frame), **(related or {})}
    if "attribution" in layers:
        raise ExportError("a GeoPackage export cannot have a layer named 'attribution' (the credits table)")
    metadata = {"ATTRIBUTION": attribution, "LICENCE": licence}
    with tempfile.TemporaryDirectory(prefix="atlas-export-") as folder:
        path = Path(folder) / "export.gpkg"
        for position, (name, part) in enumerate(layers.items()):
            options = {"layer_metadata": {"IDENTIFIER": name, "DESCRIPTION": f"{attribution}. Licence: {licence}",
                                          **metadata}}
            if position == 0:
                options["dataset_metadata"] = {"TITLE": "Central Asia Critical Minerals Atlas export", **metadata}
                options["dataset_options"] = {"VERSION": GPKG_VERSION}
            declared = fields.get(name) if fields else None
            if isinstance(part, gpd.GeoDataFrame):
                part = _checked(part)
                table = gpd.GeoDataFrame(_attributes(part, join=None, fields=declared, layer=name),
                                         geometry=part.geometry.to_numpy(), crs=part.crs)
                pyogrio.write_dataframe(table, path, layer=name, driver="GPKG", promote_to_multi=False, **options)
            else:
                pyogrio.write_dataframe(_attributes(part, join=None, fields=declared, layer=name), path, layer=name,
                                        driver="GPKG", **options)
        credits = pd.DataFrame({"layer": list(layers), "attribution": attribution, "licence": licence})
        pyogrio.write_dataframe(credits, path, layer="attribution", driver="GPKG")
        return path.read_bytes()


# --- CSV -------------------------------------------------------------------------------------------------

def export_csv(frame: gpd.GeoDataFrame, *, layer: str, attribution: str, licence: str,
               fields: FieldsByLayer | None = None) -> bytes:
    """UTF-8 CSV, one row per feature: the attributes (lists joined with ``"; "``, dicts as JSON), then
    ``lon`` and ``lat`` when every geometry is a point (empty where there is none) and ``wkt`` always.

    GDAL's CSV driver reads the ``wkt`` column as the geometry. The file has no comment line: the attribution
    travels in the response header and docs/EXPORTS.md.
    """
    frame = _checked(frame)
    table = _attributes(frame, join="; ", fields=fields.get(layer) if fields else None, layer=layer)
    clash = sorted(set(CSV_GEOMETRY_COLUMNS) & set(table.columns))
    if clash:
        raise ExportError(f"layer {layer!r} has columns {clash}, which the CSV export writes itself")
    geometries = _rounded(frame.geometry.to_numpy())
    present = ~np.array([_missing(g) for g in geometries], dtype=bool)
    if (shapely.get_type_id(geometries[present]) == 0).all():
        table["lon"] = np.where(present, shapely.get_x(geometries), np.nan)
        table["lat"] = np.where(present, shapely.get_y(geometries), np.nan)
    table["wkt"] = [shapely.to_wkt(g, rounding_precision=COORDINATE_DECIMALS) if ok else ""
                    for g, ok in zip(geometries, present, strict=True)]
    return csv_text(table).encode("utf-8")


def csv_text(table: pd.DataFrame, **to_csv: object) -> str:
    """``table`` as CSV text (no index, ``\\n`` line ends) with formula-like text cells neutralised.

    Every CSV the web app writes goes through here. ``to_csv`` takes further :meth:`pandas.DataFrame.to_csv`
    options (e.g. ``float_format``).
    """
    return neutralise_formulas(table).to_csv(index=False, lineterminator="\n", **to_csv)


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` in which every text cell starting with one of :data:`FORMULA_PREFIXES` has a leading
    single quote, as OWASP recommends against CSV (formula) injection, so Excel and LibreOffice show it as text.

    Only ``str`` values in text (object or string dtype) columns change; numeric columns stay numeric, so a
    negative number in a float column is still written as a number. Column names are the atlas's own and
    are left as they are.
    """
    out = table.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype):
            # Not Series.map: it would turn None into NaN.
            out[column] = pd.Series([_neutralised(v) for v in values], index=values.index, dtype=values.dtype)
    return out


def _neutralised(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# --- KML -------------------------------------------------------------------------------------------------

def export_kml(frame: gpd.GeoDataFrame, *, layer: str, attribution: str, licence: str,
               fields: FieldsByLayer | None = None) -> bytes:
    """KML (LIBKML driver where GDAL has it, else KML): each placemark's name is the ``name`` column (else the
    first column), the other columns its extended data; the document description holds the attribution and
    licence (LIBKML only). Lists are joined with ``"; "``, dicts are JSON.
    """
    frame = _checked(frame)
    table = _attributes(frame, join="; ", fields=fields.get(layer) if fields else None, layer=layer)
    for column in table.columns:  # LIBKML declares 64-bit integers as text; 32 bits hold every count here
        if str(table[column].dtype) in ("int64", "Int64"):
            largest = table[column].abs().max()
            if pd.isna(largest) or largest < 2**31:
                table[column] = table[column].astype("Int32" if table[column].isna().any() else "int32")
    if "name" not in table.columns and len(table.columns):
        table.insert(0, "name", table.iloc[:, 0].astype(str))
    libkml = "LIBKML" in pyogrio.list_drivers(write=True)
    options = {"dataset_options": {"NAME": f"Central Asia Critical Minerals Atlas: {layer}",
                                   "DESCRIPTION": f"{attribution}\nLicence: {licence}"}} if libkml else {}
    output = gpd.GeoDataFrame(table, geometry=frame.geometry.to_numpy(), crs=frame.crs)
    with tempfile.TemporaryDirectory(prefix="atlas-export-") as folder:
        path = Path(folder) / f"{layer}.kml"
        pyogrio.write_dataframe(output, path, layer=layer, driver="LIBKML" if libkml else "KML", **options)
        return path.read_bytes()


# --- Shapefile -------------------------------------------------------------------------------------------

#: Geometry type id (shapely) -> the one shapefile type family it belongs to.
_FAMILIES = {0: "point", 4: "point", 1: "line", 2: "line", 5: "line", 3: "polygon", 6: "polygon",
             7: "geometry collection"}


def shapefile_field_names(columns: Iterable[str]) -> dict[str, str]:
    """Map column names to unique dBASE field names of at most 10 characters, deterministically.

    A name in :data:`SHAPEFILE_FIELD_NAMES` takes its listed name; any other keeps its first 10 characters.
    When a name is already taken (compared case-insensitively, as dBASE does), its tail is replaced by
    ``_2``, ``_3`` ... in column order.
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        base = SHAPEFILE_FIELD_NAMES.get(column, column)[:DBF_NAME_LENGTH]
        name, number = base, 1
        while name.lower() in taken:
            number += 1
            suffix = f"_{number}"
            name = base[:DBF_NAME_LENGTH - len(suffix)] + suffix
        taken.add(name.lower())
        names[column] = name
    return names


def export_shapefile(frame: gpd.GeoDataFrame, *, layer: str, attribution: str, licence: str,
                     fields: FieldsByLayer | None = None) -> bytes:
    """A zip of ``<layer>.shp/.shx/.dbf/.prj/.cpg`` (UTF-8) with ``FIELDS.txt`` and ``ATTRIBUTION.txt``.

    Field names follow :func:`shapefile_field_names`; lists are joined with ``"; "``, dicts are JSON; text
    longer than 254 bytes is cut (and counted in FIELDS.txt). A shapefile holds one geometry type and no
    empty geometry, so rows without one go to the table ``<layer>_unlocated.dbf``; an empty result is a
    ``<layer>.dbf`` with the fields only.

    Raises
    ------
    ExportError
        If the geometries mix points, lines and polygons.
    """
    frame = _checked(frame)
    table, cut = _fit_dbf_text(_attributes(frame, join="; ", fields=fields.get(layer) if fields else None,
                                           layer=layer))
    names = shapefile_field_names(table.columns)
    table = table.rename(columns=names)
    geometries = frame.geometry.to_numpy()
    located = ~np.array([_missing(g) for g in geometries], dtype=bool)
    families = {_FAMILIES[int(kind)] for kind in shapely.get_type_id(geometries[located])}
    if len(families) > 1 or "geometry collection" in families:
        raise ExportError(f"layer {layer!r} mixes geometry types {sorted(families)}; a shapefile holds one")
    with tempfile.TemporaryDirectory(prefix="atlas-export-") as folder:
        root = Path(folder)
        if located.any():
            shapes = gpd.GeoDataFrame(table[located].reset_index(drop=True), crs=frame.crs,
                                      geometry=geometries[located])
            pyogrio.write_dataframe(shapes, root / f"{layer}.shp", driver="ESRI Shapefile")
        if (~located).any() or not len(table):
            stem = f"{layer}_unlocated" if len(table) else layer
            pyogrio.write_dataframe(table[~located].reset_index(drop=True), root / f"{stem}.dbf",
                                    driver="ESRI Shapefile")
        notes = {"FIELDS.txt": _fields_text(layer, names, cut, int((~located).sum()), len(table)),
                 "ATTRIBUTION.txt": f"{layer}\n\nAttribution: {attribution}\n\nLicence: {licence}\n\n"
                                    "Coordinates: WGS84 longitude/latitude (EPSG:4326).\n"}
        return _zip(root, notes)


def _fields_text(layer: str, names: dict[str, str], cut: dict[str, int], unlocated: int, rows: int) -> str:
    files = f"{layer}.shp" if rows > unlocated else f"{layer}.dbf"
    if unlocated and rows > unlocated:
        files += f" and {layer}_unlocated.dbf"
    lines = [f"Field names of {files} (dBASE field names have at most {DBF_NAME_LENGTH} characters).", "",
             "column -> field", *[f"{column} -> {field}" for column, field in names.items()], "",
             'Lists are written as text joined with "; ", other structured values as JSON text.']
    if cut:
        lines.append(f"Text longer than {DBF_TEXT_BYTES} bytes (the dBASE limit) was cut: "
                     + ", ".join(f"{column} ({n} rows)" for column, n in cut.items())
                     + ". The GeoPackage export keeps every value whole.")
    if unlocated:
        lines.append(f"{unlocated} of {rows} rows have no location: they are in {layer}_unlocated.dbf, a table "
                     "without geometry (a shapefile holds one geometry type and no empty geometries).")
    return "\n".join(lines) + "\n"


def _fit_dbf_text(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Cut text to 254 UTF-8 bytes at a character boundary; count the cut values per column."""
    cut: dict[str, int] = {}
    for column in table.columns:
        if not (pd.api.types.is_object_dtype(table[column]) or pd.api.types.is_string_dtype(table[column])):
            continue
        too_long = table[column].map(lambda v: isinstance(v, str) and len(v.encode("utf-8")) > DBF_TEXT_BYTES)
        if too_long.any():
            cut[column] = int(too_long.sum())
            table[column] = table[column].map(
                lambda v: v.encode("utf-8")[:DBF_TEXT_BYTES].decode("utf-8", "ignore") if isinstance(v, str) else v)
    return table, cut


def _zip(root: Path, texts: dict[str, str]) -> bytes:
    with tempfile.SpooledTemporaryFile() as buffer:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.iterdir()):
                archive.write(path, path.name)
            for name, text in texts.items():
                archive.writestr(name, text.encode("utf-8"))
        buffer.seek(0)
        return buffer.read()


# --- GeoTIFF ------------------------------------------------------------------------------------------

#: What a GIS client calls the analysis rasters' CRS. The rasters are in the region's Lambert azimuthal equal-area
#: projection (``layers.schema.METRIC_CRS``), which has no EPSG or ESRI code; written from a PROJ string it is
#: "unknown" in QGIS. Downloads carry it under this name, on the WGS 84 geographic CRS (EPSG:4326).
METRIC_CRS_NAME = "WGS 84 / Central Asia Lambert Azimuthal Equal Area (43N 65E)"


def named_metric_crs_wkt() -> str:
    """WKT2 of ``layers.schema.METRIC_CRS`` named :data:`METRIC_CRS_NAME`, its base CRS EPSG:4326."""
    definition = pyproj.CRS(METRIC_CRS).to_json_dict()
    definition["name"] = METRIC_CRS_NAME
    definition["base_crs"] = pyproj.CRS("EPSG:4326").to_json_dict()
    return pyproj.CRS.from_json_dict(definition).to_wkt()


def geotiff_with_named_crs(path: Path) -> bytes:
    """The bytes of the GeoTIFF at ``path`` with its CRS named (see :data:`METRIC_CRS_NAME`) when it is the
    atlas's metric CRS; pixels, grid and tags unchanged (only the GeoTIFF keys are rewritten, in a copy).

    Raises
    ------
    CRSMismatchError
        If the raster is in another CRS than ``layers.schema.METRIC_CRS`` or EPSG:4326.
    """
    with tempfile.TemporaryDirectory(prefix="atlas-export-") as folder:
        copy = Path(folder) / path.name
        shutil.copyfile(path, copy)
        with rasterio.open(copy, "r+") as raster:
            if raster.crs is not None and pyproj.CRS(raster.crs.to_wkt()).equals(pyproj.CRS(METRIC_CRS)):
                raster.crs = rasterio.crs.CRS.from_wkt(named_metric_crs_wkt())
            elif raster.crs is None or not pyproj.CRS(raster.crs.to_wkt()).equals(pyproj.CRS(STORE_CRS)):
                raise CRSMismatchError(f"{path.name} is in {raster.crs}, not the atlas's metric CRS")
        return copy.read_bytes()


# --- shared helpers --------------------------------------------------------------------------------------

def _checked(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(f"an export needs a GeoDataFrame, got {type(frame).__name__}")
    if frame.crs is None or not frame.crs.equals(STORE_CRS):
        raise CRSMismatchError(f"exports are written in {STORE_CRS}; the frame is in {frame.crs}")
    if frame.columns.duplicated().any():
        raise ExportError(f"duplicate column names: {sorted(set(frame.columns[frame.columns.duplicated()]))}")
    return frame


def _attributes(frame: pd.DataFrame, *, join: str | None, fields: tuple[Field, ...] | None = None,
                layer: str = "layer") -> pd.DataFrame:
    """The attribute columns with structured values as text: lists of strings joined with ``join`` (JSON when
    None); any other list or dict as JSON. With ``fields`` (the layer's declared schema), each column has its
    declared type (see :func:`webapp.ogc.schema.typed_table`) and a column the schema lacks is an error."""
    columns = [c for c in frame.columns if not isinstance(frame, gpd.GeoDataFrame) or c != frame.geometry.name]
    if fields is not None:
        return typed_table(pd.DataFrame(frame[columns]), fields, layer=layer, join=join)
    table = pd.DataFrame(frame[columns]).reset_index(drop=True)
    for column in table.columns:
        values = table[column]
        if values.dtype == object and values.map(lambda v: isinstance(v, list | tuple | dict)).any():
            table[column] = values.map(lambda v: _as_text(v, join))
    return table


def _as_text(value, join: str | None):
    if isinstance(value, list | tuple) and join is not None and all(isinstance(v, str) for v in value):
        return join.join(value)
    if isinstance(value, list | tuple | dict):
        return json.dumps(json_ready(value), ensure_ascii=False, allow_nan=False)
    return value


def _missing(geometry) -> bool:
    return geometry is None or geometry.is_empty


def _rounded(geometries: np.ndarray) -> np.ndarray:
    return shapely.transform(geometries, lambda xy: np.round(xy, COORDINATE_DECIMALS))


#: Every download format, by the value of the ``f`` parameter.
EXPORTERS: dict[str, Exporter] = {
    "geojson": Exporter("application/geo+json", "geojson", "GeoJSON", export_geojson),
    "gpkg": Exporter("application/geopackage+sqlite3", "gpkg", "GeoPackage", export_gpkg, multi_layer=True),
    "csv": Exporter("text/csv", "csv", "CSV", export_csv),
    "kml": Exporter("application/vnd.google-earth.kml+xml", "kml", "KML", export_kml),
    "shp": Exporter("application/zip", "shp.zip", "Shapefile (zip)", export_shapefile),
}
