"""The requirements of OGC API – Features Part 1 (17-069r4) Core and GeoJSON that the atlas declares, one test per
requirement, named after its id (``/req/core/fc-limit-response-1`` -> ``test_req_core_fc_limit_response_1``),
on the real store."""

from __future__ import annotations

from datetime import date

import pytest

from webapp.ogc.collections import COLLECTIONS

pytestmark = pytest.mark.integration

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON_CLASS = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
KATPAR = "national:kz-northern-katpar"


def _json(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_json(force=True)


def _rels(body: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for link in body["links"]:
        out.setdefault(link["rel"], []).append(link)
    return out


def _path(href: str) -> str:
    return href.removeprefix("http://localhost")


def _sites(real_app):
    return real_app.extensions["atlas"].sites


# --- landing page, API definition, conformance ------------------------------------------------------------------

def test_req_core_root_op(client):
    assert client.get("/ogc/").status_code == 200


def test_req_core_root_success(client):
    rels = _rels(_json(client, "/ogc/"))
    assert {"service-desc", "conformance", "data"} <= set(rels)
    assert [_path(link["href"]) for link in rels["data"]] == ["/ogc/collections?f=json"]


def test_req_core_api_definition_op(client):
    assert client.get(_path(_rels(_json(client, "/ogc/"))["service-desc"][0]["href"])).status_code == 200


def test_req_core_api_definition_success(client):
    response = client.get("/ogc/api")
    assert response.mimetype == "application/vnd.oai.openapi+json"
    assert response.get_json(force=True)["openapi"].startswith("3.0")


def test_req_core_conformance_op(client):
    assert client.get("/ogc/conformance").status_code == 200


def test_req_core_conformance_success(client):
    assert {CORE, GEOJSON_CLASS} <= set(_json(client, "/ogc/conformance")["conformsTo"])


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_req_core_http(client, method):
    # HTTP 1.1 semantics: a method the resource does not support is a 405 that says which methods it does.
    response = client.open("/ogc/collections", method=method)
    assert (response.status_code, response.headers["Allow"], response.get_json()["error"]["status"]) == (
        405, "GET, HEAD, OPTIONS", 405)


def test_req_core_query_param_unknown(client):
    assert _json(client, "/ogc/collections/sites/items?colour=red", 400)["error"]["parameter"] == "colour"


@pytest.mark.parametrize(("query", "parameter"), [("limit=0", "limit"), ("bbox=1,2", "bbox"),
                                                  ("datetime=soon", "datetime"), ("offset=-3", "offset")])
def test_req_core_query_param_invalid(client, query, parameter):
    assert _json(client, f"/ogc/collections/sites/items?{query}", 400)["error"]["parameter"] == parameter


# --- collections ---------------------------------------------------------------------------------------------------

def test_req_core_fc_md_op(client):
    assert client.get("/ogc/collections").status_code == 200


def test_req_core_fc_md_success(client):
    body = _json(client, "/ogc/collections")
    assert set(body) >= {"links", "collections"} and body["collections"]


def test_req_core_fc_md_links(client):
    rels = _rels(_json(client, "/ogc/collections"))
    assert rels["self"][0]["type"] == "application/json"


def test_req_core_fc_md_items(client):
    for col in _json(client, "/ogc/collections")["collections"]:
        assert {"id", "links", "extent", "itemType", "crs"} <= set(col)


def test_req_core_fc_md_items_links(client):
    for col in _json(client, "/ogc/collections")["collections"]:
        items = [link for link in col["links"] if link["rel"] == "items"]
        assert {link["type"] for link in items} >= {"application/geo+json"}, col["id"]


def test_req_core_fc_md_extent(client):
    sites = _json(client, "/ogc/collections/sites")["extent"]
    (box,) = sites["spatial"]["bbox"]
    assert sites["spatial"]["crs"] == CRS84 and box[0] < box[2] and box[1] < box[3]
    (interval,) = sites["temporal"]["interval"]
    assert interval[1] is None and interval[0] < f"{date.today().isoformat()}T"


def test_req_core_sfc_md_op(client):
    assert client.get("/ogc/collections/sites").status_code == 200


def test_req_core_sfc_md_success(client):
    listed = {c["id"]: c for c in _json(client, "/ogc/collections")["collections"]}
    one = _json(client, "/ogc/collections/railways")
    assert {k: v for k, v in one.items() if k != "links"} == {k: v for k, v in listed["railways"].items()
                                                              if k != "links"}


# --- items ---------------------------------------------------------------------------------------------------------

def test_req_core_fc_op(client):
    assert client.get("/ogc/collections/sites/items").status_code == 200


def test_req_core_fc_limit_definition(client):
    limit = _json(client, "/ogc/api")["components"]["parameters"]["limit"]
    assert (limit["in"], limit["schema"]["minimum"], limit["schema"]["maximum"], limit["schema"]["default"]) == (
        "query", 1, 10000, 10)


@pytest.mark.parametrize(("limit", "returned"), [(1, 1), (25, 25), (10000, 1240), (20000, 1240),
                                                 ("9" * 40, 1240)])
def test_req_core_fc_limit_response_1(client, real_app, limit, returned):
    # Never more than `limit`, and never more than the maximum: a larger limit is capped, not refused.
    body = _json(client, f"/ogc/collections/sites/items?limit={limit}")
    assert len(_sites(real_app)) == 1240  # sites after issue 10
    assert (body["numberReturned"], len(body["features"])) == (returned, returned)


def test_req_core_fc_limit_response_1_caps_at_the_maximum(client):
    body = _json(client, "/ogc/collections/railways/items?limit=20000")
    assert body["numberReturned"] == 10000 and body["numberMatched"] > 10000
    assert "offset=10000" in _rels(body)["next"][0]["href"]


def test_req_core_fc_limit_response_2(client):
    # Only the features at the first level count: a site's members are properties, not features.
    body = _json(client, "/ogc/collections/sites/items?limit=3")
    assert all(f["type"] == "Feature" for f in body["features"]) and len(body["features"]) == 3


def test_req_core_fc_bbox_definition(client):
    bbox = _json(client, "/ogc/api")["components"]["parameters"]["bbox"]
    assert (bbox["in"], bbox["style"], bbox["explode"], bbox["schema"]["items"]) == (
        "query", "form", False, {"type": "number"})


@pytest.mark.parametrize(("box", "expected"), [
    ("66,40,72,44", "66,40,72,44"),
    ("66,40,-100,72,44,9000", "66,40,72,44"),  # with heights
])
def test_req_core_fc_bbox_response(client, box, expected):
    got = _json(client, f"/ogc/collections/sites/items?limit=10000&bbox={box}")
    want = _json(client, f"/ogc/collections/sites/items?limit=10000&bbox={expected}")
    assert [f["id"] for f in got["features"]] == [f["id"] for f in want["features"]] and got["numberMatched"] > 50


def test_req_core_fc_bbox_response_across_the_antimeridian(client, real_app):
    # West 60, east -170 spans 60..180 and -180..-170: every located site of the region.
    body = _json(client, "/ogc/collections/sites/items?limit=10000&bbox=60,30,-170,60")
    sites = _sites(real_app)
    located = sites[sites.geometry.notna() & (sites.geometry.x >= 60)]
    assert [f["id"] for f in body["features"]] == located["site_id"].tolist()
    api = client.get("/api/sites?bbox=60,30,-170,60").get_json()
    assert [f["id"] for f in api["features"]] == located["site_id"].tolist()


def test_req_core_fc_time_definition(client):
    datetime_param = _json(client, "/ogc/api")["components"]["parameters"]["datetime"]
    assert (datetime_param["in"], datetime_param["schema"]) == ("query", {"type": "string"})


@pytest.mark.parametrize(("when", "partner"), [
    ("2025-01-01", "domestic state"), ("2025-12-01T10:00:00Z", "USA"), ("2024-01-01/2025-01-01", "domestic state"),
    ("2025-01-01/2025-12-01", "USA"), ("../2025-01-01", "domestic state"), ("2025-12-01/..", "USA")])
def test_req_core_fc_time_response(client, when, partner):
    # The sites carry no time of their own: `datetime` is the day their partner properties describe (an
    # interval: its end; an open end: today) and never removes a site.
    body = _json(client, f"/ogc/collections/sites/items?limit=10000&datetime={when}")
    (katpar,) = [f for f in body["features"] if f["id"] == KATPAR]
    assert katpar["properties"]["controlling_partner"] == partner and body["numberMatched"] == 1240


@pytest.mark.parametrize("url", ["/ogc/", "/ogc/conformance", "/ogc/collections", "/ogc/collections/sites",
                                 "/ogc/api", "/ogc/collections/sites/schema", "/ogc/collections/sites/queryables"])
def test_req_core_fc_time_response_datetime_is_accepted_on_every_resource(client, url):
    # GDAL appends the dataset URL's query (`?datetime=...`) to every request it makes.
    assert client.get(f"{url}?datetime=2025-01-01").status_code == 200


def test_req_core_fc_response(client):
    response = client.get("/ogc/collections/gateways/items")
    body = response.get_json()
    assert response.mimetype == "application/geo+json" and body["type"] == "FeatureCollection"


def test_req_core_fc_links(client):
    rels = _rels(_json(client, "/ogc/collections/sites/items?limit=5&offset=5"))
    assert {"self", "alternate", "next", "prev"} <= set(rels)
    assert rels["self"][0]["type"] == "application/geo+json" and rels["alternate"][0]["type"] == "text/html"


def test_req_core_fc_rel_type(client):
    response = client.get("/ogc/collections/sites/items?limit=5&offset=5")
    rels = _rels(response.get_json())
    assert {link["type"] for rel in ("next", "prev") for link in rels[rel]} == {"application/geo+json"}
    # The same pages as RFC 8288 Link headers (recommendation /rec/core/link-header).
    assert response.headers["Link"] == (f'<{rels["next"][0]["href"]}>; rel="next"; type="application/geo+json", '
                                        f'<{rels["prev"][0]["href"]}>; rel="prev"; type="application/geo+json"')


def test_req_core_fc_timestamp(client):
    stamp = _json(client, "/ogc/collections/sites/items")["timeStamp"]
    assert stamp.endswith("Z") and stamp[:10] == date.today().isoformat()


def test_req_core_fc_numbermatched(client, real_app):
    body = _json(client, "/ogc/collections/sites/items?country=KG&limit=1")
    sites = _sites(real_app)
    assert body["numberMatched"] == int((sites["country"] == "KG").sum())


def test_req_core_fc_numberreturned(client):
    body = _json(client, "/ogc/collections/sites/items?limit=7")
    assert body["numberReturned"] == len(body["features"]) == 7


@pytest.mark.parametrize(("collection", "query", "column", "value"), [
    ("corridors", "status=Planned", "status", "Planned"), ("corridors", "status=planned", "status", "planned"),
    ("gateways", "country=kz", "country", "kz"), ("gateways", "country=KZ", "country", "KZ"),
    ("gateways", "kind=airport", "kind", "airport")])
def test_req_core_fc_response_property_filters_are_exact_and_unknown_values_give_an_empty_page(
        client, real_app, collection, query, column, value):
    # A filter named like a property is an exact, case-sensitive equality, as GDAL's pushed-down
    # `where status = 'Planned'` means: a value no feature has is an empty page, not an error.
    col = COLLECTIONS[collection]
    frame = col.getter(real_app.extensions["atlas"], date.today())
    body = _json(client, f"/ogc/collections/{collection}/items?limit=10000&{query}")
    assert [f["id"] for f in body["features"]] == frame.loc[frame[column] == value, col.id_column].tolist()


# --- one feature, errors --------------------------------------------------------------------------------------------

def test_req_core_f_op(client):
    assert client.get(f"/ogc/collections/sites/items/{KATPAR}").status_code == 200


def test_req_core_f_success(client):
    response = client.get(f"/ogc/collections/sites/items/{KATPAR}")
    body = response.get_json()
    assert response.mimetype == "application/geo+json" and (body["type"], body["id"]) == ("Feature", KATPAR)


def test_req_core_f_links(client):
    assert {"self", "alternate", "collection"} <= set(_rels(_json(client, f"/ogc/collections/sites/items/{KATPAR}")))


@pytest.mark.parametrize("url", ["/ogc/collections/none", "/ogc/collections/sites/items/none:0", "/ogc/tiles"])
def test_req_core_f_op_unknown_resources_are_404(client, url):
    assert _json(client, url, 404)["error"]["status"] == 404


# --- GeoJSON ---------------------------------------------------------------------------------------------------

def test_req_geojson_definition(client):
    assert client.get("/ogc/collections/sites/items", headers={"Accept": "application/geo+json"}).mimetype == \
        "application/geo+json"


def test_req_geojson_content(client):
    body = _json(client, "/ogc/collections/corridor_segments/items?limit=3")
    for feature in body["features"]:
        assert set(feature) == {"type", "id", "geometry", "properties"} and feature["geometry"]["type"] == \
            "LineString"
