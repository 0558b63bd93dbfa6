"""Every fact in the curated register carries its source: a URL (or a seed file), a confidence, a date the
source speaks for where one is known, and the source's own words for every stated share."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

CURATED = Path(__file__).resolve().parents[2] / "data" / "curated"
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
SOURCE = re.compile(r"(?:https?://\S+|\d{3}_[0-9a-f]{16}\.txt)")


def _table(name: str) -> pd.DataFrame:
    return pd.read_csv(CURATED / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("name", ["licences", "companies", "ownership"])
def test_every_row_names_a_source_and_a_confidence(name):
    table = _table(name)
    no_source = table.index[~table["source"].str.contains(SOURCE)].tolist()
    bad_confidence = table.index[~table["confidence"].isin(["confirmed", "reported", "inferred"])].tolist()
    assert (no_source, bad_confidence) == ([], [])


@pytest.mark.parametrize("name", ["licences", "companies", "ownership"])
def test_source_dates_are_partial_iso_dates(name):
    dates = _table(name)["source_date"]
    assert dates[(dates != "") & ~dates.str.match(DATE)].tolist() == []


def test_every_stated_share_quotes_its_source():
    ownership = _table("ownership")
    shares = ownership[ownership["share_pct"] != ""]
    assert len(shares) > 150
    assert shares.loc[shares["source_quote"].str.strip() == "", ["owner_id", "owned_id"]].values.tolist() == []


def test_the_register_covers_all_five_countries_with_producing_mines():
    licences = _table("licences")
    producing = licences[licences["stage"] == "producing"]
    assert set(producing["deposit_country"]) == {"KZ", "KG", "TJ", "TM", "UZ"}
    assert len(licences) >= 250
