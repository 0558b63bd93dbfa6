"""Absolute URLs come from ATLAS_PUBLIC_URL when set, else the request; X-Forwarded-* only from trusted proxies."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from layers.settings import StoreSettings
from webapp import create_app
from webapp.settings import MapSettings, ServerSettings, WebSettings

EVIL = {"Host": "evil.example"}
FORWARDED = {"Host": "10.0.0.7:8000", "X-Forwarded-Host": "forged.example", "X-Forwarded-Proto": "https",
             "X-Forwarded-Prefix": "/atlas"}
PUBLIC = "https://atlas.example.org/minerals"


def _app(real_store, real_analysis, **server):
    settings = WebSettings(store=StoreSettings(store_path=real_store), analysis=real_analysis,
                           map=MapSettings(tile_url=""), server=ServerSettings(**server))
    app = create_app(settings)
    app.config.update(TESTING=True)
    return app


@pytest.fixture(scope="module")
def public_client(real_store, real_analysis):
    """A client of the app configured with a public URL that has a path prefix."""
    return _app(real_store, real_analysis, public_url=PUBLIC + "/").test_client()


@pytest.fixture(scope="module")
def proxied_client(real_store, real_analysis):
    """A client of the app behind one trusted proxy, without a public URL."""
    return _app(real_store, real_analysis, trusted_proxies=1).test_client()


def _hrefs(body: dict) -> list[str]:
    return [link["href"] for link in body["links"]]


#: Every resource whose body carries absolute URLs, and how to find them.
LINKED = [
    ("/ogc/", _hrefs),
    ("/ogc/collections", _hrefs),
    ("/ogc/collections/sites", _hrefs),
    ("/ogc/collections/sites/items?limit=2&offset=2", _hrefs),
    ("/ogc/collections/sites/items/national:kz-northern-katpar", _hrefs),
    ("/ogc/api", lambda body: [s["url"] for s in body["servers"]]),
    ("/api/sites?limit=2&offset=2", _hrefs),
]


@pytest.mark.parametrize(("url", "hrefs"), LINKED)
def test_a_forged_host_never_reaches_the_links_when_a_public_url_is_set(public_client, url, hrefs):
    response = public_client.get(url, headers={**EVIL, "X-Forwarded-Host": "forged.example"})
    assert response.status_code == 200
    found = hrefs(response.get_json())
    assert found and all(h.startswith(PUBLIC + "/") or h == PUBLIC + "/ogc" for h in found), found
    assert b"evil.example" not in response.data and b"forged.example" not in response.data


def test_paging_links_keep_the_query_under_the_public_url(public_client):
    body = public_client.get("/api/sites?limit=2&offset=2&country=KZ", headers=EVIL).get_json()
    assert {link["rel"]: link["href"] for link in body["links"]} == {
        "self": f"{PUBLIC}/api/sites?limit=2&offset=2&country=KZ",
        "next": f"{PUBLIC}/api/sites?limit=2&offset=4&country=KZ",
        "prev": f"{PUBLIC}/api/sites?limit=2&offset=0&country=KZ",
    }


def test_a_proxy_that_keeps_the_prefix_in_the_path_is_served_too(public_client):
    body = public_client.get("/minerals/ogc/conformance", headers=EVIL).get_json()
    assert _hrefs(body)[0] == f"{PUBLIC}/ogc/conformance?f=json"


def test_the_site_download_url_column_uses_the_public_url(public_client):
    body = public_client.get("/api/sites?f=geojson&q=Northern Katpar", headers=EVIL).get_json()
    assert {f["properties"]["url"] for f in body["features"]} == {f"{PUBLIC}/sites/national:kz-northern-katpar"}


def test_the_api_document_server_is_the_apps_root_path(public_client, client):
    assert json.loads(public_client.get("/api/openapi.json", headers=EVIL).data)["servers"] == [{"url": "/minerals/"}]
    assert json.loads(client.get("/api/openapi.json", headers=EVIL).data)["servers"] == [{"url": "/"}]


def test_without_a_public_url_links_follow_the_request_host(client):
    """The documented fallback: the client's Host (set ATLAS_PUBLIC_URL on any public deployment)."""
    body = client.get("/ogc/collections/sites/items?limit=2", headers=EVIL).get_json()
    assert {link["rel"]: link["href"] for link in body["links"]}["next"] == (
        "http://evil.example/ogc/collections/sites/items?limit=2&offset=2&f=json")


def test_forwarded_headers_are_ignored_without_trusted_proxies(client):
    body = client.get("/ogc/conformance", headers=FORWARDED).get_json()
    assert _hrefs(body)[0] == "http://10.0.0.7:8000/ogc/conformance?f=json"


def test_forwarded_headers_of_one_trusted_proxy_are_used(proxied_client):
    body = proxied_client.get("/ogc/conformance", headers=FORWARDED).get_json()
    assert _hrefs(body)[0] == "https://forged.example/atlas/ogc/conformance?f=json"


def test_the_public_url_wins_over_a_trusted_proxy(real_store, real_analysis):
    app = _app(real_store, real_analysis, public_url=PUBLIC, trusted_proxies=1)
    body = app.test_client().get("/ogc/conformance", headers=FORWARDED).get_json()
    assert _hrefs(body)[0] == f"{PUBLIC}/ogc/conformance?f=json"


@pytest.mark.parametrize("value", ["atlas.example.org", "/atlas", "ftp://atlas.example.org", "https://",
                                   "https://atlas.example.org/?x=1", "https://atlas.example.org/#top",
                                   "https://user@atlas.example.org", "https://atlas.example.org:99999"])
def test_public_url_must_be_an_absolute_http_url(value):
    with pytest.raises(ValidationError, match="ATLAS_PUBLIC_URL"):
        ServerSettings(public_url=value)


@pytest.mark.parametrize(("value", "expected"), [
    ("https://atlas.example.org/", "https://atlas.example.org"),
    (" http://localhost:8080/atlas/ ", "http://localhost:8080/atlas"),
    ("", None),
])
def test_public_url_is_kept_without_its_trailing_slash(value, expected):
    assert ServerSettings(public_url=value).public_url == expected


def test_public_url_and_proxies_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ATLAS_PUBLIC_URL", "https://atlas.example.org")
    monkeypatch.setenv("ATLAS_TRUSTED_PROXIES", "2")
    assert WebSettings().server == ServerSettings(public_url="https://atlas.example.org", trusted_proxies=2)


@pytest.mark.parametrize("value", [-1, 11])
def test_trusted_proxies_is_bounded(value):
    with pytest.raises(ValidationError, match="trusted_proxies"):
        ServerSettings(trusted_proxies=value)
