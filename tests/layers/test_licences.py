"""Tests for the licences table loader and the shipped import templates."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from layers.errors import SourceFormatError
from layers.manifest import Source
from layers.ownership.companies import load_companies
from layers.ownership.licences import load_licences
from layers.ownership.ownership import load_ownership
from layers.schema import LICENCES, STORE_CRS
from layers.settings import PROJECT_ROOT

CURATED = PROJECT_ROOT / "data" / "curated"
TEMPLATES = PROJECT_ROOT / "data" / "templates"
HEADER = ("licence_id,deposit_name,deposit_country,holder_company_id,licence_kind,commodities,granted,valid_to,"
          "status,source,confidence,deposit_name_ru,notes\n")


def _source() -> Source:
    return Source(id="licences_test", title="t", publisher="p", licence="l", attribution="a", url="u", root="data",
                  files=("licences.csv",), loader="licences_table")


def _write(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "licences.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def _licence(**changes) -> dict:
    row = {"licence_id": "KZ-X", "source": "licences_test", "deposit_name": "Katpar", "deposit_name_ru": "",
           "deposit_country": "KZ", "holder_company_id": "acme", "holder_text": "", "licence_kind": "mining",
           "commodities": ["W", "Mo"], "granted": "2015", "valid_to": "", "status": "", "references": "s1; s2",
           "stage": "", "record_ids": "", "source_date": "", "source_quote": "", "confidence": "confirmed", "notes": ""}
    return row | changes


def _frame(*rows: dict) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(list(rows), columns=LICENCES.column_names)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(rows), crs=STORE_CRS), crs=STORE_CRS)


def test_a_row_becomes_a_licence_without_polygon(tmp_path: Path) -> None:
    path = _write(tmp_path, "KZ-X,Katpar,KZ,acme,mining,W; Mo,2015,,,s1; s2,confirmed,,\n")
    assert_geodataframe_equal(load_licences([path], _source()), _frame(_licence()))


def test_commodities_that_do_not_map_keep_the_text_in_notes(tmp_path: Path) -> None:
    path = _write(tmp_path, 'KZ-X,Katpar,Kazakhstan,acme,mining,"W; polymetals",2015,,,s1; s2,confirmed,,old\n')
    expected = _licence(commodities=["W"], notes="old; commodities as given: W; polymetals")
    assert_geodataframe_equal(load_licences([path], _source()), _frame(expected))


@pytest.mark.parametrize(("row", "message"), [
    ("KZ-X,Katpar,CN,acme,,,,,,,,,\n", "column 'deposit_country': unknown country code 'CN'; expected one of "
                                       "KZ, KG, TJ, UZ, TM"),
    ("KZ-X,Katpar,KZ,acme,,,2015-02-30,,,,,,\n", "column 'granted': bad date '2015-02-30'; expected YYYY, YYYY-MM "
                                                 "or YYYY-MM-DD (not a real date: '2015-02-30' (day is out of "
                                                 "range for month))"),
    ("KZ-X,Katpar,KZ,acme,,,2020,2019,,,,,\n", "column 'valid_to': '2019' is before granted '2020'; expected a "
                                               "later date"),
    ("KZ-X,,KZ,acme,,,,,,,,,\n", "column 'deposit_name': is empty; a value is required"),
    ("KZ-X,Katpar,KZ,acme,,,,,,,maybe,,\n", "column 'confidence': unknown confidence 'maybe'; expected one of "
                                            "reported, confirmed, inferred"),
], ids=["country-outside-the-atlas", "bad-day", "ends-before-granted", "no-deposit-name", "bad-confidence"])
def test_a_bad_row_names_file_row_column_and_expectation(tmp_path: Path, row: str, message: str) -> None:
    path = _write(tmp_path, row)
    with pytest.raises(SourceFormatError) as exc_info:
        load_licences([path], _source())
    assert str(exc_info.value) == f"{path}: row 2, {message}"


def test_a_duplicate_licence_id_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "KZ-X,Katpar,KZ,,,,,,,,,,\nKZ-X,Katpar,KZ,,,,,,,,,,\n")
    with pytest.raises(SourceFormatError) as exc_info:
        load_licences([path], _source())
    assert str(exc_info.value) == (f"{path}: row 3, column 'licence_id': duplicate id 'KZ-X'; expected unique "
                                   "values (first given in licences.csv row 2)")


# --- the import templates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_licences_template_loads_as_one_fake_licence(suffix: str) -> None:
    frame = load_licences([TEMPLATES / f"licences_template.{suffix}"], _source())
    assert frame.drop(columns="geometry").to_dict("records") == [{
        "licence_id": "KZ-EXAMPLE-0001", "source": "licences_test", "deposit_name": "Example deposit",
        "deposit_name_ru": "Пример", "deposit_country": "KZ", "holder_company_id": "example-mining-llp",
        "holder_text": "", "licence_kind": "exploration", "commodities": ["REE", "Be"], "granted": "2024-05-01",
        "valid_to": "2030-05-01", "status": "active", "stage": "exploration", "record_ids": "",
        "references": "https://example.org/registry", "source_date": "2024-05",
        "source_quote": "Example Mining holds the exploration licence", "confidence": "reported",
        "notes": "FAKE EXAMPLE ROW: replace it with real rows and delete it before use",
    }]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_companies_template_loads_as_one_fake_company(suffix: str) -> None:
    frame = load_companies([TEMPLATES / f"companies_template.{suffix}"], _source())
    assert frame[["company_id", "name", "name_ru", "home_country"]].values.tolist() == [
        ["example-mining-llp", "Example Mining LLP", "ТОО «Пример Майнинг»", "KZ"]]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_ownership_template_loads_as_one_fake_edge(suffix: str) -> None:
    frame = load_ownership([TEMPLATES / f"ownership_template.{suffix}"], _source())
    assert frame[["edge_id", "share_pct", "valid_from", "relation"]].values.tolist() == [
        ["example-holding>example-mining-llp#2", 60.0, "2024-05", "equity"]]


# --- integration: the curated table -----------------------------------------------------------------------

def test_the_curated_licences_load() -> None:
    frame = load_licences([CURATED / "licences.csv"], _source())
    row = frame.set_index("licence_id").loc["KZ-NKATPAR"]
    assert (len(frame), row["deposit_name"], row["deposit_name_ru"], row["holder_company_id"], row["commodities"],
            row["granted"], row["references"].split("; ")[0], row.geometry) == (
        288, "Northern Katpar", "Северный Катпар", "severniy-katpar-llp", ["W", "Mo", "Cu", "Bi"], "2015",
        "004_1f72f91bd71ddf04.txt", None)


def test_curated_commodity_text_that_does_not_map_is_kept_in_notes() -> None:
    frame = load_licences([CURATED / "licences.csv"], _source()).set_index("licence_id")
    assert (frame.loc["KG-KYZYLOMPUL-NATPROJ", "commodities"],
            frame.loc["KG-KYZYLOMPUL-NATPROJ", "notes"].split("; commodities as given: ")[-1]) == (
        ["Ti", "REE"], "Ti (titanomagnetite); REE; polymetals")
