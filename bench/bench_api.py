"""Time the map page and the sites API in-process with Flask's test client; prints figures only.

Run ``python bench/bench_api.py [--store PATH] [-n 50]``. Without ``--store`` a store is built from the staged
raw data (``ATLAS_RAW_DIR`` or ``../shared/data``) into a temporary folder first.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from flask.testing import FlaskClient  # noqa: E402

from geo.analyze import AnalysisSettings, run_analysis  # noqa: E402
from geo.sites import SiteQuery, filter_sites  # noqa: E402
from layers.build import build_store  # noqa: E402
from layers.settings import SourceSettings, StoreSettings  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.geojson import SITE_PROPERTIES  # noqa: E402
from webapp.settings import MapSettings, WebSettings  # noqa: E402
from webapp.state import AtlasState  # noqa: E402

#: The URLs timed; the first is the map page, rendered on its first request and cached after.
URLS = (
    "/",
    "/api/sites?limit=10000&mapped=true",
    "/api/sites?bbox=68,38,72,42&limit=1000",
    "/api/sites?q=Кутессай",
    "/api/sites?limit=10000&country=KZ&commodity=REE&max_corridor_km=250&as_of=2025-12-01",
    "/api/facets?country=KZ&commodity=REE&as_of=2025-12-01",
    "/api/search?q=вольфрам",
    "/api/search?q=Kutassai",
    "/api/between?from=2020-01-01&to=2025-12-01",
)
#: The request whose time is compared with a plain ``GeoDataFrame.to_json()`` of the same rows.
BASELINE_URL = "/api/sites?limit=10000&mapped=true"


def raw_dir() -> Path:
    """Return the staged raw data: ``ATLAS_RAW_DIR`` if set, else the workplace's ``../shared/data``."""
    configured = os.environ.get("ATLAS_RAW_DIR")
    return Path(configured) if configured else PROJECT_ROOT.parent / "shared" / "data"


def timed(call: Callable[[], object], n: int) -> tuple[list[float], object]:
    """Run ``call`` ``n`` times; return the milliseconds of each run and the last result."""
    millis: list[float] = []
    result = None
    for _ in range(n):
        started = time.perf_counter()
        result = call()
        millis.append((time.perf_counter() - started) * 1000)
    return millis, result


def p95(millis: list[float]) -> float:
    """Return the 95th percentile of ``millis`` (inclusive method; the maximum for fewer than 2 samples)."""
    if len(millis) < 2:
        return max(millis)
    return statistics.quantiles(millis, n=20, method="inclusive")[18]


def bench_urls(client: FlaskClient, n: int) -> dict[str, list[float]]:
    """Time ``n`` GETs of each of :data:`URLS`, print a line per URL, and return the timings."""
    timings: dict[str, list[float]] = {}
    print(f"{'request':45} {'first ms':>9} {'median ms':>10} {'p95 ms':>8} {'bytes':>10}")
    for url in URLS:
        millis, response = timed(lambda url=url: client.get(url), n)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
        timings[url] = millis
        print(f"{url:45} {millis[0]:9.1f} {statistics.median(millis):10.1f} {p95(millis):8.1f} "
              f"{len(response.data):10d}")
    return timings


def bench_baseline(state: AtlasState, n: int) -> list[float]:
    """Time ``GeoDataFrame.to_json()`` of the rows and columns :data:`BASELINE_URL` writes; print a line."""
    frame = filter_sites(state.sites, SiteQuery(mapped_only=True))[[*SITE_PROPERTIES, "geometry"]]
    millis, text = timed(frame.to_json, n)
    print(f"{'baseline: GeoDataFrame.to_json() of the same':45} {millis[0]:9.1f} {statistics.median(millis):10.1f} "
          f"{p95(millis):8.1f} {len(text.encode()):10d}")
    return millis


def run(store_path: Path, n: int) -> None:
    """Create the app on ``store_path`` and print the timings of every URL and of the baseline."""
    started = time.perf_counter()
    analysis = AnalysisSettings(analysis_dir=store_path.parent / "analysis")
    if not analysis.analysis_path.is_file():
        run_analysis(store_path, analysis)
    app = create_app(WebSettings(store=StoreSettings(store_path=store_path), analysis=analysis,
                                 map=MapSettings(tile_url="")))
    print(f"store: {store_path}; app created in {time.perf_counter() - started:.2f} s; {n} requests per URL")
    timings = bench_urls(app.test_client(), n)
    baseline = bench_baseline(app.extensions["atlas"], n)
    ratio = statistics.median(timings[BASELINE_URL]) / statistics.median(baseline)
    print(f"{BASELINE_URL} median is {ratio:.1f}x the to_json() baseline median")


def main(argv: list[str] | None = None) -> int:
    """Build or reuse a store, then time the app's requests."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, help="an existing store to read (default: build one into a temp folder)")
    parser.add_argument("-n", type=int, default=50, help="requests per URL (default 50)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    if args.store:
        run(args.store.resolve(), args.n)
        return 0
    with tempfile.TemporaryDirectory(prefix="atlas-bench-api-") as workdir:
        store_path = Path(workdir) / "atlas.gpkg"
        started = time.perf_counter()
        build_store(SourceSettings(raw_dir=raw_dir()), StoreSettings(store_path=store_path))
        print(f"built a store in {time.perf_counter() - started:.2f} s")
        run(store_path, args.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
