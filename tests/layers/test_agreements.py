"""Tests for the agreements loader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from layers.errors import SourceFormatError
from layers.manifest import Source
from layers.ownership.agreements import load_agreements
from layers.settings import PROJECT_ROOT

CURATED = PROJECT_ROOT / "data" / "curated"
HEADER = "agreement_id,country,partner,kind,title,signed,scope,source,confidence,level,notes\n"


def _source() -> Source:
    return Source(id="agreements_test", title="t", publisher="p", licence="l", attribution="a", url="u",
                  root="data", files=("agreements.csv",), loader="agreements_table")


def _write(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "agreements.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_a_row_loads_into_the_contract(tmp_path: Path) -> None:
    path = _write(tmp_path, "KZ-EU-1,KZ,eu,MoU,Raw materials MoU,2022-11-07,REE,s,confirmed,state,\n")
    expected = pd.DataFrame([{"agreement_id": "KZ-EU-1", "country": "KZ", "partner": "EU", "kind": "MoU",
                              "title": "Raw materials MoU", "signed": "2022-11-07", "scope": "REE", "level": "state",
                              "source": "s", "confidence": "confirmed", "notes": ""}])
    pd.testing.assert_frame_equal(load_agreements([path], _source()), expected)


@pytest.mark.parametrize(("row", "message"), [
    ("A1,RU,EU,MoU,T,,,,,,\n", "column 'country': unknown country code 'RU'; expected one of KZ, KG, TJ, UZ, TM"),
    ("A1,KZ,ZZ,MoU,T,,,,,,\n", "column 'partner': unknown country code 'ZZ'; expected an ISO 3166-1 alpha-2 code, "
                               "EU or XX"),
    ("A1,KZ,EU,MoU,T,Nov 2022,,,,,\n", "column 'signed': bad date 'Nov 2022'; expected YYYY, YYYY-MM or "
                                       "YYYY-MM-DD (not a date of the form YYYY, YYYY-MM or YYYY-MM-DD: "
                                       "'Nov 2022')"),
    ("A1,KZ,EU,MoU,T,,,,,region,\n", "column 'level': unknown level 'region'; expected one of state, company"),
    ("A1,KZ,EU,,T,,,,,,\n", "column 'kind': is empty; a value is required"),
], ids=["country-outside-the-atlas", "unknown-partner", "bad-date", "unknown-level", "no-kind"])
def test_a_bad_row_names_file_row_column_and_expectation(tmp_path: Path, row: str, message: str) -> None:
    path = _write(tmp_path, row)
    with pytest.raises(SourceFormatError) as exc_info:
        load_agreements([path], _source())
    assert str(exc_info.value) == f"{path}: row 2, {message}"


# --- integration: the curated table -----------------------------------------------------------------------

def test_the_curated_agreements_load() -> None:
    frame = load_agreements([CURATED / "agreements.csv"], _source())
    row = frame.set_index("agreement_id").loc["KZ-US-2025-TUNGSTEN-JV"]
    assert (len(frame), row["country"], row["partner"], row["kind"], row["signed"], row["level"]) == (
        82, "KZ", "US", "agreement", "2025-11-06", "company")


def test_the_curated_agreements_give_multilateral_formats_one_row_per_state() -> None:
    frame = load_agreements([CURATED / "agreements.csv"], _source())
    c5 = frame[frame["agreement_id"].str.startswith("C5US-2025-SUMMIT-")]
    assert sorted(c5["country"]) == ["KG", "KZ", "TJ", "TM", "UZ"]
