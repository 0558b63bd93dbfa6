"""HTTP behaviour of /api and /ogc (webapp.ogc.http): CORS, validators from the store's build time, HEAD and
byte ranges, Link headers, and 405 answers with Allow."""

from __future__ import annotations

from datetime import datetime

import pytest

pytestmark = pytest.mark.integration


def _built_at(real_app) -> datetime:
    return datetime.fromisoformat(real_app.extensions["atlas"].store.build_info["built_at"])


@pytest.mark.parametrize("url", ["/api/sites?limit=3", "/ogc/collections", "/ogc/collections/sites/items",
                                 "/api/sites?f=csv&limit=2", "/ogc/collections/nope"])
def test_read_only_answers_allow_any_origin(client, url):
    assert client.get(url).headers["Access-Control-Allow-Origin"] == "*"


def test_pages_outside_the_api_keep_their_own_headers(client):
    assert "Access-Control-Allow-Origin" not in client.get("/sources").headers


def test_answers_carry_the_store_build_time_and_an_etag_that_revalidates(client, real_app):
    first = client.get("/ogc/collections/gateways/items")
    assert first.last_modified == _built_at(real_app).replace(microsecond=0)
    etag = first.headers["ETag"]
    again = client.get("/ogc/collections/gateways/items", headers={"If-None-Match": etag})
    assert (again.status_code, again.data) == (304, b"")
    other = client.get("/ogc/collections/gateways/items?limit=1", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag


def test_head_gives_the_length_of_the_get_without_a_body(client):
    get, head = client.get("/api/sites"), client.head("/api/sites")
    assert (head.status_code, head.data, head.headers["Content-Length"]) == (200, b"", str(len(get.data)))
    assert head.headers["Accept-Ranges"] == "bytes" and head.headers["ETag"] == get.headers["ETag"]


def test_a_byte_range_is_answered_206_with_those_bytes(client):
    whole = client.get("/api/sites").data
    part = client.get("/api/sites", headers={"Range": "bytes=100-16483"})
    assert (part.status_code, part.data) == (206, whole[100:16484])
    assert part.headers["Content-Range"] == f"bytes 100-16483/{len(whole)}"


def test_paged_answers_have_link_headers(client):
    response = client.get("/api/sites?limit=100&offset=100")
    links = {link["rel"]: link["href"] for link in response.get_json()["links"]}
    assert response.headers["Link"] == (f'<{links["next"]}>; rel="next"; type="application/geo+json", '
                                        f'<{links["prev"]}>; rel="prev"; type="application/geo+json"')
    assert "Link" not in client.get("/api/sites").headers  # every site: no other page


def test_api_sites_without_limit_is_complete_and_a_larger_limit_is_capped(client, real_app):
    sites = real_app.extensions["atlas"].sites
    whole = client.get("/api/sites").get_json()
    assert (whole["numberReturned"], [link["rel"] for link in whole["links"]]) == (len(sites), ["self"])
    capped = client.get("/api/sites?limit=20000").get_json()
    assert capped["numberReturned"] == len(sites) and capped["features"] == whole["features"]


@pytest.mark.parametrize("url", ["/api/sites", "/ogc/collections/sites/items", "/ogc/"])
def test_other_methods_are_405_with_allow_in_the_json_error_shape(client, url):
    response = client.post(url)
    assert (response.status_code, response.headers["Allow"], response.mimetype) == (
        405, "GET, HEAD, OPTIONS", "application/json")
    assert response.get_json() == {"error": {"status": 405, "title": "Method Not Allowed",
                                             "message": f"POST is not allowed on {url.split('?')[0]}; allowed: "
                                                        "GET, HEAD, OPTIONS"}}


def test_a_405_asked_for_as_html_is_the_error_page_with_allow(client):
    response = client.post("/ogc/collections", headers={"Accept": "text/html"})
    assert (response.status_code, response.mimetype, response.headers["Allow"]) == (
        405, "text/html", "GET, HEAD, OPTIONS")


def test_options_answers_the_cors_preflight(client):
    response = client.options("/ogc/collections/sites/items")
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
