"""The sites map: a pure builder from options to a folium.Map, with no request or file access."""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import folium
from branca.element import Element, MacroElement
from jinja2 import Template
from markupsafe import Markup

from geo.partners import PARTNER_COLOURS
from layers.deposits.commodities import OTHER_GROUP

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

#: Legend labels of the sites without a partner colour, when sites are coloured by controlling partner (keys:
#: ``ownership_coverage`` of ``/api/sites``). atlas.js draws ``holder unknown`` as a small hollow ring and
#: ``share unknown`` as a white disc with a dark outline, so neither reads as a partner or as "no data".
COVERAGE_LABELS = {
    "share unknown": "share unknown (licensed, owner unknown or split)",
    "holder unknown": "holder unknown (no sourced licence)",
}


@dataclass(frozen=True)
class MapAssets:
    """URLs of the scripts and styles the page loads, all served by the app itself."""

    leaflet_js: str
    leaflet_css: str
    clusters_js: str  # the sites layer and its loader (static/clusters.js), used by atlas.js
    atlas_js: str
    atlas_css: str
    basemap_js: str = ""  # static/basemap.js: panes, offline base map, overlay legend, PNG control; empty: none
    basemap_css: str = ""


@dataclass(frozen=True)
class MapEndpoints:
    """URLs the page fetches data from."""

    sites: str  # GeoJSON of mapped sites
    countries: str  # GeoJSON of country outlines
    search: str  # GeoJSON search endpoint taking ?q=
    corridor_segments: str = ""  # GeoJSON of corridor legs; empty: no transport layers
    gateways: str = ""
    buffers: str = ""
    coverage: str = ""  # JSON of /api/coverage; empty: no coverage line on the map
    facets: str = ""  # JSON of /api/facets: counts beside each filter choice; empty: no counts
    between: str = ""  # the page of changes between two dates (?from=&to=); empty: no link
    clusters: str = ""  # GeoJSON of /api/clusters: the map's sites per view, clustered on the server


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


#: Id of the page's ``<script type="application/json">`` block that carries the map's options to atlas.js.
OPTIONS_ELEMENT_ID = "atlas-options"


def json_for_script(value) -> str:
    """Serialise a value as JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e`` and ``\\u0026``, so no text in the data can close the
    element or open a comment; ``JSON.parse`` reads them back as the original characters.
    """
    text = json.dumps(value, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class _Text(Element):
    """Text placed into the page as a value, never compiled as a template.

    branca compiles the string given to ``Element(template)``, and a ``MacroElement``'s rendered output is wrapped in
    such an Element, so data written into either is run through Jinja (``{{ 7*191 }}`` would render as 1337). This
    class's template is fixed; the text is a context value, which Jinja inserts without compiling it.
    """

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class _AtlasLayers(MacroElement):
    """The client side of the map: outlines, clustered sites, search, legend (static/atlas.js).

    Its script holds only the map's generated variable name: every option, including text from the data, travels
    in a JSON block (:class:`_Text`) that atlas.js parses, because branca compiles a macro's output as a template.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        AtlasMap.init({{ this._parent.get_name() }}, "{{ this.options_id }}");
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "AtlasLayers"
        self.options_id = OPTIONS_ELEMENT_ID


def build_sites_map(assets: MapAssets, endpoints: MapEndpoints, *, tile_url: str, tile_attribution: str,
                    center: tuple[float, float], zoom: int, title: str,
                    rasters: tuple[RasterOverlay, ...] = (), downloads: DownloadPanel | None = None) -> folium.Map:
    """Build the sites map.

    Parameters
    ----------
    assets : MapAssets
        Local URLs of Leaflet and the atlas's own scripts and style.
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
    fmap.default_js = [("leaflet", assets.leaflet_js), ("clusters", assets.clusters_js), ("atlas", assets.atlas_js),
                       *([("basemap", assets.basemap_js)] if assets.basemap_js else [])]
    fmap.default_css = [("leaflet_css", assets.leaflet_css), ("atlas_css", assets.atlas_css),
                        *([("basemap_css", assets.basemap_css)] if assets.basemap_css else [])]
    root = fmap.get_root()
    root.header.add_child(_Text(f"<title>{html.escape(title, quote=False)}</title>"), name="title")
    options = {
        # The tile layer is made by atlas.js, not folium.TileLayer, whose rendered script branca would compile.
        "tiles": {"url": tile_url, "attribution": tile_attribution} if tile_url else None,
        "endpoints": {"sites": endpoints.sites, "countries": endpoints.countries, "search": endpoints.search,
                      "corridorSegments": endpoints.corridor_segments, "gateways": endpoints.gateways,
                      "buffers": endpoints.buffers, "coverage": endpoints.coverage, "facets": endpoints.facets,
                      "between": endpoints.between, "clusters": endpoints.clusters},
        "statusColours": STATUS_COLOURS,
        "rasters": [{"title": r.title, "png": r.png, "attribution": r.attribution,
                     "bounds": [[r.bounds_wgs84[1], r.bounds_wgs84[0]], [r.bounds_wgs84[3], r.bounds_wgs84[2]]]}
                    for r in rasters],
        "colours": GROUP_COLOURS,
        "partnerColours": PARTNER_COLOURS,
        "coverageLabels": COVERAGE_LABELS,
        "download": None if downloads is None else {
            "sites": downloads.sites, "formats": [list(f) for f in downloads.formats],
            "countries": [list(c) for c in downloads.countries], "commodities": list(downloads.commodities),
            "rasters": [{"title": title, "href": href} for title, href in downloads.rasters]},
        "asOf": "",  # the browser's today
        "attribution": "Deposits: USGS, MinMod (MIT), GSC, national sources | Outlines, towns, lakes and rail: "
                       "Natural Earth | Rail: &copy; OpenStreetMap contributors (ODbL)",
    }
    root.html.add_child(_Text(f'<script type="application/json" id="{OPTIONS_ELEMENT_ID}">'
                              f"{json_for_script(options)}</script>"), name=OPTIONS_ELEMENT_ID)
    fmap.add_child(_AtlasLayers())
    return fmap


#: An inline ``<script>`` element with its attributes and body.
_SCRIPT = re.compile(r"<script(?P<attrs>\s[^>]*)?>(?P<body>.*?)</script>", re.S | re.I)
#: The per-render part of a folium element's name (``map_`` + a uuid4 hex).
_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}\b")


def externalise_scripts(page: str, script_url: Callable[[str], str]) -> tuple[str, dict[str, str]]:
    """Move every inline script of a rendered page into an external file, for a CSP without ``'unsafe-inline'``.

    folium writes its map set-up as inline ``<script>`` blocks. Each becomes ``<script src="...">`` in place (so the
    order of execution is kept), named by the digest of its text. folium's random element ids are first renumbered
    in order of appearance, so every rendering of the same map (every server worker) gives the same page and the
    same script names. Scripts with a ``src`` and data blocks (``type="application/json"``) are left as they are,
    and ids are never renumbered inside data blocks.

    Parameters
    ----------
    page : str
        The rendered page.
    script_url : callable
        Digest (hex) → the URL the script will be served at.

    Returns
    -------
    page : str
        The page with no inline script.
    scripts : dict of str to str
        Digest → script text.
    """
    renumbered: dict[str, str] = {}

    def _stable(match: re.Match) -> str:
        return renumbered.setdefault(match.group(0), f"{len(renumbered) + 1:032d}")

    parts, scripts, last = [], {}, 0
    for match in _SCRIPT.finditer(page):
        attrs = (match.group("attrs") or "").lower()
        parts.append(_FOLIUM_ID.sub(_stable, page[last:match.start()]))
        last = match.end()
        if "src=" in attrs or "application/json" in attrs:
            parts.append(match.group(0) if "application/json" in attrs else _FOLIUM_ID.sub(_stable, match.group(0)))
            continue
        body = _FOLIUM_ID.sub(_stable, match.group("body"))
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:24]
        scripts[digest] = body
        parts.append(f'<script src="{html.escape(script_url(digest))}"></script>')
    parts.append(_FOLIUM_ID.sub(_stable, page[last:]))
    return "".join(parts), scripts


@dataclass(frozen=True)
class MapParts:
    """A rendered map split for a page template: what goes in ``<head>``, the map's ``<div>`` and its script."""

    header: str
    html: str
    script: str


#: folium's viewport tag, which disables pinch-zoom (``maximum-scale=1.0, user-scalable=no``).
_VIEWPORT = re.compile(r"<meta\s+name=\"viewport\"[^>]*>", re.S)
_TITLE = re.compile(r"<title>.*?</title>", re.S)
#: folium's ``html, body { height: 100% }`` and ``#map`` rules, meant for a page holding nothing but the map.
_FULL_PAGE_STYLES = re.compile(r"<style>\s*(html, body|#map)\s*\{[^}]*\}\s*</style>", re.S)


def map_parts(fmap: folium.Map) -> MapParts:
    """Render ``fmap`` into the parts a page template places, without folium's zoom-locking viewport tag.

    Parameters
    ----------
    fmap : folium.Map
        A map from :func:`build_sites_map`.

    Returns
    -------
    MapParts
        ``header`` (scripts, styles, the options block stays in ``html``), ``html`` (the map ``<div>`` and
        the options JSON block) and ``script`` (folium's map set-up, to go after ``html``).
    """
    root = fmap.get_root()
    root.render()
    # The page template writes its own title and viewport (one that lets a phone pinch-zoom).
    header = _FULL_PAGE_STYLES.sub("", _VIEWPORT.sub("", _TITLE.sub("", root.header.render())))
    # Markup: folium's own output, in which every text from the data sits in the JSON options block, already
    # escaped by json_for_script; the page template inserts it as it is, as the whole page was served before.
    return MapParts(header=Markup(header), html=Markup(root.html.render()), script=Markup(root.script.render()))
