"""``/api/clusters`` on the real store: counts equal to ``/api/sites`` for the same filters, points, boxes, errors."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest

from geo.analyze import AnalysisSettings
from geo.clusters import HOLDER_UNKNOWN
from layers.settings import StoreSettings
from webapp import create_app
from webapp.settings import MapSettings, WebSettings

pytestmark = pytest.mark.integration

CENTRAL_ASIA = "46,35,88,56"
#: The Fergana valley and the Tien Shan around it, where the staged sites crowd.
FERGANA = "69,39,75,43"
#: A point threshold low enough that the 1,083 mapped real sites are clustered on the server.
THRESHOLD = 40


@pytest.fixture(scope="module")
def cluster_client(real_store: Path, real_analysis: AnalysisSettings):
    """A client of the app on the real store that clusters any view of more than 40 sites."""
    settings = WebSettings(store=StoreSettings(store_path=real_store), analysis=real_analysis,
                           map=MapSettings(tile_url="", cluster_points_below=THRESHOLD))
    app = create_app(settings)
    app.config.update(TESTING=True)
    return app.test_client()


def _get(client, path: str, **query) -> dict:
    response = client.get(f"{path}?{urlencode(query)}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


FILTERS = [
    {},
    {"country": "KZ"},
    {"commodity": "REE"},
    {"country": "KG,UZ", "commodity": "W"},
    {"partner": "China", "as_of": "2025-12-01"},
    {"holder_unknown": "yes", "as_of": "2025-01-01"},
    {"licensed": "yes"},
    {"max_corridor_km": "100"},
    {"q": "gold"},
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: urlencode(f) or "none")
@pytest.mark.parametrize(("zoom", "bbox"), [(3, CENTRAL_ASIA), (5, CENTRAL_ASIA), (6, FERGANA), (9, "70,40,73,42")])
def test_cluster_counts_add_up_to_the_sites_the_api_lists(cluster_client, filters, zoom, bbox):
    body = _get(cluster_client, "/api/clusters", zoom=zoom, bbox=bbox, **filters)
    # A filter keeping few mapped sites in all is answered whole (extent "all"), whatever the box.
    box = {"mapped": "true"} if body["extent"] == "all" else {"bbox": bbox}
    sites = _get(cluster_client, "/api/sites", limit=1, **box, **filters)["numberMatched"]
    clusters = [f for f in body["features"] if f["properties"].get("cluster") is True]
    points = [f for f in body["features"] if f["properties"].get("cluster") is not True]
    assert sum(f["properties"]["count"] for f in clusters) + len(points) == body["numberMatched"] == sites
    for f in clusters:
        assert sum(f["properties"]["categories"].values()) == f["properties"]["count"] >= 2
    everything = _get(cluster_client, "/api/sites", limit=1, **filters)["numberMatched"]
    mapped = _get(cluster_client, "/api/sites", limit=1, mapped="true", **filters)["numberMatched"]
    assert body["totals"] == {"matched": everything, "mapped": mapped}
    assert body["numberReturned"] == len(body["features"])


def test_a_crowded_view_is_clustered_with_clusters_where_the_sites_are(cluster_client):
    body = _get(cluster_client, "/api/clusters", zoom=5, bbox=CENTRAL_ASIA)
    clusters = [f for f in body["features"] if f["properties"].get("cluster") is True]
    assert body["mode"] == "clusters" and body["extent"] == "view" and len(clusters) >= 10
    assert len(body["features"]) < body["numberMatched"] / 5
    for f in clusters:
        west, south, east, north = f["properties"]["bbox"]
        lon, lat = f["geometry"]["coordinates"]
        assert west <= lon <= east and south <= lat <= north


def test_partner_colouring_counts_sites_without_a_holder_as_the_filter_does(cluster_client):
    body = _get(cluster_client, "/api/clusters", zoom=4, bbox=CENTRAL_ASIA, colour="partner", as_of="2025-12-01")
    holder_unknown = sum(f["properties"]["categories"].get(HOLDER_UNKNOWN, 0) for f in body["features"]
                         if f["properties"].get("cluster") is True)
    holder_unknown += sum(1 for f in body["features"] if f["properties"].get("cluster") is not True
                          and f["properties"]["ownership_coverage"] == HOLDER_UNKNOWN)
    expected = _get(cluster_client, "/api/sites", bbox=CENTRAL_ASIA, limit=1, holder_unknown="yes",
                    as_of="2025-12-01")["numberMatched"]
    assert holder_unknown == expected > 0
    assert body["colour"] == "partner" and HOLDER_UNKNOWN in body["categories"]


def test_sites_are_points_with_the_properties_of_the_sites_api_at_a_high_zoom(cluster_client):
    box = "69.5,40.5,71.5,41.5"
    body = _get(cluster_client, "/api/clusters", zoom=13, bbox=box, as_of="2025-12-01")
    sites = _get(cluster_client, "/api/sites", bbox=box, as_of="2025-12-01")
    assert body["mode"] == "points" and body["cluster_zoom"] == 11  # a 2-degree box is 1,491 px wide at 11
    assert {f["id"] for f in body["features"]} == {f["id"] for f in sites["features"]}
    by_id = {f["id"]: f for f in sites["features"]}
    for f in body["features"]:
        expected = by_id[f["id"]]
        # The map's popups read these; /api/sites writes absolute URLs for GIS clients, the map relative ones.
        assert f["properties"] == {**expected["properties"], "url": f"/sites/{f['id']}"}
        assert f["geometry"] == expected["geometry"]


def test_a_small_view_is_answered_with_its_sites(cluster_client):
    body = _get(cluster_client, "/api/clusters", zoom=8, bbox="76,42,77,43")
    assert body["mode"] == "points" and 0 < body["numberMatched"] <= THRESHOLD
    assert all(f["properties"].get("cluster") is not True for f in body["features"])


def test_few_sites_in_all_are_answered_whole_whatever_the_view(client):
    # The default threshold (2,000) exceeds the staged 1,083 mapped sites: every one comes, for any box.
    body = _get(client, "/api/clusters", zoom=9, bbox="70,40,71,41")
    mapped = _get(client, "/api/sites", limit=1, mapped="true")["numberMatched"]
    assert (body["mode"], body["extent"], body["numberMatched"], body["numberReturned"]) == (
        "points", "all", mapped, mapped)


@pytest.mark.parametrize("bbox", ["170,-60,-170,60", "-180,-90,-170,90", "179,-90,180,90"])
def test_a_box_at_or_across_the_antimeridian_counts_as_the_sites_api(cluster_client, bbox):
    body = _get(cluster_client, "/api/clusters", zoom=3, bbox=bbox)
    assert body["numberMatched"] == _get(cluster_client, "/api/sites", bbox=bbox, limit=1)["numberMatched"] == 0
    assert body["features"] == []


def test_a_box_across_the_antimeridian_that_holds_the_region_counts_every_site(cluster_client):
    # West 40 and east 20 (crossing 180): everything but 20..40 degrees east, so all of Central Asia.
    body = _get(cluster_client, "/api/clusters", zoom=1, bbox="40,-80,20,80")
    assert body["numberMatched"] == _get(cluster_client, "/api/sites", bbox="40,-80,20,80", limit=1)["numberMatched"]
    assert body["numberMatched"] == body["totals"]["mapped"]


def test_a_box_edge_on_a_site_keeps_it(cluster_client):
    site = _get(cluster_client, "/api/sites", bbox=FERGANA, limit=1)["features"][0]
    lon, lat = site["geometry"]["coordinates"]
    box = f"{lon},{lat},{lon + 1},{lat + 1}"
    body = _get(cluster_client, "/api/clusters", zoom=6, bbox=box)
    assert body["numberMatched"] == _get(cluster_client, "/api/sites", bbox=box, limit=1)["numberMatched"] >= 1


@pytest.mark.parametrize(("query", "parameter", "message"), [
    ("bbox=46,35,88,56", "zoom", "zoom is required"),
    ("zoom=&bbox=46,35,88,56", "zoom", "zoom is required"),
    ("zoom=x", "zoom", "zoom must be a whole number"),
    ("zoom=5.5", "zoom", "zoom must be a whole number"),
    ("zoom=23", "zoom", "zoom must be between 0 and 22"),
    ("zoom=-1", "zoom", "zoom must be between 0 and 22"),
    ("zoom=5&bbox=1,2,3", "bbox", "bbox must be minlon,minlat,maxlon,maxlat"),
    ("zoom=5&bbox=46,56,88,35", "bbox", "bbox minimum latitude must not exceed its maximum"),
    ("zoom=5&bbox=46,35,188,56", "bbox", "bbox longitudes must lie in -180..180"),
    ("zoom=5&colour=pink", "colour", "colour must be one of group, partner, status"),
    ("zoom=5&country=XX", "country", "XX"),
    ("zoom=5&as_of=2025-13-01", "as_of", "as_of"),
])
def test_a_bad_parameter_is_a_400_naming_it(cluster_client, query, parameter, message):
    response = cluster_client.get(f"/api/clusters?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == parameter and message in error["message"]


def test_an_answer_is_served_again_from_the_cache_unchanged(cluster_client):
    query = {"zoom": 6, "bbox": FERGANA, "commodity": "Au", "as_of": "2024-06-01"}
    first = cluster_client.get(f"/api/clusters?{urlencode(query)}")
    again = cluster_client.get(f"/api/clusters?{urlencode(query)}")
    assert first.get_data() == again.get_data() and first.mimetype == "application/geo+json"
