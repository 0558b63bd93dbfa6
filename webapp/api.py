"""The JSON API: thin views that parse parameters, call geo/, and serialise GeoJSON."""

from __future__ import annotations

from datetime import date

import pandas as pd
from flask import Blueprint, Response, json, request, url_for

from geo.partners import SHARE_PROPERTY
from geo.rollups import partner_matrix
from geo.sites import SiteQuery, filter_sites, page
from webapp.errors import BadRequest
from webapp.geojson import SITE_PROPERTIES, feature, feature_collection
from webapp.params import (
    parse_bbox,
    parse_choice,
    parse_countries,
    parse_date,
    parse_float,
    parse_int,
    parse_partners,
    parse_query,
    parse_site_id,
    parse_terms,
)
from webapp.state import ACCESS_PROPERTIES, get_state

bp = Blueprint("api", __name__, url_prefix="/api")

#: Source-record columns written in a site's ``source_records``.
RECORD_PROPERTIES = (
    "record_id", "source", "dataset", "name", "aliases", "country", "commodities", "commodity_groups",
    "deposit_types", "status", "grade_tonnage", "references", "upstream_url", "location_precision_km",
    "location_status", "location_raw", "country_check", "same_as",
)


def geojson_response(body: dict, status: int = 200) -> Response:
    """Serialise ``body`` as ``application/geo+json``."""
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/geo+json")


def site_query_from_request() -> SiteQuery:
    """Parse the site filters shared by every sites endpoint."""
    args = request.args
    countries = parse_countries(args.get("country"))
    commodities = parse_terms(args.get("commodity"), "commodity")
    return SiteQuery(
        countries=tuple(countries) if countries else None,
        commodities=tuple(commodities) if commodities else None,
        bbox=parse_bbox(args.get("bbox")),
        q=parse_query(args.get("q")),
        mapped_only=parse_choice(args.get("mapped"), "mapped", ("any", "true"), "any") == "true",
    )


@bp.get("/sites")
def sites():
    """Sites as a GeoJSON FeatureCollection, filtered and paged."""
    state = get_state()
    limits = state.settings.api
    query = site_query_from_request()
    limit = parse_int(request.args.get("limit"), "limit", default=limits.default_limit, minimum=1,
                      maximum=limits.max_limit)
    offset = parse_int(request.args.get("offset"), "offset", default=0, minimum=0, maximum=10**9)
    as_of = parse_date(request.args.get("as_of"), "as_of", default=date.today())
    partners = parse_partners(request.args.get("partner"))
    table = state.partners_at(as_of)
    matched = filter_sites(state.sites, query)
    if partners:
        controlled = set(table.index[table["controlling_partner"].isin(partners)])
        matched = matched[matched["site_id"].isin(controlled)]
    matched = filter_by_corridor(matched, state, parse_corridor(request.args.get("corridor"), state),
                                 parse_float(request.args.get("max_corridor_km"), "max_corridor_km",
                                             minimum=0.0, maximum=20_000.0))
    rows = page(matched, limit=limit, offset=offset)
    body = feature_collection(
        rows, SITE_PROPERTIES, extra=lambda row: {"url": url_for("pages.site", site_id=row["site_id"]),
                                                  **partner_properties(table, row["site_id"]),
                                                  **state.access_by_site.get(row["site_id"], NO_ACCESS)},
        numberMatched=len(matched), numberReturned=len(rows), links=_links(len(matched), limit, offset),
        as_of=as_of.isoformat(),
    )
    return geojson_response(body)


#: The access properties of a site without a location.
NO_ACCESS = dict.fromkeys(ACCESS_PROPERTIES)


def parse_corridor(value: str | None, state) -> str | None:
    """Parse a corridor id among the corridors of the store."""
    if value is None or value == "":
        return None
    known = set(state.store.corridors["corridor_id"])
    if value not in known:
        raise BadRequest(f"corridor must be one of {', '.join(sorted(known))}; got {value!r}", parameter="corridor")
    return value


def filter_by_corridor(sites, state, corridor: str | None, max_km: float | None):
    """Keep sites near a corridor: within ``max_km`` of ``corridor``; nearest to ``corridor`` (existing or
    planned) when no distance is given; within ``max_km`` of the nearest existing corridor when no corridor is."""
    if corridor is None and max_km is None:
        return sites
    table = state.analysis.layer("site_corridors")
    if corridor is not None:
        rows = table[table["corridor_id"] == corridor]
        if max_km is not None:
            keep = set(rows.loc[rows["distance_km"] <= max_km, "site_id"])
        else:
            access = state.analysis.layer("site_access")
            keep = set(access.loc[(access["nearest_corridor"] == corridor)
                                  | (access["nearest_corridor_any"] == corridor), "site_id"])
    else:
        access = state.analysis.layer("site_access")
        keep = set(access.loc[access["corridor_distance_km"] <= max_km, "site_id"])
    return sites[sites["site_id"].isin(keep)]


def partner_properties(table, site_id: str) -> dict:
    """``controlling_partner``, ``dominant_partner`` and one ``share_<group>`` per partner group (None if none)."""
    empty = {"controlling_partner": None, "dominant_partner": None, **{p: None for p in SHARE_PROPERTY.values()}}
    if site_id not in table.index:
        return empty
    row = table.loc[site_id]
    return {key: (None if pd.isna(row[key]) else row[key]) for key in empty}


@bp.get("/sites/<path:site_id>")
def site(site_id: str):
    """One site as a Feature, with its source records."""
    row, records = get_state().site_with_records(parse_site_id(site_id))
    body = feature(row.to_dict(), row.geometry, SITE_PROPERTIES, {
        "url": url_for("pages.site", site_id=site_id),
        "provenance": row["provenance"],
        "source_records": [feature(r.to_dict(), r.geometry, RECORD_PROPERTIES) for r in records],
    })
    return geojson_response(body)


@bp.get("/countries")
def countries():
    """Country outlines (simplified) for the offline base map."""
    state = get_state()
    as_of = parse_date(request.args.get("as_of"), "as_of", default=date.today())
    if state.countries_outline is None:
        frame = state.store.countries.copy()
        frame["geometry"] = frame.geometry.simplify(0.01, preserve_topology=True)
        state.countries_outline = feature_collection(frame, ("iso_a2", "name", "name_ru"))
    shares = country_partner_shares(partner_matrix(state.partners_at(as_of), state.sites, by="country"))
    features = [
        {**f, "properties": {**f["properties"], **shares.get(f["properties"]["iso_a2"], {})}}
        for f in state.countries_outline["features"]
    ]
    return geojson_response({**state.countries_outline, "features": features, "as_of": as_of.isoformat()})


def country_partner_shares(matrix) -> dict[str, dict]:
    """Per country: ``licensed_sites`` and ``partner_shares`` (partner -> % of licensed deposits, known part)."""
    result: dict[str, dict] = {}
    for row in matrix.to_dict("records"):
        entry = result.setdefault(row["key"], {"licensed_sites": row["sites_with_licence"], "partner_shares": {}})
        if row["share_site_equivalents"]:
            entry["partner_shares"][row["partner"]] = round(
                100.0 * row["share_site_equivalents"] / row["sites_with_licence"], 2)
    return result


def _links(matched: int, limit: int, offset: int) -> list[dict]:
    args = request.args.to_dict()
    links = [{"rel": "self", "type": "application/geo+json", "href": request.url}]
    if offset + limit < matched:
        links.append({"rel": "next", "type": "application/geo+json",
                      "href": url_for("api.sites", _external=True, **{**args, "offset": offset + limit})})
    if offset > 0:
        links.append({"rel": "prev", "type": "application/geo+json",
                      "href": url_for("api.sites", _external=True, **{**args, "offset": max(0, offset - limit)})})
    return links
