"""Download credit headers (issue 8 item 3): a store whose source text holds newlines or characters beyond
Latin-1 still downloads, with one-line ``X-Atlas-Attribution`` and ``X-Atlas-Licence`` headers."""

from __future__ import annotations

import shutil

import pyogrio
import pytest

from layers.settings import StoreSettings
from webapp import create_app
from webapp.settings import MapSettings, WebSettings

ATTRIBUTION = "MinMod mineral-site data\r\nInjected: header\n\tsecond  line\u2028third\x00"
LICENCE = "MIT\nЛицензия (Russian)"


@pytest.fixture(scope="module")
def tainted_client(tmp_path_factory, real_store, real_analysis):
    """The app on a copy of the real store whose minmod row has multi-line, non-Latin-1 credit text."""
    path = tmp_path_factory.mktemp("tainted") / "atlas.gpkg"
    shutil.copy(real_store, path)
    sources = pyogrio.read_dataframe(path, layer="sources", read_geometry=False)
    minmod = sources["id"] == "minmod"
    sources.loc[minmod, "attribution"], sources.loc[minmod, "licence"] = ATTRIBUTION, LICENCE
    pyogrio.write_dataframe(sources, path, layer="sources", driver="GPKG")  # replaces that layer only
    assert pyogrio.read_dataframe(path, layer="sources", read_geometry=False).loc[minmod, "licence"].item() == LICENCE
    app = create_app(WebSettings(store=StoreSettings(store_path=path), analysis=real_analysis,
                                 map=MapSettings(tile_url="")))
    app.config.update(TESTING=True)
    return app.test_client()


@pytest.mark.parametrize("url", ["/api/sites?country=KG&f=csv", "/api/sites?country=KG&f=geojson",
                                 "/api/partners/matrix?f=csv"])
def test_multi_line_credit_text_downloads_with_one_line_headers(tainted_client, url):
    response = tainted_client.get(url)
    assert response.status_code == 200
    attribution, licence = response.headers["X-Atlas-Attribution"], response.headers["X-Atlas-Licence"]
    assert attribution.startswith("MinMod mineral-site data Injected: header second line third; ")
    assert "minmod: MIT ???????? (Russian)" in licence
    assert not any(ch in attribution + licence for ch in "\r\n\t\x00\u2028")
