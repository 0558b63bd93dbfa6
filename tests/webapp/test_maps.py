import json
import re

import pytest

from layers.deposits.commodities import GROUPS, OTHER_GROUP
from webapp.maps import (
    GROUP_COLOURS,
    OPTIONS_ELEMENT_ID,
    DownloadPanel,
    MapAssets,
    MapEndpoints,
    RasterOverlay,
    build_sites_map,
)

ASSETS = MapAssets(leaflet_js="/v/l.js", leaflet_css="/v/l.css", clusters_js="/s/c.js", atlas_js="/s/a.js",
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
    assert scripts == ["/v/l.js", "/s/c.js", "/s/a.js"]
    assert styles == ["/v/l.css", "/s/a.css"]


def options_of(html: str) -> dict:
    """The options the page hands to atlas.js, parsed the way the browser's JSON.parse reads them."""
    block = re.search(rf'<script type="application/json" id="{OPTIONS_ELEMENT_ID}">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def test_without_tiles_no_tile_layer_is_added():
    html = render()
    assert "L.tileLayer" not in html and 'AtlasMap.init(map_' in html and options_of(html)["tiles"] is None


def test_tiles_are_passed_to_the_page_with_their_attribution():
    html = render(tile_url="https://tiles.example/{z}/{x}/{y}.png", tile_attribution="&copy; OSM")
    assert options_of(html)["tiles"] == {"url": "https://tiles.example/{z}/{x}/{y}.png", "attribution": "&copy; OSM"}


@pytest.mark.parametrize("title", ["<script>x</script>", "A & B"])
def test_title_is_escaped(title):
    html = render(title=title)
    assert "<script>x</script>" not in html.split("<body>")[0]
    assert f"<title>{title.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</title>" in html


def test_options_cannot_close_the_script_element():
    html = build_sites_map(ASSETS, MapEndpoints(sites="/x</script><script>alert(1)", countries="/c", search="/s"),
                           tile_url="", tile_attribution="", center=(0, 0), zoom=3, title="t").get_root().render()
    assert "</script><script>alert(1)" not in html


#: Template syntax of Jinja2 (branca compiles what folium elements render) and an HTML script payload.
POISON = "{{ 7*191 }} {% raw %} {# <script>alert(1)</script> & </script>"


def poisoned_map_html() -> str:
    downloads = DownloadPanel(sites="/api/sites", formats=(("csv", POISON),), countries=(("KZ", POISON),),
                              commodities=(POISON,), rasters=((POISON, "/r.tif"),))
    raster = RasterOverlay(title=POISON, png="/r.png", bounds_wgs84=(50.0, 35.0, 90.0, 55.0), attribution=POISON)
    fmap = build_sites_map(ASSETS, ENDPOINTS, tile_url="https://t.example/{z}/{x}/{y}.png", tile_attribution=POISON,
                           center=(43.5, 66.0), zoom=5, title=POISON, rasters=(raster,), downloads=downloads)
    return fmap.get_root().render()


def test_data_reaches_the_page_as_json_and_is_never_compiled_as_a_template():
    html = poisoned_map_html()
    options = options_of(html)
    assert options["download"]["countries"] == [["KZ", POISON]]
    assert options["download"]["formats"] == [["csv", POISON]]
    assert options["download"]["commodities"] == [POISON]
    assert options["download"]["rasters"] == [{"title": POISON, "href": "/r.tif"}]
    assert (options["rasters"][0]["title"], options["rasters"][0]["attribution"]) == (POISON, POISON)
    assert options["tiles"]["attribution"] == POISON
    assert "1337" not in html


def test_poisoned_data_cannot_close_the_json_block_or_open_a_script():
    html = poisoned_map_html()
    body = html.split("<body>")[1].split("</body>")[0]
    assert "<script>alert(1)" not in html
    assert body.count("</script>") == 1  # the JSON block's own; the map script follows </body>
    assert f"<title>{POISON.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</title>" in html


@pytest.mark.parametrize("text", ["{{ 7*191 }}", "{%raw%}", "{% raw %}", "{#", "{% endraw %}",
                                  "{{ lipsum.__globals__ }}"])
def test_each_template_syntax_in_a_country_name_comes_back_as_text(text):
    downloads = DownloadPanel(sites="/api/sites", formats=(), countries=(("KZ", text),))
    html = build_sites_map(ASSETS, ENDPOINTS, tile_url="", tile_attribution="", center=(43.5, 66.0), zoom=5,
                           title=text, downloads=downloads).get_root().render()
    assert options_of(html)["download"]["countries"] == [["KZ", text]]
    assert f"<title>{text}</title>" in html and "1337" not in html
