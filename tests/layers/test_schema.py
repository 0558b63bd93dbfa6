"""Tests for the layer contracts: validate() and LayerSchema.empty()."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon

from layers.errors import SchemaError
from layers.schema import SCHEMAS, STORE_CRS, Column, LayerSchema, validate

POINTS = LayerSchema(
    name="demo_points",
    geometry_type="Point",
    columns=(
        Column("name", "str", "a name"),
        Column("value_km", "float", "a required number"),
        Column("radius_km", "float", "an optional number", nullable=True),
        Column("tags", "list", "strings"),
        Column("extra", "json", "anything JSON"),
    ),
)
NULLABLE_POINTS = LayerSchema(
    name="demo_nullable_points", geometry_type="Point", geometry_nullable=True, columns=POINTS.columns
)
POLYGONS = LayerSchema(name="demo_polygons", geometry_type="Polygon", columns=(Column("name", "str", "a name"),))
TABLE = LayerSchema(name="demo_table", geometry_type=None, columns=(Column("name", "str", "a name"),))

COLUMNS = {"name": ["Kutessai-II"], "value_km": [1.5], "radius_km": [math.nan], "tags": [["REE"]],
           "extra": [{"ore_tonnes": 1.0}]}


def _points(geometry: object = None, crs: str | None = STORE_CRS, **changes: list) -> gpd.GeoDataFrame:
    columns = {**COLUMNS, **changes}
    geometry = Point(76.166667, 42.666667) if geometry is None else geometry
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([geometry], crs=crs), crs=crs)


def _message(exc_info: pytest.ExceptionInfo) -> str:
    return str(exc_info.value)


def test_a_frame_meeting_its_contract_passes() -> None:
    validate(_points(), POINTS, what="demo")


def test_a_null_geometry_passes_where_the_schema_allows_it() -> None:
    frame = gpd.GeoDataFrame(COLUMNS, geometry=gpd.GeoSeries([None], crs=STORE_CRS), crs=STORE_CRS)
    validate(frame, NULLABLE_POINTS, what="demo")


@pytest.mark.parametrize(
    ("columns", "detail"),
    [
        (["name", "value_km", "radius_km", "tags"], "missing ['extra'], unexpected []"),
        (["name", "value_km", "radius_km", "tags", "extra", "colour"], "missing [], unexpected ['colour']"),
        (["value_km", "name", "radius_km", "tags", "extra"], "missing [], unexpected []"),
    ],
    ids=["missing", "extra", "reordered"],
)
def test_columns_must_match_the_contract_exactly(columns: list[str], detail: str) -> None:
    frame = _points(colour=["red"])[[*columns, "geometry"]]
    with pytest.raises(SchemaError) as exc_info:
        validate(frame, POINTS, what="demo")
    assert _message(exc_info) == (
        f"demo: columns do not match the demo_points contract ({detail}, expected order "
        "['name', 'value_km', 'radius_km', 'tags', 'extra'])"
    )


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("name", 3.0, "column 'name' should be str, got float 3.0"),
        ("name", None, "column 'name' should be str, got NoneType None"),
        ("value_km", "1.5", "column 'value_km' should be float, got str '1.5'"),
        ("value_km", True, "column 'value_km' should be float, got bool True"),
        ("tags", "REE", "column 'tags' should be list, got str 'REE'"),
        ("tags", ["REE", 3], "column 'tags' should be list, got list ['REE', 3]"),
        ("extra", '{"ore_tonnes": 1}', "column 'extra' should be json, got str '{\"ore_tonnes\": 1}'"),
        ("extra", 1.0, "column 'extra' should be json, got float 1.0"),
    ],
    ids=["str-float", "str-none", "float-str", "float-bool", "list-str", "list-non-str-item", "json-str",
         "json-float"],
)
def test_a_value_of_the_wrong_kind_is_refused(column: str, value: object, message: str) -> None:
    frame = _points()
    frame[column] = pd.Series([value], dtype=object)
    with pytest.raises(SchemaError) as exc_info:
        validate(frame, POINTS, what="demo")
    assert _message(exc_info) == f"demo: row 0: {message}"


def test_nan_in_a_non_nullable_float_is_refused() -> None:
    with pytest.raises(SchemaError) as exc_info:
        validate(_points(value_km=[math.nan]), POINTS, what="demo")
    assert _message(exc_info) == "demo: row 0: column 'value_km' is NaN but not nullable"


@pytest.mark.parametrize("crs", ["EPSG:3857", None], ids=["web-mercator", "none"])
def test_a_crs_other_than_the_store_crs_is_refused(crs: str | None) -> None:
    with pytest.raises(SchemaError) as exc_info:
        validate(_points(crs=crs), POINTS, what="demo")
    assert _message(exc_info) == f"demo: CRS is {crs}, expected EPSG:4326"


def test_a_geometry_of_another_type_is_refused() -> None:
    frame = _points(geometry=LineString([(76.0, 42.0), (76.5, 42.5)]))
    with pytest.raises(SchemaError) as exc_info:
        validate(frame, POINTS, what="demo")
    assert _message(exc_info) == "demo: expected Point geometries, found ['LineString']"


@pytest.mark.parametrize("geometry", [None, Point()], ids=["none", "empty"])
def test_a_missing_geometry_is_refused_where_not_allowed(geometry: Point | None) -> None:
    frame = gpd.GeoDataFrame(COLUMNS, geometry=gpd.GeoSeries([geometry], crs=STORE_CRS), crs=STORE_CRS)
    with pytest.raises(SchemaError) as exc_info:
        validate(frame, POINTS, what="demo")
    assert _message(exc_info) == "demo: 1 rows have no geometry"


def test_an_invalid_geometry_is_refused() -> None:
    bowtie = Polygon([(60, 40), (61, 41), (61, 40), (60, 41), (60, 40)])
    frame = gpd.GeoDataFrame({"name": ["bowtie"]}, geometry=gpd.GeoSeries([bowtie], crs=STORE_CRS), crs=STORE_CRS)
    with pytest.raises(SchemaError) as exc_info:
        validate(frame, POLYGONS, what="demo")
    assert _message(exc_info) == "demo: 1 invalid geometries (first at index 0)"


def test_a_spatial_schema_needs_a_geodataframe() -> None:
    frame = pd.DataFrame(COLUMNS)
    with pytest.raises(SchemaError) as exc_info:
        validate(frame, POINTS, what="demo")
    assert _message(exc_info) == "demo: expected a GeoDataFrame for the spatial layer demo_points"


def test_a_table_schema_refuses_geometry() -> None:
    frame = gpd.GeoDataFrame({"name": ["x"]}, geometry=gpd.GeoSeries([Point(60, 40)], crs=STORE_CRS))
    with pytest.raises(SchemaError) as exc_info:
        validate(frame, TABLE, what="demo")
    assert _message(exc_info) == "demo: demo_table is a table without geometry"


@pytest.mark.parametrize("schema", [*SCHEMAS.values(), POINTS, TABLE], ids=lambda s: s.name)
def test_empty_keeps_the_columns_and_crs_and_passes_validate(schema: LayerSchema) -> None:
    empty = schema.empty()
    validate(empty, schema, what="empty")
    spatial = schema.geometry_type is not None
    assert (len(empty), list(empty.columns), isinstance(empty, gpd.GeoDataFrame)) == (
        0, [*schema.column_names, *(["geometry"] if spatial else [])], spatial
    )
    if spatial:
        assert empty.crs == gpd.GeoSeries([], crs=STORE_CRS).crs
