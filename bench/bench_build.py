"""Time full builds of the store from the staged raw data; prints figures only. Run ``python bench/bench_build.py``."""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from layers.build import BuildReport, build_store  # noqa: E402
from layers.settings import SourceSettings, StoreSettings  # noqa: E402

#: What a full build may take on a developer machine before it counts as a regression.
BUDGET_S = 20.0


def raw_dir() -> Path:
    """Return the staged raw data: ``ATLAS_RAW_DIR`` if set, else the workplace's ``../shared/data``."""
    configured = os.environ.get("ATLAS_RAW_DIR")
    return Path(configured) if configured else PROJECT_ROOT.parent / "shared" / "data"


def time_builds(sources: SourceSettings, runs: int, workdir: Path) -> tuple[list[float], BuildReport]:
    """Build the store ``runs`` times into ``workdir``; return wall-clock seconds per run and the last report."""
    seconds: list[float] = []
    report = BuildReport()
    for run in range(runs):
        store = StoreSettings(store_path=workdir / f"atlas-{run}.gpkg")
        started = time.perf_counter()
        report = build_store(sources, store)
        seconds.append(time.perf_counter() - started)
    return seconds, report


def main(argv: list[str] | None = None) -> int:
    """Time the builds and print min/median seconds, the report's counts and the ratio to the budget."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="number of full builds (default 3)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    sources = SourceSettings(raw_dir=raw_dir())
    with tempfile.TemporaryDirectory(prefix="atlas-bench-build-") as workdir:
        seconds, report = time_builds(sources, args.runs, Path(workdir))
        size_mb = (Path(workdir) / "atlas-0.gpkg").stat().st_size / 1e6
    best, median = min(seconds), statistics.median(seconds)
    print(f"raw data: {sources.raw_dir}")
    print(f"builds: {args.runs}; seconds: {', '.join(f'{s:.2f}' for s in seconds)}")
    print(f"min {best:.2f} s; median {median:.2f} s; store {size_mb:.1f} MB")
    print(f"records in {report.records_in}; sites out {report.sites_out} ({report.mapped_sites} mapped); "
          f"multi-source sites {report.multi_source_sites}; quarantined {report.quarantined}; "
          f"sources used {len(report.used)}, skipped {len(report.skipped)}")
    print(f"budget {BUDGET_S:.0f} s: median is {median / BUDGET_S:.2f} of it (min {best / BUDGET_S:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
