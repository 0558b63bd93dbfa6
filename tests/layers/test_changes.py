"""The build's change history: a tiny diff made in code, and two real builds with edited curated tables."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import Point

from layers.build import build_store
from layers.changes import Snapshot, diff_snapshots, record_changes
from layers.schema import CHANGES, validate
from layers.settings import PROJECT_ROOT, SourceSettings, StoreSettings
from layers.store import read_store


def _snapshot(built_at: str, sites: list[dict], ownership: list[dict] | None = None) -> Snapshot:
    frame = pd.DataFrame([{"name": "", "country": "KZ", "commodities": [], "status": "", "deposit_types": [],
                           "location_precision_km": 1.0, "location": "", **s} for s in sites])
    return Snapshot(built_at=built_at, sites=frame, licences=pd.DataFrame(), licence_sites=pd.DataFrame(),
                    ownership=pd.DataFrame(ownership or []), companies=pd.DataFrame(columns=["company_id", "name"]),
                    changes=CHANGES.empty())


def test_a_first_build_records_only_its_build_row():
    rows = diff_snapshots(None, _snapshot("t1", [{"site_id": "a", "source_record_ids": ["a"]}]))
    assert [(r["kind"], r["subject_name"], json.loads(r["new_value"])) for r in rows] == [
        ("build", "first build", {"sites": 1, "licences": 0, "ownership_edges": 0})]


def test_sites_added_merged_removed_and_changed_are_told_apart():
    before = _snapshot("t1", [
        {"site_id": "a", "name": "Alpha", "source_record_ids": ["a"]},
        {"site_id": "b", "name": "Beta", "source_record_ids": ["b"]},
        {"site_id": "c", "name": "Gamma", "source_record_ids": ["c"]},
    ])
    after = _snapshot("t2", [
        {"site_id": "a", "name": "Alpha", "source_record_ids": ["a", "b"], "status": "mine"},
        {"site_id": "d", "name": "Delta", "source_record_ids": ["d"]},
    ])
    rows = diff_snapshots(before, after)
    assert [(r["kind"], r["subject_id"], r["field"], r["old_value"], r["new_value"]) for r in rows[1:]] == [
        ("site_added", "d", "", "", "Delta"),
        ("site_merged", "b", "", "b", "a"),
        ("site_removed", "c", "", "Gamma", ""),
        ("site_changed", "a", "status", "", "mine"),
        ("site_changed", "a", "source_record_ids", "a", "a; b"),
    ]
    assert json.loads(rows[0]["new_value"]) == {"sites": 2, "licences": 0, "ownership_edges": 0, "site_added": 1,
                                                "site_merged": 1, "site_removed": 1, "site_changed": 2}


def test_an_edge_renumbered_by_an_inserted_row_is_not_a_change():
    edge = {"owner_id": "x", "owned_id": "y", "relation": "equity", "valid_from": "2020", "valid_to": "",
            "share_pct": 50.0, "confidence": "reported"}
    site = [{"site_id": "a", "source_record_ids": ["a"]}]
    rows = diff_snapshots(_snapshot("t1", site, [{**edge, "edge_id": "x>y#3"}]),
                          _snapshot("t2", site, [{**edge, "edge_id": "x>y#4"}]))
    assert [r["kind"] for r in rows] == ["build"]


def test_history_keeps_earlier_builds_and_ids_stay_unique():
    site = [{"site_id": "a", "source_record_ids": ["a"], "location": Point(1, 2).wkt}]
    first = record_changes(None, _snapshot("same-second", site))
    previous = Snapshot(**{**_snapshot("same-second", site).__dict__, "changes": first})
    second = record_changes(previous, _snapshot("same-second", site))
    assert list(second["kind"]) == ["build", "build"]
    assert second["change_id"].is_unique
    validate(second, CHANGES, what="changes")


def _rewrite(path: Path, edit) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    rows = edit(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory, raw_dir):
    """The real build twice: once from the committed tables, once after edits a curator might make."""
    root = tmp_path_factory.mktemp("changes")
    data_dir = root / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "curated", data_dir / "curated")
    shutil.copytree(PROJECT_ROOT / "data" / "reference", data_dir / "reference")
    sources = SourceSettings(raw_dir=raw_dir, data_dir=data_dir)
    store = StoreSettings(store_path=root / "atlas.gpkg")
    build_store(sources, store)
    curated = data_dir / "curated"
    _rewrite(curated / "ownership.csv", lambda rows: rows[1:])  # cove-capital -> cove-kaz-capital-group goes
    _rewrite(curated / "licences.csv", lambda rows: [
        {**r, "valid_to": "2026-06-30"} if r["licence_id"] == "KZ-AKBULAK-KAZGEOLOGY" else r for r in rows])
    _rewrite(curated / "deposits.csv", lambda rows: [
        {**r, "status": "feasibility study"} if r["deposit_id"] == "kz-kuirektykol" else r for r in rows])
    build_store(sources, store)
    return read_store(store.store_path)


def test_the_second_real_build_records_each_edit(two_builds):
    changes = two_builds.changes
    builds = changes[changes["kind"] == "build"]
    assert len(builds) == 2 and builds.iloc[0]["subject_name"] == "first build"
    second = changes[(changes["built_at"] == builds.iloc[1]["built_at"]) & (changes["kind"] != "build")]
    found = {(r["kind"], r["subject_id"], r["field"], r["new_value"]) for r in second.to_dict("records")}
    assert ("site_changed", "national:kz-kuirektykol", "status", "feasibility study") in found
    assert ("licence_ended", "KZ-AKBULAK-KAZGEOLOGY", "valid_to", "2026-06-30") in found
    removed = second[second["kind"] == "ownership_removed"].to_dict("records")
    assert [(r["subject_name"], r["parties"]) for r in removed] == [
        ("Cove Capital LLC → Cove Kaz Capital Group LLC", ["cove-capital", "cove-kaz-capital-group"])]
    assert len(second) == 3  # nothing else moved: edges renumbered by the removed row are not changes
    licence = second[second["kind"] == "licence_ended"].iloc[0]
    assert (licence["countries"], licence["commodities"], licence["parties"]) == (["KZ"], ["REE"], ["kazgeology"])
