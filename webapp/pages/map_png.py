"""``/map.png``: the current map view (box, filters, date, colours) as a PNG with legend and attribution."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
from flask import Blueprint, Response, request
from flask_babel import gettext

from geo.partners import PARTNER_COLOURS
from layers.deposits.commodities import OTHER_GROUP
from webapp.basemap import label_of
from webapp.errors import BadRequest
from webapp.filters import FILTER_PARAMETERS, filtered_sites
from webapp.i18n import current_language
from webapp.mapimage import LegendEntry, MapImage, render_png
from webapp.maps import GROUP_COLOURS, STATUS_COLOURS
from webapp.pages.present import group_label, partner_name
from webapp.params import parse_bbox, parse_choice, parse_int
from webapp.state import AtlasState, get_state

bp = Blueprint("map_png", __name__)

#: Pixel sizes a PNG may have (the map part; the legend band is added under it).
MIN_SIDE_PX, MAX_SIDE_PX = 200, 2000
DEFAULT_SIZE_PX = (1200, 800)
#: The view when no ``bbox`` is given: the five atlas countries.
DEFAULT_BBOX = (46.0, 35.0, 88.0, 56.0)
#: Parameters besides the filter model's.
VIEW_PARAMETERS = ("width", "height", "colour", "lang")
#: The attribution every PNG carries (the full list of sources and licences is on /sources).
PNG_ATTRIBUTION = ("Deposits: USGS (public domain), MinMod (MIT, (c) 2023 DARPA-CRITICALMAAS), GSC, national "
                   "sources | Corridors and rail: (c) OpenStreetMap contributors, ODbL 1.0; Natural Earth | Base map "
                   "(countries, towns, lakes): Made with Natural Earth | Every source and licence: /sources")


@bp.get("/map.png")
def image():
    """The view as a PNG: ``bbox`` (west,south,east,north; default the five countries), ``width`` and ``height``
    (200–2000 px, of the map part), ``colour`` (``group`` or ``partner``), ``lang`` and every filter of the map
    (``country``, ``commodity``, … ``as_of``). Unknown parameters are a 400 naming them."""
    state = get_state()
    unknown = sorted(set(request.args) - set(FILTER_PARAMETERS) - set(VIEW_PARAMETERS))
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0]!r}; /map.png takes "
                         f"{', '.join((*FILTER_PARAMETERS, *VIEW_PARAMETERS))}", parameter=unknown[0])
    bbox = _view_box(request.args.get("bbox"))
    width = parse_int(request.args.get("width"), "width", default=DEFAULT_SIZE_PX[0], minimum=MIN_SIDE_PX,
                      maximum=MAX_SIDE_PX)
    height = parse_int(request.args.get("height"), "height", default=DEFAULT_SIZE_PX[1], minimum=MIN_SIDE_PX,
                       maximum=MAX_SIDE_PX)
    colour = parse_choice(request.args.get("colour"), "colour", ("group", "partner"), "group")
    args = request.args.copy()
    args["bbox"] = ",".join(f"{v:.6f}" for v in bbox)
    matched, table, as_of = filtered_sites(state, args)
    lang = current_language()
    png = render_png(_map_image(state, matched, table, as_of, bbox, (width, height), colour, lang))
    response = Response(png, mimetype="image/png")
    response.headers["Content-Disposition"] = f'inline; filename="atlas-map-{as_of.isoformat()}.png"'
    response.cache_control.max_age = 300
    return response


def _view_box(value: str | None) -> tuple[float, float, float, float]:
    bbox = parse_bbox(value)
    if bbox is None:
        return DEFAULT_BBOX
    if bbox.minx >= bbox.maxx or bbox.miny >= bbox.maxy:
        raise BadRequest("bbox must have west < east and south < north for a map image (no box across the "
                         "antimeridian)", parameter="bbox")
    if bbox.miny < -85 or bbox.maxy > 85:
        raise BadRequest("bbox latitudes must lie in -85..85 for a map image (Web Mercator)", parameter="bbox")
    return (bbox.minx, bbox.miny, bbox.maxx, bbox.maxy)


def _map_image(state: AtlasState, matched: gpd.GeoDataFrame, table: pd.DataFrame, as_of: date,
               bbox: tuple[float, float, float, float], size: tuple[int, int], colour: str, lang: str) -> MapImage:
    store = state.store
    sites = _coloured_sites(state, matched, table, as_of, colour)
    places = store.places.assign(label=[label_of(en, ru, lang) for en, ru in
                                        zip(store.places["name_en"], store.places["name_ru"], strict=True)])
    filters = [f"{k}={v}" for k, v in request.args.items() if k in FILTER_PARAMETERS and k not in ("bbox", "as_of")]
    note = gettext("%(n)s sites shown", n=len(sites)) + (" · " + ", ".join(filters) if filters else "")
    return MapImage(
        bbox_wgs84=bbox, width_px=size[0], height_px=size[1], countries=store.countries, lakes=store.lakes,
        rivers=store.rivers, places=places[["label", "min_zoom", "capital", "scalerank", "geometry"]],
        corridors=_corridor_legs(state), sites=sites,
        title=gettext("Central Asia Critical Minerals Atlas"),
        legend_title=gettext("Controlling partner") if colour == "partner" else gettext("Commodity group"),
        legend=_legend(colour), attribution=PNG_ATTRIBUTION,
        date_text=gettext("Ownership as of %(date)s", date=as_of.isoformat()), notes=(note,))


def _coloured_sites(state: AtlasState, matched: gpd.GeoDataFrame, table: pd.DataFrame, as_of: date,
                    colour: str) -> gpd.GeoDataFrame:
    """Mapped sites with the fill the browser gives them (static/atlas.js ``siteStyle``) and their marker kind."""
    located = matched[matched.geometry.notna() & ~matched.geometry.is_empty]
    if colour == "group":
        fills = [GROUP_COLOURS.get(g, GROUP_COLOURS[OTHER_GROUP]) for g in located["primary_group"]]
        kinds = ["site"] * len(located)
    else:
        flags = state.coverage_at(as_of)
        fills, kinds = [], []
        for site_id in located["site_id"]:
            held = site_id in flags.index and bool(flags.at[site_id, "has_holder"])
            partner = table.at[site_id, "controlling_partner"] if site_id in table.index else None
            known = held and isinstance(partner, str) and partner in PARTNER_COLOURS and partner != "unknown"
            fills.append(PARTNER_COLOURS[partner] if known else "#FFFFFF")
            kinds.append("site" if known else ("share" if held else "holder"))
    return gpd.GeoDataFrame({"colour": fills, "kind": kinds}, geometry=located.geometry.to_numpy(),
                            crs=located.crs)


def _corridor_legs(state: AtlasState) -> gpd.GeoDataFrame:
    legs = state.analysis.layer("corridor_segments")
    status = dict(zip(state.store.corridors["corridor_id"], state.store.corridors["status"], strict=True))
    styles = ["solid" if on_track else ("dotted" if reason == "sea" else "dashed")
              for on_track, reason in zip(legs["on_track"], legs["reason"], strict=True)]
    colours = [STATUS_COLOURS.get(status.get(cid, ""), "#555555") for cid in legs["corridor_id"]]
    return gpd.GeoDataFrame({"colour": colours, "style": styles}, geometry=legs.geometry.to_numpy(), crs=legs.crs)


def _legend(colour: str) -> tuple[LegendEntry, ...]:
    lang = current_language()
    if colour == "partner":
        entries = [LegendEntry(partner_name(p, lang), c) for p, c in PARTNER_COLOURS.items() if p != "unknown"]
        entries += [LegendEntry(gettext("share unknown (licensed, owner unknown or split)"), "#FFFFFF", "share"),
                    LegendEntry(gettext("holder unknown (no sourced licence)"), "#333333", "holder")]
    else:
        entries = [LegendEntry(group_label(g), c) for g, c in GROUP_COLOURS.items()]
    status_labels = {"existing": gettext("corridor: existing"),
                     "under_construction": gettext("corridor: under construction"),
                     "planned": gettext("corridor: planned")}
    entries += [LegendEntry(status_labels[s], c, "line") for s, c in STATUS_COLOURS.items()]
    entries += [LegendEntry(gettext("schematic leg (no railway in the data: not the route)"), "#555555", "dashed"),
                LegendEntry(gettext("sea leg"), "#555555", "dotted")]
    return tuple(entries)
