"""Every page and every export of an atlas built from curated tables whose free text is template and script syntax.

The curated tables are copied, the payload is written into every free-text column, and the real build, analysis
and app run on them. No page may compile data as a template (``{{ 7*191 }}`` must never become 1337, and
``{% raw %}`` or ``{#`` must not break a page), HTML must show the text escaped, and every export must hold it
literally (CSV cells with a spreadsheet-formula prefix quoted).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import threading
import zipfile
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from geo.analyze import AnalysisSettings, run_analysis
from layers.build import build_store
from layers.settings import PROJECT_ROOT, SourceSettings, StoreSettings
from webapp import create_app
from webapp.exports import EXPORTERS, FORMULA_PREFIXES
from webapp.maps import OPTIONS_ELEMENT_ID
from webapp.ogc.collections import COLLECTIONS
from webapp.settings import MapSettings, WebSettings

pytestmark = pytest.mark.integration

#: Starts like a spreadsheet formula; Jinja2 expression, raw block and comment openers; an HTML script element.
PAYLOAD = "=1+1 {{ 7*191 }} {% raw %} {#  <script>alert(1)</script>"
#: What ``{{ 7*191 }}`` renders to when text is compiled as a template.
EVALUATED = "1337"
#: The start of the payload after a template compiler ran (an export's coordinates may hold the digits 1337).
EVALUATED_PAYLOAD = "=1+1 1337"
#: The payload as Jinja2's autoescape writes it into HTML.
ESCAPED = PAYLOAD.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

#: The free-text columns of each curated table: every column the loaders accept as text. Ids, keys, codes,
#: dates, numbers, enums and coordinates are left valid so the build succeeds. Deposit aliases and Russian
#: names, and the deposit names licences give, are left too: licences are joined to deposits by name, and the
#: payload's words in every name would make every licence ambiguous.
POISONED_COLUMNS: dict[str, tuple[str, ...]] = {
    "agreements": ("title", "scope", "notes", "source"),
    "companies": ("name", "name_ru", "notes", "source", "listed_on"),
    "corridor_waypoints": ("node_or_place", "notes"),
    "corridors": ("name", "name_ru", "orientation", "notes", "source", "opened_or_planned"),
    "country_profiles": ("name", "strategy", "notes", "source", "name_ru", "strategy_ru"),
    "deposits": ("name", "notes", "source", "status", "deposit_kind", "location_precision"),
    "facilities": ("name", "kind", "city", "notes", "source", "name_ru", "location_precision"),
    "licences": ("status", "notes", "source"),
    "links": ("who", "why"),
    "nodes": ("name", "name_ru", "notes", "source", "location_precision"),
    "ownership": ("source", "notes"),
}

#: Layer endpoints that take ``f``: the layer name inside the file, whether its rows carry curated text, and
#: whether a cell is the payload alone (a poisoned column that was empty), which CSV must write quoted.
LAYER_ENDPOINTS: dict[str, tuple[str, bool, bool]] = {
    "/api/sites": ("sites", True, True),
    "/api/countries": ("countries", False, False),  # Natural Earth names, partner shares: nothing curated as text
    "/api/corridors": ("corridors", True, False),
    "/api/corridors/segments": ("corridor_segments", True, False),
    "/api/corridors/buffers": ("corridor_buffers", False, False),  # ids and distances only
    "/api/gateways": ("gateways", True, False),
    "/api/licences": ("licences", True, False),
    "/api/facilities": ("facilities", True, True),
}


def _poison(table: Path, columns: tuple[str, ...]) -> None:
    with table.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    missing = set(columns) - set(rows[0])
    if missing:
        raise AssertionError(f"{table.name} has no columns {sorted(missing)}: update POISONED_COLUMNS")
    for row in rows:
        for column in columns:
            row[column] = f"{row[column]} {PAYLOAD}" if row[column] else PAYLOAD
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def poisoned_app(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> Flask:
    """The app on a store and analysis built from the real raw data and poisoned copies of the curated tables."""
    root = tmp_path_factory.mktemp("poisoned")
    data = root / "data"
    shutil.copytree(PROJECT_ROOT / "data", data, ignore=shutil.ignore_patterns("raw", "*.gpkg", "rasters"))
    tables = {path.stem for path in (data / "curated").glob("*.csv")}
    assert tables == set(POISONED_COLUMNS), "every curated table must be poisoned"
    for name, columns in POISONED_COLUMNS.items():
        _poison(data / "curated" / f"{name}.csv", columns)
    for imported in sorted((data / "curated" / "imports").glob("*.csv")):  # importer output reaches the same pages
        _poison(imported, POISONED_COLUMNS[imported.stem.rsplit("_", 1)[-1]][:1] + ("notes", "source"))
    store = StoreSettings(store_path=root / "atlas.gpkg")
    build_store(SourceSettings(raw_dir=raw_dir, data_dir=data), store)
    analysis = AnalysisSettings(analysis_path=root / "analysis.gpkg", rasters_dir=root / "rasters")
    run_analysis(store.store_path, analysis)
    app = create_app(WebSettings(store=store, analysis=analysis, map=MapSettings(tile_url="")))
    app.config.update(TESTING=True)
    return app


@pytest.fixture(scope="module")
def poisoned_client(poisoned_app: Flask) -> FlaskClient:
    return poisoned_app.test_client()


def _html_pages(app: Flask) -> list[str]:
    state = app.extensions["atlas"]
    pages = ["/", "/sources", "/partners", "/api/docs", "/review/links?limit=1000", "/ogc?f=html",
             "/ogc/conformance?f=html", "/ogc/api?f=html", "/ogc/collections?f=html"]
    # The first page of sites holds unmapped sites named only by licences (clean names); a box around a
    # national site's point reaches one whose curated text is poisoned.
    national = state.sites[state.sites["site_id"].str.startswith("national:") & state.sites.geometry.notna()]
    x, y = national.geometry.iloc[0].x, national.geometry.iloc[0].y
    near = f"&bbox={x - 0.05},{y - 0.05},{x + 0.05},{y + 0.05}"
    for collection in COLLECTIONS:
        pages += [f"/ogc/collections/{collection}?f=html",
                  f"/ogc/collections/{collection}/items?f=html&limit=50{near if collection == 'sites' else ''}"]
    pages += [f"/companies/{company}" for company in state.graph.companies]
    pages += [f"/countries/{iso}" for iso in state.store.country_profiles["country"]]
    pages += [f"/sites/{site}" for site in state.sites["site_id"]]
    return pages


def _first_item_pages(client: FlaskClient) -> list[str]:
    pages = []
    for collection in COLLECTIONS:
        body = client.get(f"/ogc/collections/{collection}/items?f=json&limit=1").get_json()
        pages += [f"/ogc/collections/{collection}/items/{f['id']}?f=html" for f in body["features"]]
    return pages


#: Pages that show curated text; the others (e.g. a MinMod-only site, the OGC conformance page) may not.
def _shows_curated_text(page: str) -> bool:
    return (page.startswith(("/companies/", "/countries/", "/sites/national:"))
            or re.match(r"/ogc/collections/(sites|licences|corridors|corridor_segments|gateways|facilities)"
                        r"/items\?", page) is not None)


def test_every_html_page_renders_data_as_escaped_text(poisoned_app, poisoned_client):
    pages = _html_pages(poisoned_app) + _first_item_pages(poisoned_client)
    failures, shown = [], 0
    for page in pages:
        response = poisoned_client.get(page)
        body = response.get_data(as_text=True)
        if response.status_code != 200 or EVALUATED in body or "<script>alert(1)" in body:
            failures.append(f"{page}: {response.status_code}, {EVALUATED in body=}")
        elif _shows_curated_text(page):
            shown += 1
            if ESCAPED not in body:
                failures.append(f"{page}: the escaped payload is missing")
    assert failures == []
    state = poisoned_app.extensions["atlas"]
    national = state.sites["site_id"].str.startswith("national:").sum()
    assert shown == len(state.graph.companies) + len(state.store.country_profiles) + national + 6  # + OGC lists


def test_map_page_carries_curated_names_literally_in_its_json_block(poisoned_client):
    response = poisoned_client.get("/")
    html = response.get_data(as_text=True)
    block = re.search(rf'<script type="application/json" id="{OPTIONS_ELEMENT_ID}">(.*?)</script>', html, re.S)
    options = json.loads(block.group(1))
    # after the options block: folium's part of the page, where no curated text may be rendered (JSON data blocks,
    # escaped by |tojson, may carry it literally)
    rest = re.sub(r'<script type="application/json"[^>]*>.*?</script>', "", html.split(block.group(0))[1], flags=re.S)
    assert response.status_code == 200 and EVALUATED not in html and "{{ 7*191 }}" not in rest
    assert options["download"]["countries"][0] == ["KZ", f"Kazakhstan {PAYLOAD}"]


def _cells(payload: bytes, fmt: str, layer: str, folder: Path) -> list[str]:
    """Every text cell of a download, read back the way a GIS or a spreadsheet reads it."""
    if fmt == "geojson":
        features = json.loads(payload)["features"]
        return [v for f in features for v in f["properties"].values() if isinstance(v, str)]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(payload.decode("utf-8"))))
        return [cell for row in rows[1:] for cell in row]
    path = folder / f"{layer}.{EXPORTERS[fmt].extension}"
    path.write_bytes(payload)
    if fmt == "shp":
        names = [n for n in zipfile.ZipFile(path).namelist() if n.endswith(".dbf")]
        frames = [pyogrio.read_dataframe(f"/vsizip/{path}/{name}", read_geometry=False) for name in names]
    else:
        frames = [pyogrio.read_dataframe(path, layer=layer, read_geometry=False)]
    return [v for frame in frames for column in frame.columns for v in frame[column] if isinstance(v, str)]


def _formula_like(cell: str) -> bool:
    if not cell.startswith(FORMULA_PREFIXES):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False  # a number, e.g. a negative distance


@pytest.mark.parametrize("fmt", tuple(EXPORTERS))
@pytest.mark.parametrize("endpoint", tuple(LAYER_ENDPOINTS))
def test_every_export_holds_the_text_literally(poisoned_client, tmp_path, endpoint, fmt):
    layer, curated, payload_alone = LAYER_ENDPOINTS[endpoint]
    response = poisoned_client.get(f"{endpoint}?f={fmt}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    cells = _cells(response.data, fmt, layer, tmp_path)
    assert not any(EVALUATED_PAYLOAD in cell for cell in cells)
    if curated:
        assert any(PAYLOAD in cell for cell in cells)
    if fmt == "csv":
        assert [cell for cell in cells if _formula_like(cell)] == []
        if payload_alone:
            assert any(cell.startswith("'" + PAYLOAD) for cell in cells)


@pytest.mark.parametrize("url", ["/api/access.csv", "/api/partners/matrix?f=csv&by=country",
                                 "/api/partners/matrix?f=csv&by=commodity_group"])
def test_other_csv_downloads_quote_formula_like_text(poisoned_client, url):
    response = poisoned_client.get(url)
    assert response.status_code == 200
    lines = [line for line in response.get_data(as_text=True).splitlines() if not line.startswith("#")]
    table = pd.read_csv(io.StringIO("\n".join(lines)), dtype=str, keep_default_na=False)
    cells = [cell for column in table.columns for cell in table[column]]
    assert [cell for cell in cells if _formula_like(cell)] == []


def test_access_csv_holds_poisoned_site_names_literally(poisoned_client):
    text = poisoned_client.get("/api/access.csv").get_data(as_text=True)
    table = pd.read_csv(io.StringIO(text), comment=None, skiprows=1, dtype=str, keep_default_na=False)
    poisoned = table[table["site_id"] == "national:kg-kutessai-2"]["name"].tolist()
    assert poisoned == [f"Kutessai-II {PAYLOAD}"]


# --- the map page in headless Chromium --------------------------------------------------------------------

@pytest.mark.browser
def test_map_page_shows_poisoned_names_as_text_in_chromium(poisoned_app):
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        pytest.fail("headless Chromium not found: `apt-get install chromium`, or set CHROMIUM_PATH", pytrace=False)
    server = make_server("127.0.0.1", 0, poisoned_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    dialogs, errors = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"http://127.0.0.1:{server.server_port}/")
            expect(page.locator(".atlas-status")).to_have_text(re.compile(r"^\d{4,} mapped sites"), timeout=15_000)
            expect(page.locator("#atlas-filter-form")).to_have_attribute("data-counted", re.compile(".*"),
                                                                         timeout=15_000)
            country = page.locator("select[name=country] option").nth(1)
            kazakhstan = country.get_attribute("data-label")  # the text before the count the page adds
            assert country.text_content().startswith(f"{kazakhstan} (")
            page.locator("#atlas-search-input").fill("Kutessai")
            result = page.locator(".atlas-search-option").filter(has_text="Kutessai-II").first
            expect(result).to_be_visible(timeout=15_000)
            found = result.text_content()
            browser.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
    assert (kazakhstan, dialogs, errors) == (f"Kazakhstan {PAYLOAD}", [], [])
    assert PAYLOAD in found
