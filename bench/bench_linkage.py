"""Linkage figures: precision and recall per class, the location-error evidence, and time against input size.

Run ``python bench/bench_linkage.py`` (``--sizes 10000,50000`` to choose the generated sizes). It builds the store from
the staged data (``ATLAS_RAW_DIR`` or ``../shared/data``) into a temporary folder, scores the linkage against
``tests/data/link_pairs.csv``, prints per dataset the distances of the records it merged with another dataset (the
evidence behind ``layers.linkage.location.DATASET_SIGMA_KM``), then times ``link_sites`` on generated records.
It prints figures and never asserts.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from pyproj import Geod  # noqa: E402
from shapely.geometry import Point  # noqa: E402

from layers.build import build_store  # noqa: E402
from layers.deposits.records import make_records  # noqa: E402
from layers.linkage import link_sites  # noqa: E402
from layers.linkage.evaluation import evaluate, load_pairs  # noqa: E402
from layers.linkage.location import DATASET_SIGMA_KM, DEFAULT_SIGMA_KM  # noqa: E402
from layers.settings import SourceSettings, StoreSettings  # noqa: E402
from layers.store import read_store  # noqa: E402

GEOD = Geod(ellps="WGS84")
LABELLED = PROJECT_ROOT / "tests" / "data" / "link_pairs.csv"


def staged_raw_dir() -> Path:
    """Return the staged raw data: ``ATLAS_RAW_DIR`` if set, else the workplace's ``../shared/data``."""
    configured = os.environ.get("ATLAS_RAW_DIR")
    return Path(configured) if configured else PROJECT_ROOT.parent / "shared" / "data"


def real_figures() -> None:
    """Build from the staged data; print the linkage report, precision and recall, and the distance evidence."""
    with tempfile.TemporaryDirectory(prefix="atlas-bench-linkage-") as folder:
        store_path = Path(folder) / "atlas.gpkg"
        started = time.perf_counter()
        report = build_store(SourceSettings(raw_dir=staged_raw_dir()), StoreSettings(store_path=store_path))
        seconds = time.perf_counter() - started
        store = read_store(store_path)
    print(f"build on the staged data: {seconds:.1f} s (linkage {report.stage_seconds['linkage']:.2f} s); "
          f"sites {report.sites_out} ({report.mapped_sites} mapped)")
    for line in report.linkage.lines():
        print(line)
    print(f"precision and recall on {LABELLED.relative_to(PROJECT_ROOT)}:")
    for score in evaluate(store.sites, load_pairs(LABELLED)):
        print("  " + score.line())
    _distance_evidence(store)


def _distance_evidence(store) -> None:
    records = store.source_records.set_index("record_id")
    distances: dict[str, list[float]] = {}
    for ids in store.sites["source_record_ids"]:
        located = [(r, records.at[r, "dataset"], records.at[r, "geometry"]) for r in ids
                   if records.at[r, "geometry"] is not None]
        for i, (_, dataset_a, a) in enumerate(located):
            for _, dataset_b, b in located[i + 1:]:
                if dataset_a != dataset_b:
                    km = GEOD.inv(a.x, a.y, b.x, b.y)[2] / 1000
                    distances.setdefault(dataset_a, []).append(km)
                    distances.setdefault(dataset_b, []).append(km)
    print("distance (km) from each dataset's record to the other datasets' records of its site "
          "(evidence for DATASET_SIGMA_KM):")
    print(f"  {'dataset':30s} {'pairs':>5s} {'median':>7s} {'p90':>6s} {'max':>6s} {'sigma':>6s}")
    for dataset, values in sorted(distances.items()):
        values.sort()
        p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
        sigma = DATASET_SIGMA_KM.get("national" if dataset.startswith("national") else dataset, DEFAULT_SIGMA_KM)
        print(f"  {dataset:30s} {len(values):5d} {statistics.median(values):7.1f} {p90:6.1f} {values[-1]:6.1f} "
              f"{sigma:6.1f}")


def generated_records(n: int, seed: int = 7):
    """``n`` records of five datasets over Kazakhstan: a third are re-records of another within 10 km."""
    rng = random.Random(seed)
    syllables = ("kar", "ak", "tau", "su", "bay", "kul", "tas", "zhal", "kyz", "sai", "bulak", "ter")
    rows = []
    for number in range(n):
        placed = [r for r in rows[-50:] if r["geometry"] is not None]
        if number % 3 == 2 and placed:
            base = rng.choice(placed)
            name = base["name"].replace("a", "o", 1)
            lon, lat = base["geometry"].x + rng.uniform(-0.1, 0.1), base["geometry"].y + rng.uniform(-0.05, 0.05)
        else:
            name = "".join(rng.choice(syllables) for _ in range(3)).capitalize() + f" {number % 97}"
            lon, lat = rng.uniform(50.0, 85.0), rng.uniform(41.0, 55.0)
        located = number % 20 != 0
        rows.append({
            "record_id": f"ds{number % 5}:{number}", "source": "bench", "dataset": f"ds{number % 5}", "name": name,
            "aliases": [], "country": "KZ", "commodities": [rng.choice(("Cu", "Au", "W", "Li"))],
            "commodity_groups": [], "deposit_types": [], "status": "", "grade_tonnage": [], "references": [],
            "upstream_url": "", "location_precision_km": 2.0 if located else math.nan,
            "location_status": "exact" if located else "missing", "location_raw": "", "country_check": "",
            "same_as": [], "geometry": Point(lon, lat) if located else None,
        })
    return make_records(rows, "bench")


def scaling(sizes: list[int]) -> None:
    """Time ``link_sites`` on generated inputs of each size."""
    print("link_sites on generated records (time should grow about as n log n):")
    for n in sizes:
        records = generated_records(n)
        started = time.perf_counter()
        result = link_sites(records)
        seconds = time.perf_counter() - started
        print(f"  {n:7d} records: {seconds:6.2f} s, {result.report.pairs_scored} pairs scored, "
              f"{result.report.sites_out} sites, {seconds / n * 1e6:.0f} µs per record")


def main(argv: list[str] | None = None) -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="5000,20000,80000", help="generated input sizes, comma-separated")
    args = parser.parse_args(argv)
    real_figures()
    scaling([int(s) for s in args.sizes.split(",") if s.strip()])
    return 0


if __name__ == "__main__":
    sys.exit(main())
