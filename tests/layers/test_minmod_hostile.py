"""Hostile MinMod files: malformed sites are quarantined with their reason, deep nesting is refused by file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from layers.build import build_store
from layers.deposits.json_shape import nesting_depth
from layers.deposits.minmod import MAX_JSON_DEPTH, load_minmod_sites
from layers.deposits.records import make_quarantine
from layers.manifest import Source
from layers.settings import SourceSettings, StoreSettings
from layers.store import read_store

REE = "https://mrdata.usgs.gov/ree"
KYRGYZSTAN = [{"observed_name": "Kyrgyzstan", "normalized_uri": "https://minmod.isi.edu/resource/Q1117"}]
DEEP_LEVELS = 200_000


def _source() -> Source:
    return Source(id="minmod", title="t", publisher="p", licence="l", attribution="a", url="https://example.org",
                  root="raw", files=("deposits/*.json",), loader="minmod_sites")


def _site(rid: str, **changes: object) -> dict:
    site = {"source_id": REE, "record_id": rid, "name": f"Deposit {rid}",
            "location_info": {"country": KYRGYZSTAN, "location": "POINT (76.1 42.6)"},
            "mineral_inventory": [{"commodity": {"observed_name": "Lanthanum"}}]}
    for key, value in changes.items():
        if key == "location":
            site["location_info"] = {"country": KYRGYZSTAN, "location": value}
        else:
            site[key] = value
    return site


def _deep_file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[" * DEEP_LEVELS + "]" * DEEP_LEVELS, encoding="utf-8")
    return path


def _quarantined(record_id: str, reason: str, *, name: str = "", location_raw: str = "") -> dict:
    return {"source": "minmod", "record_id": record_id, "name": name, "country": "", "location_raw": location_raw,
            "reason": reason}


@pytest.mark.parametrize(
    ("changes", "record_id", "reason", "name", "location_raw"),
    [
        ({"location": 76.1}, "mrdata-ree:bad",
         "malformed site: field 'location_info.location' is a number; expected a string (sites.json item 1)",
         "Deposit bad", "76.1"),
        ({"name": ["Kutessai", "II"]}, "mrdata-ree:bad",
         "malformed site: field 'name' is a list; expected a string (sites.json item 1)", "", "POINT (76.1 42.6)"),
        ({"name": {"en": "Kutessai"}}, "mrdata-ree:bad",
         "malformed site: field 'name' is an object; expected a string (sites.json item 1)", "",
         "POINT (76.1 42.6)"),
        ({"location_info": "Kyrgyzstan"}, "mrdata-ree:bad",
         "malformed site: field 'location_info' is a string; expected an object (sites.json item 1)",
         "Deposit bad", ""),
        ({"mineral_inventory": [{"commodity": "La"}]}, "mrdata-ree:bad",
         "malformed site: field 'mineral_inventory[0].commodity' is a string; expected an object "
         "(sites.json item 1)", "Deposit bad", "POINT (76.1 42.6)"),
        ({"mineral_inventory": [{"ore": {"value": "12 Mt"}}]}, "mrdata-ree:bad",
         "malformed site: field 'mineral_inventory[0].ore.value' is a string; expected a number "
         "(sites.json item 1)", "Deposit bad", "POINT (76.1 42.6)"),
        ({"aliases": [None]}, "mrdata-ree:bad",
         "malformed site: field 'aliases[0]' is null; expected a string (sites.json item 1)", "Deposit bad",
         "POINT (76.1 42.6)"),
        ({"record_id": ["bad"]}, "sites.json:item 1",
         "malformed site: field 'record_id' is a list; expected a string (sites.json item 1)", "Deposit bad",
         "POINT (76.1 42.6)"),
    ],
    ids=["number-location", "list-name", "dict-name", "string-location-info", "string-commodity",
         "text-ore-value", "null-alias", "list-record-id"],
)
def test_a_malformed_site_is_quarantined_and_the_others_kept(tmp_path: Path, changes: dict, record_id: str,
                                                             reason: str, name: str, location_raw: str) -> None:
    bad = _site("bad", **changes)
    path = tmp_path / "sites.json"
    path.write_text(json.dumps([_site("1"), bad, _site("2")]), encoding="utf-8")
    result = load_minmod_sites([path], _source())
    assert result.records["record_id"].tolist() == ["mrdata-ree:1", "mrdata-ree:2"]
    expected = make_quarantine([_quarantined(record_id, reason, name=name, location_raw=location_raw)], "expected")
    pd.testing.assert_frame_equal(result.quarantine, expected)


@pytest.mark.parametrize(("item", "reason"), [
    ("Kutessai-II", "malformed site: not a MinMod mineral site (needs source_id and record_id) (sites.json item 1)"),
    ({"name": "no ids"}, "malformed site: not a MinMod mineral site (needs source_id and record_id) "
                         "(sites.json item 1)"),
], ids=["string-item", "item-without-ids"])
def test_an_item_that_is_not_a_site_is_quarantined_by_position(tmp_path: Path, item: object, reason: str) -> None:
    path = tmp_path / "sites.json"
    path.write_text(json.dumps([_site("1"), item]), encoding="utf-8")
    result = load_minmod_sites([path], _source())
    assert result.records["record_id"].tolist() == ["mrdata-ree:1"]
    name = item.get("name", "") if isinstance(item, dict) else ""
    pd.testing.assert_frame_equal(result.quarantine,
                                  make_quarantine([_quarantined("sites.json:item 1", reason, name=name)], "expected"))


def test_nesting_depth_counts_brackets_outside_strings() -> None:
    assert [nesting_depth(t) for t in (b"1", b"[]", b'[{"a": [1, "]]][[[{"]}]', b'["\\"[[["]')] == [0, 1, 3, 1]


def test_nesting_depth_of_200000_levels_without_recursion(tmp_path: Path) -> None:
    data = _deep_file(tmp_path / "deep.json").read_bytes()
    assert nesting_depth(data) == DEEP_LEVELS
    # The parser itself cannot read it: this is the crash the depth check prevents.
    with pytest.raises(RecursionError):
        json.loads(data)


def test_a_deeply_nested_file_is_quarantined_naming_it_and_the_other_files_are_read(tmp_path: Path) -> None:
    good = tmp_path / "a" / "sites.json"
    good.parent.mkdir()
    good.write_text(json.dumps([_site("1")]), encoding="utf-8")
    deep = _deep_file(tmp_path / "b" / "deep.json")
    result = load_minmod_sites([good, deep], _source())
    assert result.records["record_id"].tolist() == ["mrdata-ree:1"]
    reason = f"nesting deeper than {MAX_JSON_DEPTH} levels: {deep} was not read"
    pd.testing.assert_frame_equal(result.quarantine, make_quarantine([_quarantined("deep.json", reason)], "x"))


def test_nesting_just_past_the_limit_is_refused_and_at_the_limit_read(tmp_path: Path) -> None:
    # A site whose unread field nests to exactly the limit (file list 1 + site 1 + field levels).
    at_limit = _site("1", extra=json.loads("[" * (MAX_JSON_DEPTH - 2) + "]" * (MAX_JSON_DEPTH - 2)))
    past = _site("2", extra=json.loads("[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)))
    (tmp_path / "at.json").write_text(json.dumps([at_limit]), encoding="utf-8")
    (tmp_path / "past.json").write_text(json.dumps([past]), encoding="utf-8")
    result = load_minmod_sites([tmp_path / "at.json", tmp_path / "past.json"], _source())
    assert result.records["record_id"].tolist() == ["mrdata-ree:1"]
    assert result.quarantine["record_id"].tolist() == ["past.json"]


MANIFEST = """
[[source]]
id = "minmod"
title = "t"
publisher = "p"
licence = "l"
attribution = "a"
url = "https://example.org"
root = "raw"
files = ["mineral-sites/**/*.json"]
loader = "minmod_sites"
"""


def test_the_build_quarantines_hostile_upstream_files_and_keeps_the_rest(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    folder = raw / "mineral-sites" / "umn" / "mrdata-ree"
    folder.mkdir(parents=True)
    (folder / "b001.json").write_text(json.dumps([_site("1"), _site("2", location=76.1),
                                                  _site("3", name=["A", "B"])]), encoding="utf-8")
    (folder / "b002.json").write_text(json.dumps([_site("4", name={"x": 1}), _site("5")]), encoding="utf-8")
    _deep_file(folder / "b003.json")
    manifest = tmp_path / "sources.toml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    store = StoreSettings(store_path=tmp_path / "out" / "atlas.gpkg")
    assert sys.getrecursionlimit() < DEEP_LEVELS
    report = build_store(SourceSettings(raw_dir=raw, manifest_path=manifest, data_dir=tmp_path), store)
    assert (report.records_in, report.sites_out, report.quarantined) == (6, 2, 4)
    assert report.quarantine_by_reason == {"malformed site": 3, f"nesting deeper than {MAX_JSON_DEPTH} levels": 1}
    built = read_store(store.store_path)
    assert sorted(built.sites["site_id"]) == ["mrdata-ree:1", "mrdata-ree:5"]
    assert sorted(built.quarantine["record_id"]) == ["b003.json", "mrdata-ree:2", "mrdata-ree:3", "mrdata-ree:4"]
