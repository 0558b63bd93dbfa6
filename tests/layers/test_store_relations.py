"""Tests that the store round-trips the relation layers and writes them empty when a build has none."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import MultiPolygon, Point, box

from layers.schema import (
    AGREEMENTS,
    COMPANIES,
    COUNTRIES,
    COUNTRY_PROFILES,
    FACILITIES,
    LICENCE_SITES,
    LICENCES,
    OWNERSHIP,
    QUARANTINE,
    SITES,
    SOURCE_RECORDS,
    STORE_CRS,
)
from layers.store import OPTIONAL_LAYERS, STORE_LAYERS, read_store, write_store

SOURCES = pd.DataFrame({"id": ["curated_companies"], "status": ["used"]})


def _table(schema, *rows: dict) -> pd.DataFrame:
    return pd.DataFrame([{c: "" for c in schema.column_names} | row for row in rows], columns=schema.column_names,
                        dtype=object).astype({c.name: {"float": "float64", "int": "int64"}[c.kind]
                                              for c in schema.columns if c.kind in ("float", "int")})


def _spatial(schema, geometries: list, *rows: dict) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(_table(schema, *rows), geometry=gpd.GeoSeries(geometries, crs=STORE_CRS), crs=STORE_CRS)


def _relations() -> dict[str, pd.DataFrame]:
    return {
        "companies": _table(COMPANIES, {"company_id": "a", "name": "Кутисай", "home_country": "KG"}),
        "ownership": _table(OWNERSHIP, {"edge_id": "a>b#2", "owner_id": "a", "owned_id": "b", "share_pct": 60.0,
                                        "relation": "equity"},
                            {"edge_id": "a>c#3", "owner_id": "a", "owned_id": "c", "share_pct": math.nan,
                             "relation": "control"}),
        "licences": _spatial(LICENCES, [MultiPolygon([box(76.1, 42.6, 76.2, 42.7)]), None],
                             {"licence_id": "L1", "commodities": ["REE", "Be"]},
                             {"licence_id": "L2", "commodities": []}),
        "licence_sites": _table(LICENCE_SITES, {"licence_id": "L1", "site_id": "s1", "method": "polygon",
                                                "detail": "0.0 km"}),
        "agreements": _table(AGREEMENTS, {"agreement_id": "A1", "country": "KZ", "partner": "EU"}),
        "country_profiles": _table(COUNTRY_PROFILES, {"country": "KZ", "usgs_ree_rm_occurrences": 160,
                                                      "key_partners": ["GB", "DE"]}),
        "facilities": _spatial(FACILITIES, [Point(82.615, 49.99), None],
                               {"facility_id": "F1", "precision_km": 5.0}, {"facility_id": "F2",
                                                                            "precision_km": math.nan}),
    }


def _base() -> dict[str, pd.DataFrame]:
    return {"sites": SITES.empty(), "source_records": SOURCE_RECORDS.empty(), "quarantine": QUARANTINE.empty(),
            "countries": COUNTRIES.empty()}


@pytest.fixture()
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "atlas.gpkg"
    write_store(path, {**_base(), **_relations()}, SOURCES, {"built_at": "now"})
    return path


def test_the_relation_layers_are_store_layers() -> None:
    assert list(STORE_LAYERS)[4:] == list(OPTIONAL_LAYERS) == [
        "companies", "ownership", "licences", "licence_sites", "agreements", "country_profiles", "facilities",
        "railways", "stations", "gateways", "corridors", "corridor_waypoints", "changes", "link_candidates",
        "places", "lakes", "rivers"]


@pytest.mark.parametrize("name", ["companies", "ownership", "licence_sites", "agreements", "country_profiles"])
def test_relation_tables_round_trip(store_path: Path, name: str) -> None:
    pd.testing.assert_frame_equal(read_store(store_path).layer(name), _relations()[name])


@pytest.mark.parametrize("name", ["licences", "facilities"])
def test_spatial_relation_layers_round_trip_with_missing_geometries(store_path: Path, name: str) -> None:
    assert_geodataframe_equal(read_store(store_path).layer(name), _relations()[name])


@pytest.mark.parametrize("name", OPTIONAL_LAYERS)
def test_a_store_written_without_relation_layers_holds_them_empty(tmp_path: Path, name: str) -> None:
    path = tmp_path / "atlas.gpkg"
    write_store(path, _base(), SOURCES, {"built_at": "now"})
    layer = read_store(path).layer(name)
    assert (len(layer), list(layer.columns)) == (
        0, STORE_LAYERS[name].column_names + (["geometry"] if STORE_LAYERS[name].geometry_type else []))
