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


@pytest.fixture()
def hostile_client(tmp_path):
    """An app on a store whose names, aliases and references carry HTML."""
    row = {
        "record_id": "national:evil", "source": "test", "dataset": "national", "name": HOSTILE,
        "aliases": [HOSTILE], "country": "KZ", "commodities": ["Cu"], "commodity_groups": ["base metals"],
        "deposit_types": [HOSTILE], "status": HOSTILE, "grade_tonnage": [], "references": ["javascript:alert(1)"],
        "upstream_url": "javascript:alert(2)", "location_precision_km": 2.0, "location_status": "exact",
        "location_raw": HOSTILE, "country_check": "", "same_as": [], "geometry": Point(70.0, 45.0),
    }
    records = make_records([row], "test")
    sites = link_sites(records).sites
    path = tmp_path / "atlas.gpkg"
    sources = make_quarantine([], "test").assign(id=[])  # an empty sources table is enough here
    write_store(path, {"sites": sites, "source_records": records, "quarantine": make_quarantine([], "t"),
                       "countries": COUNTRIES.empty()}, sources, {"built_at": "now"})
    analysis = AnalysisSettings(analysis_dir=tmp_path / "analysis")
    run_analysis(path, analysis)
    app = create_app(WebSettings(store=StoreSettings(store_path=path), analysis=analysis, map=MapSettings(tile_url="")))
    return app.test_client()


def test_site_page_escapes_text_from_data(hostile_client):
    html = hostile_client.get("/sites/national:evil").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&lt;b&gt;" in html


def test_site_page_links_only_http_references(hostile_client):
    html = hostile_client.get("/sites/national:evil").get_data(as_text=True)
    assert 'href="javascript:' not in html


def test_site_page_shows_every_source_record_side_by_side(client):
    html = client.get("/sites/national:kg-kutessai-2").get_data(as_text=True)
    for record_id in ("national:kg-kutessai-2", "mrdata-ree:211", "jowitt-ree:kutessay-ii__169"):
        assert f"<code>{record_id}</code>" in html
    assert 'href="https://mrdata.usgs.gov/ree"' in html
    assert '> Kutessai-II <span class="muted" lang="ru">Кутессай-II</span></h1>' in html
    assert "<title>Kutessai-II ·" in html and "not mapped" not in html


def test_map_page_loads_nothing_from_another_host(client):
    html = client.get("/").get_data(as_text=True)
    assert '<script src="/vendor/leaflet/leaflet.js"></script>' in html
    assert '<script src="/static/clusters.js"></script>' in html
    assert "cdn" not in html.lower() and "https://" not in html.split("AtlasMap.init")[0]


def test_map_page_is_small_because_sites_come_from_the_api(client):
    response = client.get("/")
    assert response.status_code == 200
    assert len(response.data) < 20_000
    # The map's sites come per view from /api/clusters; the table's (unmapped ones too) from /api/sites.
    assert '"clusters": "/api/clusters"' in response.get_data(as_text=True)
    assert "/api/sites?limit=" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/vendor/leaflet/leaflet.css", "/static/clusters.js", "/static/atlas.js"])
def test_front_end_files_are_served_by_the_app(client, path):
    with client.get(path) as response:
        assert response.status_code == 200 and len(response.data) > 500


@pytest.mark.parametrize("path", ["/vendor/jquery/jquery.js", "/vendor/leaflet/../../../../etc/passwd"])
def test_unknown_vendor_file_is_404(client, path):
    with client.get(path) as response:
        assert response.status_code == 404


def test_sources_page_lists_licences_and_skipped_sources(client):
    html = client.get("/sources").get_data(as_text=True)
    assert "MIT" in html and "Public domain" in html
    assert "skipped: no file at" in html and "used (1387 rows)" in html
    assert "Rare Earth Element Occurrence Database of the Tien Shan Region" in html


def test_nan_is_never_written_as_json(client):
    body = client.get("/api/sites?limit=10000").get_data(as_text=True)
    assert "NaN" not in body and math.isfinite(len(body))
