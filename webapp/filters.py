"""The workspace filters at the edge: query string → SiteFilter, the filtered sites, and /api/facets."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
from flask import Blueprint, jsonify, request
from werkzeug.datastructures import MultiDict

from geo.site_filters import FilterContext, SiteFilter, apply_filter, facet_counts
from webapp.errors import BadRequest
from webapp.params import (
    parse_bbox,
    parse_choice,
    parse_countries,
    parse_date,
    parse_float,
    parse_partners,
    parse_query,
    parse_terms,
)
from webapp.state import AtlasState, get_state

bp = Blueprint("filters", __name__, url_prefix="/api")

#: The largest ``max_corridor_km`` accepted.
MAX_CORRIDOR_KM = 20_000.0

#: Query-string parameters of the filter model, in the order the page writes them into its URL.
FILTER_PARAMETERS = ("country", "commodity", "deposit_type", "status", "partner", "partner_any", "licensed",
                     "holder_unknown", "corridor", "max_corridor_km", "as_of", "q", "bbox", "mapped")


def parse_yes_no(value: str | None, name: str) -> bool | None:
    """Parse ``yes`` / ``no`` (also ``true`` / ``false``); None when absent."""
    choice = parse_choice(value, name, ("yes", "no", "true", "false"), "")
    return None if choice == "" else choice in ("yes", "true")


def parse_corridor(value: str | None, state: AtlasState) -> str | None:
    """Parse a corridor id among the corridors of the store."""
    if value is None or value == "":
        return None
    known = set(state.store.corridors["corridor_id"])
    if value not in known:
        raise BadRequest(f"corridor must be one of {', '.join(sorted(known))}; got {value!r}", parameter="corridor")
    return value


def _tuple(values: list[str] | None) -> tuple[str, ...] | None:
    return tuple(values) if values else None


def parse_site_filter(args: MultiDict, state: AtlasState) -> SiteFilter:
    """Turn the request's query string into a :class:`SiteFilter`, or raise BadRequest naming the parameter."""
    return SiteFilter(
        as_of=parse_date(args.get("as_of"), "as_of", default=date.today()),
        countries=_tuple(parse_countries(args.get("country"))),
        commodities=_tuple(parse_terms(args.get("commodity"), "commodity")),
        deposit_types=_tuple(parse_terms(args.get("deposit_type"), "deposit_type")),
        statuses=_tuple(parse_terms(args.get("status"), "status")),
        partners=_tuple(parse_partners(args.get("partner"))),
        partners_any=_tuple(parse_partners(args.get("partner_any"), name="partner_any")),
        licensed=parse_yes_no(args.get("licensed"), "licensed"),
        holder_unknown=parse_yes_no(args.get("holder_unknown"), "holder_unknown"),
        corridor=parse_corridor(args.get("corridor"), state),
        max_corridor_km=parse_float(args.get("max_corridor_km"), "max_corridor_km", minimum=0.0,
                                    maximum=MAX_CORRIDOR_KM),
        q=parse_query(args.get("q")),
        bbox=parse_bbox(args.get("bbox")),
        mapped_only=parse_choice(args.get("mapped"), "mapped", ("any", "true"), "any") == "true",
    )


def filter_context(state: AtlasState, as_of: date) -> FilterContext:
    """The frames the filter reads on ``as_of``."""
    return FilterContext(sites=state.sites, partner_table=state.partners_at(as_of), coverage=state.coverage_at(as_of),
                         site_corridors=state.analysis.layer("site_corridors"),
                         site_access=state.analysis.layer("site_access"))


def filtered_sites(state: AtlasState, args: MultiDict) -> tuple[gpd.GeoDataFrame, pd.DataFrame, date]:
    """The sites the request's filters keep, the partner table of its ``as_of``, and ``as_of``."""
    site_filter = parse_site_filter(args, state)
    context = filter_context(state, site_filter.as_of)
    return apply_filter(context, site_filter), context.partner_table, site_filter.as_of


@bp.get("/facets")
def facets():
    """How many sites each choice of each filter would show, the other filters kept (the workspace's counts)."""
    state = get_state()
    site_filter = parse_site_filter(request.args, state)
    counts = facet_counts(filter_context(state, site_filter.as_of), site_filter)
    return jsonify({"as_of": site_filter.as_of.isoformat(), "counts": counts})


def site_holders(state: AtlasState) -> dict[str, list[str]]:
    """Per site: the holders of the licences joined to it (company names, else the holder text), in order."""
    names = dict(zip(state.store.companies["company_id"], state.store.companies["name"], strict=True))
    licences = state.store.licences
    holder = {lid: names.get(cid) or text for lid, cid, text in
              zip(licences["licence_id"], licences["holder_company_id"], licences["holder_text"], strict=True)}
    result: dict[str, list[str]] = {}
    for site_id, licence_id in zip(state.store.licence_sites["site_id"], state.store.licence_sites["licence_id"],
                                   strict=True):
        name = holder.get(licence_id)
        if name and name not in result.setdefault(site_id, []):
            result[site_id].append(name)
    return result
