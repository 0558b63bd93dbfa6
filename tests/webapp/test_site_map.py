"""The site page's small map: an SVG written by the app, tiny shapes made in code and the real Kutessai-II page."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree as ET

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Polygon

from webapp.pages.site_map import HEIGHT, WIDTH, MapPoint, SiteMapText, site_map_svg

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert('x')</script> & \"Kutessai\" ]]> <!--"
TEXT = SiteMapText(title=f"Map of {HOSTILE}", attribution="Outlines: Natural Earth\nsecond line", north="N")


def _shapes() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    countries = gpd.GeoDataFrame({"iso_a2": ["KG", "KZ"], "name": ["Kyrgyzstan", "Kazakhstan <b>"]},
                                 geometry=[Polygon([(74, 41), (78, 41), (78, 43), (74, 43)]),
                                           Polygon([(74, 43), (78, 43), (78, 45), (74, 45)])], crs="EPSG:4326")
    corridors = gpd.GeoDataFrame({"name": ["Corridor <i>one</i>"]},
                                 geometry=[LineString([(75.0, 43.3), (77.5, 43.3)])], crs="EPSG:4326")
    return countries, corridors


def _draw(name: str = HOSTILE, precision_km: float | None = 15.0, gateway: MapPoint | None = None) -> ET.Element:
    countries, corridors = _shapes()
    svg = site_map_svg(MapPoint(name, 76.0, 42.5), precision_km, "#E69F00", countries, corridors, gateway, TEXT,
                       home_country="KG")
    return ET.fromstring(svg)


def _by_class(root: ET.Element, tag: str, name: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}{tag}") if e.get("class") == name]


def test_the_site_point_is_at_the_centre_with_its_precision_circle():
    root = _draw()
    [site] = _by_class(root, "circle", "site-map-site")
    [circle] = _by_class(root, "circle", "site-map-precision")
    assert (site.get("cx"), site.get("cy")) == (f"{WIDTH / 2:.1f}", f"{HEIGHT / 2:.1f}")
    assert (circle.get("cx"), circle.get("cy")) == (site.get("cx"), site.get("cy"))
    scale_km = float(re.search(r"([\d.]+) km", "".join(_by_class(root, "g", "site-map-scale")[0].itertext()))[1])
    scale_px = float(_by_class(root, "g", "site-map-scale")[0].find(f"{SVG}path").get("d").split()[-2][1:]) - 10
    # the 15 km circle and the scale bar agree on kilometres per pixel (to the rounding of one decimal)
    assert float(circle.get("r")) == pytest.approx(15.0 * scale_px / scale_km, abs=0.15)


def test_a_hostile_name_stays_text_and_no_element_comes_from_it():
    root = _draw()
    tags = {e.tag.removeprefix(SVG) for e in root.iter()}
    assert tags <= {"svg", "title", "rect", "path", "circle", "text", "g"}
    labels = [e.text for e in root.iter(f"{SVG}text")]
    assert HOSTILE in labels and "Corridor <i>one</i>" in labels
    assert root.get("aria-label") == f"Map of {HOSTILE}"


def test_scale_north_attribution_and_both_countries_are_drawn():
    root = _draw()
    texts = [e.text for e in root.iter(f"{SVG}text")]
    assert re.fullmatch(r"\d+ km", "".join(_by_class(root, "g", "site-map-scale")[0].itertext()))
    assert ("N" in texts, texts[-2:]) == (True, ["Outlines: Natural Earth", "second line"])
    countries = _by_class(root, "path", "site-map-country")
    assert [c.find(f"{SVG}title").text for c in countries] == ["Kyrgyzstan", "Kazakhstan <b>"]
    assert [c.get("fill") for c in countries] == ["#e9e2cf", "#f6f3ea"]


def test_the_gateway_is_drawn_and_the_map_widens_to_hold_it():
    near = _draw()
    far = _draw(gateway=MapPoint("Torugart <pass>", 75.39, 40.56))
    [gateway] = _by_class(far, "rect", "site-map-gateway")
    assert gateway.find(f"{SVG}title").text == "Torugart <pass>"
    assert 0 <= float(gateway.get("x")) <= WIDTH and 0 <= float(gateway.get("y")) <= HEIGHT

    def scale(root):
        return "".join(_by_class(root, "g", "site-map-scale")[0].itertext())
    assert (scale(near), scale(far)) == ("50 km", "100 km")


def test_no_precision_draws_no_circle():
    assert _by_class(_draw(precision_km=None), "circle", "site-map-precision") == []


@pytest.mark.parametrize(("lon", "lat"), [(float("nan"), 42.0), (76.0, 95.0), (200.0, 40.0)])
def test_coordinates_outside_wgs84_are_refused(lon, lat):
    countries, corridors = _shapes()
    with pytest.raises(ValueError, match="site coordinates must be WGS84 degrees"):
        site_map_svg(MapPoint("x", lon, lat), 1.0, "#000", countries, corridors, None, TEXT)


# --- integration: the real site page --------------------------------------------------------------------------


def _figure(html: str) -> ET.Element:
    svg = html.split('<figure class="site-map-figure">', 1)[1].split("<figcaption>", 1)[0]
    return ET.fromstring(svg)


@pytest.mark.integration
def test_kutessai_page_has_its_small_map_with_corridor_gateway_and_a_stateful_link(client):
    html = client.get("/sites/national:kg-kutessai-2?lang=ru&as_of=2025-01-01").get_data(as_text=True)
    root = _figure(html)
    texts = [e.text for e in root.iter(f"{SVG}text")]
    assert len(_by_class(root, "circle", "site-map-site")) == 1
    assert {"Kutessai-II", "China - Central Asia (Khorgos - Tashkent)", "Torugart pass"} <= set(texts)
    assert "KG" not in texts and any(re.fullmatch(r"\d+ км", t or "") for t in texts)
    link = re.search(r'<a class="site-map-open" href="([^"]+)">', html)[1].replace("&amp;", "&")
    assert parse_qs(urlsplit(link).query) == {"as_of": ["2025-01-01"], "at": ["42.6667,76.1667,9"], "lang": ["ru"]}


@pytest.mark.integration
def test_an_unmapped_site_has_no_small_map(client):
    html = client.get("/sites/jowitt-ree:karajilga__172").get_data(as_text=True)
    assert "site-map-figure" not in html and "The site is not mapped" in html
