"""Map first render at 10k and 300k sites in headless Debian Chromium: time to the first sites drawn, bytes
transferred (total, page, data), and /api/clusters latency at zooms 3, 6 and 9; figures and ratios only.

Run ``python bench/bench_map_render.py --sizes 10000,300000``. A store is built from the staged data
(``ATLAS_RAW_DIR`` or ``../shared/data``) with its analysis; for each size the app is created on it and its sites
layer replaced, in memory, by the staged sites plus jittered copies up to the size (the located staged sites moved
by up to 0.3 degrees and redrawn until inside their country, as ``bench/synthetic.py`` does for registry records).
Only the sites layer matters to the map, so the copies skip a full build of 300,000 records (``bench_scale.py``
times that). The app is served by Werkzeug's threaded server in this process (the production server forks workers
that would each need the synthetic store on disk). Each size is opened twice in a fresh browser context: cold (the
first page after start: the date's partner table, coverage and filtered frames are computed) and warm. "First
sites drawn" is the ``atlas-sites-drawn`` mark static/clusters.js sets once the first answer is on the map,
measured from navigation start. The first size is the baseline of the ratios.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import math
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from bench.synthetic import SEED, jitter_inside, staged_raw_dir  # noqa: E402
from geo.analyze import AnalysisSettings, run_analysis  # noqa: E402
from layers.build import build_store  # noqa: E402
from layers.settings import SourceSettings, StoreSettings  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.settings import MapSettings, WebSettings  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
#: Centre of the latency views (the map's start centre).
CENTRE = (43.5, 66.0)


def synthetic_sites(sites: gpd.GeoDataFrame, countries: gpd.GeoDataFrame, size: int,
                    jitter_deg: float = 0.3) -> gpd.GeoDataFrame:
    """The staged ``sites`` plus jittered copies of the located ones, ``size`` rows in all (EPSG:4326)."""
    extra = size - len(sites)
    if extra <= 0:
        return sites.iloc[:size].copy()
    rng = np.random.default_rng(SEED)
    located = sites[sites.geometry.notna() & ~sites.geometry.is_empty].reset_index(drop=True)
    outlines = dict(zip(countries["iso_a2"], countries.geometry, strict=True))
    for geom in outlines.values():
        shapely.prepare(geom)
    copies = located.iloc[rng.integers(0, len(located), extra)].reset_index(drop=True)
    lon, lat = jitter_inside(copies.geometry.x.to_numpy(), copies.geometry.y.to_numpy(),
                             copies["country"].to_numpy(), outlines, jitter_deg, rng)
    copies["site_id"] = [f"synthetic:{n:07d}" for n in range(extra)]
    copies["name"] = copies["name"] + pd.Series([f" synthetic {n}" for n in range(extra)])
    copies = gpd.GeoDataFrame(copies.drop(columns="geometry"), geometry=gpd.points_from_xy(lon, lat),
                              crs=sites.crs)
    return gpd.GeoDataFrame(pd.concat([sites, copies], ignore_index=True), geometry="geometry", crs=sites.crs)


def app_of_size(store_path: Path, analysis: AnalysisSettings, size: int):
    """The app on the staged store with its sites layer grown to ``size``."""
    app = create_app(WebSettings(store=StoreSettings(store_path=store_path), analysis=analysis,
                                 map=MapSettings(tile_url="")))
    state = app.extensions["atlas"]
    state.store.sites = synthetic_sites(state.store.sites, state.store.countries, size)
    state.site_index = {sid: i for i, sid in enumerate(state.store.sites["site_id"])}
    return app


class Served:
    """The app on a free local port, in a thread."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


def render_once(browser, base: str, timeout_s: float) -> dict:
    """Open ``/`` in a fresh context; return time to the first sites drawn and the bytes received."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    finished: list = []
    page.on("requestfinished", lambda request: finished.append(request))
    try:
        page.goto(base + "/")
        page.wait_for_function("() => performance.getEntriesByName('atlas-sites-drawn').length > 0",
                               timeout=timeout_s * 1000, polling=50)
        first_ms = page.evaluate("() => performance.getEntriesByName('atlas-sites-drawn')[0].startTime")
        try:
            page.wait_for_load_state("networkidle", timeout=timeout_s * 1000)
        except Exception as exc:  # noqa: BLE001 - a page still busy is reported, not fatal to the bench
            logging.getLogger(__name__).warning("network not idle: %s", exc)
        page.wait_for_timeout(300)
        drawn = page.evaluate("() => ({pies: document.querySelectorAll('.atlas-cluster-pie').length, "
                              "sites: Number(document.querySelector('.folium-map')"
                              ".getAttribute('data-cluster-sites'))})")
        figures = {"first_ms": first_ms, "total": 0, "data": 0, "page": 0, "clusters_bytes": 0, "features": 0,
                   "requests": len(finished), **drawn}
        for request in finished:
            sizes = request.sizes()
            size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
            path = urlsplit(request.url).path
            figures["total"] += size
            figures["data" if path.startswith("/api/") else "page"] += size
            if path == "/api/clusters":
                figures["clusters_bytes"] += size
                figures["features"] = max(figures["features"], len(request.response().json()["features"]))
        return figures
    finally:
        context.close()


def view_bbox(zoom: int, centre: tuple[float, float] = CENTRE, shift_px: float = 0.0) -> str:
    """The box of a 1280 x 800 view at ``zoom``, grown by a quarter on each side as clusters.js asks."""
    scale = 256 * 2**zoom
    lat, lon = centre
    x = (lon + 180) / 360 * scale + shift_px
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * scale
    half_w, half_h = 1.5 * VIEWPORT["width"] / 2, 1.5 * VIEWPORT["height"] / 2

    def lonlat(px: float, py: float) -> tuple[float, float]:
        n = math.pi - 2 * math.pi * py / scale
        return px / scale * 360 - 180, math.degrees(math.atan(math.sinh(n)))

    west, north = lonlat(x - half_w, y - half_h)
    east, south = lonlat(x + half_w, y + half_h)
    clamp = lambda v, lim: max(-lim, min(lim, v))  # noqa: E731
    return ",".join(f"{v:.6f}" for v in (clamp(west, 180), clamp(south, 85), clamp(east, 180), clamp(north, 85)))


def timed_get(base: str, path: str) -> tuple[float, int, dict]:
    """GET ``path`` (gzip accepted, as a browser does); seconds, bytes on the wire, and the decoded body."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
    response = connection.getresponse()
    raw = response.read()
    seconds = time.perf_counter() - started
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}: {raw[:300]!r}")
    if response.getheader("Content-Encoding") == "gzip":
        import gzip

        body = json.loads(gzip.decompress(raw))
    else:
        body = json.loads(raw)
    return seconds, len(raw), body


def cluster_latency(base: str, zooms: tuple[int, ...]) -> list[dict]:
    """Per zoom: /api/clusters for new filters (frame and answer computed), a new view of them (answer computed),
    and the same view again (answer cached)."""
    rows = []
    for zoom in zooms:
        filters = {"commodity": "Au", "as_of": f"2025-0{zoom}-01"}  # a date per zoom: nothing cached before
        first = f"/api/clusters?{urlencode({**filters, 'zoom': zoom, 'bbox': view_bbox(zoom)})}"
        moved = f"/api/clusters?{urlencode({**filters, 'zoom': zoom, 'bbox': view_bbox(zoom, shift_px=300)})}"
        plain = f"/api/clusters?{urlencode({'zoom': zoom, 'bbox': view_bbox(zoom, shift_px=-300)})}"
        cold, size, body = timed_get(base, first)
        new_view, _, _ = timed_get(base, moved)
        repeat, _, _ = timed_get(base, moved)
        unfiltered, plain_size, plain_body = timed_get(base, plain)
        rows.append({"zoom": zoom, "cold_s": cold, "new_view_s": new_view, "repeat_s": repeat,
                     "unfiltered_s": unfiltered, "features": body["numberReturned"],
                     "sites": body["numberMatched"], "bytes": size, "mode": body["mode"],
                     "plain_features": plain_body["numberReturned"], "plain_sites": plain_body["numberMatched"],
                     "plain_bytes": plain_size})
    return rows


def _print_render(size: int, label: str, f: dict, base: dict | None) -> None:
    ratio = "" if base is None else (f"  (x{f['first_ms'] / base['first_ms']:.2f} time, "
                                     f"x{f['total'] / base['total']:.2f} bytes of the {label} baseline)")
    print(f"{size:>9,} sites, {label}: first sites drawn {f['first_ms'] / 1000:.2f} s; transferred "
          f"{f['total'] / 1000:.1f} kB (page {f['page'] / 1000:.1f} kB, data {f['data'] / 1000:.1f} kB, "
          f"/api/clusters {f['clusters_bytes'] / 1000:.1f} kB, at most {f['features']:,} features in one answer); "
          f"{f['pies']} pies drawn for {f['sites']:,} sites in view; {f['requests']} requests{ratio}", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Build the staged store, then serve and render each size; print figures and ratios to the first size."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,300000", help="comma-separated site counts")
    parser.add_argument("--zooms", default="3,6,9", help="zooms of the /api/clusters latency")
    parser.add_argument("--timeout-s", type=float, default=120.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    sizes = [int(s) for s in args.sizes.split(",")]
    zooms = tuple(int(z) for z in args.zooms.split(","))
    baseline: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="atlas-bench-map-") as tmp, sync_playwright() as playwright:
        store_path = Path(tmp) / "atlas.gpkg"
        started = time.perf_counter()
        build_store(SourceSettings(raw_dir=staged_raw_dir()), StoreSettings(store_path=store_path))
        analysis = AnalysisSettings(analysis_dir=Path(tmp) / "analysis")
        run_analysis(store_path, analysis)
        print(f"staged store and analysis built in {time.perf_counter() - started:.1f} s", flush=True)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for size in sizes:
            started = time.perf_counter()
            app = app_of_size(store_path, analysis, size)
            print(f"{size:,} sites: app ready in {time.perf_counter() - started:.1f} s", flush=True)
            served = Served(app)
            try:
                for label in ("cold", "warm"):
                    figures = render_once(browser, served.base, args.timeout_s)
                    _print_render(size, label, figures, baseline.get(label))
                    baseline.setdefault(label, figures)
                for row in cluster_latency(served.base, zooms):
                    print(f"{size:>9,} sites, /api/clusters zoom {row['zoom']} (Au, {row['mode']}, "
                          f"{row['features']:,} features for {row['sites']:,} sites, {row['bytes'] / 1000:.1f} kB "
                          f"gzipped): new filters {row['cold_s'] * 1000:.0f} ms, new view "
                          f"{row['new_view_s'] * 1000:.0f} ms, cached {row['repeat_s'] * 1000:.1f} ms; no filter: "
                          f"{row['unfiltered_s'] * 1000:.0f} ms, {row['plain_features']:,} features for "
                          f"{row['plain_sites']:,} sites, {row['plain_bytes'] / 1000:.1f} kB", flush=True)
            finally:
                served.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
