"""The sites map: a pure builder from options to a folium.Map, with no request or file access."""

from __future__ import annotations

import json
from dataclasses import dataclass

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from geo.partners import PARTNER_COLOURS
from layers.commodities import OTHER_GROUP

#: Map colour of each commodity group (colour-blind-safe palette, Okabe–Ito).
GROUP_COLOURS: dict[str, str] = {
    "REE": "#D55E00",
    "rare metals": "#CC79A7",
    "battery and alloy metals": "#0072B2",
    "precious metals": "#E69F00",
    "base metals": "#009E73",
    "energy": "#000000",
    "industrial minerals": "#56B4E9",
    OTHER_GROUP: "#999999",
}


#: Colour of corridors by status.
STATUS_COLOURS = {"existing": "#1B7837", "under_construction": "#E08214", "planned": "#8073AC"}

#: Colour of sites no licence is known for, when sites are coloured by controlling partner.
NO_LICENCE_COLOUR = "#DDDDDD"


@dataclass(frozen=True)
class MapAssets:
    """URLs of the scripts and styles the page loads, all served by the app itself."""

    leaflet_js: str
    leaflet_css: str
    markercluster_js: str
    markercluster_css: str
    markercluster_default_css: str
    atlas_js: str
    atlas_css: str


@dataclass(frozen=True)
class MapEndpoints:
    """URLs the page fetches data from."""

    sites: str  # GeoJSON of mapped sites
    countries: str  # GeoJSON of country outlines
    search: str  # GeoJSON search endpoint taking ?q=
    corridor_segments: str = ""  # GeoJSON of corridor legs; empty: no transport layers
    gateways: str = ""
    buffers: str = ""


@dataclass(frozen=True)
class RasterOverlay:
    """A raster drawn over the map as an image."""

    title: str
    png: str  # URL of a Web Mercator PNG
    bounds_wgs84: tuple[float, float, float, float]  # west, south, east, north
    attribution: str


@dataclass(frozen=True)
class DownloadPanel:
    """The map's Download panel: the sites endpoint its link points at, the formats, the filters it offers
    (which also filter the sites on the map) and the GeoTIFF files it links."""

    sites: str  # URL of the sites endpoint, which takes f, as_of, bbox, country, commodity
    formats: tuple[tuple[str, str], ...]  # (value of f, label)
    countries: tuple[tuple[str, str], ...] = ()  # (ISO code, name)
    commodities: tuple[str, ...] = ()  # commodity groups and symbols
    rasters: tuple[tuple[str, str], ...] = ()  # (title, URL of a GeoTIFF)


class _AtlasLayers(MacroElement):
    """The client side of the map: outlines, clustered sites, search, legend (static/atlas.js)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        AtlasMap.init({{ this._parent.get_name() }}, {{ this.tiles }}, {{ this.options }});
        {% endmacro %}
    """)

    def __init__(self, tiles_name: str, options: dict) -> None:
        super().__init__()
        self._name = "AtlasLayers"
        self.tiles = tiles_name
        self.options = json.dumps(options, ensure_ascii=True).replace("</", "<\\/")


def build_sites_map(assets: MapAssets, endpoints: MapEndpoints, *, tile_url: str, tile_attribution: str,
                    center: tuple[float, float], zoom: int, title: str,
                    rasters: tuple[RasterOverlay, ...] = (), downloads: DownloadPanel | None = None) -> folium.Map:
    """Build the sites map.

    Parameters
    ----------
    assets : MapAssets
        Local URLs of Leaflet, MarkerCluster and the atlas's own script and style.
    endpoints : MapEndpoints
        API URLs the page loads the sites and outlines from, so the page stays small.
    tile_url, tile_attribution : str
        XYZ tiles; an empty URL means no tile layer.
    center : tuple of float
        (lat, lon) of the start view.
    zoom : int
        Start zoom.
    title : str
        Page title.
    rasters : tuple of RasterOverlay
        Raster overlays offered in the layer control (off at start).
    downloads : DownloadPanel, optional
        The Download panel and its country and commodity filters; none when not given.

    Returns
    -------
    folium.Map
        Renders to a page that loads no script or style from another host.
    """
    fmap = folium.Map(location=list(center), zoom_start=zoom, tiles=None, control_scale=True,
                      prefer_canvas=True)
    # folium's defaults come from CDNs; the atlas serves its own copies so the map works offline.
    fmap.default_js = [("leaflet", assets.leaflet_js), ("markercluster", assets.markercluster_js),
                       ("atlas", assets.atlas_js)]
    fmap.default_css = [("leaflet_css", assets.leaflet_css), ("markercluster_css", assets.markercluster_css),
                        ("markercluster_default_css", assets.markercluster_default_css),
                        ("atlas_css", assets.atlas_css)]
    tiles_name = "null"
    if tile_url:
        tiles = folium.TileLayer(tiles=tile_url, attr=tile_attribution, name="OpenStreetMap", control=False)
        tiles.add_to(fmap)
        tiles_name = tiles.get_name()
    fmap.get_root().header.add_child(Element(f"<title>{_escape(title)}</title>"), name="title")
    options = {
        "endpoints": {"sites": endpoints.sites, "countries": endpoints.countries, "search": endpoints.search,
                      "corridorSegments": endpoints.corridor_segments, "gateways": endpoints.gateways,
                      "buffers": endpoints.buffers},
        "statusColours": STATUS_COLOURS,
        "rasters": [{"title": r.title, "png": r.png, "attribution": r.attribution,
                     "bounds": [[r.bounds_wgs84[1], r.bounds_wgs84[0]], [r.bounds_wgs84[3], r.bounds_wgs84[2]]]}
                    for r in rasters],
        "colours": GROUP_COLOURS,
        "partnerColours": PARTNER_COLOURS,
        "noLicenceColour": NO_LICENCE_COLOUR,
        "download": None if downloads is None else {
            "sites": downloads.sites, "formats": [list(f) for f in downloads.formats],
            "countries": [list(c) for c in downloads.countries], "commodities": list(downloads.commodities),
            "rasters": [{"title": title, "href": href} for title, href in downloads.rasters]},
        "asOf": "",  # the browser's today
        "attribution": "Deposits: USGS, MinMod (MIT), GSC, national sources | Outlines and rail: Natural Earth | "
                       "Rail: &copy; OpenStreetMap contributors (ODbL)",
    }
    fmap.add_child(_AtlasLayers(tiles_name, options))
    return fmap


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
