"""The map's server-side clusters in headless Debian Chromium, network blocked: exact counts, re-fetches with the
view's date, and the page's weight before its data."""

# ruff: noqa: F811 - the fixtures imported from test_browser are requested by name as test arguments
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from geo.analyze import AnalysisSettings
from layers.settings import StoreSettings
from tests.webapp.test_browser import LOAD_TIMEOUT_MS, LOCAL_HOST, _host, _serve, browser  # noqa: F401
from webapp import create_app
from webapp.settings import MapSettings, WebSettings

pytestmark = [pytest.mark.browser, pytest.mark.integration]

#: Page weight budget of `/` before its data (issue 13): every byte the browser receives except /api/ answers.
PAGE_BUDGET_BYTES = 200_000

#: Sum of the counts on the cluster pies drawn, and the site markers drawn alone.
DRAWN_JS = """() => {
  const map = window.AtlasMap.current.map;
  let pies = 0, points = 0, serverPies = 0;
  document.querySelectorAll('.atlas-cluster-pie span').forEach((s) => { pies += Number(s.textContent); });
  serverPies = document.querySelectorAll('.atlas-server-cluster').length;
  map.eachLayer((layer) => {
    if (layer instanceof L.CircleMarker && layer.feature && layer.feature.properties.site_id) { points += 1; }
  });
  return {pies, points, serverPies};
}"""


@pytest.fixture(scope="module")
def clustering_server(real_store: Path, real_analysis: AnalysisSettings) -> Iterator[str]:
    """The app on the real store clustering on the server any view of more than 40 sites (no tiles)."""
    settings = WebSettings(store=StoreSettings(store_path=real_store), analysis=real_analysis,
                           map=MapSettings(tile_url="", cluster_points_below=40))
    with _serve(create_app(settings)) as base_url:
        yield base_url


@contextmanager
def _open(browser: Browser, url: str) -> Iterator[tuple[Page, list[Request]]]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    requests: list[Request] = []
    errors: list[str] = []

    def block_network(route: Route) -> None:
        if _host(route.request.url) == LOCAL_HOST:
            route.continue_()
        else:
            route.abort()

    try:
        context.route("**/*", block_network)
        page.on("request", lambda request: requests.append(request))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        expect(page.locator(".atlas-status")).to_have_attribute("data-sites", re.compile(r"^\d+$"),
                                                                timeout=LOAD_TIMEOUT_MS)
        yield page, requests
        assert errors == []
    finally:
        context.close()


def _cluster_queries(requests: list[Request]) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(r.url).query) for r in requests if urlsplit(r.url).path == "/api/clusters"]


def test_the_cluster_counts_drawn_add_up_to_the_sites_the_page_counts(browser: Browser,
                                                                      clustering_server: str) -> None:
    with _open(browser, f"{clustering_server}/?at=43.5,66,4") as (page, _):
        status = page.locator(".atlas-status")
        expect(page.locator(".folium-map")).to_have_attribute("data-cluster-mode", "clusters")
        drawn = page.evaluate(DRAWN_JS)
        mapped = int(status.get_attribute("data-sites"))
        assert drawn["serverPies"] > 5
        assert drawn["pies"] + drawn["points"] == mapped == int(
            page.locator(".folium-map").get_attribute("data-cluster-sites"))
        expect(status).to_have_text(f"{mapped} mapped sites ({status.get_attribute('data-matched')} match)")

        # A filter: the pies count exactly the sites it keeps, as /api/sites counts them.
        page.locator("select[name=country]").select_option("KZ")
        expect(status).to_have_attribute("data-filter", re.compile(r"^\?country=KZ&"), timeout=LOAD_TIMEOUT_MS)
        kz = page.evaluate("(url) => fetch(url).then((r) => r.json())", "/api/sites?country=KZ&mapped=true&limit=1")
        expect(status).to_have_attribute("data-sites", str(kz["numberMatched"]))
        page.wait_for_function(f"({DRAWN_JS})().pies + ({DRAWN_JS})().points === {kz['numberMatched']}",
                               timeout=LOAD_TIMEOUT_MS)


def test_zooming_in_fetches_the_view_at_its_zoom(browser: Browser, clustering_server: str) -> None:
    with _open(browser, f"{clustering_server}/?at=43.5,66,4") as (page, requests):
        expect(page.locator(".folium-map")).to_have_attribute("data-cluster-mode", "clusters")
        page.evaluate("() => { window.AtlasMap.current.map.setView([41.0, 71.5], 9, {animate: false}); }")
        page.wait_for_function("() => document.querySelector('.folium-map').getAttribute('data-cluster-sites') "
                               "!== null && performance.getEntriesByType('resource').some("
                               "(e) => e.name.includes('/api/clusters') && e.name.includes('zoom=9'))",
                               timeout=LOAD_TIMEOUT_MS)
        query = [q for q in _cluster_queries(requests) if q["zoom"] == ["9"]][-1]
        west, south, east, north = map(float, query["bbox"][0].split(","))
        assert west < 71.5 < east and south < 41.0 < north and east - west < 6
        box = query["bbox"][0]
        expected = page.evaluate("(url) => fetch(url).then((r) => r.json())", f"/api/sites?bbox={box}&limit=1")
        expect(page.locator(".folium-map")).to_have_attribute("data-cluster-sites", str(expected["numberMatched"]),
                                                              timeout=LOAD_TIMEOUT_MS)


def test_moving_the_date_slider_fetches_the_clusters_of_that_date(browser: Browser, clustering_server: str) -> None:
    with _open(browser, f"{clustering_server}/?as_of=2025-12-01&colour=partner&at=43.5,66,4") as (page, requests):
        box = page.locator(".folium-map")
        expect(box).to_have_attribute("data-cluster-as-of", "2025-12-01")
        assert all(q["as_of"] == ["2025-12-01"] and q["colour"] == ["partner"] for q in _cluster_queries(requests))
        page.locator("#atlas-slider").fill(str((2025 - 2000) * 12))  # months from 2000-01 to 2025-01
        expect(box).to_have_attribute("data-cluster-as-of", "2025-01-01", timeout=LOAD_TIMEOUT_MS)
        dated = [q for q in _cluster_queries(requests) if q["as_of"] == ["2025-01-01"]]
        assert dated and dated[-1]["colour"] == ["partner"] and dated[-1]["zoom"] == ["4"]
        expect(page.locator(".atlas-status")).to_have_attribute("data-as-of", "2025-01-01")


def test_the_map_page_weighs_under_200_kb_before_its_data(browser: Browser, clustering_server: str) -> None:
    with _open(browser, f"{clustering_server}/") as (page, requests):
        page.wait_for_load_state("load")
        files = [r for r in requests if not urlsplit(r.url).path.startswith("/api/") and r.response() is not None]
        transferred = {r.url: r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in files}
        decoded = {r.url: len(r.response().body()) for r in files}
        paths = {urlsplit(url).path for url in transferred}
        assert {"/", "/vendor/leaflet/leaflet.js", "/static/atlas.js", "/static/clusters.js"} <= paths
        assert not any("markercluster" in p or "jquery" in p or "bootstrap" in p for p in paths), paths
        # The budget is what travels (bodies are gzipped); the decoded size is in the message for the record.
        assert sum(transferred.values()) < PAGE_BUDGET_BYTES, (sum(transferred.values()), sum(decoded.values()),
                                                               transferred)
