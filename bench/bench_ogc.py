"""Side-by-side OGC API – Features items benchmark: the atlas and pygeoapi serving the same sites; prints figures only.

Run ``python bench/bench_ogc.py [--store PATH] [-n 200] [--threads 4]``. The script

1. creates, once, a separate venv ``bench/.venv-pygeoapi`` (git-ignored) with the pinned pygeoapi of
   ``bench/pygeoapi/requirements.txt``, from a Python whose ``sqlite3`` can load extensions (pygeoapi's
   GeoPackage provider loads SpatiaLite: Debian's ``libsqlite3-mod-spatialite``);
2. builds a store from the staged raw data (``ATLAS_RAW_DIR`` or ``../shared/data``) into a temporary folder
   unless ``--store`` names one (its corridor analysis is read beside it, or run);
3. copies the store's ``sites`` layer, unchanged, into a GeoPackage of its own for pygeoapi: SpatiaLite's
   ``AutoGPKGStart`` stops at the first layer with a column named ``references`` (a SQL keyword: ``licences``,
   ``source_records``), so on the full store it never reaches ``sites``;
4. starts pygeoapi and the atlas, each in its own process on a threaded werkzeug server on 127.0.0.1, warms
   both, checks both return the same number of features per bbox, then times the same seeded bboxes (40–95E,
   25–58N, 0.5–40 degrees wide) with ``limit=1000`` from a few client threads, in rounds A-B-B-A.

Requests go to 127.0.0.1 only, are bounded in count and time, and both servers are stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

VENV = PROJECT_ROOT / "bench" / ".venv-pygeoapi"
TEMPLATES = PROJECT_ROOT / "bench" / "pygeoapi"
#: Python interpreters tried for the pygeoapi venv, in order: the first whose sqlite3 loads extensions wins.
PYTHON_CANDIDATES = ("/usr/bin/python3", sys.executable)
#: Bounds the random bboxes are drawn in (WGS84 degrees): the atlas's region.
REGION = (40.0, 25.0, 95.0, 58.0)
#: Per-request timeout and the longest a timed phase may run, in seconds.
REQUEST_TIMEOUT_S = 60.0
PHASE_LIMIT_S = 120.0

_SERVE_PYGEOAPI = """
import sys
from werkzeug.serving import run_simple
from pygeoapi.flask_app import APP
run_simple("127.0.0.1", int(sys.argv[1]), APP, threaded=sys.argv[2] == "threaded")
"""

_SERVE_ATLAS = """
import sys
from pathlib import Path
from werkzeug.serving import run_simple
from geo.analyze import AnalysisSettings
from layers.settings import StoreSettings
from webapp import create_app
from webapp.settings import MapSettings, WebSettings
store, analysis, port = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
app = create_app(WebSettings(store=StoreSettings(store_path=store), map=MapSettings(tile_url=""),
                             analysis=AnalysisSettings(analysis_dir=analysis)))
run_simple("127.0.0.1", port, app, threaded=sys.argv[4] == "threaded")
"""

_CAN_LOAD_EXTENSIONS = "import sqlite3; sqlite3.connect(':memory:').enable_load_extension(True)"
_CAN_LOAD_SPATIALITE = ("import sqlite3; c = sqlite3.connect(':memory:'); c.enable_load_extension(True); "
                        "c.execute(\"SELECT load_extension('mod_spatialite')\")")


class BenchUnavailable(Exception):
    """pygeoapi cannot be installed or run here; the message says why."""


@dataclass
class Timing:
    """Latencies (ms) and wall time (s) of one server's timed requests."""

    millis: list[float] = field(default_factory=list)
    by_url: dict[str, list[float]] = field(default_factory=dict)
    wall_s: float = 0.0
    errors: list[str] = field(default_factory=list)


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)


def ensure_venv() -> Path:
    """Create ``bench/.venv-pygeoapi`` with the pinned pygeoapi unless it is there; return its python."""
    python = VENV / "bin" / "python"
    wanted = (TEMPLATES / "requirements.txt").read_text()
    stamp = VENV / ".installed"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    base = next((p for p in PYTHON_CANDIDATES if Path(p).exists()
                 and _run([p, "-c", _CAN_LOAD_EXTENSIONS]).returncode == 0), None)
    if base is None:
        raise BenchUnavailable(f"no Python among {PYTHON_CANDIDATES} has a sqlite3 that can load extensions, which "
                               "pygeoapi's GeoPackage provider needs (it loads SpatiaLite)")
    shutil.rmtree(VENV, ignore_errors=True)
    created = _run([base, "-m", "venv", str(VENV)])
    if created.returncode != 0:
        raise BenchUnavailable(f"{base} -m venv failed: {created.stderr.strip()[-500:]}")
    installed = _run([str(python), "-m", "pip", "install", "--quiet", "-r", str(TEMPLATES / "requirements.txt")])
    if installed.returncode != 0:
        raise BenchUnavailable(f"pip could not install {wanted.splitlines()[-1]}: {installed.stderr.strip()[-800:]}")
    stamp.write_text(wanted)
    return python


def check_spatialite(python: Path) -> None:
    """Raise BenchUnavailable unless the venv's sqlite3 loads SpatiaLite."""
    result = _run([str(python), "-c", _CAN_LOAD_SPATIALITE])
    if result.returncode != 0:
        raise BenchUnavailable("pygeoapi's SQLiteGPKG provider needs SpatiaLite (mod_spatialite), which sqlite3 "
                               f"cannot load here: {result.stderr.strip().splitlines()[-1]} "
                               "(Debian: apt-get install libsqlite3-mod-spatialite)")


def prepare_store(store: Path | None, work: Path) -> tuple[Path, Path]:
    """Return the store and its analysis folder: ``store``'s (analysis run if absent) or built in ``work``."""
    from geo.analyze import AnalysisSettings, run_analysis
    from layers.build import build_store
    from layers.settings import SourceSettings, StoreSettings

    if store is None:
        raw = Path(os.environ.get("ATLAS_RAW_DIR") or PROJECT_ROOT.parent / "shared" / "data")
        store = work / "atlas.gpkg"
        build_store(SourceSettings(raw_dir=raw), StoreSettings(store_path=store))
    analysis = store.parent / "analysis"
    if not AnalysisSettings(analysis_dir=analysis).analysis_path.exists():
        analysis = work / "analysis"
        run_analysis(store, AnalysisSettings(analysis_dir=analysis))
    return store, analysis


def copy_sites_layer(store: Path, target: Path) -> tuple[int, int]:
    """Copy the located rows of the store's ``sites`` layer, columns unchanged, into a GeoPackage of its own.

    Returns the number of sites and of located sites. Unmapped sites never match a bbox in the atlas; in
    pygeoapi's SQLiteGPKG provider they would match every bbox (SpatiaLite's ``Intersects`` answers -1 for NULL).
    """
    import pyogrio

    frame = pyogrio.read_dataframe(store, layer="sites")
    located = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    pyogrio.write_dataframe(located, target, layer="sites", driver="GPKG")
    return len(frame), len(located)


def write_pygeoapi_config(python: Path, data: Path, port: int, work: Path) -> dict[str, str]:
    """Write the pygeoapi config and its OpenAPI document into ``work``; return the environment to serve with."""
    work.mkdir(parents=True, exist_ok=True)
    config = work / "pygeoapi-config.yml"
    text = Template((TEMPLATES / "config.template.yml").read_text())
    config.write_text(text.substitute(port=port, data=data, max_items=10000))
    openapi = work / "pygeoapi-openapi.yml"
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    result = _run([str(python.parent / "pygeoapi"), "openapi", "generate", str(config), "--output-file",
                   str(openapi)], env=env)
    if result.returncode != 0:
        raise BenchUnavailable(f"pygeoapi openapi generate failed: {result.stderr.strip()[-800:]}")
    return env


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[float, bytes]:
    """GET ``url`` (127.0.0.1 only); return milliseconds and body."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"the benchmark only requests 127.0.0.1, not {url}")
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT_S) as response:
        body = response.read()
    return (time.perf_counter() - started) * 1000, body


def wait_until_up(url: str, process: subprocess.Popen, log: Path, limit_s: float = 90.0) -> None:
    """Poll ``url`` until it answers 200; raise if the process dies or ``limit_s`` passes."""
    name = log.stem
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchUnavailable(f"{name} exited with {process.returncode}: {log.read_text()[-1500:]}")
        try:
            fetch(url)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise BenchUnavailable(f"{name} did not answer {url} within {limit_s:.0f} s")


def random_bboxes(count: int, seed: int) -> list[tuple[float, float, float, float]]:
    """``count`` bboxes inside REGION, 0.5 to 40 degrees wide (log-uniform), from ``seed``."""
    rng = random.Random(seed)
    minx, miny, maxx, maxy = REGION
    boxes = []
    for _ in range(count):
        width = min(maxx - minx, 0.5 * 80 ** rng.random())
        height = min(maxy - miny, width * rng.uniform(0.4, 1.0))
        x0 = rng.uniform(minx, maxx - width)
        y0 = rng.uniform(miny, maxy - height)
        boxes.append((round(x0, 4), round(y0, 4), round(x0 + width, 4), round(y0 + height, 4)))
    return boxes


def feature_count(body: bytes) -> int:
    """Number of features in a GeoJSON FeatureCollection."""
    return len(json.loads(body)["features"])


def timed_phase(urls: list[str], threads: int, timing: Timing) -> None:
    """Request every URL once from ``threads`` client threads; add latencies and wall time to ``timing``."""
    queue = list(reversed(urls))
    lock = threading.Lock()
    deadline = time.monotonic() + PHASE_LIMIT_S

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                if not queue:
                    return
                url = queue.pop()
            try:
                millis, _ = fetch(url)
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                with lock:
                    timing.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            with lock:
                timing.millis.append(millis)
                timing.by_url.setdefault(url, []).append(millis)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    timing.wall_s += time.perf_counter() - started


def stop(process: subprocess.Popen | None) -> None:
    """Terminate a server process this script started, and wait for it."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def summary(name: str, timing: Timing) -> tuple[float, float, float]:
    """Print and return requests/s, median and p95 latency (ms) of ``timing``."""
    rate = len(timing.millis) / timing.wall_s if timing.wall_s else 0.0
    ordered = sorted(timing.millis)
    median = statistics.median(ordered) if ordered else float("nan")
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))] if ordered else float("nan")
    print(f"{name:<40} {len(ordered):>5} ok {len(timing.errors):>3} failed  {rate:8.1f} req/s  "
          f"median {median:8.1f} ms  p95 {p95:8.1f} ms")
    for error, times in Counter(timing.errors).most_common(3):
        print(f"    failed {times}x: {error[:200]}")
    return rate, median, p95


@dataclass
class Server:
    """One server process this script started: its name, items URL (ending in ``?`` or ``&``) and log."""

    name: str
    items_url: str
    log: Path
    process: subprocess.Popen


def start(name: str, cmd: list[str], items_url: str, log: Path, **popen) -> Server:
    """Start a server; its output goes to ``log`` (a pipe nobody reads would fill up and stall it)."""
    with log.open("w") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, **popen)
    server = Server(name, items_url, log, process)
    try:
        wait_until_up(items_url + "limit=1", process, log)
    except BenchUnavailable:
        stop(process)
        raise
    return server


def run(args: argparse.Namespace, work: Path) -> None:
    """Set up both servers in ``work``, time them in two server models, print the figures."""
    python = ensure_venv()
    check_spatialite(python)
    store, analysis = prepare_store(args.store, work)
    sites_gpkg = work / "sites.gpkg"
    rows, located = copy_sites_layer(store, sites_gpkg)
    ours_path = "/ogc/collections/sites/items"
    if not (PROJECT_ROOT / "webapp" / "ogc.py").is_file():
        ours_path = "/api/sites"
        print("webapp/ogc/routes.py is absent: timing /api/sites?bbox=...&limit=1000 instead of the OGC items endpoint")
    boxes = random_bboxes(args.bboxes, args.seed)
    print(f"sites: {rows} in the store, {located} located (pygeoapi is given these: SpatiaLite's Intersects() "
          f"is -1, so true, for a NULL geometry); {len(boxes)} bboxes (seed {args.seed}), limit=1000, "
          f"{args.threads} client threads, {args.requests} timed requests per server in rounds A-B-C-C-B-A")
    servers: list[Server] = []
    try:
        # pygeoapi's SQLiteGPKG provider runs SpatiaLite's AutoGPKGStart on every request, which rebuilds the
        # vgpkg_ virtual tables in the file itself: concurrent requests (threads or processes) now and then fail
        # with "no such table: vgpkg_sites". So it is timed threaded (failures counted) and one request at a time.
        for mode, label in (("threaded", "threaded"), ("1", "one request at a time")):
            port = free_port()
            env = write_pygeoapi_config(python, sites_gpkg, port, work / f"pygeoapi-{mode}")
            servers.append(start(f"pygeoapi {_version(python)} ({label})", [
                str(python), "-c", _SERVE_PYGEOAPI, str(port), mode],
                f"http://127.0.0.1:{port}/collections/sites/items?f=json&", work / f"pygeoapi-{mode}.log",
                env=env, cwd=work))
        port = free_port()
        servers.insert(0, start("atlas (threaded)", [sys.executable, "-c", _SERVE_ATLAS, str(store), str(analysis),
                                                     str(port), "threaded"],
                                f"http://127.0.0.1:{port}{ours_path}?", work / "atlas.log",
                                env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, cwd=PROJECT_ROOT))
        measure(servers, boxes, args)
    finally:
        for server in servers:
            stop(server.process)


def _version(python: Path) -> str:
    return _run([str(python), "-c", "import pygeoapi; print(pygeoapi.__version__)"]).stdout.strip()


def measure(servers: list[Server], boxes: list[tuple[float, ...]], args: argparse.Namespace) -> None:
    """Warm every server and compare feature counts, time rounds A-B-C-C-B-A, print the figures and ratios."""
    urls = {server.name: [f"{server.items_url}bbox={','.join(map(str, box))}&limit=1000" for box in boxes]
            for server in servers}
    counts = {name: [feature_count(fetch(url)[1]) for url in name_urls] for name, name_urls in urls.items()}
    timings = {name: Timing() for name in urls}
    order = [server.name for server in servers]
    for name in order + order[::-1]:
        half = [urls[name][i % len(boxes)] for i in range(args.requests // 2)]
        timed_phase(half, args.threads, timings[name])
    ours = order[0]
    same = all(counts[name] == counts[ours] for name in order)
    print("features per bbox: " + (f"identical on every server, {counts[ours]}" if same else f"DIFFER: {counts}"))
    figures = {name: summary(name, timings[name]) for name in order}
    big = [i for i, n in enumerate(counts[ours]) if n >= 100]
    if big:
        medians = {name: statistics.median(ms for i in big for ms in timings[name].by_url.get(urls[name][i], []))
                   for name in order}
        print(f"median on the {len(big)} bboxes with 100 or more features: "
              + ", ".join(f"{name} {ms:.1f} ms" for name, ms in medians.items()))
    for name in order[1:]:
        (our_rate, our_median, our_p95), (rate, median, p95) = figures[ours], figures[name]
        print(f"ratio atlas/{name}: throughput {our_rate / rate:.2f}x, median latency {our_median / median:.2f}x, "
              f"p95 latency {our_p95 / p95:.2f}x")


def main() -> int:
    """Parse arguments, run the benchmark in a temporary folder, print figures or why it could not run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="an atlas.gpkg (default: build one from the staged raw data)")
    parser.add_argument("-n", "--requests", type=int, default=200, help="timed requests per server (default 200)")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--bboxes", type=int, default=20, help="random bboxes (default 20)")
    parser.add_argument("--seed", type=int, default=20251121, help="seed of the bboxes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ogc-") as folder:
        try:
            run(args, Path(folder))
        except BenchUnavailable as exc:
            print(f"pygeoapi could not be benchmarked here: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
