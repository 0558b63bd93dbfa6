"""The JSON API: thin views that parse parameters, call geo/, and serialise GeoJSON."""

from __future__ import annotations

import json as std_json
import re
from datetime import date

import geopandas as gpd
import pandas as pd
from flask import Blueprint, Response, json, request, url_for

from geo.partners import SHARE_PROPERTY
from geo.rollups import partner_matrix
from geo.sites import filter_by_corridor
from webapp.errors import BadRequest
from webapp.exports import EXPORTERS, Credit, export_filename, geojson_document, layer_credit
from webapp.filters import (
    MAX_CORRIDOR_KM,
    filter_context,
    filtered_sites,
    parse_corridor,
    parse_site_filter,
    site_holders,
)
from webapp.geojson import SITE_PROPERTIES, feature, feature_collection
from webapp.ogc.fields import LAYER_FIELDS, RECORD_FIELDS, SITE_FIELDS
from webapp.ogc.http import link_header
from webapp.params import (
    parse_countries,
    parse_date,
    parse_float,
    parse_int,
    parse_limit,
    parse_site_id,
)
from webapp.state import ACCESS_PROPERTIES, get_state

bp = Blueprint("api", __name__, url_prefix="/api")

#: Whitespace and control characters (C0, DEL, C1, line and paragraph separators) that a header value folds.
_HEADER_BREAKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")

#: Source-record columns written in a site's ``source_records``.
RECORD_PROPERTIES = (
    "record_id", "source", "dataset", "name", "aliases", "country", "commodities", "commodity_groups",
    "deposit_types", "status", "grade_tonnage", "references", "upstream_url", "location_precision_km",
    "location_status", "location_raw", "country_check", "same_as",
)


def geojson_response(body: dict, status: int = 200) -> Response:
    """Serialise ``body`` as ``application/geo+json``."""
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/geo+json")


def parse_format(value: str | None) -> str | None:
    """Parse ``f``, a download format of EXPORTERS; None (the JSON view) when absent."""
    if value is None or value == "":
        return None
    if value not in EXPORTERS:
        raise BadRequest(f"f must be one of {', '.join(EXPORTERS)}; got {value!r}", parameter="f")
    return value


def credit(layer: str) -> Credit:
    """The attribution and licence of a product, from the store's sources table."""
    return layer_credit(get_state().store.sources, layer)


def download_headers(filename: str, layer: str) -> dict[str, str]:
    """``Content-Disposition`` (attachment) and the ``X-Atlas-Attribution`` and ``X-Atlas-Licence`` headers."""
    text = credit(layer)
    return {"Content-Disposition": f'attachment; filename="{filename}"',
            "X-Atlas-Attribution": _header_text(text.attribution), "X-Atlas-Licence": _header_text(text.licence)}


def download_response(frame: gpd.GeoDataFrame, fmt: str, layer: str, day: date,
                      related: dict[str, pd.DataFrame] | None = None) -> Response:
    """A download of ``frame`` in format ``fmt``, named ``atlas-<layer>-<day>.<ext>``, with its credits."""
    exporter = EXPORTERS[fmt]
    text = credit(layer)
    options = {"related": related} if exporter.multi_layer and related else {}
    data = exporter.function(frame, layer=layer, attribution=text.attribution, licence=text.licence,
                             fields=LAYER_FIELDS, **options)
    return Response(data, mimetype=exporter.media_type,
                    headers=download_headers(export_filename(layer, day, exporter), layer))


def layer_response(frame: gpd.GeoDataFrame, fmt: str | None, layer: str, day: date, *,
                   id_column: str | None = None, **members) -> Response:
    """The JSON view of a layer (``fmt`` None: a FeatureCollection with ``members``) or a download of it."""
    if fmt is not None:
        return download_response(frame, fmt, layer, day)
    text = credit(layer)
    body = geojson_document(frame, attribution=text.attribution, licence=text.licence, id_column=id_column,
                            fields=LAYER_FIELDS[layer], layer=layer)
    return geojson_response({"type": "FeatureCollection", **members, **body})


def _header_text(text: str) -> str:
    # A header value is one line of Latin-1 (which holds "©"): a newline would make Werkzeug refuse the header
    # and the download a 500, so every run of whitespace and control characters folds to one space (the build
    # refuses such manifest text; this covers a store written otherwise). Characters beyond Latin-1 become "?".
    return _HEADER_BREAKS.sub(" ", text).strip().encode("latin-1", "replace").decode("latin-1")


def matched_sites(state) -> tuple[gpd.GeoDataFrame, pd.DataFrame, date]:
    """The sites every filter of the request keeps (webapp.filters), the partner table of ``as_of``, and ``as_of``."""
    return filtered_sites(state, request.args)


@bp.get("/sites")
def sites():
    """Sites as a GeoJSON FeatureCollection, filtered (and paged when ``limit`` or ``offset`` is given); or, with
    ``f``, a download of the matches.

    Without ``limit`` every match is returned, so a GIS client that reads the URL as a file (GDAL's GeoJSON
    driver, QGIS) gets every site; a ``limit`` above the maximum is capped to it, and ``next``/``prev`` links
    (in the body and the ``Link`` header) walk the pages.
    """
    state = get_state()
    limits = state.settings.api
    fmt = parse_format(request.args.get("f"))
    site_filter = parse_site_filter(request.args, state)
    as_of = site_filter.as_of
    offset = parse_int(request.args.get("offset"), "offset", default=0, minimum=0, maximum=10**9)
    # No limit (0, which parse_limit refuses from a client): every match from offset on.
    requested = parse_limit(request.args.get("limit"), default=0, maximum=limits.max_limit) or None
    context = filter_context(state, as_of)
    found = state.site_source.sites(context, site_filter, limit=requested, offset=offset)
    matched, rows, table = found.matched, found.rows, context.partner_table
    limit = requested or max(matched - offset, 1)
    flags = state.coverage_at(as_of)
    frame = site_frame(rows, table, flags, state, external=fmt is not None)
    if fmt is not None and fmt != "geojson":
        return download_response(frame, fmt, "sites", as_of, related={"source_records": records_frame(rows, state)})
    text = credit("sites")
    links = _links(matched, limit, offset)
    body = {"type": "FeatureCollection", "numberMatched": matched, "numberReturned": len(rows),
            "links": links, "as_of": as_of.isoformat(),
            **geojson_document(frame, attribution=text.attribution, licence=text.licence, id_column="site_id",
                               fields=LAYER_FIELDS["sites"], layer="sites")}
    headers = download_headers(export_filename("sites", as_of, EXPORTERS["geojson"]), "sites") if fmt else {}
    paging = link_header(links)
    if paging:
        headers["Link"] = paging
    return Response(std_json.dumps(body, ensure_ascii=False, allow_nan=False), mimetype="application/geo+json",
                    headers=headers)


def site_frame(rows: gpd.GeoDataFrame, table: pd.DataFrame, flags: pd.DataFrame, state, *,
               external: bool = True) -> gpd.GeoDataFrame:
    """Sites with the properties of the JSON view as columns (the page ``url`` absolute when ``external``)."""
    holders = site_holders(state)
    records = [
        {**{name: row[name] for name in SITE_PROPERTIES},
         "url": url_for("pages.site", site_id=row["site_id"], _external=external),
         **partner_properties(table, row["site_id"]), **coverage_property(flags, row["site_id"]),
         "holders": holders.get(row["site_id"]) or None,
         **state.access_by_site.get(row["site_id"], NO_ACCESS)}
        for row in rows.drop(columns="geometry").to_dict("records")
    ]
    columns = [*SITE_PROPERTIES, "url", *partner_properties(table, ""), "ownership_coverage", "holders", *NO_ACCESS]
    return gpd.GeoDataFrame(pd.DataFrame(records, columns=columns), geometry=rows.geometry.to_numpy(), crs=rows.crs)


def records_frame(rows: gpd.GeoDataFrame, state) -> gpd.GeoDataFrame:
    """The source records of ``rows``, each with the ``site_id`` it belongs to (primary record first)."""
    pairs = [(site_id, record_id) for site_id, ids in zip(rows["site_id"], rows["source_record_ids"], strict=True)
             for record_id in ids]
    records = state.store.source_records.iloc[[state.record_index[record_id] for _, record_id in pairs]]
    frame = records[[*RECORD_PROPERTIES, "geometry"]].reset_index(drop=True)
    frame.insert(0, "site_id", [site_id for site_id, _ in pairs])
    return frame


#: The access properties of a site without a location.
NO_ACCESS = dict.fromkeys(ACCESS_PROPERTIES)


def corridor_filter(sites, state, args) -> gpd.GeoDataFrame:
    """Apply the request's ``corridor`` and ``max_corridor_km`` to ``sites`` (see geo.sites.filter_by_corridor)."""
    analysis = state.analysis
    return filter_by_corridor(sites, analysis.layer("site_corridors"), analysis.layer("site_access"),
                              parse_corridor(args.get("corridor"), state),
                              parse_float(args.get("max_corridor_km"), "max_corridor_km", minimum=0.0,
                                          maximum=MAX_CORRIDOR_KM))


def partner_properties(table, site_id: str) -> dict:
    """``controlling_partner``, ``dominant_partner`` and one ``share_<group>`` per partner group (None if none)."""
    empty = {"controlling_partner": None, "dominant_partner": None, **{p: None for p in SHARE_PROPERTY.values()}}
    if site_id not in table.index:
        return empty
    row = table.loc[site_id]
    return {key: (None if pd.isna(row[key]) else row[key]) for key in empty}


def coverage_property(flags: pd.DataFrame, site_id: str) -> dict:
    """``ownership_coverage``: ``holder unknown`` (no sourced licence in force), ``share unknown`` (a holder,
    no named partner's share known) or ``share known`` (see geo.coverage.site_coverage)."""
    if site_id not in flags.index or not flags.at[site_id, "has_holder"]:
        return {"ownership_coverage": "holder unknown"}
    return {"ownership_coverage": "share known" if flags.at[site_id, "known_share"] else "share unknown"}


@bp.get("/sites/<path:site_id>")
def site(site_id: str):
    """One site as a Feature, with its source records."""
    row, records = get_state().site_with_records(parse_site_id(site_id))
    body = feature(row.to_dict(), row.geometry, SITE_FIELDS, {
        "url": url_for("pages.site", site_id=site_id),
        "provenance": row["provenance"],
        "source_records": [feature(r.to_dict(), r.geometry, RECORD_FIELDS) for r in records],
    })
    return geojson_response(body)


@bp.get("/countries")
def countries():
    """Country outlines (simplified) for the offline base map; with ``f``, a download at full resolution."""
    state = get_state()
    fmt = parse_format(request.args.get("f"))
    as_of = parse_date(request.args.get("as_of"), "as_of", default=date.today())
    if fmt is not None:
        return download_response(countries_frame(state, as_of), fmt, "countries", as_of)
    if state.countries_outline is None:
        frame = state.store.countries.copy()
        frame["geometry"] = frame.geometry.simplify(0.01, preserve_topology=True)
        state.countries_outline = feature_collection(frame, LAYER_FIELDS["countries"][:3])
    shares = country_partner_shares(partner_matrix(state.partners_at(as_of), state.sites, by="country"))
    features = [
        {**f, "properties": {**f["properties"], **shares.get(f["properties"]["iso_a2"], {})}}
        for f in state.countries_outline["features"]
    ]
    return geojson_response({**state.countries_outline, "features": features, "as_of": as_of.isoformat()})


def countries_frame(state, as_of: date) -> gpd.GeoDataFrame:
    """Country outlines (full resolution) with ``licensed_sites`` and ``partner_shares`` on ``as_of``."""
    shares = country_partner_shares(partner_matrix(state.partners_at(as_of), state.sites, by="country"))
    frame = state.store.countries[["iso_a2", "name", "name_ru", "geometry"]].reset_index(drop=True)
    frame.insert(3, "licensed_sites", [shares.get(iso, {}).get("licensed_sites", 0) for iso in frame["iso_a2"]])
    frame.insert(4, "partner_shares", [shares.get(iso, {}).get("partner_shares", {}) for iso in frame["iso_a2"]])
    return frame


@bp.get("/facilities")
def facilities():
    """Processing plants, research centres and proposed hubs (a point where known); filter by ``country``."""
    fmt = parse_format(request.args.get("f"))
    countries = parse_countries(request.args.get("country"))
    frame = get_state().store.facilities
    if countries:
        frame = frame[frame["country"].isin(countries)]
    return layer_response(frame, fmt, "facilities", date.today(), id_column="facility_id", numberMatched=len(frame))


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
