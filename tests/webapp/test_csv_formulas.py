"""CSV (formula) injection: text cells a spreadsheet would run as a formula are written with a leading quote."""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from webapp.exports import EXPORTERS, FORMULA_PREFIXES, csv_text, neutralise_formulas

CREDIT = {"attribution": "Atlas", "licence": "MIT"}


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_text_starting_like_a_formula_gets_a_leading_quote(text):
    table = neutralise_formulas(pd.DataFrame({"name": [text, "plain"]}))
    assert table["name"].tolist() == ["'" + text, "plain"]


def test_every_owasp_prefix_is_covered():
    assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}


@pytest.mark.parametrize("text", ["Kutessai-II", "a=b", "e-mail", "", "'=already quoted"])
def test_text_not_starting_like_a_formula_is_unchanged(text):
    assert neutralise_formulas(pd.DataFrame({"name": [text]}))["name"].tolist() == [text]


def test_numeric_columns_stay_numeric():
    table = pd.DataFrame({"distance_km": [-12.5, 3.0], "n": [-1, 2], "name": ["-12.5", None]})
    out = neutralise_formulas(table)
    assert out["distance_km"].tolist() == [-12.5, 3.0] and out["n"].tolist() == [-1, 2]
    assert out["name"].iloc[0] == "'-12.5" and pd.isna(out["name"].iloc[1])
    assert csv_text(table) == "distance_km,n,name\n-12.5,-1,'-12.5\n3.0,2,\n"


def test_string_dtype_columns_are_neutralised():
    table = pd.DataFrame({"name": pd.array(["=1+1", pd.NA], dtype="string")})
    out = neutralise_formulas(table)["name"]
    assert out.dtype == "string" and out.iloc[0] == "'=1+1" and pd.isna(out.iloc[1])


def test_the_input_frame_is_not_changed():
    table = pd.DataFrame({"name": ["=1"]})
    neutralise_formulas(table)
    assert table["name"].tolist() == ["=1"]


def test_export_csv_neutralises_text_and_keeps_negative_coordinates_numbers():
    frame = gpd.GeoDataFrame({"name": ["=cmd|'/C calc'!A0", "@x"], "joined": [["-a", "b"], ["c"]],
                              "depth_m": [-250.0, 10.0]},
                             geometry=[Point(-70.5, -33.25), Point(69.6, 40.9)], crs="EPSG:4326")
    text = EXPORTERS["csv"].function(frame, layer="sites", **CREDIT).decode("utf-8")
    assert text == ("name,joined,depth_m,lon,lat,wkt\n"
                    "'=cmd|'/C calc'!A0,'-a; b,-250.0,-70.5,-33.25,POINT (-70.5 -33.25)\n"
                    "'@x,c,10.0,69.6,40.9,POINT (69.6 40.9)\n")
    back = pd.read_csv(io.StringIO(text))
    assert back["depth_m"].dtype == float and back["lon"].tolist() == [-70.5, 69.6]
