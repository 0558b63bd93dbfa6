"""The JSON API: thin views that parse parameters, call geo/, and serialise GeoJSON."""

from __future__ import annotations

from flask import Blueprint, Response, json, request, url_for

from geo.sites import SiteQuery, filter_sites, page
from webapp.geojson import SITE_PROPERTIES, feature, feature_collection
from webapp.params import parse_bbox, parse_choice, parse_countries, parse_int, parse_query, parse_site_id, parse_terms
from webapp.state import get_state

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
    matched = filter_sites(state.sites, query)
    rows = page(matched, limit=limit, offset=offset)
    body = feature_collection(
        rows, SITE_PROPERTIES, extra=lambda row: {"url": url_for("pages.site", site_id=row["site_id"])},
        numberMatched=len(matched), numberReturned=len(rows), links=_links(len(matched), limit, offset),
    )
    return geojson_response(body)


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
    if state.countries_outline is None:
        frame = state.store.countries.copy()
        frame["geometry"] = frame.geometry.simplify(0.01, preserve_topology=True)
        state.countries_outline = feature_collection(frame, ("iso_a2", "name", "name_ru"))
    return geojson_response(state.countries_outline)


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
