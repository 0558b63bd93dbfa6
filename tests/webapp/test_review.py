"""The read-only link review: /review/links and /api/link-candidates on the real store and on hostile text."""

import math

import pytest
from shapely.geometry import Point

from geo.analyze import AnalysisSettings, run_analysis
from layers.deposits.records import make_quarantine, make_records
from layers.linkage import link_sites
from layers.schema import COUNTRIES
from layers.settings import StoreSettings
from layers.store import write_store
from webapp import create_app
from webapp.settings import MapSettings, WebSettings

HOSTILE = '<script>alert("x")</script>&<b>'


def test_api_lists_the_queue_best_score_first(client):
    body = client.get("/api/link-candidates?limit=1000").get_json()
    scores = [c["score"] for c in body["candidates"]]
    assert body["numberMatched"] == body["numberReturned"] == len(scores) > 50
    assert scores == sorted(scores, reverse=True)
    first = body["candidates"][0]
    assert set(first) == {"score", "probability", "name_level", "distance_km", "weights", "queue_reason", "a", "b",
                          "links_line"}
    assert set(first["a"]) == {"record_id", "dataset", "name", "country", "commodities", "lon", "lat",
                               "upstream_url"}
    assert first["links_line"].startswith(f"{first['a']['record_id']},{first['b']['record_id']},")


@pytest.mark.parametrize("country", ["UZ", "KG"])
def test_api_filters_by_country(client, country):
    body = client.get(f"/api/link-candidates?country={country}&limit=1000").get_json()
    assert body["numberMatched"] > 0
    assert all(country in (c["a"]["country"], c["b"]["country"]) for c in body["candidates"])


def test_api_filters_by_dataset_and_pages(client):
    everything = client.get("/api/link-candidates?dataset=mrdata-potash&limit=1000").get_json()
    assert everything["numberMatched"] > 2
    assert all("mrdata-potash" in (c["a"]["dataset"], c["b"]["dataset"]) for c in everything["candidates"])
    second = client.get("/api/link-candidates?dataset=mrdata-potash&limit=1&offset=1").get_json()
    assert (second["numberReturned"], second["candidates"]) == (1, everything["candidates"][1:2])


@pytest.mark.parametrize(("query", "parameter"), [
    ("country=RU", "country"), ("dataset=no-such-dataset", "dataset"), ("limit=0", "limit"), ("offset=-1", "offset"),
])
def test_api_refuses_bad_parameters_with_the_error_shape(client, query, parameter):
    response = client.get(f"/api/link-candidates?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == parameter


def test_review_page_shows_both_records_and_the_line_to_copy(client):
    html = client.get("/review/links?country=KZ").get_data(as_text=True)
    body = client.get("/api/link-candidates?country=KZ&limit=1").get_json()
    first = body["candidates"][0]
    assert "<h1>Link review queue</h1>" in html
    assert f'{body["numberMatched"]} pairs match' in html
    assert first["a"]["record_id"] in html and first["b"]["record_id"] in html
    assert '<option value="KZ" selected>KZ</option>' in html


def test_review_has_no_write_route(client):
    assert client.post("/review/links").status_code == 405
    assert client.post("/api/link-candidates").status_code == 405


@pytest.fixture()
def hostile_client(tmp_path):
    """An app on a store whose one queued pair carries HTML in names and commodities and a javascript: link."""
    def row(record_id: str, name: str, lon: float, commodity: str) -> dict:
        return {
            "record_id": record_id, "source": "test", "dataset": record_id.split(":")[0], "name": name,
            "aliases": [], "country": "KZ", "commodities": [commodity], "commodity_groups": [],
            "deposit_types": [], "status": "", "grade_tonnage": [], "references": [],
            "upstream_url": "javascript:alert(2)", "location_precision_km": 2.0, "location_status": "exact",
            "location_raw": "", "country_check": "", "same_as": [], "geometry": Point(lon, 48.6),
        }
    # similar names 12 km apart, commodities apart: neither surely one deposit nor two
    records = make_records([row("a:1", "Inder<b>&", 51.9, HOSTILE), row("b:1", "Inderborskii<b>&", 52.062, "B")],
                           "test")
    result = link_sites(records, decided_on="2026-12-07")
    assert len(result.candidates) == 1 and not math.isnan(result.candidates.iloc[0]["distance_km"])
    path = tmp_path / "atlas.gpkg"
    sources = make_quarantine([], "test").assign(id=[])
    write_store(path, {"sites": result.sites, "source_records": records, "quarantine": make_quarantine([], "t"),
                       "countries": COUNTRIES.empty(), "link_candidates": result.candidates}, sources,
                {"built_at": "now"})
    analysis = AnalysisSettings(analysis_dir=tmp_path / "analysis")
    run_analysis(path, analysis)
    app = create_app(WebSettings(store=StoreSettings(store_path=path), analysis=analysis, map=MapSettings(tile_url="")))
    return app.test_client()


def test_review_page_escapes_text_from_data_and_links_only_web_addresses(hostile_client):
    html = hostile_client.get("/review/links").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>&" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&lt;b&gt;" in html
    assert "Inder&lt;b&gt;&amp;" in html
    assert 'href="javascript:' not in html


def test_api_returns_hostile_text_as_data_with_no_link(hostile_client):
    candidate = hostile_client.get("/api/link-candidates").get_json()["candidates"][0]
    assert (candidate["a"]["name"], candidate["a"]["commodities"], candidate["a"]["upstream_url"]) == (
        "Inder<b>&", [HOSTILE], "")
