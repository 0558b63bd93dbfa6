"""Shared fixtures: the staged raw data, a store built from it once per session, and the app on it."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from geo.analyze import AnalysisSettings, run_analysis
from layers.build import build_store
from layers.settings import PROJECT_ROOT, SourceSettings, StoreSettings
from webapp import create_app
from webapp.settings import MapSettings, WebSettings


def _raw_dir() -> Path:
    configured = os.environ.get("ATLAS_RAW_DIR")
    defaults = [PROJECT_ROOT / "data" / "raw", PROJECT_ROOT.parent / "shared" / "data"]
    candidates = [Path(configured)] if configured else defaults
    for candidate in candidates:
        if (candidate / "deposits" / "minmod_central_asia_sites.json").is_file():
            return candidate.resolve()
    raise RuntimeError(
        f"the staged raw data is not at {', '.join(map(str, candidates))}: set ATLAS_RAW_DIR to the folder "
        "holding deposits/ and geo/ (CI uses ../shared/data); integration tests cannot run without it"
    )


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The raw-data directory holding the staged real data (deposits/, geo/)."""
    return _raw_dir()


@pytest.fixture(scope="session")
def source_settings(raw_dir: Path) -> SourceSettings:
    """Source settings pointing at the staged data and the project's manifest."""
    return SourceSettings(raw_dir=raw_dir)


@pytest.fixture(scope="session")
def real_store(tmp_path_factory: pytest.TempPathFactory, source_settings: SourceSettings) -> Path:
    """A store built once per session from the real staged data."""
    path = tmp_path_factory.mktemp("store") / "atlas.gpkg"
    build_store(source_settings, StoreSettings(store_path=path))
    return path


@pytest.fixture(scope="session")
def real_analysis(real_store: Path) -> AnalysisSettings:
    """The corridor analysis of the real store, run once per session."""
    settings = AnalysisSettings(analysis_dir=real_store.parent / "analysis")
    run_analysis(real_store, settings)
    return settings


@pytest.fixture(scope="session")
def real_app(real_store: Path, real_analysis: AnalysisSettings):
    """The app serving the real store (tiles off: tests never use the network)."""
    settings = WebSettings(store=StoreSettings(store_path=real_store), analysis=real_analysis,
                           map=MapSettings(tile_url=""))
    app = create_app(settings)
    app.config.update(TESTING=True)
    return app


@pytest.fixture()
def client(real_app):
    """A test client of the app on the real store."""
    return real_app.test_client()


# --- the PostGIS backend: the same store in the private cluster of `make postgis` ------------------------------

#: The database of the cluster the tests write into (a schema per session), so the dev database is untouched.
TEST_DATABASE = "atlas_test"


def _cluster_url() -> str:
    configured = os.environ.get("ATLAS_TEST_DATABASE_URL")
    if configured:
        return configured
    socket = PROJECT_ROOT / ".postgis" / "run"
    return f"postgresql://postgres@/atlas?host={socket}&port=55432"


@pytest.fixture(scope="session")
def pg_url() -> str:
    """A URL of the test database in the private PostGIS cluster, created (with the extension) if missing."""
    import psycopg

    url = _cluster_url()
    parts = urlsplit(url)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (TEST_DATABASE,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{TEST_DATABASE}"')
    except psycopg.OperationalError as exc:
        raise RuntimeError(f"the PostGIS cluster is not reachable at {url}: run `make postgis` (or set "
                           f"ATLAS_TEST_DATABASE_URL): {exc}") from exc
    test_url = urlunsplit(parts._replace(path=f"/{TEST_DATABASE}"))
    with psycopg.connect(test_url, autocommit=True) as conn:
        conn.execute("SET client_min_messages = warning")
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return test_url


@pytest.fixture(scope="session")
def pg_schema(pg_url: str, real_store: Path):
    """The real store written into a schema of this session (dropped after), as the build writes it."""
    import psycopg

    from layers.postgis import write_postgis
    from layers.store import STORE_LAYERS, read_store

    schema = f"atlas_test_{os.getpid()}"
    store = read_store(real_store)
    write_postgis(pg_url, {name: store.layer(name) for name in STORE_LAYERS}, store.sources, store.build_info,
                  schema_name=schema)
    yield schema
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="session")
def real_pg_app(real_store: Path, real_analysis: AnalysisSettings, pg_url: str, pg_schema: str):
    """The app serving the real store from PostGIS."""
    settings = WebSettings(store=StoreSettings(store_path=real_store, database_url=pg_url, database_schema=pg_schema),
                           analysis=real_analysis, map=MapSettings(tile_url=""))
    app = create_app(settings)
    app.config.update(TESTING=True)
    yield app
    app.extensions["atlas"].site_source.close()


@pytest.fixture(params=["gpkg", "postgis"])
def backend(request) -> str:
    """The store backend a contract test runs against."""
    return request.param


@pytest.fixture()
def backend_app(backend: str, request):
    """The app on the real store, served by ``backend``."""
    return request.getfixturevalue("real_app" if backend == "gpkg" else "real_pg_app")
