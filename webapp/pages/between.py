"""What changed between two dates: a page (/between) and its JSON (/api/between), both ?from=…&to=…."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, render_template, request

from geo.ownership_changes import dated_changes, site_partner_changes
from geo.partners import PARTNER_COLOURS
from webapp.errors import BadRequest
from webapp.params import parse_date
from webapp.state import AtlasState, get_state

bp = Blueprint("between", __name__)

#: The window shown when the URL names none: the start of 2020 to today.
DEFAULT_FROM = date(2020, 1, 1)


def parse_window() -> tuple[date, date]:
    """The ``from`` and ``to`` dates of the request (``from`` before ``to``)."""
    start = parse_date(request.args.get("from"), "from", default=DEFAULT_FROM)
    end = parse_date(request.args.get("to"), "to", default=date.today())
    if start >= end:
        raise BadRequest(f"from ({start}) must be before to ({end})", parameter="from")
    return start, end


def changes(state: AtlasState, start: date, end: date) -> dict:
    """Every change between ``start`` and ``end`` as plain records."""
    names = dict(zip(state.store.companies["company_id"], state.store.companies["name"], strict=True))
    edges = dated_changes(state.store.ownership, start, end, begins="valid_from", ends="valid_to")
    licences = dated_changes(state.store.licences.drop(columns="geometry", errors="ignore"), start, end,
                             begins="granted", ends="valid_to")
    agreements = dated_changes(state.store.agreements, start, end, begins="signed", ends=None)
    return {
        "from": start.isoformat(), "to": end.isoformat(),
        "sites": site_partner_changes(state.sites, state.partners_at(start), state.partners_at(end)),
        "ownership": [{"change": r["change"], "owner_id": r["owner_id"], "owner": names.get(r["owner_id"]),
                       "owned_id": r["owned_id"], "owned": names.get(r["owned_id"]),
                       "share_pct": None if r["share_pct"] != r["share_pct"] else r["share_pct"],
                       "valid_from": r["valid_from"], "valid_to": r["valid_to"], "relation": r["relation"]}
                      for r in edges.to_dict("records")],
        "licences": [{"change": r["change"], "licence_id": r["licence_id"], "deposit_name": r["deposit_name"],
                      "country": r["deposit_country"], "holder_id": r["holder_company_id"] or None,
                      "holder": names.get(r["holder_company_id"]) or r["holder_text"] or None,
                      "granted": r["granted"], "valid_to": r["valid_to"]} for r in licences.to_dict("records")],
        "agreements": [{"agreement_id": r["agreement_id"], "country": r["country"], "partner": r["partner"],
                        "kind": r["kind"], "title": r["title"], "signed": r["signed"]}
                       for r in agreements.to_dict("records")],
    }


@bp.get("/between")
def page():
    """New, ended and changed holders and shares, and new agreements, between two dates."""
    start, end = parse_window()
    return render_template("between.html", c=changes(get_state(), start, end), colours=PARTNER_COLOURS)


@bp.get("/api/between")
def api():
    """The changes of /between as JSON."""
    start, end = parse_window()
    return jsonify(changes(get_state(), start, end))
