"""OGC API – Features at /ogc on the real store: JSON shapes, paging, bbox, datetime, filters, HTML, errors, the
OpenAPI document, and real clients (GDAL's OAPIF driver through pyogrio, OWSLib) against a live local server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date

import geopandas as gpd
import pytest
import shapely
from owslib.ogcapi.features import Features
from werkzeug.serving import make_server

from layers.dates import period_start
from webapp.ogc.collections import COLLECTIONS, TEMPORAL_CACHE_SIZE, Collection, CollectionCache
from webapp.ogc.schema import Field

pytestmark = pytest.mark.integration

LOCAL_HOST = "127.0.0.1"
KATPAR = "national:kz-northern-katpar"
CONF = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
#: A box over the Kazakh-Uzbek-Kyrgyz borderlands (west, south, east, north).
BOX = (66.0, 40.0, 72.0, 44.0)
#: The start of the message of a bad ``limit``.
LIMIT = "limit must be a whole number of at least 1 (above 10000 it is capped to 10000); got "


@pytest.fixture()
def client(backend_app):
    """A test client of the app on the real store, once per backend (GeoPackage and PostGIS): a contract test."""
    return backend_app.test_client()


def _state(app):
    return app.extensions["atlas"]


def _collection(app, collection_id: str):
    """The whole collection as the registry's getter gives it (today's partners)."""
    col = COLLECTIONS[collection_id]
    return col.getter(_state(app), date.today())


def _ids(body: dict) -> list[str]:
    return [f["id"] for f in body["features"]]


def _link(body: dict, rel: str) -> str:
    (href,) = [link["href"] for link in body["links"] if link["rel"] == rel]
    return href.removeprefix("http://localhost")


# --- landing page, conformance, collections --------------------------------------------------------------------

def test_landing_page_links_to_the_api_definition_conformance_and_data(client):
    response = client.get("/ogc/")
    body = response.get_json()
    assert (response.status_code, response.mimetype) == (200, "application/json")
    assert {(link["rel"], link["type"]) for link in body["links"]} == {
        ("self", "application/json"), ("alternate", "text/html"), ("service-desc", OPENAPI_JSON),
        ("service-doc", "text/html"), ("conformance", "application/json"), ("data", "application/json")}
    assert _link(body, "service-desc") == "/ogc/api?f=json"
    assert _link(body, "data") == "/ogc/collections?f=json"


def test_landing_page_answers_with_and_without_the_slash(client):
    assert client.get("/ogc").get_json() == client.get("/ogc/").get_json()
    assert client.get("/ogc").status_code == 200


def test_conformance_declares_exactly_the_classes_tested_here(client):
    body = client.get("/ogc/conformance").get_json()
    part3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
    assert body["conformsTo"] == [CONF + "core", CONF + "oas30", CONF + "html", CONF + "geojson",
                                  part3 + "queryables", part3 + "queryables-query-parameters"]


def test_collections_lists_every_registered_collection(client):
    body = client.get("/ogc/collections").get_json()
    assert [c["id"] for c in body["collections"]] == [
        "sites", "source_records", "licences", "corridors", "corridor_segments", "gateways", "railways",
        "countries", "facilities"]
    for col in body["collections"]:
        assert col["itemType"] == "feature" and col["crs"] == [CRS84]
        assert {(link["rel"], link["type"]) for link in col["links"]} == {
            ("self", "application/json"), ("items", "application/geo+json"), ("items", "text/html"),
            ("describedBy", "application/schema+json"),
            ("http://www.opengis.net/def/rel/ogc/1.0/schema", "application/schema+json"),
            ("http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json")}
        assert col["attribution"] and col["license"]


def test_sites_collection_has_the_region_extent_and_the_relations_interval(client, real_app):
    body = client.get("/ogc/collections/sites").get_json()
    west, south, east, north = body["extent"]["spatial"]["bbox"][0]
    assert 46 < west < 50 and 36 < south < 39 and 84 < east < 88 and 53 < north < 56
    store = _state(real_app).store
    dated = [period_start(v) for v in (*store.licences["granted"], *store.ownership["valid_from"]) if v]
    # From the first dated licence or ownership relation, open-ended; no invented 1900-2100 span.
    assert body["extent"]["temporal"]["interval"] == [[f"{min(dated).isoformat()}T00:00:00Z", None]]
    assert min(dated).year > 1900
    assert "Mudd & Jowitt" in body["attribution"] and "public domain" in body["license"]
    assert [link["rel"] for link in body["links"]] == [
        "self", "alternate", "items", "items", "describedBy", "http://www.opengis.net/def/rel/ogc/1.0/schema",
        "http://www.opengis.net/def/rel/ogc/1.0/queryables"]


def test_licences_without_polygons_have_no_spatial_extent(client):
    body = client.get("/ogc/collections/licences").get_json()
    assert body["extent"] == {}


def test_railways_carry_the_odbl_attribution(client):
    body = client.get("/ogc/collections/railways").get_json()
    assert "© OpenStreetMap contributors" in body["attribution"] and "ODbL 1.0" in body["license"]


# --- items: GeoJSON, paging ------------------------------------------------------------------------------------

def test_items_are_geojson_with_the_paging_members(client, real_app):
    response = client.get("/ogc/collections/sites/items")
    body = response.get_json()
    assert response.mimetype == "application/geo+json"
    assert body["type"] == "FeatureCollection" and body["numberReturned"] == 10 == len(body["features"])
    assert body["numberMatched"] == len(_state(real_app).sites)
    assert body["timeStamp"].endswith("Z") and body["as_of"] == date.today().isoformat()
    assert [link["rel"] for link in body["links"]] == ["self", "alternate", "next", "collection"]
    feature = body["features"][0]
    assert feature["id"] == feature["properties"]["site_id"] == _state(real_app).sites["site_id"].iloc[0]


def test_next_and_prev_links_keep_the_query_and_walk_every_page(client):
    first = client.get("/ogc/collections/sites/items?country=KG&limit=40").get_json()
    assert _link(first, "next") == "/ogc/collections/sites/items?country=KG&limit=40&offset=40&f=json"
    seen, body, pages = [], first, 0
    while True:
        seen += _ids(body)
        pages += 1
        if not any(link["rel"] == "next" for link in body["links"]):
            break
        body = client.get(_link(body, "next")).get_json()
        assert _link(body, "prev").startswith("/ogc/collections/sites/items?country=KG&limit=40&offset=")
    assert len(seen) == len(set(seen)) == first["numberMatched"] and pages == -(-len(seen) // 40)
    whole = client.get("/ogc/collections/sites/items?country=KG&limit=10000").get_json()
    assert _ids(whole) == seen


def test_offset_past_the_end_returns_no_features_and_a_prev_link(client, real_app):
    matched = len(_state(real_app).sites)
    body = client.get(f"/ogc/collections/sites/items?limit=5&offset={matched - 2}").get_json()
    assert (body["numberMatched"], body["numberReturned"]) == (matched, 2)
    assert [link["rel"] for link in body["links"]] == ["self", "alternate", "prev", "collection"]
    past = client.get(f"/ogc/collections/sites/items?offset={matched + 5}").get_json()
    assert (past["numberReturned"], past["features"]) == (0, [])


def test_one_feature_by_its_stable_id(client):
    response = client.get(f"/ogc/collections/sites/items/{KATPAR}")
    body = response.get_json()
    assert response.mimetype == "application/geo+json"
    assert (body["type"], body["id"], body["properties"]["name"]) == ("Feature", KATPAR, "Northern Katpar")
    assert body["geometry"]["type"] == "Point"
    assert [link["rel"] for link in body["links"]] == ["self", "alternate", "collection", "related"]
    assert _link(body, "related") == f"/sites/{KATPAR}"


@pytest.mark.parametrize(("collection_id", "feature_id", "prop", "value"), [
    ("corridor_segments", "titr_central:1", "corridor_id", "titr_central"),
    ("countries", "kazakhstan", "iso_a2", "KZ"),
    ("countries", "baikonur", "iso_a2", "KZ"),
    ("gateways", "khorgos", "country", "KZ"),
    ("corridors", "cku", "status", "under_construction"),
])
def test_feature_ids_of_other_collections(client, collection_id, feature_id, prop, value):
    body = client.get(f"/ogc/collections/{collection_id}/items/{feature_id}").get_json()
    assert (body["id"], body["properties"][prop]) == (feature_id, value)


# --- bbox, datetime, property filters --------------------------------------------------------------------------

def test_bbox_keeps_the_sites_inside_the_box(client, real_app):
    sites = _state(real_app).sites
    inside = sites[sites.geometry.notna() & sites.geometry.x.between(BOX[0], BOX[2])
                   & sites.geometry.y.between(BOX[1], BOX[3])]
    body = client.get("/ogc/collections/sites/items?limit=10000&bbox=" + ",".join(map(str, BOX))).get_json()
    assert _ids(body) == inside["site_id"].tolist() and body["numberMatched"] == len(inside) > 50


def test_bbox_keeps_the_railway_lines_crossing_the_box(client, real_app):
    rail = _state(real_app).store.railways
    crossing = rail[rail.intersects(shapely.box(*BOX))]
    body = client.get("/ogc/collections/railways/items?limit=10000&bbox=" + ",".join(map(str, BOX))).get_json()
    assert _ids(body) == crossing["rail_id"].tolist() and len(crossing) > 100


@pytest.mark.parametrize(("when", "controlling", "dominant"), [
    ("2025-12-01", "USA", "USA"),
    ("2025-12-01T00:00:00Z", "USA", "USA"),
    ("2025-01-01", "domestic state", None),
    ("2025-01-01T12:00:00+05:00", "domestic state", None),
])
def test_datetime_is_the_ownership_as_of_date(client, when, controlling, dominant):
    item = client.get(f"/ogc/collections/sites/items/{KATPAR}", query_string={"datetime": when}).get_json()
    listed = client.get("/ogc/collections/sites/items", query_string={"datetime": when, "q": "Northern Katpar"})
    (feature,) = listed.get_json()["features"]
    for props in (item["properties"], feature["properties"]):
        assert (props["controlling_partner"], props["dominant_partner"]) == (controlling, dominant)


@pytest.mark.parametrize(("when", "expected"), [("2025-12-01", True), ("2025-01-01", False)])
def test_partner_filter_reads_the_datetime_date(client, when, expected):
    body = client.get("/ogc/collections/sites/items?partner=USA&limit=10000&datetime=" + when).get_json()
    assert (KATPAR in _ids(body)) is expected


@pytest.mark.parametrize("query", [
    "country=KZ", "country=KG,TJ", "commodity=W", "commodity=REE", "q=Кутессай", "partner=domestic state",
    "corridor=titr_central&max_corridor_km=50", "corridor=cku", "max_corridor_km=20",
    "country=KZ&commodity=W&bbox=60,40,80,50",
])
def test_site_filters_match_the_sites_api(client, query):
    ogc = client.get(f"/ogc/collections/sites/items?limit=10000&datetime=2025-12-01&{query}").get_json()
    api = client.get(f"/api/sites?limit=10000&as_of=2025-12-01&{query}").get_json()
    assert _ids(ogc) == _ids(api) and ogc["numberMatched"] == api["numberMatched"] > 0


@pytest.mark.parametrize(("collection_id", "query", "column", "values"), [
    ("gateways", "country=KZ", "country", {"KZ"}),
    ("gateways", "kind=sea_port", "kind", {"sea_port"}),
    ("railways", "source=railways_ne10m", "source", {"railways_ne10m"}),
    ("corridors", "status=existing,planned", "status", {"existing", "planned"}),
    ("corridor_segments", "reason=sea", "reason", {"sea"}),
    ("facilities", "country=UZ", "country", {"UZ"}),
    ("licences", "country=KG", "deposit_country", {"KG"}),
    ("source_records", "source=national_curated", "source", {"national_curated"}),
])
def test_property_filters_keep_the_rows_with_those_values(client, real_app, collection_id, query, column, values):
    frame = _collection(real_app, collection_id)
    col = COLLECTIONS[collection_id]
    expected = frame.loc[frame[column].isin(values), col.id_column].tolist()
    body = client.get(f"/ogc/collections/{collection_id}/items?limit=10000&{query}").get_json()
    assert _ids(body) == expected and expected


def test_datetime_is_accepted_and_ignored_by_collections_without_time(client):
    plain = client.get("/ogc/collections/gateways/items").get_json()
    dated = client.get("/ogc/collections/gateways/items?datetime=2020-01-01").get_json()
    assert _ids(plain) == _ids(dated) and "as_of" not in dated


# --- errors: one shape ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "parameter", "message"), [
    ("/ogc/collections/sites/items?limit=0", "limit", LIMIT + "'0'"),
    ("/ogc/collections/sites/items?offset=-1", "offset", "offset must be between 0 and 1000000000; got -1"),
    ("/ogc/collections/sites/items?bbox=1,2,3", "bbox",
     "bbox must be minlon,minlat,maxlon,maxlat (or six numbers with heights); got '1,2,3'"),
    ("/ogc/collections/railways/items?bbox=a,b,c,d", "bbox", "bbox values must be numbers; got 'a,b,c,d'"),
    ("/ogc/collections/sites/items?bbox=60,40,0,70,45,-5", "bbox",
     "bbox minimum height must not exceed its maximum height"),
    ("/ogc/collections/sites/items?datetime=2025-06-01/2025-01-01", "datetime",
     "datetime interval starts after it ends: '2025-06-01/2025-01-01'"),
    ("/ogc/collections/sites/items?datetime=../..", "datetime",
     "datetime must be an instant or an interval start/end (either end may be '..'); got '../..'"),
    ("/ogc/collections/sites/items?datetime=2025/2026/2027", "datetime",
     "datetime must be an instant or an interval start/end (either end may be '..'); got '2025/2026/2027'"),
    ("/ogc/collections/sites/items?datetime=yesterday", "datetime",
     "datetime must be YYYY-MM-DD or an RFC 3339 date-time such as 2025-12-01T00:00:00Z, or an interval of "
     "them; got 'yesterday'"),
    ("/ogc/collections?datetime=yesterday", "datetime",
     "datetime must be YYYY-MM-DD or an RFC 3339 date-time such as 2025-12-01T00:00:00Z, or an interval of "
     "them; got 'yesterday'"),
    ("/ogc/collections/sites/items?datetime=1800-01-01", "datetime",
     "datetime must lie between 1900-01-01 and 2100-12-31; got '1800-01-01'"),
    ("/ogc/collections/sites/items?f=xml", "f", "f must be one of json, html; got 'xml'"),
    ("/ogc/collections/sites/items?max_corridor_km=-1", "max_corridor_km",
     "max_corridor_km must be between 0 and 20000; got '-1'"),
    ("/ogc/collections/sites/items?contry=KZ", "contry",
     "unknown query parameter 'contry'; this resource takes bbox, commodity, controlling_partner, corridor, "
     "country, datetime, f, limit, max_corridor_km, offset, partner, primary_group, q, sortby, status"),
    ("/ogc/collections/gateways/items?partner=USA", "partner",
     "unknown query parameter 'partner'; this resource takes bbox, country, datetime, f, kind, limit, offset, sortby"),
    ("/ogc/collections?limit=5", "limit", "unknown query parameter 'limit'; this resource takes datetime, f"),
])
def test_bad_parameters_are_400_in_the_error_shape(client, url, parameter, message):
    response = client.get(url)
    assert (response.status_code, response.mimetype, response.get_json()) == (400, "application/json", {
        "error": {"status": 400, "title": "Bad request", "message": message, "parameter": parameter}})


@pytest.mark.parametrize(("url", "message"), [
    ("/ogc/collections/minerals", "no collection 'minerals'; there are sites, source_records, licences, corridors, "
                                  "corridor_segments, gateways, railways, countries, facilities"),
    ("/ogc/collections/minerals/items", "no collection 'minerals'; there are sites, source_records, licences, "
                                        "corridors, corridor_segments, gateways, railways, countries, facilities"),
    ("/ogc/collections/sites/items/nope:1", "no feature 'nope:1' in collection 'sites'"),
    ("/ogc/collections/railways/items/osm:0", "no feature 'osm:0' in collection 'railways'"),
    ("/ogc/tiles", "no resource /ogc/tiles; start at the landing page /ogc/"),
])
def test_unknown_resources_are_404_in_the_error_shape(client, url, message):
    response = client.get(url)
    assert (response.status_code, response.get_json()) == (404, {
        "error": {"status": 404, "title": "Not found", "message": message}})


def test_errors_asked_for_as_html_are_the_escaped_error_page(client):
    response = client.get("/ogc/collections/<script>alert(1)</script>", headers={"Accept": "text/html"})
    page = response.get_data(as_text=True)
    assert (response.status_code, response.mimetype) == (404, "text/html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page


# --- HTML -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/ogc/", "/ogc/conformance", "/ogc/api", "/ogc/collections", "/ogc/collections/sites",
    "/ogc/collections/sites/items", f"/ogc/collections/sites/items/{KATPAR}",
    "/ogc/collections/railways/items?bbox=66,40,72,44", "/ogc/collections/licences/items/KG-KUTESSAI2-CN",
])
def test_every_resource_has_html_by_f_and_by_accept(client, url):
    by_f = client.get(url + ("&" if "?" in url else "?") + "f=html")
    by_accept = client.get(url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert (by_f.status_code, by_f.mimetype, by_accept.status_code, by_accept.mimetype) == (
        200, "text/html", 200, "text/html")
    assert "Accept" in by_f.vary
    assert "OGC API – Features" in by_f.get_data(as_text=True)


def test_html_items_link_pages_and_features(client):
    page = client.get("/ogc/collections/sites/items?f=html&country=KG&limit=5").get_data(as_text=True)
    next_href = "http://localhost/ogc/collections/sites/items?country=KG&amp;limit=5&amp;offset=5&amp;f=html"
    assert f'rel="next" href="{next_href}"' in page
    assert "/ogc/collections/sites/items/" in page and "5 of " in page


def test_html_escapes_data_text(client, real_app):
    sites = _state(real_app).sites
    site_id = sites.loc[sites["name"] == "Bochetkol'skoe", "site_id"].iloc[0]
    item = client.get(f"/ogc/collections/sites/items/{site_id}?f=html").get_data(as_text=True)
    assert "<h1>Bochetkol&#39;skoe</h1>" in item and "Bochetkol'skoe" not in item
    collection = client.get("/ogc/collections/sites?f=html").get_data(as_text=True)
    assert "Mudd &amp; Jowitt" in collection and "Mudd & Jowitt" not in collection


# --- OpenAPI ------------------------------------------------------------------------------------------------------

def _refs(node) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_document_describes_every_collection_and_its_filters(client):
    response = client.get("/ogc/api")
    doc = response.get_json(force=True)
    assert response.mimetype == "application/vnd.oai.openapi+json" and doc["openapi"] == "3.0.3"
    assert doc["servers"] == [{"url": "http://localhost/ogc"}]
    for collection_id, col in COLLECTIONS.items():
        items = doc["paths"][f"/collections/{collection_id}/items"]["get"]
        names = [p.get("name") or p["$ref"].rsplit("/", 1)[-1] for p in items["parameters"]]
        assert names == ["bbox", "datetime", "limit", "offset", "sortby", "f", *(p.name for p in col.parameters)]
        assert f"/collections/{collection_id}/items/{{featureId}}" in doc["paths"]
    assert doc["components"]["parameters"]["limit"]["schema"] == {
        "type": "integer", "minimum": 1, "maximum": 10000, "default": 10}
    for ref in set(_refs(doc)):
        section, name = ref.removeprefix("#/components/").split("/")
        assert name in doc["components"][section], ref


def test_every_described_operation_answers(client):
    doc = client.get("/ogc/api").get_json(force=True)
    for path in doc["paths"]:
        url = "/ogc" + path.replace("{featureId}", "x").rstrip("/")
        status = client.get(url).status_code
        assert status == (404 if path.endswith("{featureId}") else 200), url


# --- real clients against a live server -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def live_url(real_app) -> Iterator[str]:
    """The app served on a free local port from a background thread."""
    server = make_server(LOCAL_HOST, 0, real_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="ogc-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://{LOCAL_HOST}:{server.server_port}/ogc"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


#: Runs in a child process: pyogrio holds the GIL while GDAL fetches pages, so reading in this process would
#: starve the server thread. Prints, per layer, GDAL's feature count and ids; then a pushed-down filter and bbox.
GDAL_READER = """
import json, sys
import pyogrio
url = "OAPIF:" + sys.argv[1]
out = {"layers": {name: str(kind) for name, kind in pyogrio.list_layers(url)}, "ids": {}}
for name in out["layers"]:
    frame = pyogrio.read_dataframe(url, layer=name, PAGE_SIZE="10000")
    out["ids"][name] = frame["id"].tolist()
out["kz_gateways"] = pyogrio.read_dataframe(url, layer="gateways", where="country = 'KZ'")["id"].tolist()
out["box_sites"] = pyogrio.read_dataframe(url, layer="sites", bbox=tuple(json.loads(sys.argv[2])),
                                          PAGE_SIZE="10000")["id"].tolist()
print(json.dumps(out))
"""


def test_gdal_oapif_reads_every_collection_whole(live_url, real_app, client):
    env = {**os.environ, "NO_PROXY": LOCAL_HOST, "no_proxy": LOCAL_HOST, "GDAL_HTTP_MAX_RETRY": "0",
           "GDAL_HTTP_TIMEOUT": "60", "CPL_DEBUG": "OFF"}
    result = subprocess.run([sys.executable, "-c", GDAL_READER, live_url, json.dumps(BOX)], capture_output=True,
                            text=True, timeout=120, env=env, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout)
    assert list(out["layers"]) == list(COLLECTIONS)
    for collection_id, col in COLLECTIONS.items():
        expected = _collection(real_app, collection_id)[col.id_column].tolist()
        assert out["ids"][collection_id] == expected, collection_id
    assert len(out["ids"]["railways"]) > 28_000
    gateways = _state(real_app).store.gateways
    assert out["kz_gateways"] == gateways.loc[gateways["country"] == "KZ", "node_id"].tolist()
    box = client.get("/ogc/collections/sites/items?limit=10000&bbox=" + ",".join(map(str, BOX))).get_json()
    assert out["box_sites"] == _ids(box)


def test_owslib_lists_collections_and_pages_through_every_site(live_url, real_app, monkeypatch):
    monkeypatch.setenv("NO_PROXY", LOCAL_HOST)
    service = Features(live_url)
    assert service.feature_collections() == list(COLLECTIONS)
    assert service.conformance()["conformsTo"][0] == CONF + "core"
    assert "/collections/sites/items" in service.api()["paths"]
    seen, offset = [], 0
    while True:
        page = service.collection_items("sites", limit=300, offset=offset)
        seen += _ids(page)
        if not any(link["rel"] == "next" for link in page["links"]):
            break
        offset += 300
    assert len(seen) == len(set(seen)) and set(seen) == set(_state(real_app).sites["site_id"])
    assert service.collection_item("sites", KATPAR)["properties"]["name"] == "Northern Katpar"


# --- the frame cache ---------------------------------------------------------------------------------------------

def test_cache_builds_each_frame_once_and_keeps_the_recent_dates():
    calls = []

    def getter(state, as_of):
        calls.append(as_of)
        return gpd.GeoDataFrame({"fid": [as_of.isoformat()]}, geometry=[shapely.Point(70, 42)], crs="EPSG:4326")

    dated = Collection(id="dated", title="t", description="d", getter=getter, id_column="fid",
                       fields=(Field("fid", "string", "the id"),), sources=(), temporal=True)
    cache = CollectionCache()
    days = [date(2025, 1, d) for d in range(1, TEMPORAL_CACHE_SIZE + 2)]
    assert cache.frame(dated, None, days[0])["fid"].tolist() == ["2025-01-01"]
    assert cache.frame(dated, None, days[0]) is cache.frame(dated, None, days[0])
    for day in days[1:]:
        cache.frame(dated, None, day)
    cache.frame(dated, None, days[0])  # evicted by the 17th date, so built again
    assert calls == [*days, days[0]]
    assert cache.extent(dated, None) == [70.0, 42.0, 70.0, 42.0]
