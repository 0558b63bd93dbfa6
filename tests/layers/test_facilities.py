"""Tests for the facilities loader: points where a city places them, none where nothing does."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point

from layers.errors import SourceFormatError
from layers.manifest import Source
from layers.ownership.facilities import load_facilities
from layers.schema import FACILITIES, STORE_CRS
from layers.settings import PROJECT_ROOT

CURATED = PROJECT_ROOT / "data" / "curated"
HEADER = ("facility_id,name,country,kind,operator_company_id,city,source,confidence,name_ru,notes,lon,lat,"
          "location_precision,precision_km\n")


def _source() -> Source:
    return Source(id="facilities_test", title="t", publisher="p", licence="l", attribution="a", url="u",
                  root="data", files=("facilities.csv",), loader="facilities_table")


def _write(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "facilities.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_a_point_where_both_coordinates_are_given_else_none(tmp_path: Path) -> None:
    path = _write(tmp_path, "F1,Plant,KZ,plant,acme,Oskemen,s,confirmed,,,82.615,\"49,99\",city,5\n"
                            "F2,Hub,KZ,proposed,,,s,reported,,,,,unknown,\n")
    common = {"name_ru": "", "country": "KZ", "source": "s", "notes": ""}
    frame = pd.DataFrame([
        {"facility_id": "F1", "name": "Plant", "kind": "plant", "operator_company_id": "acme", "city": "Oskemen",
         "location_precision": "city", "precision_km": 5.0, "confidence": "confirmed"} | common,
        {"facility_id": "F2", "name": "Hub", "kind": "proposed", "operator_company_id": "", "city": "",
         "location_precision": "unknown", "precision_km": math.nan, "confidence": "reported"} | common,
    ], columns=FACILITIES.column_names)
    expected = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([Point(82.615, 49.99), None], crs=STORE_CRS))
    assert_geodataframe_equal(load_facilities([path], _source()), expected)


@pytest.mark.parametrize(("row", "message"), [
    ("F1,P,KZ,,,,,,,,82.6,,,\n", "column 'lat': is empty but the other coordinate is given; expected both lon and "
                                 "lat or neither"),
    ("F1,P,KZ,,,,,,,,182.6,49,,\n", "column 'lon': '182.6' is not a number in -180..180"),
    ("F1,P,KZ,,,,,,,,0,0,,\n", "column 'lon': placeholder point (0, 0); expected a real location"),
    ("F1,P,KZ,,,,,,,,82.6,49,,far\n", "column 'precision_km': 'far' is not a number in 0..1000"),
    ("F1,P,XX,,,,,,,,,,,\n", "column 'country': unknown country code 'XX'; expected one of KZ, KG, TJ, UZ, TM"),
], ids=["one-coordinate", "lon-out-of-range", "null-island", "bad-precision", "unknown-country"])
def test_a_bad_row_names_file_row_column_and_expectation(tmp_path: Path, row: str, message: str) -> None:
    path = _write(tmp_path, row)
    with pytest.raises(SourceFormatError) as exc_info:
        load_facilities([path], _source())
    assert str(exc_info.value) == f"{path}: row 2, {message}"


# --- integration: the curated table -----------------------------------------------------------------------

def test_the_curated_facilities_load() -> None:
    frame = load_facilities([CURATED / "facilities.csv"], _source()).set_index("facility_id")
    kashka = frame.loc["FAC-KG-KASHKA"]
    assert (len(frame), int(frame.geometry.notna().sum()), kashka["operator_company_id"], kashka["city"],
            (kashka.geometry.x, kashka.geometry.y), kashka["precision_km"]) == (
        13, 4, "kashka-ree-plant", "Ak-Tuz", (76.183333, 42.883333), 5.0)


def test_an_unmapped_curated_facility_has_no_point_and_nan_precision() -> None:
    frame = load_facilities([CURATED / "facilities.csv"], _source()).set_index("facility_id")
    row = frame.loc["FAC-KZ-EASTHOPE"]
    assert (row.geometry, math.isnan(row["precision_km"]), row["operator_company_id"]) == (
        None, True, "east-hope-group")
