"""Tests for the country profiles loader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from layers.errors import SourceFormatError
from layers.manifest import Source
from layers.ownership.country_profiles import load_country_profiles
from layers.settings import PROJECT_ROOT

CURATED = PROJECT_ROOT / "data" / "curated"
HEADER = ("country,name,usgs_ree_rm_occurrences,strategy,eaeu_member,key_partners,notes,source,confidence,"
          "name_ru,strategy_ru\n")


def _source() -> Source:
    return Source(id="profiles_test", title="t", publisher="p", licence="l", attribution="a", url="u", root="data",
                  files=("country_profiles.csv",), loader="country_profiles_table")


def _write(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "country_profiles.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_key_partners_are_split_on_semicolons(tmp_path: Path) -> None:
    path = _write(tmp_path, "KG,Kyrgyzstan,75,open mine,yes,GB; sg;CN,,s,reported,Киргизия,\n")
    expected = pd.DataFrame([{"country": "KG", "name": "Kyrgyzstan", "name_ru": "Киргизия",
                              "usgs_ree_rm_occurrences": 75, "strategy": "open mine", "strategy_ru": "",
                              "eaeu_member": "yes", "key_partners": ["GB", "SG", "CN"], "notes": "", "source": "s",
                              "confidence": "reported"}])
    pd.testing.assert_frame_equal(load_country_profiles([path], _source()), expected)


@pytest.mark.parametrize(("rows", "message"), [
    ("KG,K,75,,yes,GB;ZZ,,,,,\n", "row 2, column 'key_partners': unknown country code 'ZZ'; expected an ISO 3166-1 "
                                  "alpha-2 code, EU or XX"),
    ("KG,K,many,,yes,,,,,,\n", "row 2, column 'usgs_ree_rm_occurrences': 'many' is not a whole number >= 0"),
    ("KG,K,75,,observer,,,,,,\n", "row 2, column 'eaeu_member': unknown eaeu_member 'observer'; expected one of "
                                  "yes, no"),
    ("KG,K,75,,yes,,,,,,\nKyrgyzstan,K,75,,yes,,,,,,\n",
     "row 3, column 'country': duplicate country 'KG'; expected one row per country (first given in "
     "country_profiles.csv row 2)"),
    ("AF,Afghanistan,1,,no,,,,,,\n", "row 2, column 'country': unknown country code 'AF'; expected one of KZ, KG, "
                                     "TJ, UZ, TM"),
], ids=["unknown-partner", "count-not-a-number", "unknown-membership", "duplicate-country", "outside-the-atlas"])
def test_a_bad_row_names_file_row_column_and_expectation(tmp_path: Path, rows: str, message: str) -> None:
    path = _write(tmp_path, rows)
    with pytest.raises(SourceFormatError) as exc_info:
        load_country_profiles([path], _source())
    assert str(exc_info.value) == f"{path}: {message}"


# --- integration: the curated table -----------------------------------------------------------------------

def test_the_curated_profiles_load() -> None:
    frame = load_country_profiles([CURATED / "country_profiles.csv"], _source())
    assert frame[["country", "usgs_ree_rm_occurrences", "eaeu_member", "key_partners"]].values.tolist() == [
        ["KZ", 160, "yes", ["GB", "DE", "KR", "SG", "US", "FR"]],
        ["KG", 75, "yes", ["GB", "SG", "CN"]],
        ["TJ", 60, "no", ["KZ", "CN", "RU"]],
        ["UZ", 87, "no", ["GB", "EU", "MY", "KR", "US"]],
        ["TM", 2, "no", []],
    ]
