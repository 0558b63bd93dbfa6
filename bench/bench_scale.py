"""Build and analysis of a synthetic region of 10k/100k/300k deposit records: time, stages, peak memory; figures only.

Run ``python bench/bench_scale.py --sizes 10000,100000,300000``. A store is first built from the staged data
(``ATLAS_RAW_DIR`` or ``../shared/data``); ``bench/synthetic.py`` copies its located records, jittered inside their
countries, into a national registry of each size; each size is then built (``layers.build``) and analysed
(``geo.analyze``) in a fresh child process, so its peak RSS is its own. Between sizes the ratio of times to the ratio
of records is printed as an exponent: about 1 for linear (N log N reads 1.0-1.1), 2 for quadratic.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from bench.synthetic import staged_raw_dir, write_synthetic_raw  # noqa: E402
from geo.analyze import AnalysisSettings, run_analysis  # noqa: E402
from layers.build import build_store  # noqa: E402
from layers.settings import SourceSettings, StoreSettings  # noqa: E402
from layers.store import read_store  # noqa: E402


def run_one(raw: Path, workdir: Path) -> dict:
    """Build and analyse ``raw`` into ``workdir`` in this process; return the figures."""
    store_path = workdir / "atlas.gpkg"
    started = time.perf_counter()
    report = build_store(SourceSettings(raw_dir=raw, max_table_rows=1_000_000, max_table_mb=1024),
                         StoreSettings(store_path=store_path))
    build_s = time.perf_counter() - started
    build_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    analysis = run_analysis(store_path, AnalysisSettings(analysis_dir=workdir / "analysis"))
    analysis_s = time.perf_counter() - started
    return {"records_in": report.records_in, "sites_out": report.sites_out, "build_s": build_s,
            "analysis_s": analysis_s, "build_stages": report.stage_seconds, "analysis_stages": analysis.seconds,
            "build_peak_mb": build_peak, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _child(size: int, staged_store: Path, workdir: Path, timeout_s: float) -> dict | None:
    raw = workdir / f"raw-{size}"
    started = time.perf_counter()
    write_synthetic_raw(raw, read_store(staged_store), size)
    print(f"{size:,} records: synthetic registry written in {time.perf_counter() - started:.1f} s", flush=True)
    out = workdir / f"out-{size}"
    out.mkdir()
    try:
        done = subprocess.run([sys.executable, __file__, "--one", str(raw), str(out)], capture_output=True,
                              text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        print(f"{size:,} records: not finished within {timeout_s:.0f} s; stopped")
        return None
    if done.returncode != 0:
        print(f"{size:,} records: failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _print(size: int, figures: dict) -> None:
    stages = "; ".join(f"{name} {s:.1f}" for name, s in figures["build_stages"].items())
    lapses = "; ".join(f"{name} {s:.1f}" for name, s in figures["analysis_stages"].items())
    print(f"{size:,} synthetic records ({figures['records_in']:,} in, {figures['sites_out']:,} sites): "
          f"build {figures['build_s']:.1f} s, analysis {figures['analysis_s']:.1f} s, "
          f"peak RSS build {figures['build_peak_mb']:,.0f} MB, build+analysis {figures['peak_mb']:,.0f} MB")
    print(f"  build stages (s): {stages}")
    print(f"  analysis stages (s): {lapses}")


def _exponents(results: dict[int, dict]) -> None:
    sizes = sorted(results)
    for small, large in zip(sizes, sizes[1:], strict=False):
        a, b = results[small], results[large]
        n = math.log(b["records_in"] / a["records_in"])
        parts = [f"{key} {math.log(max(b[key], 1e-3) / max(a[key], 1e-3)) / n:.2f}"
                 for key in ("build_s", "analysis_s")]
        for group in ("build_stages", "analysis_stages"):
            for name, seconds in b[group].items():
                if a[group].get(name, 0) > 0.05 and seconds > 0.5:
                    parts.append(f"{name} {math.log(seconds / a[group][name]) / n:.2f}")
        print(f"{small:,} -> {large:,}: exponent of time vs records (1 linear, 2 quadratic): {'; '.join(parts)}")


def main(argv: list[str] | None = None) -> int:
    """Build the staged store, then each synthetic size in a child process; print figures and exponents."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated record counts")
    parser.add_argument("--timeout-s", type=float, default=900.0, help="give up on a size after this long")
    parser.add_argument("--one", nargs=2, type=Path, metavar=("RAW", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, dict] = {}
    with tempfile.TemporaryDirectory(prefix="atlas-bench-scale-") as tmp:
        workdir = Path(tmp)
        staged_store = workdir / "staged.gpkg"
        build_store(SourceSettings(raw_dir=staged_raw_dir()), StoreSettings(store_path=staged_store))
        for size in sizes:
            figures = _child(size, staged_store, workdir, args.timeout_s)
            if figures is None:
                break
            results[size] = figures
            _print(size, figures)
    _exponents(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
