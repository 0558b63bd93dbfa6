"""Ownership API: a site's partners and chains, companies, the partner matrix and the agreements."""

from __future__ import annotations

import io
from datetime import date

import geopandas as gpd
from flask import Blueprint, Response, jsonify, request

from geo.coverage import COVERAGE_BY, coverage_rollup, coverage_totals
from geo.rollups import control_timeline, partner_matrix
from geo.site_ownership import site_ownership
from webapp.api.sites import download_headers, layer_response, parse_format
from webapp.errors import BadRequest, NotFound
from webapp.exports import csv_text
from webapp.params import parse_choice, parse_company_id, parse_countries, parse_date, parse_int, parse_site_id
from webapp.state import AtlasState, get_state

bp = Blueprint("ownership", __name__, url_prefix="/api")

#: The longest timeline one request may ask for (each year is one attribution of every licensed site).
MAX_TIMELINE_YEARS = 60


def as_of_from_request() -> date:
    """The ``as_of`` parameter (default: today)."""
    return parse_date(request.args.get("as_of"), "as_of", default=date.today())


@bp.get("/sites/<path:site_id>/ownership")
def site_partners(site_id: str):
    """Partners, chains, relations and flags of one site on ``as_of``."""
    state = get_state()
    as_of = as_of_from_request()
    row, _ = state.site_with_records(parse_site_id(site_id))
    result = site_ownership(row.to_dict(), state.licences_of(row["site_id"]), state.graph, as_of)
    result["site_name"] = row["name"]
    return jsonify(result)


def company_json(state: AtlasState, company_id: str, as_of: date, host: str | None) -> dict:
    """A company, its owners, holdings, licences, relations and partner attribution on ``as_of``."""
    if company_id not in state.graph.companies:
        raise NotFound(f"no company {company_id!r}")
    entity = state.graph.entity(company_id)
    licences = state.store.licences.drop(columns="geometry", errors="ignore")
    held = licences[licences["holder_company_id"] == company_id]
    host = host or (held["deposit_country"].iloc[0] if len(held) else entity["home_country"])
    attribution = state.graph.attribute(company_id, host, as_of)
    joined = state.store.licence_sites
    return {
        "company": {k: entity[k] for k in ("company_id", "name", "name_ru", "kind", "home_country", "listed_on",
                                           "notes", "source", "confidence")},
        "as_of": as_of.isoformat(),
        "host_country": host,
        "owners": [e.as_dict() for e in state.graph.owners(company_id, as_of)],
        "holdings": [e.as_dict() for e in state.graph.holdings(company_id, as_of)],
        "licences": [
            {**{k: row[k] for k in ("licence_id", "deposit_name", "deposit_country", "licence_kind", "status",
                                    "granted", "valid_to")},
             "site_ids": joined.loc[joined["licence_id"] == row["licence_id"], "site_id"].tolist()}
            for row in held.to_dict("records")
        ],
        "controller_chain": attribution.controller_chain,
        "controlling_partner": attribution.controlling_partner,
        "partners": [{"partner": p.partner, "share_pct": None if p.fraction is None else round(p.fraction * 100, 4),
                      "ultimate_owner": p.terminal_id, "via_control": p.via_control} for p in attribution.parts],
        "flags": attribution.flags,
    }


@bp.get("/companies/<company_id>")
def company(company_id: str):
    """One company with its owners, holdings and licences on ``as_of``."""
    state = get_state()
    host = parse_countries(request.args.get("host"), "host")
    return jsonify(company_json(state, parse_company_id(company_id), as_of_from_request(), host[0] if host else None))


@bp.get("/partners/matrix")
def matrix():
    """Country x partner (or commodity group x partner) matrix on ``as_of``, as JSON or CSV."""
    state = get_state()
    as_of = as_of_from_request()
    by = parse_choice(request.args.get("by"), "by", ("country", "commodity_group"), "country")
    fmt = parse_choice(request.args.get("f"), "f", ("json", "csv"), "json")
    frame = partner_matrix(state.partners_at(as_of), state.sites, by=by)
    frame = frame.rename(columns={"key": by})
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write(f"# Partner attribution of licensed deposits by {by}, as of {as_of.isoformat()}. "
                     "Source: Central Asia Critical Minerals Atlas (curated tables, MIT).\n")
        buffer.write(csv_text(frame))
        filename = f"atlas-partner-matrix-by-{by}-{as_of.isoformat()}.csv"
        return Response(buffer.getvalue(), mimetype="text/csv", headers=download_headers(filename, "partner_matrix"))
    return jsonify({"as_of": as_of.isoformat(), "by": by, "rows": frame.to_dict("records")})


@bp.get("/partners/timeline")
def timeline():
    """Sites controlled by each partner on 1 January of each year, per country."""
    state = get_state()
    start = parse_int(request.args.get("from"), "from", default=2010, minimum=1990, maximum=2100)
    # The default end is this year, or the start when the start lies in the future.
    end = parse_int(request.args.get("to"), "to", default=max(start, date.today().year), minimum=start, maximum=2100)
    if end - start > MAX_TIMELINE_YEARS:
        raise BadRequest(f"from..to may span at most {MAX_TIMELINE_YEARS} years; got {start}..{end}", parameter="to")
    days = [date(year, 1, 1) for year in range(start, end + 1)]
    frame = control_timeline(state.sites, state.store.licences, state.store.licence_sites, state.graph, days)
    return jsonify({"from": start, "to": end, "rows": frame.to_dict("records")})


@bp.get("/licences")
def licences():
    """Licences (a polygon where the licence area is known) with the ``site_ids`` each covers; filter by
    ``country``; ``f`` downloads them."""
    state = get_state()
    fmt = parse_format(request.args.get("f"))
    countries = parse_countries(request.args.get("country"))
    frame = licences_frame(state)
    if countries:
        frame = frame[frame["deposit_country"].isin(countries)]
    return layer_response(frame, fmt, "licences", date.today(), id_column="licence_id", numberMatched=len(frame))


def licences_frame(state: AtlasState) -> gpd.GeoDataFrame:
    """The licences layer with ``site_ids``: the sites each licence covers (``licence_sites``)."""
    frame = state.store.licences
    covered = state.store.licence_sites.groupby("licence_id")["site_id"].agg(list).to_dict()
    columns = [c for c in frame.columns if c != "geometry"]
    table = frame[columns].assign(site_ids=[covered.get(i, []) for i in frame["licence_id"]])
    return gpd.GeoDataFrame(table, geometry=frame.geometry, crs=frame.crs)


@bp.get("/agreements")
def agreements():
    """State agreements, MoUs, roadmaps and declarations, newest first; filter by ``country``."""
    state = get_state()
    countries = parse_countries(request.args.get("country"))
    frame = state.store.agreements
    if countries:
        frame = frame[frame["country"].isin(countries)]
    frame = frame.sort_values("signed", ascending=False, kind="stable")
    return jsonify({"agreements": frame.to_dict("records"), "numberMatched": len(frame)})


@bp.get("/coverage")
def coverage():
    """Per country (or commodity group): sites, and those with a sourced holder, known owner and known share."""
    state = get_state()
    as_of = as_of_from_request()
    by = parse_choice(request.args.get("by"), "by", COVERAGE_BY, "country")
    fmt = parse_choice(request.args.get("f"), "f", ("json", "csv"), "json")
    flags = state.coverage_at(as_of)
    frame = coverage_rollup(flags, state.sites, by=by).rename(columns={"key": by})
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write(f"# Ownership coverage of sites by {by}, as of {as_of.isoformat()}. "
                     "Source: Central Asia Critical Minerals Atlas (curated tables, MIT).\n")
        buffer.write(csv_text(frame))
        filename = f"atlas-coverage-by-{by}-{as_of.isoformat()}.csv"
        return Response(buffer.getvalue(), mimetype="text/csv", headers=download_headers(filename, "coverage"))
    return jsonify({"as_of": as_of.isoformat(), "by": by, "totals": coverage_totals(flags),
                    "rows": frame.to_dict("records")})
