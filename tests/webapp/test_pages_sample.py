"""A bare clone (no raw data) says on every page that it shows the embedded sample and how to get the full data."""

from __future__ import annotations

import pytest

from geo.analyze import AnalysisSettings, run_analysis
from layers.build import build_store
from layers.settings import SourceSettings, StoreSettings
from webapp import create_app
from webapp.settings import MapSettings, WebSettings


@pytest.fixture(scope="module")
def bare_client(tmp_path_factory):
    """The app on a store built with an empty raw-data directory, as a fresh clone builds it."""
    root = tmp_path_factory.mktemp("bare")
    (root / "raw").mkdir()
    store = StoreSettings(store_path=root / "atlas.gpkg")
    build_store(SourceSettings(raw_dir=root / "raw"), store)
    analysis = AnalysisSettings(analysis_dir=root / "analysis")
    run_analysis(store.store_path, analysis)
    return create_app(WebSettings(store=store, analysis=analysis, map=MapSettings(tile_url=""))).test_client()


@pytest.mark.parametrize("path", ["/sites", "/sources", "/changes", "/countries/KZ"])
def test_bare_clone_pages_name_the_sample_and_the_way_to_the_full_data(bare_client, path):
    html = bare_client.get(path).get_data(as_text=True)
    sites = bare_client.get("/api/sites?limit=10000").get_json()["numberMatched"]
    # The curated deposits plus the deposits the curated licences name (unmapped sites).
    assert f'<p class="sample-notice" role="note">This is the embedded sample: the curated table of {sites} deposits' \
        in html
    assert "`make data` then `make build`" in html


def test_bare_clone_notice_is_in_russian_too(bare_client):
    assert "Это встроенный образец" in bare_client.get("/sites?lang=ru").get_data(as_text=True)


def test_the_full_build_shows_no_sample_notice(client):
    assert "sample-notice" not in client.get("/sites").get_data(as_text=True)
