"""Tests for the ownership loader: edges, ids, relations, shares and validity dates."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from layers.errors import ColumnMappingError, SourceFormatError
from layers.manifest import Source
from layers.ownership.ownership import load_ownership
from layers.settings import PROJECT_ROOT

CURATED = PROJECT_ROOT / "data" / "curated"
HEADER = "owner_id,owned_id,share_pct,valid_from,valid_to,relation,source,confidence,notes\n"


def _source() -> Source:
    return Source(id="ownership_test", title="t", publisher="p", licence="l", attribution="a", url="u", root="data",
                  files=("ownership.csv",), loader="ownership_table")


def _write(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "ownership.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_edges_get_ids_from_owner_owned_and_row(tmp_path: Path) -> None:
    path = _write(tmp_path, "a,b,60,2024-05,,equity,s,reported,n\na,c,\"12,5\",,2025,MOU,,,\n")
    expected = pd.DataFrame([
        {"edge_id": "a>b#2", "owner_id": "a", "owned_id": "b", "share_pct": 60.0, "valid_from": "2024-05",
         "valid_to": "", "relation": "equity", "source": "s", "source_date": "", "source_quote": "",
         "confidence": "reported", "notes": "n"},
        {"edge_id": "a>c#3", "owner_id": "a", "owned_id": "c", "share_pct": 12.5, "valid_from": "",
         "valid_to": "2025", "relation": "MoU", "source": "", "source_date": "", "source_quote": "", "confidence": "",
         "notes": ""},
    ])
    pd.testing.assert_frame_equal(load_ownership([path], _source()), expected)


@pytest.mark.parametrize(("share", "expected"), [("", math.nan), ("0", 0.0), ("100", 100.0), ("33,3", 33.3)],
                         ids=["empty", "zero", "hundred", "decimal-comma"])
def test_share_pct_is_a_number_in_0_to_100_or_nan(tmp_path: Path, share: str, expected: float) -> None:
    path = _write(tmp_path, f'a,b,"{share}",,,equity,,,\n')
    value = load_ownership([path], _source())["share_pct"].tolist()[0]
    assert value == expected or (math.isnan(value) and math.isnan(expected))


@pytest.mark.parametrize(("row", "message"), [
    ("a,b,,,,owns,,,\n", "column 'relation': unknown relation 'owns'; expected one of equity, joint venture, "
                         "control, pending equity, offtake, MoU, partnership, financing"),
    ("a,b,,,,,,,\n", "column 'relation': is empty; a value is required"),
    ("a,b,120,,,equity,,,\n", "column 'share_pct': '120' is not a number in 0..100"),
    ("a,b,-1,,,equity,,,\n", "column 'share_pct': '-1' is not a number in 0..100"),
    ("a,b,half,,,equity,,,\n", "column 'share_pct': 'half' is not a number in 0..100"),
    ("a,b,,2024-13,,equity,,,\n", "column 'valid_from': bad date '2024-13'; expected YYYY, YYYY-MM or YYYY-MM-DD "
                                  "(not a real date: '2024-13' (month must be in 1..12))"),
    ("a,b,,,06.11.2025,equity,,,\n", "column 'valid_to': bad date '06.11.2025'; expected YYYY, YYYY-MM or "
                                     "YYYY-MM-DD (not a date of the form YYYY, YYYY-MM or YYYY-MM-DD: '06.11.2025')"),
    ("a,b,,2025,2024,equity,,,\n", "column 'valid_to': '2024' is before valid_from '2025'; expected a later date"),
    ("a,a,,,,control,,,\n", "column 'owned_id': 'a' is also the owner_id; expected another entity"),
    (",b,,,,control,,,\n", "column 'owner_id': is empty; a value is required"),
], ids=["unknown-relation", "empty-relation", "share-over-100", "negative-share", "share-not-a-number",
        "bad-month", "day-first-date", "ends-before-start", "self-edge", "empty-owner"])
def test_a_bad_row_names_file_row_column_and_expectation(tmp_path: Path, row: str, message: str) -> None:
    path = _write(tmp_path, row)
    with pytest.raises(SourceFormatError) as exc_info:
        load_ownership([path], _source())
    assert str(exc_info.value) == f"{path}: row 2, {message}"


def test_a_missing_required_column_is_a_mapping_error(tmp_path: Path) -> None:
    path = tmp_path / "ownership.csv"
    path.write_text("owner_id,owned_id\na,b\n", encoding="utf-8")
    with pytest.raises(ColumnMappingError, match=r"missing required ownership columns \['relation'\]"):
        load_ownership([path], _source())


def test_a_spreadsheet_date_is_cut_to_its_day(tmp_path: Path) -> None:
    path = tmp_path / "ownership.xlsx"
    pd.DataFrame([{"owner_id": "a", "owned_id": "b", "relation": "equity",
                   "valid_from": pd.Timestamp("2024-07-01")}]).to_excel(path, index=False)
    assert load_ownership([path], _source())["valid_from"].tolist() == ["2024-07-01"]


# --- integration: the curated table -----------------------------------------------------------------------

def test_the_curated_ownership_loads() -> None:
    frame = load_ownership([CURATED / "ownership.csv"], _source())
    ebrd = frame[frame["owned_id"] == "sarytogan-graphite"]
    assert (len(frame), ebrd[["edge_id", "share_pct", "valid_from", "valid_to", "relation"]].values.tolist()) == (
        351,
        [["ebrd>sarytogan-graphite#23", 9.99, "2024-11", "2025", "equity"],
         ["ebrd>sarytogan-graphite#24", 17.36, "2025", "", "equity"],
         ["ebrd>sarytogan-graphite#25", 19.99, "", "", "pending equity"]],
    )


def test_the_curated_ownership_uses_every_relation_but_unknown_ones() -> None:
    frame = load_ownership([CURATED / "ownership.csv"], _source())
    assert sorted(set(frame["relation"])) == ["MoU", "control", "equity", "financing", "joint venture", "offtake",
                                              "partnership", "pending equity"]
