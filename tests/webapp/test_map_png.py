"""/map.png: the map view as a real PNG (read back with Pillow) with its legend and attribution, and its errors;
and the pure renderer on tiny frames."""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import pytest
from PIL import Image
from shapely.geometry import LineString, MultiPolygon, Point, box

from layers.schema import STORE_CRS
from webapp.mapimage import FOOTER_PX, LegendEntry, MapImage, render_png, view_zoom

TIEN_SHAN = "72,40,80,44"


def _image(data: bytes) -> np.ndarray:
    picture = Image.open(io.BytesIO(data))
    assert picture.format == "PNG"
    return np.asarray(picture.convert("RGB")).astype(int)


def _drawn(pixels: np.ndarray) -> int:
    """Pixels that are not the white page."""
    return int((pixels.sum(axis=2) < 3 * 250).sum())


@pytest.mark.integration
def test_the_view_is_a_png_of_the_asked_size_with_a_legend_band(client):
    response = client.get(f"/map.png?bbox={TIEN_SHAN}&width=800&height=500")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith('inline; filename="atlas-map-')
    pixels = _image(response.data)
    assert pixels.shape == (500 + FOOTER_PX, 800, 3)
    map_part, footer = pixels[:500], pixels[500:]
    assert len(np.unique(map_part.reshape(-1, 3), axis=0)) > 50  # land, lakes, borders, sites, labels: not blank
    legend, attribution = footer[: FOOTER_PX - 60], footer[FOOTER_PX - 40:]
    assert _drawn(legend) > 2000 and _drawn(attribution) > 1000


@pytest.mark.integration
def test_the_png_reflects_the_filters(client):
    everything = _image(client.get(f"/map.png?bbox={TIEN_SHAN}&width=600&height=400").data)
    kyrgyz_ree = _image(client.get(f"/map.png?bbox={TIEN_SHAN}&width=600&height=400&country=KG&commodity=REE").data)
    assert everything.shape == kyrgyz_ree.shape
    # Fewer sites: fewer marker pixels drawn in the map part, and a different picture.
    assert (everything[:400] != kyrgyz_ree[:400]).any(axis=2).sum() > 500
    site_colours = {(0xD5, 0x5E, 0x00), (0xCC, 0x79, 0xA7), (0x00, 0x72, 0xB2), (0xE6, 0x9F, 0x00), (0x00, 0x9E, 0x73)}

    def marker_pixels(pixels):
        flat = [tuple(p) for p in pixels[:400].reshape(-1, 3)]
        return sum(p in site_colours for p in flat)

    assert marker_pixels(kyrgyz_ree) < marker_pixels(everything)


@pytest.mark.integration
def test_colour_by_partner_and_date_change_the_picture(client):
    group = client.get(f"/map.png?bbox={TIEN_SHAN}&width=400&height=300").data
    partner = client.get(f"/map.png?bbox={TIEN_SHAN}&width=400&height=300&colour=partner&as_of=2025-01-01").data
    assert group != partner


@pytest.mark.integration
def test_russian_labels_and_legend_with_lang_ru(client):
    english = _image(client.get(f"/map.png?bbox={TIEN_SHAN}&width=400&height=300").data)
    russian = _image(client.get(f"/map.png?bbox={TIEN_SHAN}&width=400&height=300&lang=ru").data)
    assert (english != russian).any()


@pytest.mark.integration
@pytest.mark.parametrize(("query", "parameter", "message"), [
    ("width=5000", "width", "width must be between 200 and 2000; got 5000"),
    ("height=10", "height", "height must be between 200 and 2000; got 10"),
    ("colour=red", "colour", "colour must be one of group, partner; got &#39;red&#39;"),
    ("bbox=80,40,70,44", "bbox", "bbox must have west &lt; east and south &lt; north"),
    ("bbox=10,-89,20,10", "bbox", "bbox latitudes must lie in -85..85"),
    ("zoom=3", "zoom", "unknown parameter &#39;zoom&#39;"),
    ("as_of=2025-13-01", "as_of", "as_of must be a date YYYY-MM-DD"),
    ("country=KG&commodity=REE&corridor=nowhere", "corridor", "corridor must be one of"),
])
def test_bad_parameters_are_a_400_naming_them(client, query, parameter, message):
    response = client.get(f"/map.png?{query}")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert message in response.get_data(as_text=True)


def _frame(columns: dict, geometries: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(geometries, crs=STORE_CRS), crs=STORE_CRS)


def _tiny(sites: list) -> MapImage:
    return MapImage(
        bbox_wgs84=(70.0, 40.0, 80.0, 45.0), width_px=300, height_px=200,
        countries=_frame({"name": ["A"]}, [MultiPolygon([box(71, 41, 79, 44)])]),
        lakes=_frame({"name": ["L"]}, [MultiPolygon([box(76, 42, 77, 42.5)])]),
        rivers=_frame({"name": []}, []),
        places=_frame({"label": ["Town"], "min_zoom": [3.0], "capital": [True], "scalerank": [1]}, [Point(74, 42.8)]),
        corridors=_frame({"colour": ["#1B7837"], "style": ["dashed"]}, [LineString([(70, 43), (80, 43)])]),
        sites=_frame({"colour": ["#D55E00"] * len(sites), "kind": ["site"] * len(sites)}, sites),
        title="T", legend_title="Group", legend=(LegendEntry("REE", "#D55E00"), LegendEntry("existing", "#1B7837",
                                                                                            "line")),
        attribution="Made with Natural Earth", date_text="2025-01-01")


def test_the_renderer_draws_sites_in_their_colour():
    with_site = _image(render_png(_tiny([Point(75, 43.5)])))
    without = _image(render_png(_tiny([])))
    assert with_site.shape == (200 + FOOTER_PX, 300, 3)
    orange = np.all(np.abs(with_site[:200] - [0xD5, 0x5E, 0x00]) < 8, axis=2).sum()
    assert orange > 10 and np.all(np.abs(without[:200] - [0xD5, 0x5E, 0x00]) < 8, axis=2).sum() == 0


@pytest.mark.parametrize(("bbox", "width", "zoom"), [((0.0, 0.0, 360.0 / 4, 10.0), 256, 2.0),
                                                     ((70.0, 40.0, 71.40625, 41.0), 1024, 10.0)])
def test_view_zoom_is_leaflets_zoom(bbox, width, zoom):
    assert view_zoom(bbox, width) == pytest.approx(zoom, abs=1e-6)
