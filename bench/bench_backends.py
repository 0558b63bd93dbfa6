"""``/api/sites`` and OGC items latency on the GeoPackage (in-memory) and PostGIS backends at 10k-300k sites.

Run ``python bench/bench_backends.py [--sizes 10000,100000] [-n 30] [--database-url URL]`` after ``make postgis``
(the URL defaults to the private cluster's, ``scripts/postgis.sh url``). A store is built from the staged data
(``ATLAS_RAW_DIR`` or ``../shared/data``) and analysed; for each size its located sites are copied to that many,
jittered inside their countries (``bench/synthetic.py``), with new ids; the synthetic store is written to a
GeoPackage and to a PostGIS schema (``bench_backends``, dropped after), analysed, and served by two apps in this
process (Flask's test client). Each URL is requested ``n`` times after a warm-up; p50 and p95 are printed per
backend, with the ratio PostGIS / GeoPackage. Figures only, nothing asserted.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import psycopg  # noqa: E402
import shapely  # noqa: E402

from bench.synthetic import SEED, jitter_inside, staged_raw_dir  # noqa: E402
from geo.analyze import AnalysisSettings, run_analysis  # noqa: E402
from layers.build import build_store  # noqa: E402
from layers.postgis import write_postgis  # noqa: E402
from layers.settings import SourceSettings, StoreSettings  # noqa: E402
from layers.store import STORE_LAYERS, Store, read_store, write_store  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.settings import MapSettings, WebSettings  # noqa: E402

#: The requests timed: pages, a bbox of ~2x2 degrees, stored-column filters, a name search, and OGC items.
URLS = (
    "/api/sites?limit=1000",
    "/api/sites?limit=100&offset=5000",
    "/api/sites?bbox=69,40,71,42&limit=1000",
    "/api/sites?country=KG&commodity=Au&limit=500",
    "/api/sites?q=synthetic%2012&limit=100",
    "/ogc/collections/sites/items?limit=100",
    "/ogc/collections/sites/items?bbox=69,40,71,42&limit=1000",
    "/ogc/collections/sites/items?country=KZ&limit=100&offset=2000",
)
SCHEMA = "bench_backends"


def synthetic_store(store: Store, sites: int) -> Store:
    """The staged store with its sites replaced by ``sites`` jittered copies of its located sites (new ids)."""
    rng = np.random.default_rng(SEED)
    located = store.sites[store.sites.geometry.notna() & ~store.sites.geometry.is_empty].reset_index(drop=True)
    outlines = dict(zip(store.countries["iso_a2"], store.countries.geometry, strict=True))
    for geom in outlines.values():
        shapely.prepare(geom)
    base = located.iloc[rng.integers(0, len(located), sites)].reset_index(drop=True)
    lon, lat = jitter_inside(base.geometry.x.to_numpy(), base.geometry.y.to_numpy(), base["country"].to_numpy(),
                             outlines, 0.3, rng)
    frame = pd.DataFrame(base.drop(columns="geometry"))
    frame["site_id"] = [f"syn:{n:07d}" for n in range(sites)]
    frame["name"] = [f"{name} synthetic {n}" for n, name in enumerate(frame["name"])]
    frame["search_keys"] = [[*keys, f"synthetic {n}"] for n, keys in enumerate(frame["search_keys"])]
    synthetic = gpd.GeoDataFrame(frame, geometry=shapely.points(np.round(lon, 5), np.round(lat, 5)),
                                 crs=store.sites.crs)
    return Store(**{**{name: store.layer(name) for name in STORE_LAYERS}, "sites": synthetic,
                    "licence_sites": store.licence_sites.iloc[0:0], "sources": store.sources,
                    "build_info": {**store.build_info, "sites_out": sites}})


def percentiles(millis: list[float]) -> tuple[float, float]:
    """(p50, p95) of ``millis``."""
    return statistics.median(millis), statistics.quantiles(millis, n=20, method="inclusive")[18]


def time_urls(client, n: int) -> dict[str, tuple[float, float, int]]:
    """Per URL: (p50 ms, p95 ms, bytes) over ``n`` requests after one warm-up."""
    figures = {}
    for url in URLS:
        response = client.get(url)  # warm-up: the in-memory OGC frame and the date's partner table are built once
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
        millis = []
        for _ in range(n):
            started = time.perf_counter()
            response = client.get(url)
            millis.append((time.perf_counter() - started) * 1000)
        figures[url] = (*percentiles(millis), len(response.get_data()))
    return figures


def run_size(store: Store, size: int, workdir: Path, url: str, n: int) -> None:
    """Write the synthetic store of ``size`` sites to both backends and time every URL on each."""
    started = time.perf_counter()
    synthetic = synthetic_store(store, size)
    path = workdir / f"atlas-{size}.gpkg"
    layers = {name: synthetic.layer(name) for name in STORE_LAYERS}
    write_store(path, layers, synthetic.sources, synthetic.build_info)
    gpkg_s = time.perf_counter() - started
    started = time.perf_counter()
    write_postgis(url, layers, synthetic.sources, synthetic.build_info, schema_name=SCHEMA)
    pg_s = time.perf_counter() - started
    started = time.perf_counter()
    analysis = AnalysisSettings(analysis_dir=workdir / f"analysis-{size}")
    run_analysis(path, analysis)
    print(f"\n{size:,} sites: GeoPackage written in {gpkg_s:.1f} s (with the synthetic sites), PostGIS in "
          f"{pg_s:.1f} s; analysis {time.perf_counter() - started:.1f} s", flush=True)
    results = {}
    for backend in ("gpkg", "postgis"):
        store_settings = StoreSettings(store_path=path, **({"database_url": url, "database_schema": SCHEMA}
                                                           if backend == "postgis" else {}))
        started = time.perf_counter()
        app = create_app(WebSettings(store=store_settings, analysis=analysis, map=MapSettings(tile_url="")))
        load_s = time.perf_counter() - started
        try:
            results[backend] = time_urls(app.test_client(), n)
        finally:
            app.extensions["atlas"].site_source.close()
        print(f"  {backend}: app start {load_s:.1f} s", flush=True)
    print(f"  {'request':62} {'gpkg p50':>9} {'p95':>7} {'pg p50':>8} {'p95':>7} {'pg/gpkg p50':>12} {'bytes':>9}")
    for url in URLS:
        g50, g95, size_bytes = results["gpkg"][url]
        p50, p95, _ = results["postgis"][url]
        print(f"  {url:62} {g50:9.1f} {g95:7.1f} {p50:8.1f} {p95:7.1f} {p50 / g50:11.2f}x {size_bytes:9,}")


def default_url() -> str:
    """The private cluster's URL (``scripts/postgis.sh url``)."""
    return subprocess.run([str(PROJECT_ROOT / "scripts" / "postgis.sh"), "url"], capture_output=True, text=True,
                          check=True).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    """Build the staged store, then time both backends at each size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated site counts")
    parser.add_argument("-n", type=int, default=30, help="requests per URL and backend (default 30)")
    parser.add_argument("--database-url", default=None, help="PostGIS URL (default: the make postgis cluster)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    url = args.database_url or default_url()
    with tempfile.TemporaryDirectory(prefix="atlas-bench-backends-") as tmp:
        workdir = Path(tmp)
        staged = workdir / "staged.gpkg"
        build_store(SourceSettings(raw_dir=staged_raw_dir()), StoreSettings(store_path=staged))
        store = read_store(staged)
        print(f"staged store: {len(store.sites):,} sites, {int(store.sites.geometry.notna().sum()):,} located; "
              f"{args.n} requests per URL and backend after a warm-up")
        try:
            for size in (int(s) for s in args.sizes.split(",")):
                run_size(store, size, workdir, url, args.n)
        finally:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
    return 0


if __name__ == "__main__":
    sys.exit(main())
