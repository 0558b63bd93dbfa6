"""Tests for the companies loader and the company reference check."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from layers.errors import ColumnMappingError, SourceFormatError
from layers.manifest import Source
from layers.ownership.companies import check_references, load_companies
from layers.schema import COMPANIES, FACILITIES, LICENCES, OWNERSHIP
from layers.settings import PROJECT_ROOT

CURATED = PROJECT_ROOT / "data" / "curated"
HEADER = "company_id,name,name_ru,kind,home_country,listed_on,notes,source,confidence\n"
GOOD = "acme,Acme LLP,,private,KZ,,,https://example.org,reported\n"


def _source(columns: dict[str, str] | None = None) -> Source:
    return Source(id="companies_test", title="t", publisher="p", licence="l", attribution="a", url="u", root="data",
                  files=("companies.csv",), loader="companies_table", columns=columns or {})


def _write(tmp_path: Path, text: str, name: str = "companies.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_row_loads_into_the_contract(tmp_path: Path) -> None:
    frame = load_companies([_write(tmp_path, HEADER + GOOD)], _source())
    expected = pd.DataFrame([{"company_id": "acme", "name": "Acme LLP", "name_ru": "", "kind": "private",
                              "home_country": "KZ", "listed_on": "", "notes": "", "source": "https://example.org",
                              "source_date": "", "confidence": "reported"}])
    pd.testing.assert_frame_equal(frame, expected)


def test_headers_can_be_mapped_and_optional_columns_left_out(tmp_path: Path) -> None:
    path = _write(tmp_path, "ID,Наименование\nacme,Acme\n")
    frame = load_companies([path], _source({"company_id": "ID", "name": "Наименование"}))
    assert frame.to_dict("records") == [{"company_id": "acme", "name": "Acme", "name_ru": "", "kind": "",
                                         "home_country": "", "listed_on": "", "notes": "", "source": "",
                                         "source_date": "", "confidence": ""}]


def test_an_empty_table_keeps_the_schema(tmp_path: Path) -> None:
    frame = load_companies([_write(tmp_path, HEADER)], _source())
    pd.testing.assert_frame_equal(frame, COMPANIES.empty())


@pytest.mark.parametrize(("rows", "message"), [
    (GOOD + GOOD, "row 3, column 'company_id': duplicate id 'acme'; expected unique values "
                  "(first given in companies.csv row 2)"),
    (",Acme,,,KZ,,,,\n", "row 2, column 'company_id': is empty; a value is required"),
    ("acme corp,Acme,,,KZ,,,,\n", "row 2, column 'company_id': 'acme corp' is not an id; expected letters, digits, "
                                  "'-', '_', '.' or ':'"),
    ("acme,,,,KZ,,,,\n", "row 2, column 'name': is empty; a value is required"),
    ("acme,Acme,,,QQ,,,,\n", "row 2, column 'home_country': unknown country code 'QQ'; expected an ISO 3166-1 "
                             "alpha-2 code, EU or XX"),
    ("acme,Acme,,,KZ,,,,sure\n", "row 2, column 'confidence': unknown confidence 'sure'; expected one of "
                                 "reported, confirmed, inferred"),
], ids=["duplicate-id", "empty-id", "id-with-space", "empty-name", "unknown-country", "unknown-confidence"])
def test_a_bad_row_names_file_row_column_and_expectation(tmp_path: Path, rows: str, message: str) -> None:
    path = _write(tmp_path, HEADER + rows)
    with pytest.raises(SourceFormatError) as exc_info:
        load_companies([path], _source())
    assert str(exc_info.value) == f"{path}: {message}"


def test_a_duplicate_across_files_names_the_first_file(tmp_path: Path) -> None:
    first, second = _write(tmp_path, HEADER + GOOD, "a.csv"), _write(tmp_path, HEADER + GOOD, "b.csv")
    with pytest.raises(SourceFormatError) as exc_info:
        load_companies([first, second], _source())
    assert str(exc_info.value) == (f"{second}: row 2, column 'company_id': duplicate id 'acme'; expected unique "
                                   "values (first given in a.csv row 2)")


def test_a_missing_required_column_is_a_mapping_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "company_id,kind\nacme,private\n")
    with pytest.raises(ColumnMappingError) as exc_info:
        load_companies([path], _source())
    assert str(exc_info.value) == (
        f"{path}: missing required companies columns ['name']; "
        "the file has 2 columns, of the expected names ['company_id', 'kind']; "
        "see docs/LICENCE_IMPORT.md or map them in data/sources.toml [source.columns]"
    )


def test_a_mapping_to_a_column_not_in_the_file_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + GOOD)
    with pytest.raises(ColumnMappingError) as exc_info:
        load_companies([path], _source({"name": "Firma"}))
    assert str(exc_info.value) == f"{path}: [source.columns] names columns not in the file: ['Firma']"


def test_a_file_that_is_not_utf8_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "companies.csv"
    path.write_bytes((HEADER + "acme,Ачме,,,KZ,,,,\n").encode("cp1251"))
    with pytest.raises(SourceFormatError) as exc_info:
        load_companies([path], _source())
    assert str(exc_info.value).startswith(f"{path}: cannot read the companies table: ")


# --- check_references -------------------------------------------------------------------------------------

def _tables(owner: str = "a", holder: str = "b", operator: str = "") -> tuple:
    companies = pd.DataFrame([{c: "" for c in COMPANIES.column_names} | {"company_id": cid, "name": cid}
                              for cid in ("a", "b")])
    ownership = pd.DataFrame([{c: "" for c in OWNERSHIP.column_names}
                              | {"edge_id": f"{owner}>b#2", "owner_id": owner, "owned_id": "b", "share_pct": 50.0,
                                 "relation": "equity"}])
    licences = LICENCES.empty().drop(columns="geometry")
    licences = pd.DataFrame([{c: "" for c in licences.columns} | {"licence_id": "L1", "holder_company_id": holder}])
    facilities = pd.DataFrame([{c: "" for c in FACILITIES.column_names}
                               | {"facility_id": "F1", "operator_company_id": operator}])
    return companies, ownership, licences, facilities


@pytest.mark.parametrize("tables", [_tables(), _tables(holder=""), _tables(operator="a")],
                         ids=["all-known", "no-holder", "known-operator"])
def test_references_to_known_companies_pass(tables: tuple) -> None:
    assert check_references(*tables) is None


@pytest.mark.parametrize(("tables", "problems"), [
    (_tables(owner="ghost"), "ownership row 1 (ghost>b#2): owner_id 'ghost' is not a company_id in companies"),
    (_tables(holder="ghost"), "licences row 1 (L1): holder_company_id 'ghost' is not a company_id in companies"),
    (_tables(operator="ghost"),
     "facilities row 1 (F1): operator_company_id 'ghost' is not a company_id in companies"),
], ids=["owner", "holder", "operator"])
def test_a_reference_to_an_unknown_company_names_table_row_and_id(tables: tuple, problems: str) -> None:
    with pytest.raises(SourceFormatError) as exc_info:
        check_references(*tables)
    assert str(exc_info.value) == f"1 references to unknown companies: {problems}"


def test_every_violation_is_listed() -> None:
    with pytest.raises(SourceFormatError) as exc_info:
        check_references(*_tables(owner="x", holder="y", operator="z"))
    assert str(exc_info.value) == (
        "3 references to unknown companies: "
        "ownership row 1 (x>b#2): owner_id 'x' is not a company_id in companies; "
        "licences row 1 (L1): holder_company_id 'y' is not a company_id in companies; "
        "facilities row 1 (F1): operator_company_id 'z' is not a company_id in companies"
    )


# --- integration: the curated table -----------------------------------------------------------------------

def test_the_curated_companies_load() -> None:
    frame = load_companies([CURATED / "companies.csv"], _source())
    row = frame.set_index("company_id").loc["kutisay-mining"]
    assert (len(frame), row["name"], row["name_ru"], row["kind"], row["home_country"], row["confidence"]) == (
        349, "Kutisay Mining LLC", "ОсОО «Кутисай Майнинг»", "private", "KG", "confirmed")


def test_the_curated_companies_give_multilateral_bodies_xx() -> None:
    frame = load_companies([CURATED / "companies.csv"], _source())
    assert frame.set_index("company_id").loc[["ebrd", "gov-kz"], "home_country"].tolist() == ["XX", "KZ"]
