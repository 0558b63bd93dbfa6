"""Tests for ``python -m layers.importers``: files written in the table shapes, errors as a message and code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from layers.importers import OWNERSHIP_COLUMNS
from layers.importers.__main__ import main


def test_bods_is_converted_into_companies_and_ownership_files(tmp_path: Path, capsys) -> None:
    source = tmp_path / "bods.json"
    source.write_text(json.dumps([
        {"statementId": "s1", "statementDate": "2024", "recordId": "e1", "recordType": "entity",
         "recordDetails": {"name": "E"}},
        {"statementId": "s2", "statementDate": "2024", "recordId": "e2", "recordType": "entity",
         "recordDetails": {"name": "F"}},
        {"statementId": "s3", "statementDate": "2024", "recordId": "r1", "recordType": "relationship",
         "recordDetails": {"subject": "e1", "interestedParty": "e2",
                           "interests": [{"type": "shareholding", "share": {"exact": 100}}]}},
    ]), encoding="utf-8")
    out = tmp_path / "imports" / "kz.csv"
    assert main(["bods", str(source), "--out", str(out)]) == 0
    ownership = pd.read_csv(tmp_path / "imports" / "kz_ownership.csv", dtype=str, keep_default_na=False)
    assert tuple(ownership.columns) == OWNERSHIP_COLUMNS
    assert ownership[["owner_id", "owned_id", "share_pct", "relation", "source_date"]].values.tolist() == [
        ["bods-e2", "bods-e1", "100", "equity", "2024"]]
    assert sorted(p.name for p in out.parent.iterdir()) == ["kz_companies.csv", "kz_ownership.csv"]
    assert "kz_ownership.csv: 1 rows" in capsys.readouterr().out


def test_a_bad_file_is_an_error_message_and_exit_code_2(tmp_path: Path, capsys) -> None:
    source = tmp_path / "x.csv"
    source.write_text("a\n1\n", encoding="utf-8")
    assert main(["gem", str(source), "--out", str(tmp_path / "o.csv")]) == 2
    assert "error: " in capsys.readouterr().err and not (tmp_path / "o_companies.csv").exists()


def test_gem_owners_named_without_an_id_take_the_id_another_import_gave(tmp_path: Path) -> None:
    known = tmp_path / "steel_companies.csv"
    known.write_text("company_id,name\ngem-e7,Parent Group LLP\n", encoding="utf-8")
    mines = tmp_path / "mines.csv"
    mines.write_text("country/area,name-(english),owner,parent,url\n"
                     "Kazakhstan,A Mine,Mine Owner LLP [100.0%],Parent Group LLP,https://gem.wiki/A\n",
                     encoding="utf-8")
    out = tmp_path / "mines_out.csv"
    assert main(["gem", str(mines), "--out", str(out), "--ids-from", str(known), "--country", "Kazakhstan"]) == 0
    companies = pd.read_csv(tmp_path / "mines_out_companies.csv", dtype=str, keep_default_na=False)
    ownership = pd.read_csv(tmp_path / "mines_out_ownership.csv", dtype=str, keep_default_na=False)
    assert list(companies["company_id"]) == ["gem-name-mine-owner-llp"]  # gem-e7 stays in the other file only
    assert ownership[["owner_id", "owned_id", "relation"]].values.tolist() == [
        ["gem-e7", "gem-name-mine-owner-llp", "control"]]
