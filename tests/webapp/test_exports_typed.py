"""Every written field is declared, and every export round-trips with its declared type.

The declared fields (``webapp.ogc.fields``) are the one schema of each layer: GeoJSON of ``/ogc`` and ``/api``
must validate against it (a written field missing from the schema, or of another type, fails), and each
download read back by GDAL (GeoPackage, Shapefile, KML) or pandas (CSV) has a numeric column for each numeric
field, lists as JSON text (GeoPackage) or ``"; "``-joined text (CSV, Shapefile, KML), and nulls where values are
missing (never ``""``).
"""

from __future__ import annotations

import io
import json
import subprocess
import zipfile

import geopandas as gpd
import jsonschema_rs
import pandas as pd
import pyogrio
import pyproj
import pytest
import rasterio
import shapely

from layers.schema import METRIC_CRS
from webapp.exports import EXPORTERS, METRIC_CRS_NAME, shapefile_field_names
from webapp.ogc.collections import COLLECTIONS
from webapp.ogc.fields import LAYER_FIELDS
from webapp.ogc.schema import Field, UndeclaredFieldError, typed_table, validating_schema

pytestmark = pytest.mark.integration

#: Download endpoints and the layer each writes.
DOWNLOADS = [("/api/sites", "sites"), ("/api/countries", "countries"), ("/api/corridors", "corridors"),
             ("/api/corridors/segments", "corridor_segments"), ("/api/corridors/buffers", "corridor_buffers"),
             ("/api/gateways", "gateways"), ("/api/licences", "licences"), ("/api/facilities", "facilities")]
#: pyogrio dtypes of each declared type in a file format with typed columns.
GDAL_DTYPES = {"number": {"float64"}, "integer": {"int32", "int64"}, "boolean": {"bool"},
               "string": {"object"}, "string-list": {"object"}, "json": {"object"}}


def _validator(fields: tuple[Field, ...]) -> jsonschema_rs.Draft201909Validator:
    props = {f.name: f.json_schema() for f in fields}
    return jsonschema_rs.Draft201909Validator(validating_schema(
        {"type": "object", "properties": props, "additionalProperties": False}))


def _errors(validator, features: list[dict]) -> list[str]:
    return [f"{f.get('id')}: {e.message}" for f in features for e in validator.iter_errors(f["properties"])][:5]


# --- the schema is the contract of what is written ------------------------------------------------------------

@pytest.mark.parametrize("collection_id", list(COLLECTIONS))
def test_every_ogc_feature_validates_against_its_collection_schema(client, collection_id):
    schema = client.get(f"/ogc/collections/{collection_id}/schema")
    assert schema.mimetype == "application/schema+json"
    validator = jsonschema_rs.Draft201909Validator(validating_schema(schema.get_json()))
    body = client.get(f"/ogc/collections/{collection_id}/items?limit=10000").get_json()
    assert body["features"] and [e.message for f in body["features"] for e in validator.iter_errors(f)][:5] == []


@pytest.mark.parametrize(("url", "layer"), [(u, layer) for u, layer in DOWNLOADS if layer != "corridor_buffers"])
def test_every_geojson_download_validates_against_its_layer_schema(client, url, layer):
    body = json.loads(client.get(url + "?f=geojson").data)
    assert body["features"] and _errors(_validator(LAYER_FIELDS[layer]), body["features"]) == []


def test_api_sites_validates_and_writes_missing_values_as_null(client):
    features = client.get("/api/sites").get_json()["features"]
    assert _errors(_validator(LAYER_FIELDS["sites"]), features) == []
    values = [v for f in features for v in f["properties"].values()]
    assert "" not in values and [] not in values and any(v is None for v in values)


def test_a_column_the_schema_does_not_declare_is_an_error():
    frame = pd.DataFrame({"site_id": ["a"], "secret": [1]})
    with pytest.raises(UndeclaredFieldError, match=r"layer 'sites' writes columns its schema does not declare: "
                                                   r"\['secret'\]"):
        typed_table(frame, LAYER_FIELDS["sites"], layer="sites", join=None)


def test_a_value_of_the_wrong_type_fails_the_schema():
    validator = _validator(LAYER_FIELDS["corridors"])
    bad = {"type": "Feature", "id": "x", "properties": {"corridor_id": "x", "length_km": "12.5"}}
    assert _errors(validator, [bad]) == ['x: "12.5" is not of types "null", "number"']


@pytest.mark.parametrize(("value", "kind", "written"), [
    ("", "string", None), ("KZ", "string", "KZ"), ([], "string-list", None), (["W", "Mo"], "string-list", ["W", "Mo"]),
    (float("nan"), "number", None), ("3.5", "number", 3.5), (2.0, "integer", 2), (None, "json", None),
])
def test_field_values_are_written_as_their_type(value, kind, written):
    assert Field("f", kind, "a field").value(value) == written


# --- every export reads back with the declared types ------------------------------------------------------------

def _declared(layer: str, columns) -> dict[str, Field]:
    index = {f.name: f for f in LAYER_FIELDS[layer]}
    return {c: index[c] for c in columns if c in index}


def _read_gpkg(data: bytes, layer: str, tmp_path) -> tuple[dict, pd.DataFrame]:
    path = tmp_path / "export.gpkg"
    path.write_bytes(data)
    info = pyogrio.read_info(path, layer=layer)
    return dict(zip(info["fields"], info["dtypes"], strict=True)), pyogrio.read_dataframe(path, layer=layer)


@pytest.mark.parametrize(("url", "layer"), DOWNLOADS)
def test_geopackage_round_trips_with_the_declared_types(client, tmp_path, url, layer):
    dtypes, frame = _read_gpkg(client.get(url + "?f=gpkg").data, layer, tmp_path)
    fields = _declared(layer, dtypes)
    assert set(dtypes) == set(fields)  # every column declared
    assert {n: dtypes[n] for n in fields} == {n: next(iter(GDAL_DTYPES[f.type] & {dtypes[n]}), f.type)
                                              for n, f in fields.items()}
    for name, f in fields.items():
        present = frame[name].dropna()
        if f.type == "string-list":
            assert all(isinstance(json.loads(v), list) and json.loads(v) for v in present), name
        if f.type == "string":
            assert "" not in set(present), name


def test_geopackage_source_records_layer_is_typed_too(client, tmp_path):
    dtypes, frame = _read_gpkg(client.get("/api/sites?f=gpkg&country=KG").data, "source_records", tmp_path)
    assert (dtypes["location_precision_km"], dtypes["aliases"]) == ("float64", "object")
    assert set(dtypes) == set(_declared("source_records", dtypes))
    assert all(isinstance(json.loads(v), list) for v in frame["commodities"].dropna())


@pytest.mark.parametrize(("url", "layer"), DOWNLOADS)
def test_csv_round_trips_numbers_as_numbers_and_lists_as_joined_text(client, url, layer):
    table = pd.read_csv(io.BytesIO(client.get(url + "?f=csv").data), keep_default_na=True)
    fields = _declared(layer, table.columns)
    assert set(table.columns) - set(fields) <= {"lon", "lat", "wkt"}
    for name, f in fields.items():
        if f.type in ("number", "integer"):
            assert pd.api.types.is_numeric_dtype(table[name]), name
        if f.type == "string-list" and table[name].notna().any():
            joined = table[name].dropna()
            assert joined.map(lambda v: isinstance(v, str) and not v.startswith("[")).all(), name


def _shapefile(data: bytes, layer: str, tmp_path) -> tuple[dict, pd.DataFrame]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
    candidates = [tmp_path / f"{layer}.shp", tmp_path / f"{layer}_unlocated.dbf", tmp_path / f"{layer}.dbf"]
    path = next(p for p in candidates if p.exists())
    info = pyogrio.read_info(path)
    return dict(zip(info["fields"], info["dtypes"], strict=True)), pyogrio.read_dataframe(path)


@pytest.mark.parametrize(("url", "layer"), DOWNLOADS)
def test_shapefile_round_trips_numeric_fields_as_numeric_columns(client, tmp_path, url, layer):
    dtypes, frame = _shapefile(client.get(url + "?f=shp").data, layer, tmp_path)
    columns = pd.read_csv(io.BytesIO(client.get(url + "?f=csv").data), nrows=0).columns
    names = shapefile_field_names([c for c in columns if c not in ("lon", "lat", "wkt")])
    fields = {names[c]: f for c, f in _declared(layer, columns).items()}
    assert set(dtypes) == set(fields)
    numeric = {n: dtypes[n] for n, f in fields.items() if f.type in ("number", "integer")}
    assert numeric == {n: ("float64" if fields[n].type == "number" else dtypes[n]) for n in numeric}
    assert all(dtypes[n] in ("int32", "int64", "float64") for n in numeric)


@pytest.mark.parametrize(("url", "layer"), [("/api/sites", "sites"), ("/api/corridors", "corridors"),
                                            ("/api/facilities", "facilities")])
def test_kml_round_trips_numeric_fields_as_numbers(client, tmp_path, url, layer):
    path = tmp_path / "export.kml"
    path.write_bytes(client.get(url + "?f=kml").data)
    info = pyogrio.read_info(path)
    dtypes = dict(zip(info["fields"], info["dtypes"], strict=True))
    numeric = [f.name for f in LAYER_FIELDS[layer] if f.type in ("number", "integer") and f.name in dtypes]
    assert numeric and {n: dtypes[n] in ("float64", "int32", "int64") for n in numeric} == dict.fromkeys(numeric, True)


def test_typed_table_keeps_integers_whole_and_nulls_null():
    frame = gpd.GeoDataFrame({"distance_km": [50, 100]}, geometry=[shapely.Point(0, 0)] * 2, crs="EPSG:4326")
    table = typed_table(frame, LAYER_FIELDS["corridor_buffers"], layer="corridor_buffers", join=None)
    assert (str(table["distance_km"].dtype), table["distance_km"].tolist()) == ("Int64", [50, 100])
    assert list(EXPORTERS) == ["geojson", "gpkg", "csv", "kml", "shp"]


# --- GeoTIFF: a CRS a GIS client can name ------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["distance_to_corridor", "access_cost"])
def test_geotiff_downloads_name_their_crs_on_the_epsg_4326_datum(client, real_app, tmp_path, name):
    path = tmp_path / f"{name}.tif"
    path.write_bytes(client.get(f"/downloads/{name}.tif").data)
    source = real_app.extensions["atlas"].analysis.rasters_dir / f"{name}.tif"
    with rasterio.open(path) as raster, rasterio.open(source) as original:
        crs = pyproj.CRS(raster.crs.to_wkt())
        assert (crs.name, crs.geodetic_crs.to_epsg()) == (METRIC_CRS_NAME, 4326)
        assert crs.equals(pyproj.CRS(METRIC_CRS), ignore_axis_order=True)
        assert (raster.transform, raster.shape, raster.tags()) == (original.transform, original.shape,
                                                                   original.tags())
        assert (raster.read(1, masked=True) == original.read(1, masked=True)).all()
    # Debian's GDAL 3.6 (what QGIS 3.22 uses) reads the name back, not "unknown".
    info = subprocess.run(["gdalinfo", str(path)], capture_output=True, text=True, check=True, timeout=60).stdout
    assert f'PROJCRS["{METRIC_CRS_NAME}"' in info and 'ID["EPSG",4326]' in info
