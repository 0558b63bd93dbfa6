"""The change pages: ``/changes`` lists what each build changed; ``/changes.atom`` and ``/changes.json`` are feeds."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext

from geo.changes import ChangeFilter, filter_changes
from geo.partners import PARTNER_GROUPS
from layers.deposits.records import ATLAS_COUNTRIES
from webapp.errors import BadRequest
from webapp.i18n import current_language
from webapp.pages.feeds import FeedHead, FeedItem, atom_feed, json_feed
from webapp.pages.present import country_name, partner_name
from webapp.params import parse_countries, parse_int
from webapp.state import get_state

bp = Blueprint("changes", __name__)

#: Entries a feed carries (newest first).
FEED_ITEMS = 200

_SITE_KINDS = ("site_added", "site_changed", "site_merged", "site_removed")


def parse_change_filter() -> ChangeFilter:
    """Read ``country``, ``commodity`` and ``partner`` from the query string."""
    countries = parse_countries(request.args.get("country"))
    if countries and len(countries) > 1:
        raise BadRequest("country takes one code here", parameter="country")
    partner = request.args.get("partner", "")
    if partner and partner not in PARTNER_GROUPS:
        raise BadRequest(f"partner must be one of {', '.join(PARTNER_GROUPS)}; got {partner!r}", parameter="partner")
    commodity = request.args.get("commodity", "").strip()
    if len(commodity) > 40:
        raise BadRequest("commodity is longer than 40 characters", parameter="commodity")
    return ChangeFilter(country=(countries or [""])[0], commodity=commodity, partner=partner)


def _selected() -> tuple[ChangeFilter, list[dict]]:
    state = get_state()
    where = parse_change_filter()
    return where, filter_changes(state.store.changes, state.store.companies, where)


@bp.get("/changes")
def index():
    """Every build, newest first, with what it changed."""
    where, rows = _selected()
    limit = parse_int(request.args.get("limit"), "limit", default=500, minimum=1, maximum=50_000)
    builds = _group_by_build(rows[:limit])
    query = {k: v for k, v in (("country", where.country), ("commodity", where.commodity),
                               ("partner", where.partner)) if v}
    return render_template("changes.html", builds=builds, where=where, query=query, countries=ATLAS_COUNTRIES,
                           partners=PARTNER_GROUPS, describe=describe, subject_link=subject_link)


def _group_by_build(rows: list[dict]) -> list[dict]:
    by_build: dict[str, dict] = {}
    for row in rows:
        if row["kind"] == "build":
            by_build.setdefault(row["built_at"], {"items": []}).update(row)
    for row in rows:
        if row["kind"] != "build" and row["built_at"] in by_build:
            by_build[row["built_at"]]["items"].append(row)
    return list(by_build.values())


def describe(change: dict) -> str:
    """One sentence saying what a change is, in the UI language."""
    lang = current_language()
    values = {"name": change["subject_name"], "field": change["field"], "old": change["old_value"] or "—",
              "new": change["new_value"] or "—"}
    texts = {
        "site_added": gettext("New site %(name)s.", **values),
        "site_removed": gettext("Site %(name)s removed (its records are gone).", **values),
        "site_merged": gettext("Site %(old)s merged into %(new)s.", **values),
        "site_changed": gettext("%(name)s: %(field)s changed from %(old)s to %(new)s.", **values),
        "licence_added": gettext("New licence for %(name)s, holder %(new)s.", **values),
        "licence_removed": gettext("Licence for %(name)s removed (holder was %(old)s).", **values),
        "licence_ended": gettext("Licence for %(name)s ended: valid to %(new)s.", **values),
        "licence_changed": gettext("Licence for %(name)s: %(field)s changed from %(old)s to %(new)s.", **values),
        "ownership_added": gettext("New ownership edge %(name)s: %(new)s.", **values),
        "ownership_removed": gettext("Ownership edge %(name)s removed: %(old)s.", **values),
        "ownership_ended": gettext("Ownership edge %(name)s ended: valid to %(new)s.", **values),
        "ownership_changed": gettext("Ownership edge %(name)s: %(field)s changed from %(old)s to %(new)s.",
                                     **values),
    }
    text = texts.get(change["kind"], change["kind"])
    scope = [country_name(c, lang) for c in change["countries"]] + [partner_name(p, lang) for p in change["partners"]]
    return text + (f" ({', '.join(scope)})" if scope else "")


def subject_link(change: dict, external: bool = False) -> str:
    """The page a change concerns: its site, its company, or the change list."""
    if change["kind"] in _SITE_KINDS and change["kind"] not in ("site_removed", "site_merged"):
        return url_for("pages.site", site_id=change["subject_id"], _external=external)
    if change["kind"] == "site_merged":
        return url_for("pages.site", site_id=change["new_value"].split("; ")[0], _external=external)
    if change["parties"]:
        return url_for("pages.company", company_id=change["parties"][-1], _external=external)
    return url_for("changes.index", _external=external) + f"#{change['built_at']}"


def _feed(fmt: str) -> tuple[FeedHead, list[FeedItem]]:
    where, rows = _selected()
    query = {k: v for k, v in (("country", where.country), ("commodity", where.commodity),
                               ("partner", where.partner)) if v}
    items = []
    for row in rows:
        if row["kind"] == "build":
            continue
        items.append(FeedItem(id=f"tag:critical-minerals-atlas,2026:change/{row['change_id']}",
                              title=describe(row), text=describe(row), link=subject_link(row, external=True),
                              updated=row["built_at"], tags=(row["kind"], *row["countries"], *row["partners"])))
        if len(items) == FEED_ITEMS:
            break
    latest = next((r["built_at"] for r in rows if r["kind"] == "build"), "1970-01-01T00:00:00+00:00")
    title = gettext("Atlas changes")
    if query:
        title += " (" + ", ".join(f"{k}={v}" for k, v in query.items()) + ")"
    feed_id = "tag:critical-minerals-atlas,2026:changes" + ("?" + urlencode(sorted(query.items())) if query else "")
    head = FeedHead(id=feed_id,
                    title=title, self_url=url_for(f"changes.{fmt}", _external=True, **query),
                    home_url=url_for("changes.index", _external=True, **query), updated=latest,
                    language=current_language())
    return head, items


@bp.get("/changes.atom")
def atom():
    """The changes as an Atom feed, filtered like ``/changes``."""
    return Response(atom_feed(*_feed("atom")), mimetype="application/atom+xml")


@bp.get("/changes.json")
def json_feed_view():
    """The changes as a JSON Feed 1.1, filtered like ``/changes``."""
    body = json.dumps(json_feed(*_feed("json_feed_view")), ensure_ascii=False)
    return Response(body, mimetype="application/feed+json")
