import re

import pytest

from layers.commodities import GROUPS, OTHER_GROUP
from webapp.maps import GROUP_COLOURS, MapAssets, MapEndpoints, build_sites_map

ASSETS = MapAssets(leaflet_js="/v/l.js", leaflet_css="/v/l.css", markercluster_js="/v/mc.js",
                   markercluster_css="/v/mc.css", markercluster_default_css="/v/mcd.css", atlas_js="/s/a.js",
                   atlas_css="/s/a.css")
ENDPOINTS = MapEndpoints(sites="/api/sites?mapped=true", countries="/api/countries", search="/api/sites")


def render(**overrides) -> str:
    options = {"tile_url": "", "tile_attribution": "", "center": (43.5, 66.0), "zoom": 5, "title": "Atlas"}
    return build_sites_map(ASSETS, ENDPOINTS, **{**options, **overrides}).get_root().render()


def test_every_commodity_group_has_a_colour():
    assert set(GROUP_COLOURS) == {*GROUPS, OTHER_GROUP}


def test_page_loads_only_the_given_assets():
    html = render()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert scripts == ["/v/l.js", "/v/mc.js", "/s/a.js"]
    assert styles == ["/v/l.css", "/v/mc.css", "/v/mcd.css", "/s/a.css"]


def test_without_tiles_no_tile_layer_is_added():
    html = render()
    assert "L.tileLayer" not in html and "AtlasMap.init(" in html and ", null, {" in html


def test_tiles_are_added_with_their_attribution():
    html = render(tile_url="https://tiles.example/{z}/{x}/{y}.png", tile_attribution="&copy; OSM")
    assert "https://tiles.example/{z}/{x}/{y}.png" in html and "L.tileLayer" in html


@pytest.mark.parametrize("title", ["<script>x</script>", "A & B"])
def test_title_is_escaped(title):
    html = render(title=title)
    assert "<script>x</script>" not in html.split("<body>")[0]
    assert f"<title>{title.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</title>" in html


def test_options_cannot_close_the_script_element():
    html = build_sites_map(ASSETS, MapEndpoints(sites="/x</script><script>alert(1)", countries="/c", search="/s"),
                           tile_url="", tile_attribution="", center=(0, 0), zoom=3, title="t").get_root().render()
    assert "</script><script>alert(1)" not in html
