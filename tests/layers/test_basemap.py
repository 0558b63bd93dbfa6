"""Tests for the base-map loaders (Natural Earth towns, lakes, rivers) on tiny files and on the staged data."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon, box

from layers.basemap.places import load_places
from layers.basemap.stage import build_basemap
from layers.basemap.water import load_lakes, load_rivers
from layers.errors import ColumnMappingError, SourceFormatError
from layers.manifest import Source
from layers.schema import BASEMAP_BBOX_WGS84, LAKES, PLACES, RIVERS, STORE_CRS
from layers.store import read_store

PLACES_SOURCE = Source(id="populated_places_ne10m", title="t", publisher="p", licence="l", attribution="a", url="u",
                       root="raw", files=("geo/places.geojson",), loader="places")
LAKES_SOURCE = Source(id="lakes_ne10m", title="t", publisher="p", licence="l", attribution="a", url="u",
                      root="raw", files=("geo/lakes.geojson",), loader="lakes")
RIVERS_SOURCE = Source(id="rivers_ne10m", title="t", publisher="p", licence="l", attribution="a", url="u",
                       root="raw", files=("geo/rivers.geojson",), loader="rivers")

BISHKEK, NARYN, CAIRO = Point(74.58, 42.87), Point(76.0, 41.43), Point(31.25, 30.05)


def _write(path: Path, columns: dict, geometries: list) -> Path:
    gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(geometries, crs=STORE_CRS), crs=STORE_CRS).to_file(path)
    return path


def test_places_keep_names_ranks_and_capitals_inside_the_region(tmp_path: Path) -> None:
    # Natural Earth 4 spells most fields in capitals and min_zoom in lower case; Cairo lies outside the region.
    path = _write(tmp_path / "places.geojson",
                  {"NAME": ["Naryn", "Bishkek", "Cairo"], "NAME_EN": ["Naryn", "Bishkek", "Cairo"],
                   "NAME_RU": ["Нарын", "Бишкек", "Каир"], "ISO_A2": ["KG", "KG", "EG"], "SCALERANK": [8, 3, 0],
                   "min_zoom": [7.0, 5.0, 2.0], "POP_MAX": [52300, 900000, 11893000], "ADM0CAP": [0.0, 1.0, 1.0],
                   "GEONAMEID": [1527590.0, 1528675.0, 360630.0]},
                  [NARYN, BISHKEK, CAIRO])
    expected = gpd.GeoDataFrame(
        pd.DataFrame({"place_id": ["ne:1528675", "ne:1527590"], "name": ["Bishkek", "Naryn"],
                      "name_en": ["Bishkek", "Naryn"], "name_ru": ["Бишкек", "Нарын"], "country": ["KG", "KG"],
                      "scalerank": [3, 8], "min_zoom": [5.0, 7.0], "population": [900000, 52300],
                      "capital": [True, False]}),
        geometry=gpd.GeoSeries([BISHKEK, NARYN], crs=STORE_CRS), crs=STORE_CRS)
    assert_geodataframe_equal(load_places([path], PLACES_SOURCE), expected)


def test_places_without_a_needed_field_name_it(tmp_path: Path) -> None:
    path = _write(tmp_path / "places.geojson", {"NAME": ["Bishkek"], "SCALERANK": [3]}, [BISHKEK])
    with pytest.raises(ColumnMappingError, match=r"places.geojson: missing Natural Earth populated places fields "
                                                 r"\['MIN_ZOOM'\]"):
        load_places([path], PLACES_SOURCE)


def test_a_place_that_is_not_a_point_is_refused_naming_its_row(tmp_path: Path) -> None:
    path = _write(tmp_path / "places.geojson", {"NAME": ["Bishkek", "Area"], "SCALERANK": [3, 5], "MIN_ZOOM": [5, 6]},
                  [BISHKEK, box(74, 42, 75, 43)])
    with pytest.raises(SourceFormatError, match=r"row 2: a populated place must be a Point, got Polygon"):
        load_places([path], PLACES_SOURCE)


def test_lakes_are_cut_at_the_region_edge_as_multipolygons(tmp_path: Path) -> None:
    west = BASEMAP_BBOX_WGS84[0]
    inside = Polygon([(76.0, 42.2), (78.0, 42.2), (78.0, 42.8), (76.0, 42.8)])
    across = Polygon([(west - 2, 40.0), (west + 1, 40.0), (west + 1, 41.0), (west - 2, 41.0)])
    path = _write(tmp_path / "lakes.geojson", {"name": ["Issyk-Kul", None], "scalerank": [2, 6],
                                               "min_zoom": [2.0, None], "featurecla": ["Alkaline Lake", "Lake"]},
                  [inside, across])
    lakes = load_lakes([path], LAKES_SOURCE)
    assert lakes.drop(columns="geometry").to_dict("records") == [
        {"lake_id": "lakes_ne10m:1", "name": "Issyk-Kul", "name_ru": "", "kind": "Alkaline Lake", "scalerank": 2,
         "min_zoom": 2.0},
        {"lake_id": "lakes_ne10m:2", "name": "", "name_ru": "", "kind": "Lake", "scalerank": 6, "min_zoom": 7.0}]
    assert list(lakes.geom_type) == ["MultiPolygon", "MultiPolygon"]
    assert lakes.geometry.iloc[1].bounds == (west, 40.0, west + 1, 41.0)


def test_rivers_load_as_multilinestrings_with_russian_names(tmp_path: Path) -> None:
    path = _write(tmp_path / "rivers.geojson", {"name": ["Naryn"], "name_ru": ["Нарын"], "scalerank": [5],
                                                "min_zoom": [5.0], "featurecla": ["River"]},
                  [LineString([(73.0, 41.0), (76.0, 41.4)])])
    rivers = load_rivers([path], RIVERS_SOURCE)
    assert rivers.drop(columns="geometry").to_dict("records") == [
        {"river_id": "rivers_ne10m:1", "name": "Naryn", "name_ru": "Нарын", "kind": "River", "scalerank": 5,
         "min_zoom": 5.0}]
    assert rivers.geometry.iloc[0].equals(MultiLineString([[(73.0, 41.0), (76.0, 41.4)]]))


def test_a_layer_without_sources_is_empty_with_its_schema() -> None:
    layers = build_basemap({})
    assert {name: list(frame.columns) for name, frame in layers.items()} == {
        "places": [*PLACES.column_names, "geometry"], "lakes": [*LAKES.column_names, "geometry"],
        "rivers": [*RIVERS.column_names, "geometry"]}
    assert all(len(frame) == 0 for frame in layers.values())


@pytest.mark.integration
def test_the_staged_towns_and_lakes_are_in_the_store_clipped_to_the_region(real_store: Path) -> None:
    store = read_store(real_store)
    places = store.places.set_index("name_en")
    assert len(store.places) == 488 and len(store.lakes) == 125 and len(store.rivers) == 0
    assert places.loc["Bishkek", "name_ru"] == "Бишкек" and bool(places.loc["Bishkek", "capital"])
    assert places.loc["Almaty", "name_ru"] == "Алма-Ата"
    assert round(places.loc["Tashkent"].geometry.x, 2) == 69.29 and round(places.loc["Tashkent"].geometry.y, 2) == 41.31
    issyk_kul = store.lakes[store.lakes["name"] == "Issyk-Kul"]
    assert len(issyk_kul) == 1 and issyk_kul.geometry.iloc[0].contains(Point(77.3, 42.45))
    region = box(*BASEMAP_BBOX_WGS84)
    assert store.places.geometry.within(region).all() and store.lakes.geometry.covered_by(region).all()
    assert isinstance(issyk_kul.geometry.iloc[0], MultiPolygon)
    sources = store.sources.set_index("id")
    assert sources.loc["populated_places_ne10m", "status"] == "used"
    assert sources.loc["rivers_ne10m", "status"] == "skipped"
