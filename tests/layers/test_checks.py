"""Tests for the country check: points against their stated country's outline."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import MultiPolygon, Point, box

from layers.checks import check_countries
from layers.deposits.records import make_quarantine, make_records
from layers.schema import COUNTRIES, QUARANTINE, STORE_CRS, validate
from layers.store import Store, read_store

# The 22 mrdata-nicrpge records PROVENANCE.md lists as "dropped:outside-bbox (looks like lon/lat swapped)".
SWAPPED_NICRPGE = {
    "mrdata-nicrpge:12149735", "mrdata-nicrpge:12149845", "mrdata-nicrpge:12149858", "mrdata-nicrpge:12149866",
    "mrdata-nicrpge:12149874", "mrdata-nicrpge:12149875", "mrdata-nicrpge:12149880", "mrdata-nicrpge:12149883",
    "mrdata-nicrpge:12150009", "mrdata-nicrpge:12150033", "mrdata-nicrpge:12150063", "mrdata-nicrpge:12150064",
    "mrdata-nicrpge:12150066", "mrdata-nicrpge:12150077", "mrdata-nicrpge:12150084", "mrdata-nicrpge:12150094",
    "mrdata-nicrpge:12150096", "mrdata-nicrpge:12150102", "mrdata-nicrpge:12150109", "mrdata-nicrpge:12150110",
    "mrdata-nicrpge:12150113", "mrdata-nicrpge:12150147",
}


@pytest.fixture()
def countries() -> gpd.GeoDataFrame:
    """KZ: 60-70°E 40-50°N; UZ: 70-75°E 40-50°N. Edges densified so they follow the parallels."""
    frame = gpd.GeoDataFrame(
        {"iso_a2": ["KZ", "UZ"], "name": ["Kazakhstan", "Uzbekistan"], "name_ru": ["Казахстан", "Узбекистан"]},
        geometry=[MultiPolygon([box(60, 40, 70, 50).segmentize(0.05)]),
                  MultiPolygon([box(70, 40, 75, 50).segmentize(0.05)])],
        crs=STORE_CRS,
    )
    validate(frame, COUNTRIES, what="test countries")
    return frame


def _record(record_id: str, point: Point | None, precision_km: float = 2.0, country_check: str = "") -> dict:
    return {
        "record_id": record_id, "source": "test", "dataset": "test", "name": f"Deposit {record_id}", "aliases": [],
        "country": "KZ", "commodities": [], "commodity_groups": [], "deposit_types": [], "status": "",
        "grade_tonnage": [], "references": [], "upstream_url": "", "location_precision_km": precision_km,
        "location_status": "exact" if point is not None else "missing",
        "location_raw": f"POINT ({point.x} {point.y})" if point is not None else "", "country_check": country_check,
        "geometry": point,
    }


def _refused(record_id: str, point: Point, reason: str) -> dict:
    return {"source": "test", "record_id": record_id, "name": f"Deposit {record_id}", "country": "KZ",
            "location_raw": f"POINT ({point.x} {point.y})", "reason": reason}


@pytest.mark.parametrize(
    ("point", "precision_km"),
    [(Point(65, 45), 2.0), (Point(65, 50.03), 2.0), (None, math.nan)],
    ids=["inside", "3-km-outside", "no-point"],
)
def test_a_point_inside_or_just_outside_is_kept_unchanged(countries: gpd.GeoDataFrame, point: Point | None,
                                                           precision_km: float) -> None:
    records = make_records([_record("a", point, precision_km)], "test")
    kept, refused = check_countries(records, countries)
    assert_geodataframe_equal(kept, records)
    pd.testing.assert_frame_equal(refused, QUARANTINE.empty())


@pytest.mark.parametrize(
    ("point", "precision_km", "note"),
    [
        (Point(65, 50.09), 2.0, "point lies 10 km outside KZ (in no country)"),
        (Point(65, 50.9), 150.0, "point lies 100 km outside KZ (in no country)"),
    ],
    ids=["10-km-outside", "within-its-own-precision"],
)
def test_a_point_a_little_outside_is_kept_with_a_note(countries: gpd.GeoDataFrame, point: Point,
                                                      precision_km: float, note: str) -> None:
    records = make_records([_record("a", point, precision_km)], "test")
    kept, refused = check_countries(records, countries)
    assert_geodataframe_equal(kept, make_records([_record("a", point, precision_km, country_check=note)], "test"))
    pd.testing.assert_frame_equal(refused, QUARANTINE.empty())


@pytest.mark.parametrize(
    ("point", "reason"),
    [
        (Point(65, 50.9),
         "point far outside its stated country: 100 km outside KZ (in no country); allowed 25 km"),
        (Point(45, 65),
         "coordinates look swapped (lon/lat): the point lies 1865 km outside KZ; with lon and lat exchanged "
         "it lies inside KZ"),
    ],
    ids=["100-km-outside", "swapped"],
)
def test_a_point_far_outside_is_refused(countries: gpd.GeoDataFrame, point: Point, reason: str) -> None:
    records = make_records([_record("kept", Point(65, 45)), _record("bad", point)], "test")
    kept, refused = check_countries(records, countries)
    assert_geodataframe_equal(kept, records.iloc[[0]])
    pd.testing.assert_frame_equal(refused, make_quarantine([_refused("bad", point, reason)], "expected"))


@pytest.mark.parametrize(("point", "km"), [(Point(70.15, 45), 12), (Point(71, 45), 79)],
                         ids=["12-km-into-the-neighbour", "79-km-into-the-neighbour"])
def test_a_point_inside_another_atlas_country_is_kept_under_that_country(countries: gpd.GeoDataFrame, point: Point,
                                                                         km: int) -> None:
    records = make_records([_record("a", point)], "test")
    kept, refused = check_countries(records, countries)
    note = (f"country label KZ disagrees with the point, which lies {km} km outside KZ in UZ; "
            "country taken from the point")
    expected = make_records([{**_record("a", point, country_check=note), "country": "UZ"}], "test")
    assert_geodataframe_equal(kept, expected)
    pd.testing.assert_frame_equal(refused, QUARANTINE.empty())


# --- integration: the store built from the real staged data ---------------------------------------------------


@pytest.fixture(scope="module")
def store(real_store: Path) -> Store:
    return read_store(real_store)


@pytest.mark.integration
def test_real_store_refuses_exactly_the_22_swapped_nicrpge_records(store: Store) -> None:
    quarantine = store.quarantine
    swapped = quarantine[quarantine["reason"].str.startswith("coordinates look swapped")]
    assert (len(swapped), set(swapped["record_id"])) == (22, SWAPPED_NICRPGE)
    assert not set(store.source_records["record_id"]) & SWAPPED_NICRPGE


@pytest.mark.integration
def test_real_store_keeps_lyangar_under_the_country_of_its_point(store: Store) -> None:
    assert "mrdata-major-deposits:1506" not in set(store.quarantine["record_id"])
    lyangar = store.source_records.set_index("record_id").loc["mrdata-major-deposits:1506"]
    # The point is in Uzbekistan, 288 km (geodesic, to the nearest Kyrgyz border point near 69.23°E 39.79°N)
    # from Kyrgyzstan; the GSC record of the same deposit says UZ.
    assert lyangar[["name", "country", "location_raw", "country_check"]].tolist() == [
        "Lyangar", "UZ", "POINT (65.95 40.4)",
        "country label KG disagrees with the point, which lies 288 km outside KG in UZ; country taken from the point",
    ]


@pytest.mark.integration
def test_real_store_takes_dalnee_country_from_its_point_in_the_almalyk_district(store: Store) -> None:
    dalnee = store.source_records.set_index("record_id").loc["mrdata-major-deposits:1847"]
    assert (dalnee["country"], dalnee["country_check"]) == (
        "UZ", "country label TJ disagrees with the point, which lies 11 km outside TJ in UZ; "
        "country taken from the point")
