"""Tests for country-name normalisation and the point-in-country measures."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, box

from layers.countries import country_at, distance_outside_km, normalise_country
from layers.schema import COUNTRIES, STORE_CRS, validate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kazakhstan", "KZ"),
        ("Kazakstan", "KZ"),
        ("  republic of   KAZAKHSTAN ", "KZ"),
        ("Казахстан", "KZ"),
        ("Қазақстан", "KZ"),
        ("KZ", "KZ"),
        ("kaz", "KZ"),
        ("https://minmod.isi.edu/resource/Q1112", "KZ"),
        ("Kyrgyz Republic", "KG"),
        ("Кыргызстан", "KG"),
        ("KGZ", "KG"),
        ("https://minmod.isi.edu/resource/Q1117", "KG"),
        ("Tajikistan", "TJ"),
        ("Таджикистан", "TJ"),
        ("Тоҷикистон", "TJ"),
        ("https://minmod.isi.edu/resource/Q1217", "TJ"),
        ("Uzbekistan", "UZ"),
        ("Oʻzbekiston", "UZ"),
        ("Узбекистан", "UZ"),
        ("UZB", "UZ"),
        ("https://minmod.isi.edu/resource/Q1238", "UZ"),
        ("Turkmenistan", "TM"),
        ("Tu\u0308rkmenistan", "TM"),  # decomposed ü
        ("tm", "TM"),
        ("https://minmod.isi.edu/resource/Q1228", "TM"),
        ("Russia", None),
        ("RU", None),
        ("https://minmod.isi.edu/resource/Q9999", None),
        ("", None),
    ],
)
def test_normalise_country(text: str, expected: str | None) -> None:
    assert normalise_country(text) == expected


def _countries() -> gpd.GeoDataFrame:
    """Two one-degree squares side by side: KZ west of 61°E, UZ east of it."""
    frame = gpd.GeoDataFrame(
        {"iso_a2": ["KZ", "UZ"], "name": ["Kazakhstan", "Uzbekistan"], "name_ru": ["Казахстан", "Узбекистан"]},
        geometry=[MultiPolygon([box(60, 40, 61, 41)]), MultiPolygon([box(61, 40, 62, 41)])],
        crs=STORE_CRS,
    )
    validate(frame, COUNTRIES, what="test countries")
    return frame


def _points(*points: Point | None) -> gpd.GeoSeries:
    return gpd.GeoSeries(list(points), index=[10 * (i + 1) for i in range(len(points))], crs=STORE_CRS)


def test_distance_outside_km_is_zero_inside_and_nan_where_unknown() -> None:
    points = _points(Point(60.5, 40.5), None, Point(60.5, 40.5))
    got = distance_outside_km(points, _countries(), pd.Series(["KZ", "KZ", "TJ"], index=points.index))
    pd.testing.assert_series_equal(got, pd.Series([0.0, math.nan, math.nan], index=[10, 20, 30]))


def test_distance_outside_km_measures_to_the_stated_country() -> None:
    # Half a degree east of KZ's edge at 40.5°N: about 42 km.
    points = _points(Point(61.5, 40.5))
    got = distance_outside_km(points, _countries(), pd.Series(["KZ"], index=points.index))
    expected_km = Geod(ellps="WGS84").inv(61.0, 40.5, 61.5, 40.5)[2] / 1000.0
    pd.testing.assert_series_equal(got, pd.Series([expected_km], index=[10]), atol=0.5, rtol=0)


def test_country_at_names_the_containing_country() -> None:
    points = _points(Point(60.5, 40.5), Point(61.5, 40.5), Point(70.0, 40.5))
    pd.testing.assert_series_equal(
        country_at(points, _countries()), pd.Series(["KZ", "UZ", ""], index=[10, 20, 30], name="iso_a2")
    )
