"""Linkage on one crowded name bucket: N records of the same name in one country and one small area; figures only.

Run ``python bench/bench_linkage_buckets.py [--sizes 1000,2000,4000]``. A registry with many records of one
generic name (or many copies of one deposit) puts them all in one linkage bucket, whose pairs are compared one by
one; this prints ``layers.linkage.link_sites`` time per size and the exponent of time vs N (1 linear, 2
quadratic), for records alternating between two datasets in a 0.3-degree box in Kazakhstan, and for the same
records with every other one unlocated (the name-and-country step). The staged store (``data/atlas.gpkg``) gives
one real record to copy.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402

from layers.linkage import link_sites  # noqa: E402
from layers.store import read_store  # noqa: E402


def bucket(template: gpd.GeoDataFrame, n: int, seed: int = 1) -> gpd.GeoDataFrame:
    """``n`` copies of ``template``'s one record, one name, two datasets, jittered in a 0.3-degree box."""
    rng = np.random.default_rng(seed)
    table = template.loc[template.index.repeat(n)].reset_index(drop=True)
    table["record_id"] = [f"bucket:{i}" for i in range(n)]
    table["name"] = "Kumbel"
    table["dataset"] = np.where(np.arange(n) % 2, "bucket-a", "bucket-b")
    table["same_as"] = [[] for _ in range(n)]
    geometry = shapely.points(68.0 + rng.uniform(0, 0.3, n), 48.0 + rng.uniform(0, 0.3, n))
    return gpd.GeoDataFrame(table.drop(columns="geometry"), geometry=geometry, crs=template.crs)


def main(argv: list[str] | None = None) -> int:
    """Time link_sites on growing buckets and print the exponents."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,2000,4000")
    parser.add_argument("--store", type=Path, default=PROJECT_ROOT / "data" / "atlas.gpkg")
    args = parser.parse_args(argv)
    records = read_store(args.store).source_records
    template = records[(records["country"] == "KZ") & records.geometry.notna()].iloc[[0]]
    previous: dict[str, tuple[int, float]] = {}
    for n in (int(s) for s in args.sizes.split(",")):
        located = bucket(template, n)
        half = located.copy()
        half.loc[half.index % 2 == 0, "geometry"] = None
        for label, table in (("located", located), ("half unlocated", half)):
            started = time.perf_counter()
            sites, _ = link_sites(table)
            seconds = time.perf_counter() - started
            line = f"{n:,} same-name records, {label}: link_sites {seconds:.2f} s, {len(sites):,} sites"
            if label in previous:
                m, t = previous[label]
                line += f"; exponent vs {m:,}: {math.log(seconds / t) / math.log(n / m):.2f}"
            previous[label] = (n, seconds)
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
