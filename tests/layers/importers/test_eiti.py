"""Tests for the EITI summary-data licence importer."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from layers.importers._common import ImportFormatError
from layers.importers.eiti import import_eiti
from layers.manifest import Source
from layers.ownership.licences import load_licences

ROWS = pd.DataFrame([
    {"Licence/Project name": "Alpha deposit", "Licence holder(s)": "Alpha Mining LLP (60%), Beta LLP (40%)",
     "Licence number": "MN-123", "Commodities": "Gold, Copper", "Licence type": "Mining", "Status": "active",
     "Date granted": "2015-04-01", "Expiry date": "2040-04-01"},
    {"Licence/Project name": "Gamma field", "Licence holder(s)": "Gamma JSC", "Licence number": "",
     "Commodities": "Tungsten", "Licence type": "Exploration", "Status": "", "Date granted": "", "Expiry date": ""},
])


def test_the_licence_sheet_of_a_workbook_becomes_licence_rows(tmp_path: Path) -> None:
    path = tmp_path / "summary.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame([{"About": "x"}]).to_excel(writer, sheet_name="Part 1 - About", index=False)
        ROWS.to_excel(writer, sheet_name="Part 3 - Licences", index=False)
    rows = import_eiti(path, country="KZ", url="https://eiti.example/kz.xlsx").licences
    assert [(r["licence_id"], r["deposit_name"], r["holder_text"], r["commodities"], r["granted"], r["valid_to"],
             r["source"]) for r in rows] == [
        ("EITI-KZ-MN-123", "Alpha deposit", "Alpha Mining LLP (60%), Beta LLP (40%)", "Gold; Copper", "2015-04-01",
         "2040-04-01", "EITI summary.xlsx Part 3 - Licences row 2; https://eiti.example/kz.xlsx"),
        ("EITI-KZ-gamma-field", "Gamma field", "Gamma JSC", "Tungsten", "", "",
         "EITI summary.xlsx Part 3 - Licences row 3; https://eiti.example/kz.xlsx"),
    ]


def test_imported_licences_load_with_the_licences_loader(tmp_path: Path) -> None:
    path = tmp_path / "summary.csv"
    ROWS.to_csv(path, index=False)
    out = tmp_path / "eiti_licences.csv"
    import_eiti(path, country="Kazakhstan").frames()["licences"].to_csv(out, index=False)
    source = Source(id="eiti", title="t", publisher="p", licence="l", attribution="a", url="u", root="data",
                    files=("x",), loader="licences_import")
    loaded = load_licences([out], source)
    assert list(loaded["licence_id"]) == ["EITI-KAZAKHSTAN-MN-123", "EITI-KAZAKHSTAN-gamma-field"]
    assert list(loaded["deposit_country"]) == ["KZ", "KZ"]


@pytest.mark.parametrize(("header", "country", "message"), [
    ("Name,Owner\nx,y\n", "KZ", "no sheet has a licence/project name column"),
    ("Licence/Project name,Licence holder(s)\n,y\n", "KZ", "row 2: empty 'Licence/Project name'"),
    ("Licence/Project name,Licence holder(s)\nx,y\n", "", "row 2: no country"),
])
def test_bad_sheets_name_file_row_and_column(tmp_path: Path, header: str, country: str, message: str) -> None:
    path = tmp_path / "summary.csv"
    path.write_text(header, encoding="utf-8")
    with pytest.raises(ImportFormatError, match=message):
        import_eiti(path, country=country)
