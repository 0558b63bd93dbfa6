"""/changes and its Atom and JSON feeds, on a store built twice from the real data with one curated edit between."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime
from xml.etree import ElementTree as ET

import pytest

from geo.analyze import AnalysisSettings, run_analysis
from layers.build import build_store
from layers.settings import PROJECT_ROOT, SourceSettings, StoreSettings
from webapp import create_app
from webapp.settings import MapSettings, WebSettings

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def client(tmp_path_factory, raw_dir):
    """The app on a store whose second build ended the Akbulak licence and changed a Kuirektykol field."""
    root = tmp_path_factory.mktemp("changes-app")
    data_dir = root / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "curated", data_dir / "curated")
    shutil.copytree(PROJECT_ROOT / "data" / "reference", data_dir / "reference")
    sources = SourceSettings(raw_dir=raw_dir, data_dir=data_dir)
    store = StoreSettings(store_path=root / "atlas.gpkg")
    build_store(sources, store)
    path = data_dir / "curated" / "licences.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows({**r, "valid_to": "2026-06-30"} if r["licence_id"] == "KZ-AKBULAK-KAZGEOLOGY" else r
                         for r in rows)
    build_store(sources, store)
    analysis = AnalysisSettings(analysis_dir=root / "analysis")
    run_analysis(store.store_path, analysis)
    app = create_app(WebSettings(store=store, analysis=analysis, map=MapSettings(tile_url="")))
    return app.test_client()


def test_changes_page_lists_both_builds_and_the_edit(client):
    html = client.get("/changes").get_data(as_text=True)
    assert html.count("<h2>Build of ") == 2 and "First build: nothing to compare with." in html
    assert "Licence for Akbulak site ended: valid to 2026-06-30. (Kazakhstan, domestic state)" in html
    assert 'type="application/atom+xml"' in html and 'href="/changes.json"' in html


@pytest.mark.parametrize(("query", "shown"), [
    ("country=KZ", True), ("country=KG", False), ("commodity=REE", True), ("commodity=W", False),
    ("commodity=rare%20metals", False), ("partner=domestic%20state", True), ("partner=China", False)])
def test_changes_filter_by_country_commodity_and_partner(client, query, shown):
    html = client.get(f"/changes?{query}").get_data(as_text=True)
    assert ("Licence for Akbulak site ended" in html) is shown
    assert html.count("<h2>Build of ") == 2  # builds are listed whatever the filter


def test_atom_feed_is_well_formed_atom(client):
    response = client.get("/changes.atom?country=KZ")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{name}").text
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "Central Asia Critical Minerals Atlas"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {"self": "http://localhost/changes.atom?country=KZ", "alternate": "http://localhost/changes?country=KZ"}
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "Licence for Akbulak site ended: valid to 2026-06-30. (Kazakhstan, domestic state)"]
    entry = entries[0]
    assert entry.find(f"{ATOM}id").text.startswith("tag:critical-minerals-atlas,2026:change/")
    assert datetime.fromisoformat(entry.find(f"{ATOM}updated").text).tzinfo is not None  # RFC 3339, with offset
    assert entry.find(f"{ATOM}link").get("href") == "http://localhost/companies/kazgeology"
    assert {c.get("term") for c in entry.findall(f"{ATOM}category")} == {"licence_ended", "KZ", "domestic state"}


def test_json_feed_has_the_json_feed_1_1_fields(client):
    response = client.get("/changes.json?partner=domestic%20state")
    assert response.mimetype == "application/feed+json"
    body = json.loads(response.data)
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    assert body["feed_url"] == "http://localhost/changes.json?partner=domestic+state"
    assert body["home_page_url"] == "http://localhost/changes?partner=domestic+state"
    assert body["authors"] == [{"name": "Central Asia Critical Minerals Atlas"}] and body["language"] == "en"
    [item] = body["items"]
    assert set(item) == {"id", "url", "title", "content_text", "date_published", "tags"}
    assert item["url"] == "http://localhost/companies/kazgeology" and "licence_ended" in item["tags"]


def test_feeds_follow_the_language(client):
    body = client.get("/changes.json?lang=ru").get_json(force=True)
    assert body["language"] == "ru" and body["title"] == "Изменения атласа"
    assert body["items"][0]["title"].startswith("Лицензия на Akbulak site прекращена: действует до 2026-06-30.")


@pytest.mark.parametrize(("query", "parameter"), [("partner=Mars", "partner"), ("country=RU", "country"),
                                                  ("country=KZ,KG", "country")])
def test_bad_change_filters_are_400_naming_the_parameter(client, query, parameter):
    response = client.get(f"/changes.json?{query}")
    assert response.status_code == 400 and parameter in response.get_data(as_text=True)
