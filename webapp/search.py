"""/api/search: the workspace search, its results grouped by kind (sites, commodities, companies, countries)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, request, url_for

from geo.search import Hit, search_commodities, search_labels, search_names
from layers.deposits.records import ATLAS_COUNTRIES
from layers.schema import METRIC_CRS
from webapp.api.sites import NO_ACCESS, coverage_property, partner_properties
from webapp.geojson import SITE_PROPERTIES, feature
from webapp.params import parse_date, parse_int, parse_query
from webapp.state import AtlasState, get_state

bp = Blueprint("search", __name__, url_prefix="/api")

#: Most results of each kind.
MAX_PER_KIND = 50


@bp.get("/search")
def search():
    """Search names (any script, one typo), commodities (symbol, English, Russian), companies and countries.

    Every site result is a GeoJSON Feature with the properties ``/api/sites`` gives on ``as_of`` (partner and
    coverage included), so a popup built from it says what the map says on that day.
    """
    state = get_state()
    text = parse_query(request.args.get("q"))
    as_of = parse_date(request.args.get("as_of"), "as_of", default=date.today())
    limit = parse_int(request.args.get("limit"), "limit", default=10, minimum=1, maximum=MAX_PER_KIND)
    groups = [] if text is None else [
        {"kind": "sites", "items": _sites(state, text, as_of, limit)},
        {"kind": "commodities", "items": _commodities(state, text, limit)},
        {"kind": "companies", "items": _companies(state, text, as_of, limit)},
        {"kind": "countries", "items": _countries(state, text, limit)},
    ]
    return jsonify({"q": text or "", "as_of": as_of.isoformat(), "groups": [g for g in groups if g["items"]]})


def _sites(state: AtlasState, text: str, as_of: date, limit: int) -> list[dict]:
    keys = state.sites.set_index("site_id")["search_keys"]
    table = state.partners_at(as_of)
    flags = state.coverage_at(as_of)
    items = []
    for hit in search_names(keys, text, limit=limit):
        row = state.sites.iloc[state.site_index[hit.key]]
        extra = {"url": url_for("pages.site", site_id=hit.key, as_of=as_of.isoformat()),
                 **partner_properties(table, hit.key), **coverage_property(flags, hit.key),
                 **state.access_by_site.get(hit.key, NO_ACCESS), "match": hit.match, "score": hit.score}
        items.append(feature(row.to_dict(), row.geometry, SITE_PROPERTIES, extra))
    return items


def _commodities(state: AtlasState, text: str, limit: int) -> list[dict]:
    counts: dict[str, int] = {}
    for values, groups in zip(state.sites["commodities"], state.sites["commodity_groups"], strict=True):
        for value in {*values, *groups}:
            counts[value] = counts.get(value, 0) + 1
    return [{"value": hit.key, "match": hit.match, "sites": counts.get(hit.key, 0)}
            for hit in search_commodities(text)[:limit]]


def _companies(state: AtlasState, text: str, as_of: date, limit: int) -> list[dict]:
    companies = state.store.companies.set_index("company_id")
    return [{"company_id": hit.key, "name": companies.at[hit.key, "name"],
             "name_ru": companies.at[hit.key, "name_ru"] or None, "match": hit.match,
             "url": url_for("pages.company", company_id=hit.key, as_of=as_of.isoformat())}
            for hit in search_labels(companies, text, columns=("name", "name_ru"), limit=limit)]


def _countries(state: AtlasState, text: str, limit: int) -> list[dict]:
    countries = state.store.countries
    countries = countries[countries["iso_a2"].isin(ATLAS_COUNTRIES)]
    # Natural Earth gives some codes twice (Baikonur is KZ): keep each country's largest outline.
    countries = countries.assign(_area=countries.geometry.to_crs(METRIC_CRS).area).sort_values("_area", ascending=False)
    countries = countries.drop(columns=["geometry", "_area"]).drop_duplicates("iso_a2").set_index("iso_a2")
    hits = search_labels(countries, text, columns=("name", "name_ru"), limit=limit)
    code = text.strip().upper()
    if code in countries.index:
        hits = [Hit(code, 100.0, "code"), *[h for h in hits if h.key != code]]
    return [{"country": hit.key, "name": countries.at[hit.key, "name"], "name_ru": countries.at[hit.key, "name_ru"],
             "match": hit.match} for hit in hits]
