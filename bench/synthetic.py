"""A synthetic region for the scale benchmarks: N deposit records made from the staged ones, jittered inside their
countries, written as a national registry file on the national template.

Run ``python bench/synthetic.py --records 100000 --out /tmp/raw`` to write ``/tmp/raw/national/registry.csv`` and
hard-link the staged folders beside it, so a build of ``/tmp/raw`` reads every real source plus the synthetic registry.
Each synthetic record copies a staged record with a location (name, aliases, commodities, country): 10 % keep the
staged name, so they meet the staged record in linkage's name-and-distance step, the rest get a numbered name.
Points move by up to ``--jitter-deg`` (0.3 degrees, about 30 km) and are drawn again until they lie inside the
record's country (Natural Earth outlines from the store), so they pass the country check. Fixed seed.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402

from layers.store import Store  # noqa: E402

TEMPLATE = PROJECT_ROOT / "data" / "templates" / "national_deposits_template.csv"
#: Share of synthetic records that keep their staged record's name (linkage candidates across datasets).
SAME_NAME_SHARE = 0.10
SEED = 20261207


def staged_raw_dir() -> Path:
    """Return the staged raw data: ``ATLAS_RAW_DIR`` if set, else the workplace's ``../shared/data``."""
    configured = os.environ.get("ATLAS_RAW_DIR")
    return Path(configured) if configured else PROJECT_ROOT.parent / "shared" / "data"


def jitter_inside(lon: np.ndarray, lat: np.ndarray, countries: np.ndarray, outlines: dict[str, object],
                  jitter_deg: float, rng: np.random.Generator, max_rounds: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Move each point by up to ``jitter_deg`` in lon and lat, redrawing until it lies inside its country.

    A point still outside after ``max_rounds`` draws keeps its staged position (which passed the country check).
    """
    out_lon, out_lat = lon.copy(), lat.copy()
    todo = np.arange(len(lon))
    for _ in range(max_rounds):
        if not len(todo):
            break
        cand_lon = lon[todo] + rng.uniform(-jitter_deg, jitter_deg, len(todo))
        cand_lat = lat[todo] + rng.uniform(-jitter_deg, jitter_deg, len(todo))
        inside = np.zeros(len(todo), dtype=bool)
        for code, outline in outlines.items():
            mine = countries[todo] == code
            if mine.any():
                inside[mine] = shapely.contains_xy(outline, cand_lon[mine], cand_lat[mine])
        out_lon[todo[inside]], out_lat[todo[inside]] = cand_lon[inside], cand_lat[inside]
        todo = todo[~inside]
    return out_lon, out_lat


def synthetic_records(store: Store, records: int, jitter_deg: float = 0.3, seed: int = SEED) -> pd.DataFrame:
    """``records`` rows on the national template, copied from the store's located source records and jittered.

    Parameters
    ----------
    store : Store
        A store built from the staged data (its ``source_records`` and ``countries``).
    records : int
        How many rows.
    jitter_deg : float
        Largest move in longitude and latitude, degrees (EPSG:4326).
    seed : int
        Seed of the draws.

    Returns
    -------
    pandas.DataFrame
        The template's columns, as text.
    """
    rng = np.random.default_rng(seed)
    staged = store.source_records
    staged = staged[staged.geometry.notna() & ~staged.geometry.is_empty].reset_index(drop=True)
    outlines = dict(zip(store.countries["iso_a2"], store.countries.geometry, strict=True))
    for geom in outlines.values():
        shapely.prepare(geom)
    pick = rng.integers(0, len(staged), records)
    base = staged.iloc[pick].reset_index(drop=True)
    countries = base["country"].to_numpy()
    lon, lat = jitter_inside(base.geometry.x.to_numpy(), base.geometry.y.to_numpy(), countries, outlines,
                             jitter_deg, rng)
    number = np.arange(records)
    same = rng.random(records) < SAME_NAME_SHARE
    names = np.where(same, base["name"], base["name"] + " " + pd.Series(number).map("synthetic {:d}".format))
    return pd.DataFrame({
        "deposit_id": [f"syn-{n:07d}" for n in number], "name": names, "name_ru": "",
        "aliases": base["aliases"].map(lambda a: "; ".join(a) if isinstance(a, list) else ""),
        "country": countries, "lon": np.round(lon, 5).astype(str), "lat": np.round(lat, 5).astype(str),
        "location_precision": "source record", "precision_km": "5",
        "commodities": base["commodities"].map(lambda c: "; ".join(c) if isinstance(c, list) else ""),
        "deposit_kind": "deposit", "status": "", "linked_records": "",
        "notes": "synthetic: bench/synthetic.py", "source": "https://example.org/synthetic", "confidence": "reported",
    })


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def write_synthetic_raw(raw: Path, store: Store, records: int, jitter_deg: float = 0.3) -> Path:
    """Make ``raw`` a raw-data directory: the staged folders hard-linked, and ``national/registry.csv`` synthetic."""
    staged = staged_raw_dir()
    raw.mkdir(parents=True, exist_ok=True)
    for child in staged.iterdir():
        if child.is_dir() and child.name != "national" and not (raw / child.name).exists():
            # Hard links (a copy across file systems): the build refuses symlinks that leave the raw directory.
            shutil.copytree(child.resolve(), raw / child.name, copy_function=_link_or_copy)
    (raw / "national").mkdir(exist_ok=True)
    with TEMPLATE.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    table = synthetic_records(store, records, jitter_deg)
    path = raw / "national" / "registry.csv"
    table[header].to_csv(path, index=False)
    return path


def main(argv: list[str] | None = None) -> int:
    """Write a synthetic raw-data directory from a staged store."""
    from layers.store import read_store

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True, help="raw-data directory to create")
    parser.add_argument("--store", type=Path, default=PROJECT_ROOT / "data" / "atlas.gpkg",
                        help="a store built from the staged data (default data/atlas.gpkg)")
    parser.add_argument("--jitter-deg", type=float, default=0.3)
    args = parser.parse_args(argv)
    path = write_synthetic_raw(args.out, read_store(args.store), args.records, args.jitter_deg)
    print(f"wrote {args.records:,} synthetic records to {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
