"""Load test of the production server on loopback: 50 clients for 60 s; throughput, latency, errors, RSS. Figures only.

Run ``python bench/bench_load.py [--clients 50] [--seconds 60] [--compare-dev]``. It serves the worktree's store and
analysis (``data/atlas.gpkg``, ``data/analysis``; ``--store``/``--analysis-dir`` to change) with
``python -m webapp.serve`` (gunicorn, ``ATLAS_WORKERS``/``ATLAS_THREADS`` as set, else 2 x 8), warms every URL
once, then runs the clients: 5 processes of ``clients / 5`` threads (so the client's own GIL is not the limit),
each thread on one keep-alive connection, asking for a seeded mix of map, site, API and OGC URLs with
``Accept-Encoding: gzip``. The server's RSS (master and workers) is sampled every second. ``--compare-dev`` runs
the same load against Flask's threaded development server (``make dev``) for a ratio.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CLIENT_PROCESSES = 5

#: (kind, weight, URL maker) of the request mix; ``{r}`` is a seeded random generator.
MIX = (
    ("map page", 5, lambda r: "/"),
    ("map sites json (all, gzip)", 5, lambda r: "/api/sites?limit=10000&mapped=true"),
    ("api sites page", 25, lambda r: f"/api/sites?limit=100&offset={r.randrange(0, 1200)}"),
    ("api sites bbox", 20, lambda r: "/api/sites?bbox={:.1f},{:.1f},{:.1f},{:.1f}&limit=500".format(
        *(lambda x, y: (x, y, x + 4, y + 3))(r.uniform(50, 80), r.uniform(37, 50)))),
    ("api sites search", 10, lambda r: "/api/sites?q=" + r.choice(["kut", "katpar", "zhezk", "almal", "ak"])),
    ("ogc items", 20, lambda r: f"/ogc/collections/sites/items?limit=50&offset={r.randrange(0, 1200)}"),
    ("static", 15, lambda r: r.choice(["/static/atlas.js", "/static/atlas.css", "/vendor/leaflet/leaflet.js"])),
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _start(kind: str, env: dict, port: int, log: Path) -> subprocess.Popen:
    if kind == "gunicorn":
        command = [sys.executable, "-m", "webapp.serve"]
    else:
        command = [sys.executable, "-m", "flask", "--app", "webapp:create_app()", "run", "--with-threads",
                   "--host", HOST, "--port", str(port)]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=PROJECT_ROOT, env={**env, "ATLAS_PORT": str(port), "ATLAS_HOST": HOST},
                                stdout=out, stderr=subprocess.STDOUT)


def _get(conn: http.client.HTTPConnection, path: str) -> int:
    conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
    response = conn.getresponse()
    response.read()
    return response.status


def _wait_ready(process: subprocess.Popen, port: int, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=10)
            if _get(conn, "/api/sites?limit=1") == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"server not ready within {timeout_s} s")


def _client_process(port: int, threads: int, seconds: float, seed: int) -> list[tuple[str, float, str]]:
    """Run ``threads`` clients for ``seconds``; return (kind, seconds, outcome) per request."""
    kinds = [k for k, _, _ in MIX]
    weights = [w for _, w, _ in MIX]
    makers = {k: m for k, _, m in MIX}
    results: list[tuple[str, float, str]] = []
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def _run(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        mine = []
        while time.monotonic() < end:
            kind = rng.choices(kinds, weights)[0]
            started = time.perf_counter()
            try:
                outcome = str(_get(conn, makers[kind](rng)))
            except (OSError, http.client.HTTPException) as exc:
                outcome = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
            mine.append((kind, time.perf_counter() - started, outcome))
        conn.close()
        with lock:
            results.extend(mine)

    workers = [threading.Thread(target=_run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def _rss_mb(process: subprocess.Popen) -> float:
    try:
        parent = psutil.Process(process.pid)
        return sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)]) / 2**20
    except psutil.NoSuchProcess:
        return float("nan")


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1] if len(values) > 1 else values[0]


def run_load(kind: str, env: dict, clients: int, seconds: float) -> dict:
    """Serve with ``kind`` (gunicorn or dev), warm up, load, and return the figures."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="atlas-bench-load-") as tmp:
        log = Path(tmp) / "server.log"
        process = _start(kind, {**env, "ATLAS_ACCESS_LOG": str(Path(tmp) / "access.log")}, port, log)
        try:
            _wait_ready(process, port)
            warm = http.client.HTTPConnection(HOST, port, timeout=60)
            rng = random.Random(0)
            for _ in range(3):  # each worker renders the map page and compresses the sites JSON once
                for _, _, maker in MIX:
                    _get(warm, maker(rng))
            warm.close()
            samples: list[float] = [_rss_mb(process)]
            stop = threading.Event()

            def _sample() -> None:
                while not stop.wait(1.0):
                    samples.append(_rss_mb(process))

            sampler = threading.Thread(target=_sample)
            sampler.start()
            per_process = [clients // CLIENT_PROCESSES + (i < clients % CLIENT_PROCESSES)
                           for i in range(CLIENT_PROCESSES)]
            started = time.perf_counter()
            with ProcessPoolExecutor(CLIENT_PROCESSES) as pool:
                futures = [pool.submit(_client_process, port, n, seconds, i) for i, n in enumerate(per_process) if n]
                results = [r for f in futures for r in f.result()]
            wall = time.perf_counter() - started
            stop.set()
            sampler.join()
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
    return {"results": results, "wall_s": wall, "rss": samples}


def _report(label: str, figures: dict) -> float:
    results, wall, rss = figures["results"], figures["wall_s"], figures["rss"]
    ok = [t for _, t, outcome in results if outcome == "200"]
    errors = {}
    for _, _, outcome in results:
        if outcome != "200":
            errors[outcome] = errors.get(outcome, 0) + 1
    throughput = len(results) / wall
    print(f"{label}: {len(results):,} requests in {wall:.1f} s = {throughput:,.0f} req/s; errors "
          f"{sum(errors.values())} {errors or ''}")
    if ok:
        print(f"  latency ms: p50 {_percentile(ok, 50) * 1000:.1f}, p95 {_percentile(ok, 95) * 1000:.1f}, "
              f"p99 {_percentile(ok, 99) * 1000:.1f}, max {max(ok) * 1000:.0f}")
    for kind, _, _ in MIX:
        times = [t for k, t, outcome in results if k == kind and outcome == "200"]
        if times:
            print(f"    {kind:28s} n={len(times):6,d}  p50 {_percentile(times, 50) * 1000:7.1f}  "
                  f"p95 {_percentile(times, 95) * 1000:7.1f}  p99 {_percentile(times, 99) * 1000:7.1f} ms")
    half = len(rss) // 2
    print(f"  server RSS MB (master + workers): after warm-up {rss[0]:,.0f}, max {max(rss):,.0f}, end {rss[-1]:,.0f}; "
          f"growth {rss[-1] - rss[0]:+,.0f} MB; second half {rss[-1] - rss[half]:+,.0f} MB")
    return throughput


def main(argv: list[str] | None = None) -> int:
    """Run the load on the production server (and the dev server with ``--compare-dev``)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--store", type=Path, default=PROJECT_ROOT / "data" / "atlas.gpkg")
    parser.add_argument("--analysis-dir", type=Path, default=PROJECT_ROOT / "data" / "analysis")
    parser.add_argument("--compare-dev", action="store_true", help="also load Flask's threaded dev server")
    args = parser.parse_args(argv)
    if not args.store.is_file():
        print(f"no store at {args.store}: run `make build` first")
        return 1
    env = {**os.environ, "ATLAS_STORE_PATH": str(args.store), "ATLAS_ANALYSIS_DIR": str(args.analysis_dir),
           "ATLAS_WORKERS": os.environ.get("ATLAS_WORKERS", "2"), "ATLAS_THREADS": os.environ.get("ATLAS_THREADS", "8")}
    print(f"{args.clients} clients, {args.seconds:.0f} s, loopback; gunicorn {env['ATLAS_WORKERS']} workers x "
          f"{env['ATLAS_THREADS']} threads; {os.cpu_count()} CPUs shared with the clients")
    production = _report("gunicorn (make run)", run_load("gunicorn", env, args.clients, args.seconds))
    if args.compare_dev:
        dev = _report("werkzeug threaded (make dev)", run_load("dev", env, args.clients, args.seconds))
        print(f"throughput ratio gunicorn / werkzeug: {production / dev:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
