"""The map page's options for static/basemap.js: its endpoints, the raster legends and its texts in the page's
language (a JSON block the map page includes; the folium part of the page is the same in every language)."""

from __future__ import annotations

from flask import Blueprint, url_for
from flask_babel import gettext

from webapp.i18n import current_language
from webapp.state import get_state

bp = Blueprint("basemap_options", __name__)

#: Id of the JSON block basemap.js reads.
BASEMAP_OPTIONS_ID = "atlas-basemap-options"


@bp.app_context_processor
def _basemap_globals() -> dict:
    return {"basemap_options": basemap_options, "BASEMAP_OPTIONS_ID": BASEMAP_OPTIONS_ID}


def existing_corridor_names(lang: str) -> list[str]:
    """Names of the existing corridors, whose legs the distance bands are drawn around, in ``lang``."""
    corridors = get_state().store.corridors
    existing = corridors[corridors["status"] == "existing"]
    return [ru if lang == "ru" and ru else en for en, ru in zip(existing["name"], existing["name_ru"], strict=True)]


def basemap_options() -> dict:
    """Endpoints, raster ramps and translated texts for basemap.js (rendered with ``|tojson`` by the map page)."""
    lang = current_language()
    names = "; ".join(existing_corridor_names(lang))
    overlays = get_state().analysis.info.get("overlays", {})
    return {
        "endpoint": url_for("basemap.basemap"),
        "png": url_for("map_png.image"),
        "rasters": [{"name": name, "title": o["title"], "units": o["units"], "ramp": o.get("ramp")}
                    for name, o in overlays.items()],
        "atlasMessages": {
            "bands": gettext("Distance bands (50/100/250 km) around the existing corridors"),
        },
        "messages": {
            "legendTitle": gettext("Map legend"),
            "rampNote": gettext("Colours stretched over the 2nd to 98th percentile of the values; clear: no data."),
            "bandsTitle": gettext("Distance bands around the existing corridors"),
            "bandWithin": gettext("within {km} km"),
            "bandsCorridors": gettext("Corridors: %(names)s. The bands of all existing corridors are merged; "
                                      "corridors under construction or planned have none.", names=names),
            "bandTooltip": gettext("Within {km} km of an existing corridor (%(names)s)", names=names),
            "choroplethTitle": gettext("Partner share by country: {partner}"),
            "choroplethNote": gettext("Share of each country's licensed deposits the partner holds on the map's "
                                      "date; clear: none."),
            "wordsTitle": gettext("What the words mean"),
            "schematicWord": gettext("Schematic"),
            "schematicText": gettext("no railway in the data for this leg (missing, planned or at sea): drawn "
                                     "straight between its waypoints, dashed (dotted at sea); not the route."),
            "shareUnknownWord": gettext("Share unknown"),
            "shareUnknownText": gettext("a licence holder is sourced, but no single partner's share is known "
                                        "(owners unnamed, or split with no controller): white discs."),
            "downloadPng": gettext("Download PNG"),
            "downloadPngTitle": gettext("A PNG of this view with its legend and attribution"),
            "waterLayer": gettext("Lakes and rivers"),
            "labelsLayer": gettext("Towns and country names"),
        },
    }
