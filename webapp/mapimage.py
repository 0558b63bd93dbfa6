"""A PNG of a map view: countries, lakes, rivers, towns, corridors and sites with a legend, attribution, scale bar
and date, drawn with matplotlib (Agg). A pure exporter: frames and texts in, PNG bytes out, no request or file."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from shapely.geometry import box

from layers.schema import STORE_CRS

#: The map's projection, as the browser's Leaflet map draws it.
WEB_MERCATOR = "EPSG:3857"
#: Height of the band under the map that holds the legend, the attribution and the date (pixels).
FOOTER_PX = 190
#: At most this many town labels are drawn (most important first), so a wide view stays readable.
MAX_PLACE_LABELS = 60
#: Web-map zoom of a view: resolution at zoom 0 (metres per pixel at the equator, 256-pixel tiles).
_ZOOM0_RESOLUTION = 156543.03392804097
#: Colours of the base map, as the browser draws them (static/atlas.js, static/basemap.js).
LAND, BORDER, SEA, WATER, LAKE = "#f4f1ea", "#555555", "#cfe3ef", "#4a90c2", "#a9cde6"
_DPI = 100


@dataclass(frozen=True)
class LegendEntry:
    """One line of the PNG's legend: ``kind`` is ``site`` (a filled disc), ``share`` (white disc, dark edge),
    ``holder`` (a small ring), ``line`` (solid), ``dashed`` or ``dotted``."""

    label: str
    colour: str
    kind: str = "site"


@dataclass(frozen=True)
class MapImage:
    """What one PNG shows: the view, its frames (EPSG:4326) and its texts."""

    bbox_wgs84: tuple[float, float, float, float]  # west, south, east, north
    width_px: int
    height_px: int
    countries: gpd.GeoDataFrame
    lakes: gpd.GeoDataFrame
    rivers: gpd.GeoDataFrame
    places: gpd.GeoDataFrame  # columns label, min_zoom, capital, scalerank
    corridors: gpd.GeoDataFrame  # columns colour, style (solid, dashed, dotted)
    sites: gpd.GeoDataFrame  # columns colour, kind (site, share, holder)
    title: str
    legend_title: str
    legend: tuple[LegendEntry, ...]
    attribution: str
    date_text: str
    scale_unit: str = "km"
    notes: tuple[str, ...] = field(default=())


def view_zoom(bbox_wgs84: tuple[float, float, float, float], width_px: int) -> float:
    """The web-map zoom (Leaflet's) at which ``bbox_wgs84`` spans ``width_px`` pixels."""
    west, east = _mercator_x(bbox_wgs84[0]), _mercator_x(bbox_wgs84[2])
    return math.log2(_ZOOM0_RESOLUTION * width_px / max(east - west, 1.0))


def render_png(image: MapImage) -> bytes:
    """Draw ``image`` as a PNG of ``width_px`` × (``height_px`` + :data:`FOOTER_PX`) pixels.

    Parameters
    ----------
    image : MapImage
        The view (bbox in WGS84 degrees), the layers in EPSG:4326, and the legend and attribution texts.

    Returns
    -------
    bytes
        An 8-bit RGBA PNG: the map in Web Mercator on top (with a scale bar in its lower left corner and the
        title above), the legend, date and attribution in the band under it.
    """
    total_px = image.height_px + FOOTER_PX
    figure = Figure(figsize=(image.width_px / _DPI, total_px / _DPI), dpi=_DPI, facecolor="white")
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.0, FOOTER_PX / total_px, 1.0, image.height_px / total_px))
    frame = _frame(image.bbox_wgs84, image.width_px, image.height_px)
    _draw_map(axes, image, frame)
    _draw_scale_bar(axes, frame, image.bbox_wgs84, image.scale_unit)
    axes.set_title(image.title, fontsize=10, loc="left", pad=3, y=1.0 - 18 / image.height_px,
                   backgroundcolor=(1, 1, 1, 0.8))
    _draw_footer(figure, image, FOOTER_PX / total_px)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


def _mercator_x(lon: float) -> float:
    return math.radians(lon) * 6378137.0


def _frame(bbox_wgs84, width_px: int, height_px: int) -> tuple[float, float, float, float]:
    """The view in Web Mercator metres, widened along one side so that a metre is as long across as up."""
    minx, miny, maxx, maxy = gpd.GeoSeries([box(*bbox_wgs84)], crs=STORE_CRS).to_crs(WEB_MERCATOR).total_bounds
    per_px = max((maxx - minx) / width_px, (maxy - miny) / height_px)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return (cx - per_px * width_px / 2, cy - per_px * height_px / 2, cx + per_px * width_px / 2,
            cy + per_px * height_px / 2)


def _in_view(frame: gpd.GeoDataFrame, bbox_wgs84) -> gpd.GeoDataFrame:
    """The rows of ``frame`` that meet the view (widened by a tenth), cut to it, in Web Mercator."""
    west, south, east, north = bbox_wgs84
    pad_x, pad_y = (east - west) / 10, (north - south) / 10
    view = box(max(west - pad_x, -180), max(south - pad_y, -85), min(east + pad_x, 180), min(north + pad_y, 85))
    if frame.empty:
        return frame.to_crs(WEB_MERCATOR)
    kept = frame[frame.geometry.notna() & frame.geometry.intersects(view)]
    if not kept.empty and not kept.geom_type.eq("Point").all():
        kept = kept.assign(geometry=kept.geometry.intersection(view))
        kept = kept[~kept.geometry.is_empty]
    return kept.to_crs(WEB_MERCATOR)


def _draw_map(axes, image: MapImage, frame: tuple[float, float, float, float]) -> None:
    minx, miny, maxx, maxy = frame
    view = tuple(gpd.GeoSeries([box(*frame)], crs=WEB_MERCATOR).to_crs(STORE_CRS).total_bounds)
    axes.add_patch(Rectangle((minx, miny), maxx - minx, maxy - miny, facecolor=SEA, edgecolor="none", zorder=0))
    countries = _in_view(image.countries, view)
    if not countries.empty:
        countries.plot(ax=axes, facecolor=LAND, edgecolor=BORDER, linewidth=0.6, zorder=1)
    lakes = _in_view(image.lakes, view)
    if not lakes.empty:
        lakes.plot(ax=axes, facecolor=LAKE, edgecolor=WATER, linewidth=0.5, zorder=2)
    rivers = _in_view(image.rivers, view)
    if not rivers.empty:
        rivers.plot(ax=axes, color=WATER, linewidth=0.8, zorder=2)
    _draw_corridors(axes, _in_view(image.corridors, view))
    _draw_places(axes, _in_view(image.places, view), view_zoom(view, image.width_px))
    _draw_sites(axes, _in_view(image.sites, view))
    axes.set_xlim(minx, maxx)
    axes.set_ylim(miny, maxy)
    axes.set_aspect("auto")
    axes.set_axis_off()


_LINESTYLES = {"solid": "-", "dashed": (0, (5, 4)), "dotted": (0, (1, 3))}


def _draw_corridors(axes, corridors: gpd.GeoDataFrame) -> None:
    for (colour, style), legs in corridors.groupby(["colour", "style"]):
        legs.plot(ax=axes, color=colour, linewidth=2.2 if style == "solid" else 1.6,
                  linestyle=_LINESTYLES.get(style, "-"), zorder=4)


def _draw_places(axes, places: gpd.GeoDataFrame, zoom: float) -> None:
    if places.empty:
        return
    shown = places[np.minimum(places["min_zoom"], np.where(places["capital"], 4.0, 99.0)) <= zoom]
    shown = shown.sort_values(["capital", "scalerank"], ascending=[False, True]).head(MAX_PLACE_LABELS)
    if shown.empty:
        return
    axes.scatter(shown.geometry.x, shown.geometry.y, s=np.where(shown["capital"], 22, 9), c="#333333",
                 edgecolors="white", linewidths=0.6, zorder=5)
    for x, y, label, capital in zip(shown.geometry.x, shown.geometry.y, shown["label"], shown["capital"],
                                    strict=True):
        axes.annotate(label, (x, y), xytext=(4, 3), textcoords="offset points", fontsize=8 if capital else 7,
                      fontweight="bold" if capital else "normal", color="#222222", zorder=6)


def _draw_sites(axes, sites: gpd.GeoDataFrame) -> None:
    if sites.empty:
        return
    for kind, group in sites.groupby("kind"):
        xs, ys = group.geometry.x, group.geometry.y
        if kind == "holder":
            axes.scatter(xs, ys, s=10, facecolors="none", edgecolors="#333333", linewidths=1.0, zorder=7)
        elif kind == "share":
            axes.scatter(xs, ys, s=30, c="#FFFFFF", edgecolors="#222222", linewidths=1.4, zorder=8)
        else:
            axes.scatter(xs, ys, s=30, c=list(group["colour"]), edgecolors="#222222", linewidths=0.6, zorder=8)


def _nice_length(target: float) -> float:
    magnitude = 10 ** math.floor(math.log10(target))
    return max(step * magnitude for step in (1, 2, 5) if step * magnitude <= target)


def _draw_scale_bar(axes, frame: tuple[float, float, float, float], bbox_wgs84, unit: str) -> None:
    minx, miny, maxx, maxy = frame
    # A Mercator metre is 1 / cos(latitude) ground metres: the bar is true at the view's middle latitude.
    scale = math.cos(math.radians((bbox_wgs84[1] + bbox_wgs84[3]) / 2))
    km = _nice_length((maxx - minx) * scale / 5 / 1000.0)
    length = km * 1000.0 / scale
    x0, y0 = minx + (maxx - minx) * 0.03, miny + (maxy - miny) * 0.04
    axes.plot([x0, x0 + length], [y0, y0], color="black", linewidth=3, solid_capstyle="butt", zorder=9)
    axes.text(x0 + length / 2, y0 + (maxy - miny) * 0.012, f"{km:g} {unit}", ha="center", va="bottom",
              fontsize=8, zorder=9, backgroundcolor=(1, 1, 1, 0.7))


def _handle(entry: LegendEntry) -> Line2D:
    if entry.kind in ("line", "dashed", "dotted"):
        style = {"line": "-", "dashed": (0, (5, 4)), "dotted": (0, (1, 3))}[entry.kind]
        return Line2D([0], [0], color=entry.colour, linewidth=2, linestyle=style)
    face = {"holder": "none", "share": "#FFFFFF"}.get(entry.kind, entry.colour)
    return Line2D([0], [0], marker="o", linestyle="", markersize=4 if entry.kind == "holder" else 7,
                  markerfacecolor=face, markeredgecolor="#222222")


def _draw_footer(figure: Figure, image: MapImage, footer_fraction: float) -> None:
    handles = [_handle(entry) for entry in image.legend]
    if handles:
        figure.legend(handles, [entry.label for entry in image.legend], loc="upper left",
                      bbox_to_anchor=(0.005, footer_fraction - 0.002), ncol=max(1, min(4, image.width_px // 230)),
                      fontsize=7, title=image.legend_title, title_fontsize=8, alignment="left", frameon=False,
                      handlelength=2.2, columnspacing=1.2, labelspacing=0.3)
    lines = [image.date_text, *image.notes, image.attribution]
    figure.text(0.005, 0.008, "\n".join(lines), fontsize=6.5, color="#222222", ha="left", va="bottom",
                wrap=True)
