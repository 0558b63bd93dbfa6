"""Security headers, gzip, static caching and client-safe errors on the app built by ``create_app``."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from flask import Flask, request

from geo.analyze import AnalysisSettings
from layers.errors import StoreError
from layers.settings import StoreSettings
from webapp import create_app
from webapp.errors import UNAVAILABLE_MESSAGE
from webapp.maps import externalise_scripts
from webapp.security import GzipCache, content_security_policy
from webapp.settings import MapSettings, ServingSettings, WebSettings

pytestmark = pytest.mark.integration

TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
EXPECTED_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data: https://tile.openstreetmap.org; connect-src 'self'; font-src 'self'; "
                "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
#: One URL of each kind of answer: page, API JSON, GeoJSON, CSV download, OGC, static, vendor, 404, 400.
URLS = ("/", "/sources", "/api/sites?limit=5", "/api/countries", "/api/sites?f=csv&limit=5", "/ogc/",
        "/ogc/collections/sites/items?limit=2", "/static/atlas.js", "/vendor/leaflet/leaflet.css",
        "/no/such/page", "/api/sites?limit=0", "/api/openapi.json")
#: Text a client must never see in an error: a traceback, a file of the deployment, a Python module.
LEAK = re.compile(r"Traceback|File \"|/work/|/tmp/|\.py\b|\.gpkg|line \d+")


def _get(client, url: str, headers: dict | None = None):
    """GET ``url`` and read the body, closing the response (file responses hold their file until closed)."""
    with client.get(url, headers=headers or {}) as response:
        response.get_data()
    return response


@pytest.fixture(scope="module")
def prod_app(real_store: Path, real_analysis: AnalysisSettings) -> Flask:
    """The app as production runs it (not TESTING, not debug), with a tile URL, plus two routes that fail."""
    app = create_app(WebSettings(store=StoreSettings(store_path=real_store), analysis=real_analysis,
                                 map=MapSettings(tile_url=TILE_URL)))
    assert app.debug is False and app.testing is False

    def _crash():
        raise RuntimeError(f"boom in {real_store} at /work/secret/path.py line 12")

    def _store_gone():
        raise StoreError(f"raster 'dem' was at {real_store.parent}/dem.tif when the store was built but is gone")

    # Test-only routes, so an unexpected exception and a server-side domain error can be raised on purpose.
    app.add_url_rule("/api/_crash", "crash_api", _crash)
    app.add_url_rule("/_crash", "crash_page", _crash)
    app.add_url_rule("/api/_store_gone", "store_gone", _store_gone)
    return app


@pytest.mark.parametrize("url", URLS)
def test_every_response_carries_the_security_headers(prod_app: Flask, url: str) -> None:
    response = _get(prod_app.test_client(), url)
    assert {name: response.headers.get(name) for name in (
        "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")} == {
        "Content-Security-Policy": EXPECTED_CSP, "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin", "X-Frame-Options": "DENY"}


@pytest.mark.parametrize(("tile_url", "img_src"), [
    ("", "img-src 'self' data:"),
    ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "img-src 'self' data: https://*.tile.example.org"),
    ("http://tiles.local:8080/{z}/{x}/{y}.png", "img-src 'self' data: http://tiles.local:8080"),
])
def test_csp_allows_images_from_the_tile_server_only(tile_url: str, img_src: str) -> None:
    assert img_src in content_security_policy(tile_url).split("; ")


def test_map_page_has_no_inline_script(prod_app: Flask) -> None:
    client = prod_app.test_client()
    page = _get(client, "/").get_data(as_text=True)
    tags = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert [attrs for attrs, body in tags if body.strip() and "application/json" not in attrs] == []
    sources = re.findall(r'<script src="([^"]+)"', page)
    generated = [src for src in sources if src.startswith("/map/scripts/")]
    assert len(generated) == 2
    bodies = [_get(client, src) for src in generated]
    assert [(r.status_code, r.mimetype, r.headers["Cache-Control"]) for r in bodies] == [
        (200, "text/javascript", "public, max-age=31536000, immutable")] * 2
    assert "AtlasMap.init(map_00000000000000000000000000000001" in bodies[1].get_data(as_text=True)


def test_map_page_renders_identically_in_every_app(prod_app: Flask, real_store: Path,
                                                   real_analysis: AnalysisSettings) -> None:
    # Each gunicorn worker renders its own map page: the script names must agree across workers.
    other = create_app(WebSettings(store=StoreSettings(store_path=real_store), analysis=real_analysis,
                                   map=MapSettings(tile_url=TILE_URL)))
    assert _get(other.test_client(), "/").data == _get(prod_app.test_client(), "/").data


def test_unknown_map_script_is_a_404(prod_app: Flask) -> None:
    response = _get(prod_app.test_client(), "/map/scripts/0123456789abcdef01234567.js")
    assert response.status_code == 404


def test_externalise_scripts_keeps_data_blocks_and_order() -> None:
    page = ('<head><script src="/a.js"></script><script>var x_0123456789abcdef0123456789abcdef = 1;</script>'
            '</head><div id="x_0123456789abcdef0123456789abcdef"></div>'
            '<script type="application/json" id="o">{"id": "y_fedcba9876543210fedcba9876543210"}</script>'
            '<script>\nf(x_0123456789abcdef0123456789abcdef);</script>')
    out, scripts = externalise_scripts(page, lambda digest: f"/s/{digest}.js")
    names = list(scripts)
    assert out == ('<head><script src="/a.js"></script>'
                   f'<script src="/s/{names[0]}.js"></script></head>'
                   '<div id="x_00000000000000000000000000000001"></div>'
                   '<script type="application/json" id="o">{"id": "y_fedcba9876543210fedcba9876543210"}</script>'
                   f'<script src="/s/{names[1]}.js"></script>')
    assert list(scripts.values()) == ["var x_00000000000000000000000000000001 = 1;",
                                      "\nf(x_00000000000000000000000000000001);"]


@pytest.mark.parametrize("url", ["/api/sites?limit=10000&mapped=true", "/", "/static/atlas.js",
                                 "/vendor/leaflet/leaflet.js", "/api/sites?f=csv"])
def test_text_is_gzipped_when_the_client_accepts_it(prod_app: Flask, url: str) -> None:
    client = prod_app.test_client()
    plain = _get(client, url)
    packed = _get(client, url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert (plain.headers.get("Content-Encoding"), packed.headers["Content-Encoding"]) == (None, "gzip")
    assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)


def test_sites_json_the_map_loads_shrinks_at_least_tenfold(prod_app: Flask) -> None:
    client = prod_app.test_client()
    url = "/api/sites?limit=10000&mapped=true"
    plain = len(_get(client, url).data)
    packed = len(_get(client, url, headers={"Accept-Encoding": "gzip"}).data)
    assert packed * 10 < plain, (plain, packed)


@pytest.mark.parametrize("accept", ["identity", "gzip;q=0", "deflate"])
def test_no_gzip_unless_accepted(prod_app: Flask, accept: str) -> None:
    response = _get(prod_app.test_client(), "/api/sites?limit=100", headers={"Accept-Encoding": accept})
    assert response.headers.get("Content-Encoding") is None
    assert response.get_json()["type"] == "FeatureCollection"


def test_small_bodies_and_binary_files_are_not_gzipped(prod_app: Flask) -> None:
    client = prod_app.test_client()
    small = _get(client, "/api/sites?limit=0", headers={"Accept-Encoding": "gzip"})  # a short 400 body
    png = _get(client, "/vendor/leaflet/images/layers.png", headers={"Accept-Encoding": "gzip"})
    assert (small.status_code, small.headers.get("Content-Encoding")) == (400, None)
    assert (png.status_code, png.mimetype, png.headers.get("Content-Encoding")) == (200, "image/png", None)


def test_gzipped_static_file_keeps_a_weak_validator_that_revalidates(prod_app: Flask) -> None:
    client = prod_app.test_client()
    first = _get(client, "/static/atlas.js", headers={"Accept-Encoding": "gzip"})
    assert first.headers["ETag"].startswith('W/"')
    assert first.headers["Cache-Control"] == "public, max-age=3600"
    etag = first.headers["ETag"]
    again = _get(client, "/static/atlas.js", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304


def test_gzip_cache_is_bounded() -> None:
    cache = GzipCache(max_bytes=5_000)
    bodies = [bytes(range(256)) * 40 + bytes([i]) for i in range(50)]
    packed = [cache.compress(body, 6) for body in bodies]
    assert [gzip.decompress(p) for p in packed] == bodies
    assert cache.compress(bodies[-1], 6) is packed[-1]  # the latest is kept
    assert sum(len(v) for v in cache._items.values()) <= 5_000


@pytest.mark.parametrize(("url", "is_json"), [("/api/_crash", True), ("/_crash", False)])
def test_unexpected_error_shows_no_traceback_or_path(prod_app: Flask, url: str, is_json: bool,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    response = _get(prod_app.test_client(), url)
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert LEAK.search(text) is None, text
    if is_json:
        assert response.get_json() == {"error": {"status": 500, "title": "Internal error", "message":
                                                 "The server failed to answer this request; it has been logged."}}
    else:
        assert "The server failed to answer this request" in text and response.mimetype == "text/html"
    assert "boom in" in caplog.text  # the detail went to the log


def test_store_error_shows_no_path(prod_app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    response = _get(prod_app.test_client(), "/api/_store_gone")
    assert (response.status_code, response.get_json()) == (
        503, {"error": {"status": 503, "title": "Service unavailable", "message": UNAVAILABLE_MESSAGE}})
    assert "dem.tif" in caplog.text


def test_request_body_over_the_limit_is_a_413(real_store: Path, real_analysis: AnalysisSettings) -> None:
    app = create_app(WebSettings(store=StoreSettings(store_path=real_store), analysis=real_analysis,
                                 map=MapSettings(tile_url=""), serving=ServingSettings(max_body_bytes=1000)))
    app.add_url_rule("/api/_echo", "echo", lambda: str(len(request.get_data())),
                     methods=["POST"])
    client = app.test_client()
    assert client.post("/api/_echo", data=b"x" * 999).status_code == 200
    response = client.post("/api/_echo", data=b"x" * 1001)
    assert response.status_code == 413
    assert response.get_json()["error"]["status"] == 413
