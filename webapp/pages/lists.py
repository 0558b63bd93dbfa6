"""List pages: every site (filtered, paged), every country and every company, each linking to its own page."""

from __future__ import annotations

import pandas as pd
from flask import Blueprint, render_template, request

from geo.critical_lists import CRITICAL_LISTS, CriticalList, on_list
from geo.partners import PARTNER_COLOURS
from layers.deposits.commodities import GROUPS
from layers.deposits.records import ATLAS_COUNTRIES
from webapp.api.ownership import as_of_from_request
from webapp.errors import BadRequest
from webapp.params import parse_countries, parse_int, parse_query, parse_terms
from webapp.state import get_state

bp = Blueprint("lists", __name__)

#: Rows on one page of the site list.
PAGE_SIZE = 100


@bp.get("/sites")
def sites():
    """Every site, filtered by ``country``, ``commodity`` (value or group) and ``q`` (name), 100 a page."""
    state = get_state()
    countries = parse_countries(request.args.get("country"))
    commodities = parse_terms(request.args.get("commodity"), "commodity")
    query = parse_query(request.args.get("q"))
    critical = parse_critical_list(request.args.get("critical"))
    page = parse_int(request.args.get("page"), "page", default=1, minimum=1, maximum=10_000)
    as_of = as_of_from_request()
    rows = _select(state.sites, countries, commodities, query)
    if critical is not None:
        rows = [{**r, "critical": on_list(r["commodities"], critical)} for r in rows]
        rows = [r for r in rows if r["critical"]]
    partners = state.partners_at(as_of)["controlling_partner"].to_dict()
    start = (page - 1) * PAGE_SIZE
    shown = [{**r, "controlling_partner": _text(partners.get(r["site_id"])),
              "access": state.access_by_site.get(r["site_id"], {})} for r in rows[start:start + PAGE_SIZE]]
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    return render_template("sites.html", rows=shown, total=len(rows), page=page, pages=pages,
                           country=",".join(countries or []), commodity=",".join(commodities or []), q=query or "",
                           as_of=as_of, countries=ATLAS_COUNTRIES, groups=list(GROUPS), colours=PARTNER_COLOURS,
                           critical=critical, critical_lists=CRITICAL_LISTS)


def parse_critical_list(value: str | None) -> CriticalList | None:
    """Parse ``critical`` (a list id of :data:`geo.critical_lists.CRITICAL_LISTS`); None when absent."""
    if not value:
        return None
    if value not in CRITICAL_LISTS:
        raise BadRequest(f"critical must be one of {', '.join(CRITICAL_LISTS)}; got {value!r}", parameter="critical")
    return CRITICAL_LISTS[value]


def _text(value) -> str:
    """A partner name, or empty for a site without one (the partner table holds NaN there)."""
    return value if isinstance(value, str) else ""


def _select(frame, countries, commodities, query) -> list[dict]:
    mask = frame["site_id"].notna()
    if countries:
        mask &= frame["country"].isin(countries)
    if commodities:
        wanted = set()
        for term in commodities:
            wanted |= GROUPS.get(term, frozenset({term}))
        mask &= pd.Series([bool(wanted.intersection(v)) for v in frame["commodities"]], index=frame.index)
    if query:
        needle = query.casefold()
        mask &= pd.Series([any(needle in n.casefold() for n in [name, *names]) for name, names in zip(
            frame["name"], frame["names"], strict=True)], index=frame.index)
    columns = ["site_id", "name", "names", "country", "commodities", "commodity_groups", "status", "n_sources",
               "location_precision_km"]
    return frame.loc[mask, columns].sort_values(["country", "name"], kind="stable").to_dict("records")


@bp.get("/countries")
def countries():
    """The five countries with their numbers of sites and licences."""
    state = get_state()
    profiles = state.store.country_profiles.to_dict("records")
    site_counts = state.sites["country"].value_counts().to_dict()
    licence_counts = state.store.licences["deposit_country"].value_counts().to_dict()
    rows = [{**p, "sites": int(site_counts.get(p["country"], 0)),
             "licences": int(licence_counts.get(p["country"], 0))} for p in profiles]
    return render_template("countries.html", rows=rows)


@bp.get("/companies")
def companies():
    """Every company, state body, fund and bank, with how many licences it holds and stakes it has."""
    state = get_state()
    held = state.store.licences["holder_company_id"].value_counts().to_dict()
    owns = state.store.ownership["owner_id"].value_counts().to_dict()
    rows = [{**c, "licences": int(held.get(c["company_id"], 0)), "stakes": int(owns.get(c["company_id"], 0))}
            for c in state.store.companies.sort_values("name", kind="stable").to_dict("records")]
    return render_template("companies.html", rows=rows)
