"""Shared fixtures: the staged raw data, a store built from it once per session, and the app on it."""

from __future__ import annotations

import os
from pathlib import Path

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
