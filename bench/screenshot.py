"""Save a 1280x800 screenshot of the map page, served offline (no tiles) and shot in headless Chromium.

Run ``python bench/screenshot.py [PATH] [--store STORE]``; PATH defaults to ``docs/screenshot.png``. Without
``--store`` a store is built from the staged raw data (``ATLAS_RAW_DIR`` or ``../shared/data``) into a temporary
folder. Exits 1 without writing if the page raised a script error or never showed its sites.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from playwright.sync_api import Error as PlaywrightError  # noqa: E402
from playwright.sync_api import Route, sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from geo.analyze import AnalysisSettings, run_analysis  # noqa: E402
from layers.build import build_store  # noqa: E402
from layers.settings import SourceSettings, StoreSettings  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.settings import MapSettings, WebSettings  # noqa: E402

LOCAL_HOST = "127.0.0.1"
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOAD_TIMEOUT_MS = 20_000
#: True once the sites have loaded or failed to (atlas.js replaces the status control's "Loading sites…").
#: A function, not an expression: the page's CSP (script-src 'self') refuses Playwright's eval of a string.
SITES_SETTLED_JS = ("() => { const s = document.querySelector('.atlas-status'); "
                    "return !!s && !s.textContent.startsWith('Loading'); }")
#: Lets the cluster pies and the base map's labels finish drawing before the shot.
SETTLE_MS = 800


def raw_dir() -> Path:
    """Return the staged raw data: ``ATLAS_RAW_DIR`` if set, else the workplace's ``../shared/data``."""
    configured = os.environ.get("ATLAS_RAW_DIR")
    return Path(configured) if configured else PROJECT_ROOT.parent / "shared" / "data"


def chromium_path() -> str:
    """Return Chromium's path from ``CHROMIUM_PATH`` or ``PATH``; exit with a hint if there is none."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path or not Path(path).is_file():
        raise SystemExit("headless Chromium not found: `.ci/run` installs Debian chromium, or set CHROMIUM_PATH")
    return path


@contextmanager
def serve(store_path: Path) -> Iterator[str]:
    """Serve the app on ``store_path`` with no tile layer on a free local port; yield its base URL."""
    analysis = AnalysisSettings(analysis_dir=store_path.parent / "analysis")
    if not analysis.analysis_path.is_file():
        run_analysis(store_path, analysis)
    app = create_app(WebSettings(store=StoreSettings(store_path=store_path), analysis=analysis,
                                 map=MapSettings(tile_url="")))
    server = make_server(LOCAL_HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="atlas-screenshot-server", daemon=True)
    thread.start()
    try:
        yield f"http://{LOCAL_HOST}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def shoot(base_url: str, out: Path) -> tuple[list[str], list[str]]:
    """Load the map at ``base_url`` with other hosts blocked, wait for its markers, and write ``out``.

    Returns the page's failures (script errors, markers that never appeared) and the blocked URLs. Nothing
    is written when there is a failure.
    """
    failures: list[str] = []
    blocked: list[str] = []

    def block_network(route: Route) -> None:
        if urlsplit(route.request.url).hostname == LOCAL_HOST:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            context.route("**/*", block_network)
            page = context.new_page()
            page.on("pageerror", lambda error: failures.append(f"page error: {error}"))
            page.goto(f"{base_url}/")
            try:
                # The status control leaves "Loading sites…" once the sites loaded or failed to.
                page.wait_for_function(SITES_SETTLED_JS, timeout=LOAD_TIMEOUT_MS)
                if page.locator(".atlas-status[data-sites]").count():
                    # clusters.js marks the map box once it has drawn the view's clusters and points
                    page.wait_for_selector(".folium-map[data-cluster-sites]", timeout=LOAD_TIMEOUT_MS)
                else:
                    failures.append(f"no sites: the status control says {page.locator('.atlas-status').inner_text()!r}")
            except PlaywrightError as exc:
                failures.append(f"no markers: {exc.message.splitlines()[0]}")
            if not failures:
                page.wait_for_timeout(SETTLE_MS)
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out))
        finally:
            browser.close()
    return failures, blocked


def main(argv: list[str] | None = None) -> int:
    """Build or reuse a store, serve it, and save the screenshot."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", type=Path, default=PROJECT_ROOT / "docs" / "screenshot.png",
                        help="PNG to write (default docs/screenshot.png)")
    parser.add_argument("--store", type=Path, help="an existing store to read (default: build one into a temp folder)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    with tempfile.TemporaryDirectory(prefix="atlas-screenshot-") as workdir:
        store_path = args.store.resolve() if args.store else Path(workdir) / "atlas.gpkg"
        if not args.store:
            build_store(SourceSettings(raw_dir=raw_dir()), StoreSettings(store_path=store_path))
        with serve(store_path) as base_url:
            failures, blocked = shoot(base_url, args.out)
    for url in blocked:
        sys.stderr.write(f"blocked a request to another host: {url}\n")
    if failures:
        sys.stderr.write("".join(f"{failure}\n" for failure in failures))
        sys.stderr.write(f"screenshot NOT written to {args.out}: the page is broken\n")
        return 1
    print(f"wrote {args.out} ({VIEWPORT['width']}x{VIEWPORT['height']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
