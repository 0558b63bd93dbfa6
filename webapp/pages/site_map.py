"""The site page's small map: an SVG written by the app (no script, no tiles) of a site and what lies around it.

It draws the country outlines around the site, the site point with its location-precision circle, the nearest
corridor line(s) and gateway, a scale bar, a north arrow and an attribution line. Geometry is projected to an
azimuthal equidistant projection centred on the site (kilometres), so distances from the site and the scale bar
are true. Every text is escaped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import geopandas as gpd
from flask_babel import gettext
from markupsafe import Markup
from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

#: Size of the map area in pixels (the legend adds rows below it).
WIDTH, HEIGHT = 360, 250
#: Half-width of the map in km: at least this, wider to show the nearest corridor and gateway, at most the cap.
MIN_HALF_KM, MAX_HALF_KM = 60.0, 1100.0
_FONT = 'font-family="system-ui, sans-serif" font-size="11" fill="#222"'
_SMALL_FONT = 'font-family="system-ui, sans-serif" font-size="9" fill="#444"'
_LEGEND_ROW = 16


@dataclass(frozen=True)
class MapPoint:
    """A named point in WGS84 degrees."""

    label: str
    lon: float
    lat: float


@dataclass(frozen=True)
class SiteMapText:
    """The map's words, already translated by the caller."""

    title: str
    attribution: str  # lines separated by "\n"
    north: str = "N"
    precision: str = "± {km} km"
    scale: str = "{km} km"


def site_map_svg(site: MapPoint, precision_km: float | None, colour: str, countries: gpd.GeoDataFrame,
                 corridors: gpd.GeoDataFrame, gateway: MapPoint | None, text: SiteMapText, *,
                 home_country: str = "") -> str:
    """Return the small map of one site as a standalone ``<svg>`` element.

    Parameters
    ----------
    site : MapPoint
        The site (its label is the site's name), WGS84.
    precision_km : float or None
        Radius of the location-precision circle; None draws no circle.
    colour : str
        Fill of the site point (its commodity-group colour).
    countries : GeoDataFrame
        Country outlines with ``iso_a2`` and ``name``, any CRS (reprojected here).
    corridors : GeoDataFrame
        The corridor lines to draw (the nearest ones) with ``name``; drawn and listed in the legend.
    gateway : MapPoint or None
        The nearest gateway or station, drawn as a square and listed in the legend.
    text : SiteMapText
        Title (the SVG's accessible name), attribution line and labels.
    home_country : str
        ISO code of the site's country, drawn a shade darker.

    Returns
    -------
    str
        ``<svg>…</svg>``; the view wraps it in Markup, every text inside is escaped here.

    Raises
    ------
    ValueError
        If the site's coordinates are not finite WGS84 degrees.
    """
    if not (math.isfinite(site.lon) and math.isfinite(site.lat) and abs(site.lat) <= 90 and abs(site.lon) <= 180):
        raise ValueError(f"site_map_svg: site coordinates must be WGS84 degrees; got {site.lon}, {site.lat}")
    crs = f"+proj=aeqd +lat_0={site.lat} +lon_0={site.lon} +datum=WGS84 +units=km +no_defs"
    lines = corridors.to_crs(crs) if len(corridors) else corridors
    gateway_xy = _project_point(gateway, crs) if gateway else None
    half_w = _half_width_km(precision_km, lines, gateway_xy)
    half_h = half_w * HEIGHT / WIDTH
    frame = box(-half_w, -half_h, half_w, half_h)
    km_per_px = 2 * half_w / WIDTH

    def xy(x: float, y: float) -> tuple[float, float]:
        return (x + half_w) / km_per_px, (half_h - y) / km_per_px

    legend = [(escape(str(name)), "line") for name in lines.get("name", [])] if len(lines) else []
    if gateway_xy is not None and not frame.contains(gateway_xy[0]):
        gateway_xy = None  # farther than the widest map: named in the page's table, not drawn
    if gateway_xy is not None:
        legend.append((escape(gateway.label), "square"))
    precision_label = text.precision.format(km=f"{precision_km:g}") if precision_km else ""
    rows = len(legend) + bool(precision_label)
    height = HEIGHT + 12 + _LEGEND_ROW * rows + 11 * len(text.attribution.split("\n"))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="site-map" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(text.title)}">',
           f"<title>{escape(text.title)}</title>",
           f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#dfeaf2"/>']
    out += _countries(countries, crs, site, half_w, frame, km_per_px, xy, home_country)
    for geometry in lines.geometry if len(lines) else []:
        clipped = geometry.intersection(frame).simplify(km_per_px / 2)
        if not clipped.is_empty:
            out.append(f'<path d="{_path(clipped, xy)}" fill="none" stroke="#333" stroke-width="2.5"/>')
    if gateway_xy is not None:
        gx, gy = xy(gateway_xy[0].x, gateway_xy[0].y)
        out.append(f'<rect class="site-map-gateway" x="{gx - 4:.1f}" y="{gy - 4:.1f}" width="8" height="8" '
                   f'fill="#fff" stroke="#333" stroke-width="1.5"><title>{escape(gateway.label)}</title></rect>')
    cx, cy = xy(0.0, 0.0)
    if precision_km:
        out.append(f'<circle class="site-map-precision" cx="{cx:.1f}" cy="{cy:.1f}" '
                   f'r="{max(precision_km / km_per_px, 1.0):.1f}" fill="{escape(colour)}" fill-opacity="0.2" '
                   f'stroke="{escape(colour)}" stroke-dasharray="4 3"/>')
    out.append(f'<circle class="site-map-site" cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{escape(colour)}" '
               f'stroke="#000" stroke-width="1.5"><title>{escape(site.label)} {escape(precision_label)}</title>'
               f"</circle>")
    out.append(f'<text x="{cx + 8:.1f}" y="{cy - 7:.1f}" {_FONT} font-weight="600" stroke="#fff" '
               f'stroke-width="3" paint-order="stroke">{escape(site.label)}</text>')
    out += _scale_bar(km_per_px, text.scale)
    out += _north(text.north)
    out += _legend(legend, precision_label, colour)
    for number, line in enumerate(text.attribution.split("\n")):
        out.append(f'<text class="site-map-attribution" x="4" y="{HEIGHT + 18 + _LEGEND_ROW * rows + 11 * number}" '
                   f"{_SMALL_FONT}>{escape(line)}</text>")
    return "".join(out) + "</svg>"


def _project_point(point: MapPoint, crs: str):
    return gpd.GeoSeries.from_xy([point.lon], [point.lat], crs="EPSG:4326").to_crs(crs)


def _half_width_km(precision_km: float | None, lines: gpd.GeoDataFrame, gateway_xy) -> float:
    """Half-width that keeps the precision circle, the nearest point of each line and the gateway inside."""
    origin = Point(0.0, 0.0)
    targets = [nearest_points(g, origin)[0] for g in (lines.geometry if len(lines) else []) if not g.is_empty]
    if gateway_xy is not None:
        targets.append(gateway_xy[0])
    wanted = [MIN_HALF_KM, 1.6 * (precision_km or 0.0)]
    wanted += [1.2 * max(abs(p.x), abs(p.y) * WIDTH / HEIGHT) + 15 for p in targets]
    return min(max(wanted), MAX_HALF_KM)


def _countries(countries, crs, site, half_w, frame, km_per_px, xy, home_country) -> list[str]:
    # Cut in degrees first (generously), so only the outlines near the site are projected.
    span_lat = 2.0 * half_w / 111.0 + 1.0
    span_lon = span_lat / max(math.cos(math.radians(site.lat)), 0.2)
    near = countries.to_crs("EPSG:4326").cx[site.lon - span_lon:site.lon + span_lon,
                                            site.lat - span_lat:site.lat + span_lat]
    out = []
    for row in near.to_crs(crs).itertuples():
        shape = row.geometry.intersection(frame).simplify(km_per_px / 2)
        if shape.is_empty:
            continue
        fill = "#e9e2cf" if row.iso_a2 == home_country else "#f6f3ea"
        out.append(f'<path class="site-map-country" d="{_path(shape, xy)}" fill="{fill}" stroke="#8a8a8a" '
                   f'stroke-width="0.8"><title>{escape(str(row.name))}</title></path>')
    return out


def _path(geometry: BaseGeometry, xy) -> str:
    parts = []
    for ring in _rings(geometry):
        points = [xy(x, y) for x, y in ring.coords]
        if len(points) < 2:
            continue
        closed = "Z" if ring.geom_type == "LinearRing" else ""
        parts.append("M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in points) + closed)
    return " ".join(parts)


def _rings(geometry: BaseGeometry):
    kind = geometry.geom_type
    if kind == "Polygon":
        yield geometry.exterior
        yield from geometry.interiors
    elif kind == "LineString":
        yield geometry
    elif kind in ("MultiPolygon", "MultiLineString", "GeometryCollection"):
        for part in geometry.geoms:
            yield from _rings(part)


def _scale_bar(km_per_px: float, label: str) -> list[str]:
    target = km_per_px * WIDTH / 4
    magnitude = 10 ** math.floor(math.log10(target))
    length_km = max(step * magnitude for step in (1, 2, 5) if step * magnitude <= target)
    length_px = length_km / km_per_px
    x0, y0 = 10.0, HEIGHT - 12.0
    return [f'<g class="site-map-scale"><rect x="{x0 - 4}" y="{y0 - 16}" width="{length_px + 40:.1f}" height="22" '
            f'fill="#fff" fill-opacity="0.8"/>'
            f'<path d="M{x0} {y0 - 4} L{x0} {y0} L{x0 + length_px:.1f} {y0} L{x0 + length_px:.1f} {y0 - 4}" '
            f'fill="none" stroke="#222" stroke-width="1.5"/>'
            f'<text x="{x0 + length_px + 4:.1f}" y="{y0}" {_FONT}>'
            f'{escape(label.format(km=f"{length_km:g}"))}</text></g>']


def _north(label: str) -> list[str]:
    x, y = WIDTH - 18.0, 10.0
    return [f'<g class="site-map-north"><path d="M{x} {y} L{x + 6} {y + 16} L{x} {y + 12} L{x - 6} {y + 16} Z" '
            f'fill="#222"/><text x="{x}" y="{y + 28}" text-anchor="middle" {_FONT} font-weight="600">'
            f"{escape(label)}</text></g>"]


def _legend(entries: list[tuple[str, str]], precision_label: str, colour: str) -> list[str]:
    out = []
    y = HEIGHT + 6
    rows = [(escape(precision_label), "circle")] if precision_label else []
    for label, kind in [*rows, *entries]:
        if kind == "line":
            out.append(f'<path d="M6 {y + 6} L26 {y + 6}" stroke="#333" stroke-width="2.5"/>')
        elif kind == "square":
            out.append(f'<rect x="12" y="{y + 2}" width="8" height="8" fill="#fff" stroke="#333" stroke-width="1.5"/>')
        else:
            out.append(f'<circle cx="16" cy="{y + 6}" r="5" fill="{escape(colour)}" fill-opacity="0.3" '
                       f'stroke="{escape(colour)}" stroke-dasharray="3 2"/>')
        out.append(f'<text x="32" y="{y + 10}" {_FONT}>{label}</text>')
        y += _LEGEND_ROW
    return out


def site_map_for(store, analysis, site: dict, access: dict | None, text: SiteMapText, colour: str) -> str:
    """Return the small map of a site row of the store, or '' if the site is not mapped.

    The corridors drawn are the nearest one and, if another, the nearest in operation; the gateway is the
    nearest one (``access`` holds their ids, as the page's corridor-and-access section shows them).
    """
    point = site.get("geometry")
    if point is None or point.is_empty:
        return ""
    access = access or {}
    wanted = [c for c in (access.get("nearest_corridor_any"), access.get("nearest_corridor")) if c]
    lines = analysis.layer("corridor_lines") if analysis is not None else None
    lines = lines[lines["corridor_id"].isin(wanted)] if lines is not None else gpd.GeoDataFrame(
        {"name": []}, geometry=[], crs="EPSG:4326")
    gateway = None
    gateways = store.gateways[store.gateways["node_id"] == access.get("nearest_gateway")]
    if access.get("nearest_gateway") and len(gateways):
        row = gateways.iloc[0]
        gateway = MapPoint(str(access.get("nearest_gateway_name") or row["name"]), row.geometry.x, row.geometry.y)
    precision = site.get("location_precision_km")
    precision = float(precision) if precision is not None and math.isfinite(float(precision)) else None
    return site_map_svg(MapPoint(str(site.get("name") or ""), point.x, point.y), precision, colour,
                        store.countries, lines, gateway, text, home_country=str(site.get("country") or ""))


def site_map_markup(state, site: dict, access: dict | None, colour: str) -> Markup:
    """The small map for the site page of the running app, in the request's language ('' if not mapped)."""
    text = SiteMapText(
        title=gettext("Map of %(name)s, its location precision, nearest corridor and gateway",
                      name=str(site.get("name") or "")),
        attribution="\n".join((gettext("Outlines: Natural Earth. Corridors and gateways: this atlas (schematic)."),
                                gettext("Azimuthal equidistant projection centred on the site."))),
        north=gettext("N"), precision=gettext("location ± {km} km"), scale=gettext("{km} km"))
    svg = site_map_for(state.store, state.analysis, site, access, text, colour)
    # Markup: written by site_map_svg, which escapes every text it puts in.
    return Markup(svg)
