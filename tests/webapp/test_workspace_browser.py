"""The map workspace driven as a user would, in headless Debian Chromium with the network blocked: filters kept
in the URL, the table, the grouped search, the date slider, the changes view, phone and keyboard use."""

# ruff: noqa: F811 - the fixtures imported from test_browser are requested by name as test arguments
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.webapp.test_browser import (  # noqa: F401 - fixtures used by name
    LOAD_TIMEOUT_MS,
    LOCAL_HOST,
    MARKER_FILL_JS,
    POPUP_TIMEOUT_MS,
    _host,
    browser,
    tileless_server,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration]

KATPAR = "national:kz-northern-katpar"
USA_BLUE = "#0072B2"
DOMESTIC_STATE = "#A0522D"


@contextmanager
def _open(browser: Browser, url: str, *, width: int = 1280, height: int = 800) -> Iterator[Page]:
    """Open ``url`` with every request to another host aborted; return once the sites and counts arrived."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []

    def block_network(route: Route) -> None:
        if _host(route.request.url) == LOCAL_HOST:
            route.continue_()
        else:
            route.abort()

    try:
        context.route("**/*", block_network)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        _wait_loaded(page)
        yield page
        assert errors == []
    finally:
        context.close()


def _wait_loaded(page: Page) -> None:
    expect(page.locator(".atlas-status")).to_have_attribute("data-matched", re.compile(r"^\d+$"),
                                                            timeout=LOAD_TIMEOUT_MS)
    expect(page.locator("#atlas-filter-form")).to_have_attribute("data-counted", re.compile(".*"),
                                                                 timeout=LOAD_TIMEOUT_MS)


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _api(page: Page, path: str) -> dict:
    return page.evaluate("(url) => fetch(url).then((r) => r.json())", path)


def test_filters_live_in_the_url_show_counts_and_survive_a_reload(browser: Browser, tileless_server: str) -> None:
    with _open(browser, f"{tileless_server}/") as page:
        form = page.locator("#atlas-filter-form")
        page.locator("select[name=country]").select_option("KZ")
        expect(form).to_have_attribute("data-counted", re.compile("country=KZ"), timeout=LOAD_TIMEOUT_MS)
        page.locator("select[name=commodity]").select_option("REE")
        expect(form).to_have_attribute("data-counted", "?country=KZ&commodity=REE", timeout=LOAD_TIMEOUT_MS)
        assert _query(page) == {"country": ["KZ"], "commodity": ["REE"]}
        expected = _api(page, "/api/sites?country=KZ&commodity=REE&limit=1")["numberMatched"]
        assert expected > 0
        status = page.locator(".atlas-status")
        expect(status).to_have_attribute("data-matched", str(expected), timeout=LOAD_TIMEOUT_MS)
        # Every control says how many sites each choice would show: REE's count is what the map shows.
        expect(page.locator("select[name=commodity] option[value=REE]")).to_have_attribute("data-count", str(expected))
        kg = _api(page, "/api/sites?country=KG&commodity=REE&limit=1")["numberMatched"]
        expect(page.locator("select[name=country] option[value=KG]")).to_have_attribute("data-count", str(kg))
        expect(page.locator("#atlas-matched")).to_have_text(f"({expected} sites)")

        page.reload()
        _wait_loaded(page)
        expect(page.locator("select[name=country]")).to_have_value("KZ")
        expect(page.locator("select[name=commodity]")).to_have_value("REE")
        expect(status).to_have_attribute("data-matched", str(expected))

        page.go_back()  # back to the country filter alone
        expect(page.locator("select[name=commodity]")).to_have_value("", timeout=LOAD_TIMEOUT_MS)
        expect(page.locator("select[name=country]")).to_have_value("KZ")


def test_the_table_lists_the_filtered_sites_and_a_row_opens_its_popup(browser: Browser, tileless_server: str) -> None:
    with _open(browser, f"{tileless_server}/?country=KG&commodity=W") as page:
        matched = _api(page, "/api/sites?country=KG&commodity=W&limit=1")["numberMatched"]
        page.locator("#atlas-table-box > summary").click()
        table = page.locator("#atlas-table")
        expect(table).to_have_attribute("data-rows", str(matched), timeout=LOAD_TIMEOUT_MS)
        assert "table=open" in page.url
        rows = table.locator("tbody tr")
        expect(rows).to_have_count(min(matched, 25))
        names = rows.locator("td:first-child").all_text_contents()
        assert names == sorted(names, key=str.lower)
        table.locator("button[data-column=name]").click()
        expect(table.locator("th").first).to_have_attribute("aria-sort", "descending")
        first = rows.first.locator("td").first.text_content()
        rows.first.click()
        expect(page.locator(".leaflet-popup-content h4")).to_have_text(first, timeout=POPUP_TIMEOUT_MS)
        # "Download these": the same filters, in every format the API offers.
        links = page.locator("#atlas-downloads a[data-format]")
        assert links.count() >= 4
        for href in links.evaluate_all("(nodes) => nodes.map((a) => a.getAttribute('href'))"):
            query = parse_qs(urlsplit(href).query)
            assert query["country"] == ["KG"] and query["commodity"] == ["W"] and query["f"]
        response = page.request.get(tileless_server + links.first.get_attribute("href"))
        assert response.ok


def test_the_table_can_keep_to_the_map_view(browser: Browser, tileless_server: str) -> None:
    with _open(browser, f"{tileless_server}/?country=KZ&table=open&at=51.0,71.5,8") as page:
        table = page.locator("#atlas-table")
        expect(table).to_have_attribute("data-rows", re.compile(r"^\d+$"), timeout=LOAD_TIMEOUT_MS)
        all_rows = int(table.get_attribute("data-rows"))
        page.locator("#atlas-inview").check()
        expect(table).not_to_have_attribute("data-rows", str(all_rows))
        assert int(table.get_attribute("data-rows")) < all_rows
        href = page.locator("#atlas-downloads a[data-format]").first.get_attribute("href")
        assert "bbox=" in href


def test_search_finds_tungsten_by_its_russian_name_and_filters_by_keyboard(browser: Browser,
                                                                           tileless_server: str) -> None:
    with _open(browser, f"{tileless_server}/") as page:
        search = page.locator("#atlas-search-input")
        search.fill("вольфрам")
        group = page.locator(".atlas-search-group[data-kind=commodities]")
        expect(group.locator(".atlas-search-option").first).to_contain_text("W", timeout=LOAD_TIMEOUT_MS)
        search.press("ArrowDown")
        expect(page.locator(".atlas-search-option[aria-selected=true]")).to_contain_text("W")
        search.press("Enter")
        expect(page.locator("select[name=commodity]")).to_have_value("W")
        assert _query(page)["commodity"] == ["W"]
        expected = _api(page, "/api/sites?commodity=W&limit=1")["numberMatched"]
        expect(page.locator(".atlas-status")).to_have_attribute("data-matched", str(expected),
                                                                timeout=LOAD_TIMEOUT_MS)


def test_search_forgives_a_one_letter_typo_and_opens_the_popup(browser: Browser, tileless_server: str) -> None:
    with _open(browser, f"{tileless_server}/") as page:
        search = page.locator("#atlas-search-input")
        search.fill("Kutassai")  # Kutessai with one wrong letter
        sites = page.locator(".atlas-search-group[data-kind=sites] .atlas-search-option")
        option = sites.filter(has_text="Kutessai-II")
        expect(option).to_have_count(1, timeout=LOAD_TIMEOUT_MS)
        expect(option).to_contain_text("near match")
        option.click()
        expect(page.locator(".leaflet-popup-content h4")).to_have_text("Kutessai-II", timeout=POPUP_TIMEOUT_MS)


def test_a_search_popup_says_what_the_map_says_on_its_date(browser: Browser, tileless_server: str) -> None:
    """The defect: on 2025-01-01 the search's popup of Northern Katpar said USA while the marker said domestic."""
    with _open(browser, f"{tileless_server}/?as_of=2025-01-01&colour=partner") as page:
        page.wait_for_function(f"({MARKER_FILL_JS})('{KATPAR}') === '{DOMESTIC_STATE}'", timeout=LOAD_TIMEOUT_MS)
        search = page.locator("#atlas-search-input")
        search.fill("Northern Katpar")
        option = page.locator(".atlas-search-option").filter(has_text="Northern Katpar").first
        expect(option).to_be_visible(timeout=LOAD_TIMEOUT_MS)
        option.click()
        popup = page.locator(".leaflet-popup-content")
        expect(popup.locator("h4")).to_have_text("Northern Katpar", timeout=POPUP_TIMEOUT_MS)
        controlled = popup.locator("dt", has_text="Controlled by").locator("xpath=following-sibling::dd[1]")
        expect(controlled).to_have_text("domestic state")
        assert "as_of=2025-01-01" in popup.locator("a").get_attribute("href")
        # The search zooms only as far as the location's precision allows.
        precision = _api(page, "/api/search?q=Northern%20Katpar")["groups"][0]["items"][0]["properties"][
            "location_precision_km"]
        zoom = page.evaluate("() => window.AtlasMap.current.map.getZoom()")
        assert zoom <= 12 and (precision is None or precision < 5 or zoom < 12)
        for href in page.locator("header a").evaluate_all("(nodes) => nodes.map((a) => a.getAttribute('href'))"):
            assert "/api/" in href or "as_of=2025-01-01" in href, href


def test_the_date_slider_replays_ownership(browser: Browser, tileless_server: str) -> None:
    with _open(browser, f"{tileless_server}/?as_of=2025-12-01&colour=partner") as page:
        page.wait_for_function(f"({MARKER_FILL_JS})('{KATPAR}') === '{USA_BLUE}'", timeout=LOAD_TIMEOUT_MS)
        slider = page.locator("#atlas-slider")
        index = (2025 - 2000) * 12  # months from the slider's start (2000-01) to 2025-01
        slider.fill(str(index))
        expect(page.locator("#atlas-date-label")).to_have_text("2025-01-01")
        expect(page.locator(".atlas-status")).to_have_attribute("data-as-of", "2025-01-01", timeout=LOAD_TIMEOUT_MS)
        page.wait_for_function(f"({MARKER_FILL_JS})('{KATPAR}') === '{DOMESTIC_STATE}'", timeout=LOAD_TIMEOUT_MS)
        assert _query(page)["as_of"] == ["2025-01-01"]
        expect(page.locator("#atlas-date")).to_have_value("2025-01-01")


def test_the_changes_between_two_dates_have_their_own_page(browser: Browser, tileless_server: str) -> None:
    with _open(browser, f"{tileless_server}/?as_of=2025-12-01") as page:
        link = page.locator("#atlas-between-link")
        expect(link).to_have_attribute("href", "/between?from=2020-01-01&to=2025-12-01")
        link.click()
        page.wait_for_url(re.compile(r"/between\?from=2020-01-01&to=2025-12-01$"))
        row = page.locator("table.between-sites tr").filter(has_text="Kutessai-II")
        expect(row).to_contain_text("control changed")
        expect(row).to_contain_text("China")
        expect(page.locator("h2#agreements")).to_be_visible()


def test_clusters_show_the_mix_of_their_colours(browser: Browser, tileless_server: str) -> None:
    with _open(browser, f"{tileless_server}/") as page:
        pies = page.locator(".atlas-cluster-pie")
        expect(pies.first).to_be_visible(timeout=LOAD_TIMEOUT_MS)
        mixes = pies.evaluate_all("(nodes) => nodes.map((n) => n.getAttribute('data-colours').split(' '))")
        assert any(len(colours) > 1 for colours in mixes)
        assert "conic-gradient" in pies.first.evaluate("(n) => n.style.background")


def test_a_phone_sees_the_map_uncovered_and_can_pinch_zoom(browser: Browser, tileless_server: str) -> None:
    with _open(browser, f"{tileless_server}/", width=390, height=844) as page:
        viewport = page.locator("meta[name=viewport]")
        expect(viewport).to_have_count(1)
        assert "user-scalable=no" not in viewport.get_attribute("content")
        assert "maximum-scale" not in viewport.get_attribute("content")
        covered = page.evaluate("""() => {
          const box = document.querySelector('.folium-map').getBoundingClientRect();
          let area = 0;
          document.querySelectorAll('.folium-map .leaflet-control').forEach((c) => {
            const r = c.getBoundingClientRect();
            const w = Math.max(0, Math.min(r.right, box.right) - Math.max(r.left, box.left));
            const h = Math.max(0, Math.min(r.bottom, box.bottom) - Math.max(r.top, box.top));
            area += w * h;
          });
          return {share: area / (box.width * box.height), height: box.height,
                  scroll: document.documentElement.scrollWidth};
        }""")
        assert covered["share"] < 0.15, covered
        assert covered["height"] >= 400 and covered["scroll"] <= 390, covered


def test_the_search_is_an_early_tab_stop(browser: Browser, tileless_server: str) -> None:
    with _open(browser, f"{tileless_server}/") as page:
        links = page.locator("header a").count()
        stops = []
        for _ in range(links + 2):
            page.keyboard.press("Tab")
            stops.append(page.evaluate("() => document.activeElement.id"))
        # The header's links, then the search box (it was the 28th stop).
        assert stops.index("atlas-search-input") == links
