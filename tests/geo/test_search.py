"""The workspace search on names and commodities made in code."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.search import CommodityName, commodity_names, search_commodities, search_names
from layers.deposits.names import name_keys

NAMES = pd.Series({"kut": sorted(name_keys("Kutessai-II", ["Кутессай-2"])), "tas": sorted(name_keys("Tassay")),
                   "kal": sorted(name_keys("Kalmakyr"))})


@pytest.mark.parametrize(("query", "expected"), [
    ("Kutessai", [("kut", "name")]), ("Кутессай", [("kut", "name")]), ("Kutassai", [("kut", "typo")]),
    ("Kalmakir", [("kal", "name")]), ("Kalmskyr", [("kal", "typo")]),
    ("Tassay", [("tas", "name"), ("kut", "typo")]),  # kuTESSAI is one letter from tassai
    ("zzzz", []), ("k", []), ("", []),
])
def test_search_names(query, expected):
    assert [(hit.key, hit.match) for hit in search_names(NAMES, query)] == expected


@pytest.mark.parametrize(("query", "value", "match"), [
    ("W", "W", "symbol"), ("tungsten", "W", "en"), ("вольфрам", "W", "ru"), ("ВОЛЬФ", "W", "ru"),
    ("tungstem", "W", "typo"), ("rare earth", "REE", "en"), ("редкоземельные", "REE", "ru"),
    ("rare metals", "rare metals", "symbol"), ("rare met", "rare metals", "en"),
])
def test_search_commodities(query, value, match):
    hit = search_commodities(query)[0]
    assert (hit.key, hit.match) == (value, match)


def test_every_commodity_has_a_russian_name():
    assert [c.value for c in commodity_names() if not c.names_ru and c.names_en != (c.value,)] == []


def test_a_table_with_a_bad_header_names_the_file(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("symbol,en\nW,tungsten\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"names\.csv: header must be value,name_en,name_ru"):
        commodity_names(path)


def test_given_names_replace_the_table():
    names = (CommodityName("X", ("examplium",), ("примерий",)),)
    assert [h.key for h in search_commodities("примерий", names)] == ["X"]
