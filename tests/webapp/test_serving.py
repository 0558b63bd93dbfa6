"""The production server (``python -m webapp.serve``: gunicorn, threaded workers) on the real store, on loopback."""

from __future__ import annotations

import gzip
import http.client
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Route, expect, sync_playwright

from geo.analyze import AnalysisSettings
from webapp.serve import gunicorn_options
from webapp.settings import ServingSettings

pytestmark = pytest.mark.integration

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TILE_HOST = "tile.openstreetmap.org"
#: Workers boot in a few seconds each on the staged store; this absorbs a loaded 2-core machine.
START_TIMEOUT_S = 90
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOAD_TIMEOUT_MS = 20_000
#: Text a client must never see in an error.
LEAK = re.compile(r"Traceback|File \"|/work/|/tmp/|\.py\b|\.gpkg")


@dataclass
class Server:
    """A running ``python -m webapp.serve`` and where its output goes."""

    process: subprocess.Popen
    port: int
    log: Path

    def request(self, path: str, headers: dict | None = None, method: str = "GET",
                timeout_s: float = 30) -> tuple[int, dict, bytes]:
        """One request on a fresh connection; (status, lower-cased headers, body)."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout_s)
        try:
            conn.request(method, path, headers=headers or {})
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def worker_pids(self) -> set[int]:
        """The pids of the master's children (the workers)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the server exited with {server.process.returncode}:\n{server.log.read_text()[-3000:]}")
        try:
            if server.request("/api/sites?limit=1")[0] == 200:
                return
        except OSError:
            time.sleep(0.5)  # not listening yet
            continue
        time.sleep(0.5)
    pytest.fail(f"the server did not answer within {START_TIMEOUT_S} s:\n{server.log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server(real_store: Path, real_analysis: AnalysisSettings, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Server]:
    """gunicorn with 2 workers of 4 threads on the real store, tiles configured, on a free port."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "server.log"
    env = {**os.environ, "ATLAS_STORE_PATH": str(real_store), "ATLAS_ANALYSIS_DIR": str(real_analysis.analysis_dir),
           "ATLAS_TILE_URL": TILE_URL, "ATLAS_HOST": HOST, "ATLAS_PORT": str(port), "ATLAS_WORKERS": "2",
           "ATLAS_THREADS": "4", "ATLAS_LIMIT_REQUEST_LINE": "4096", "ATLAS_PUBLIC_URL": "",
           "ATLAS_TRUSTED_PROXIES": "0"}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "webapp.serve"], cwd=PROJECT_ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    running = Server(process, port, log)
    try:
        _wait_ready(running)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.parametrize(("env", "option", "value"), [
    ({}, "worker_class", "gthread"),
    ({"ATLAS_WORKERS": "3"}, "workers", 3),
    ({"ATLAS_THREADS": "16"}, "threads", 16),
    ({"ATLAS_WORKER_TIMEOUT_S": "45"}, "timeout", 45),
    ({"ATLAS_HOST": "0.0.0.0", "ATLAS_PORT": "8080"}, "bind", "0.0.0.0:8080"),
    ({"ATLAS_LIMIT_REQUEST_LINE": "2048"}, "limit_request_line", 2048),
    ({"ATLAS_ACCESS_LOG": ""}, "accesslog", None),
    ({}, "forwarded_allow_ips", ""),
])
def test_gunicorn_options_come_from_the_settings(monkeypatch: pytest.MonkeyPatch, env: dict, option: str,
                                                 value: object) -> None:
    for name, text in env.items():
        monkeypatch.setenv(name, text)
    assert gunicorn_options(ServingSettings())[option] == value


@pytest.mark.parametrize(("name", "text"), [("ATLAS_WORKERS", "0"), ("ATLAS_THREADS", "many"),
                                            ("ATLAS_WORKER_TIMEOUT_S", "1")])
def test_bad_serving_setting_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch, name: str, text: str) -> None:
    monkeypatch.setenv(name, text)
    field = name.removeprefix("ATLAS_").lower()
    with pytest.raises(ValueError, match=field):
        ServingSettings()


def test_server_is_gunicorn_with_two_workers(server: Server) -> None:
    status, headers, _ = server.request("/")
    assert (status, headers["server"]) == (200, "gunicorn")
    assert len(server.worker_pids()) == 2


def test_production_answers_carry_headers_and_gzip(server: Server) -> None:
    status, headers, body = server.request("/api/sites?limit=10000&mapped=true", {"Accept-Encoding": "gzip"})
    assert (status, headers["content-encoding"], headers["x-content-type-options"]) == (200, "gzip", "nosniff")
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert len(gzip.decompress(body)) > 10 * len(body)
    assert gzip.decompress(body).count(b'"type": "Feature"') >= 1080  # 1,083 mapped since issue 10


def test_forwarded_headers_are_not_trusted_by_default(server: Server) -> None:
    _, _, body = server.request("/api/sites?limit=1", {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.test"})
    assert f"http://{HOST}:{server.port}/api/sites?".encode() in body
    assert b"evil.test" not in body and b"https://" + HOST.encode() not in body


def test_access_log_records_each_request(server: Server) -> None:
    server.request("/sources?access-log-probe=1")
    deadline = time.monotonic() + 10
    pattern = re.compile(r'127\.0\.0\.1 "GET /sources\?access-log-probe=1 HTTP/1\.1" 200 \d+ \d+ms')
    while time.monotonic() < deadline and not pattern.search(server.log.read_text()):
        time.sleep(0.2)
    assert pattern.search(server.log.read_text())


@pytest.mark.parametrize(("path", "status"), [("/no/such/page", 404), ("/api/sites?limit=abc", 400),
                                              ("/api/sites/nope", 404), ("/" + "a" * 5000, 414)])
def test_production_errors_show_no_traceback_or_path(server: Server, path: str, status: int) -> None:
    got, _, body = server.request(path)
    assert got == status
    assert LEAK.search(body.decode("utf-8", "replace")) is None, body[:500]


def test_hup_replaces_workers_without_a_failed_request(server: Server) -> None:
    """The rebuild swap: HUP starts new workers (which read the store again) while the old ones finish.

    Requests that arrive while the new workers boot wait in the listen backlog (for about a worker's boot time, more
    on a loaded machine): none may be refused or answered with an error.
    """
    before = server.worker_pids()
    failures: list[str] = []
    answered = 0
    slowest = 0.0
    stop = threading.Event()

    def _client() -> None:
        nonlocal answered, slowest
        while not stop.is_set():
            started = time.monotonic()
            try:
                status = server.request("/api/sites?limit=50", timeout_s=START_TIMEOUT_S)[0]
            except OSError as exc:
                failures.append(repr(exc))
                continue
            slowest = max(slowest, time.monotonic() - started)
            if status != 200:
                failures.append(str(status))
            answered += 1

    threads = [threading.Thread(target=_client) for _ in range(4)]
    for thread in threads:
        thread.start()
    server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        pids = server.worker_pids()
        if len(pids) == 2 and not pids & before:
            break
        time.sleep(0.5)
    swapped_at = answered
    deadline = time.monotonic() + START_TIMEOUT_S
    while answered < swapped_at + 4 and time.monotonic() < deadline:  # the new workers answer
        time.sleep(0.2)
    new_answers = answered - swapped_at
    stop.set()
    for thread in threads:
        thread.join(timeout=START_TIMEOUT_S + 10)
    assert server.worker_pids().isdisjoint(before)
    assert (failures, new_answers >= 4) == ([], True), f"{answered} answers, slowest {slowest:.1f} s"


def _chromium() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        pytest.fail("headless Chromium not found: `apt-get install chromium` (`.ci/run` does) or set CHROMIUM_PATH",
                    pytrace=False)
    return path


def _tile_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 220, 240)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.browser
def test_map_renders_under_the_csp_with_no_console_error(server: Server) -> None:
    """Real Chromium on the production server: clusters drawn, zero CSP violations, no console errors."""
    png = _tile_png()
    tiles: list[str] = []

    def _network(route: Route) -> None:
        host = route.request.url.split("/")[2].split(":")[0]
        if host == HOST:
            route.continue_()
        elif host == TILE_HOST:  # tiles answered locally, so the CSP's img-src for the tile host is exercised
            tiles.append(route.request.url)
            route.fulfill(status=200, content_type="image/png", body=png)
        else:
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation',"
                                    " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
            context.route("**/*", _network)
            page = context.new_page()
            console, errors = [], []
            page.on("console", lambda message: console.append((message.type, message.text)))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"http://{HOST}:{server.port}/")
            status = re.compile(r"^\d{4,} mapped sites( \(\d{4,} match\))?$")
            expect(page.locator(".atlas-status")).to_have_text(status, timeout=LOAD_TIMEOUT_MS)
            expect(page.locator(".marker-cluster").first).to_be_visible(timeout=LOAD_TIMEOUT_MS)
            expect(page.locator(".leaflet-tile-loaded").first).to_be_attached(timeout=LOAD_TIMEOUT_MS)
            violations = page.evaluate("window.__csp")
        finally:
            browser.close()
    assert tiles
    assert (violations, errors, [text for kind, text in console if kind == "error"]) == ([], [], [])
