"""Charts: partner shares by country and commodity group, sites per corridor-distance band, the partner timeline.

Each chart is an SVG written by :mod:`webapp.pages.svg` and has its data as CSV beside it (``/charts/<name>.csv``), from
the same long table (category, series, value).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date

from flask import Blueprint, Response, current_app, render_template
from flask_babel import gettext

from geo.partners import PARTNER_COLOURS, PARTNER_GROUPS, partner_of_country
from geo.rollups import partner_matrix
from layers.deposits.commodities import GROUPS, OTHER_GROUP
from layers.deposits.records import ATLAS_COUNTRIES
from webapp.api.ownership import as_of_from_request
from webapp.errors import NotFound
from webapp.i18n import current_language
from webapp.pages.present import country_name, group_label, partner_name
from webapp.pages.svg import Series, stacked_bars, year_lines
from webapp.state import get_state

bp = Blueprint("charts", __name__)

#: Corridor-distance bands (km, upper bounds) for the band chart.
DISTANCE_BANDS_KM = (25, 50, 100, 200, 500)
#: First year of the partner timeline.
TIMELINE_START = 2000
#: From this year on the timeline has a point every year (before it, every five years: 2000, 2005, 2010).
YEARLY_FROM = 2011
COUNTRY_COLOURS = {"KZ": "#0072B2", "KG": "#D55E00", "TJ": "#009E73", "UZ": "#E69F00", "TM": "#CC79A7"}


def partner_rows(by: str, as_of: date) -> list[dict]:
    """Share site equivalents per (country or commodity group, partner) on ``as_of``."""
    state = get_state()
    matrix = partner_matrix(state.partners_at(as_of), state.sites, by=by)
    return [{"category": r["key"], "series": r["partner"], "value": float(r["share_site_equivalents"])}
            for r in matrix.to_dict("records") if r["share_site_equivalents"]]


def band_rows(as_of: date) -> list[dict]:
    """Mapped sites per corridor-distance band (to the nearest corridor of any status), by country."""
    state = get_state()
    counts: dict[tuple[str, str], int] = {}
    for site_id, country in zip(state.sites["site_id"], state.sites["country"], strict=True):
        distance = state.access_by_site.get(site_id, {}).get("corridor_distance_any_km")
        if distance is None:
            continue
        counts[(_band(distance), country)] = counts.get((_band(distance), country), 0) + 1
    return [{"category": band, "series": country, "value": float(counts.get((band, country), 0))}
            for band in band_labels() for country in ATLAS_COUNTRIES if counts.get((band, country))]


def band_labels() -> list[str]:
    """Band names in order: ``0–25 km`` … ``> 500 km``."""
    lows = (0, *DISTANCE_BANDS_KM)
    bands = [f"{lo}–{hi} km" for lo, hi in zip(lows, DISTANCE_BANDS_KM, strict=False)]
    return [*bands, f"> {DISTANCE_BANDS_KM[-1]} km"]


def _band(distance_km: float) -> str:
    labels = band_labels()
    for label, upper in zip(labels, DISTANCE_BANDS_KM, strict=False):
        if distance_km < upper:
            return label
    return labels[-1]


def timeline_years(as_of: date) -> list[int]:
    """Years the timeline samples: 2000, 2005 and 2010, then every year from 2011 to ``as_of``'s year."""
    return [*range(TIMELINE_START, min(YEARLY_FROM, as_of.year + 1), 5), *range(YEARLY_FROM, as_of.year + 1)]


def timeline_rows(as_of: date) -> list[dict]:
    """On 1 January of each :func:`timeline_years` year (``as_of`` for its own year): share site equivalents by
    partner over all five countries. Each partner table costs seconds, so a date's rows are kept per app."""
    cache = current_app.extensions.setdefault("atlas_timeline", {})
    if as_of not in cache:
        if len(cache) >= 8:
            cache.pop(next(iter(cache)))
        cache[as_of] = _timeline_rows(as_of)
    return cache[as_of]


def _timeline_rows(as_of: date) -> list[dict]:
    state = get_state()
    rows = []
    for year in timeline_years(as_of):
        day = date(year, 1, 1) if year < as_of.year else as_of
        matrix = partner_matrix(state.partners_at(day), state.sites, by="country")
        totals: dict[str, float] = {}
        for r in matrix.to_dict("records"):
            totals[r["partner"]] = totals.get(r["partner"], 0.0) + float(r["share_site_equivalents"])
        rows += [{"category": str(year), "series": p, "value": round(v, 3)} for p, v in totals.items()]
    return rows


def agreement_marks(as_of: date) -> dict[int, list[tuple[str, str]]]:
    """Year → one (titles, partner colour) per partner that signed agreements that year, up to ``as_of``."""
    by_year: dict[int, dict[str, list[str]]] = {}
    for a in get_state().store.agreements.to_dict("records"):
        if a["signed"][:4].isdigit() and TIMELINE_START <= int(a["signed"][:4]) <= as_of.year:
            partner = partner_of_country(a["partner"])
            by_year.setdefault(int(a["signed"][:4]), {}).setdefault(partner, []).append(
                f"{a['title']} ({a['country']}–{a['partner']})")
    return {year: [(f"{partner}: " + "; ".join(titles), PARTNER_COLOURS.get(partner, "#999"))
                   for partner, titles in partners.items()] for year, partners in sorted(by_year.items())}


def _stacked_svg(rows: list[dict], title: str, categories: list[str], series: list[str], colours: dict[str, str],
                 category_label: Callable[[str], str], series_label: Callable[[str], str], unit: str) -> str:
    values = {(r["category"], r["series"]): r["value"] for r in rows}
    present = [c for c in categories if any((c, s) in values for s in series)]
    parts = [Series(series_label(s), colours.get(s, "#999"), tuple(values.get((c, s), 0.0) for c in present))
             for s in series if any((c, s) in values for c in present)]
    return stacked_bars(title, [category_label(c) for c in present], parts, unit)


def _chart(name: str, as_of: date) -> tuple[list[dict], str]:
    lang = current_language()
    titles = chart_titles(as_of)
    if name == "partners-by-country":
        rows = partner_rows("country", as_of)
        return rows, _stacked_svg(rows, titles[name],
                                  list(ATLAS_COUNTRIES), list(PARTNER_GROUPS), PARTNER_COLOURS,
                                  lambda c: country_name(c, lang), lambda s: partner_name(s, lang), "")
    if name == "partners-by-commodity-group":
        rows = partner_rows("commodity_group", as_of)
        return rows, _stacked_svg(rows, titles[name], [*GROUPS, OTHER_GROUP], list(PARTNER_GROUPS),
                                  PARTNER_COLOURS, group_label, lambda s: partner_name(s, lang), "")
    if name == "corridor-bands":
        rows = band_rows(as_of)
        return rows, _stacked_svg(rows, titles[name], band_labels(),
                                  list(ATLAS_COUNTRIES), COUNTRY_COLOURS, str, lambda c: country_name(c, lang), "")
    if name == "partner-timeline":
        rows = timeline_rows(as_of)
        years = timeline_years(as_of)
        values = {(r["category"], r["series"]): r["value"] for r in rows}
        series = [Series(partner_name(p, lang), PARTNER_COLOURS[p], tuple(values.get((str(y), p), 0.0) for y in years))
                  for p in PARTNER_GROUPS if any((str(y), p) in values for y in years)]
        return rows, year_lines(titles[name], years, series, agreement_marks(as_of))
    raise NotFound(f"no chart {name!r}; charts: {', '.join(CHARTS)}")


def chart_titles(as_of: date) -> dict[str, str]:
    """Chart name → its title in the UI language (the image's text alternative)."""
    return {
        "partners-by-country": gettext("Partner shares by country, %(day)s (site equivalents)", day=as_of),
        "partners-by-commodity-group": gettext("Partner shares by commodity group, %(day)s (site equivalents)",
                                               day=as_of),
        "corridor-bands": gettext("Mapped sites by distance to the nearest corridor"),
        "partner-timeline": gettext("Licensed deposits by partner, %(start)s–%(end)s (site equivalents; ticks: "
                                    "agreements)", start=TIMELINE_START, end=as_of.year),
    }


#: Chart names, in page order.
CHARTS = ("partners-by-country", "partners-by-commodity-group", "corridor-bands", "partner-timeline")


@bp.get("/charts")
def index():
    """Every chart, each with its CSV."""
    as_of = as_of_from_request()
    titles = chart_titles(as_of)
    charts = [(name, titles[name]) for name in CHARTS if name != "partner-timeline"]
    return render_template("charts.html", charts=charts, as_of=as_of)


@bp.get("/charts/<name>.svg")
def svg(name: str):
    """One chart as an SVG image."""
    return Response(_chart(name, as_of_from_request())[1], mimetype="image/svg+xml")


@bp.get("/charts/<name>.csv")
def data(name: str):
    """The data of one chart as CSV: category, series, value."""
    rows, _ = _chart(name, as_of_from_request())
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["category", "series", "value"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
