"""Who holds each deposit and for which partner: licences in force, their holders' chains, and roll-ups.

Which licences count (README, "Ownership rules"): a licence is in force on ``as_of`` when
``granted <= as_of < valid_to`` (empty ends are open). National projects and MoU areas are state
relations, shown beside the corporate picture and never counted in shares. A withdrawn licence or one whose
attribution is doubtful is shown and never counted. A historical or contested licence is counted only when no
other licence of the deposit is in force without such a status. When several licences count, each weighs
equally. A licence without ``granted`` holds from its ``source_date`` (the earliest date a source supports) and
is shown as *start unknown*. A site with no licence in force says ``holder: "unknown"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from geo.ownership import Attribution, OwnershipGraph
from geo.partners import PARTNER_GROUPS, SHARE_PROPERTY
from layers.dates import effective_start, valid_at

STATE_RELATION_KINDS = frozenset({"national project", "MoU area"})
NEVER_COUNTED_WORDS = ("withdrawn", "doubtful", "superseded")
WEAK_WORDS = ("historical", "contested")


@dataclass(frozen=True)
class LicenceRole:
    """How one licence of a site takes part on a date."""

    licence: dict
    in_force: bool
    counted: bool
    role: str  # "holder", "state relation"
    reason: str


def licence_roles(licences: list[dict], as_of: date) -> list[LicenceRole]:
    """Decide which of a site's licences count on ``as_of``, and why.

    Parameters
    ----------
    licences : list of dict
        Rows of the licences layer joined to one site.
    as_of : date
        The day asked about.

    Returns
    -------
    list of LicenceRole
        In the input order.
    """
    def status_has(row: dict, words: tuple[str, ...]) -> bool:
        return any(w in row["status"].lower() for w in words)

    in_force = [valid_at(_start(r), r["valid_to"], as_of) for r in licences]
    strong = any(
        ok and r["licence_kind"] not in STATE_RELATION_KINDS and not status_has(r, NEVER_COUNTED_WORDS + WEAK_WORDS)
        for r, ok in zip(licences, in_force, strict=True)
    )
    roles = []
    for row, ok in zip(licences, in_force, strict=True):
        if row["licence_kind"] in STATE_RELATION_KINDS:
            roles.append(LicenceRole(row, ok, False, "state relation", f"{row['licence_kind']}: a state relation"))
        elif not ok:
            roles.append(LicenceRole(row, ok, False, "holder", "not in force on this date"))
        elif status_has(row, NEVER_COUNTED_WORDS):
            roles.append(LicenceRole(row, ok, False, "holder", f"status: {row['status']}"))
        elif status_has(row, WEAK_WORDS) and strong:
            roles.append(LicenceRole(row, ok, False, "holder",
                                     f"status: {row['status']}; another licence is in force"))
        else:
            roles.append(LicenceRole(row, ok, True, "holder", "in force"))
    return roles


def site_ownership(site: dict, licences: list[dict], graph: OwnershipGraph, as_of: date) -> dict:
    """Attribute a site to partner groups on ``as_of``.

    Parameters
    ----------
    site : dict
        The site's row (``site_id``, ``country`` ...).
    licences : list of dict
        Licence rows joined to the site.
    graph : OwnershipGraph
        Companies and ownership edges.
    as_of : date
        The day asked about.

    Returns
    -------
    dict
        ``partners`` (each ``partner``, ``share_pct`` or None when unknown, ``unknown_part``, ``controls``),
        ``controlling_partner``, ``dominant_partner``, ``licences`` (each with its role), ``chains`` (the
        paths with their edges), ``relations`` (non-equity edges of the entities involved) and ``flags``.
    """
    roles = licence_roles(licences, as_of)
    counted = [r for r in roles if r.counted and r.licence["holder_company_id"]]
    weight = 1.0 / len(counted) if counted else 0.0
    attributions = [(r, graph.attribute(r.licence["holder_company_id"], site["country"], as_of)) for r in counted]
    partners = _partners(attributions, weight)
    controllers = {a.controlling_partner for _, a in attributions if a.controlling_partner}
    controlling = next(iter(controllers)) if len(controllers) == 1 else None
    for entry in partners:
        entry["controls"] = entry["partner"] == controlling
    flags = [f for _, a in attributions for f in a.flags]
    if len(counted) > 1:
        flags.append(f"{len(counted)} licences count; each weighs 1/{len(counted)}")
    if len(controllers) > 1:
        flags.append(f"licences are controlled by different partners: {sorted(controllers)}")
    entities = {e for _, a in attributions for p in a.parts for e in _entities(p)}
    return {
        "site_id": site["site_id"],
        "as_of": as_of.isoformat(),
        "holder": "known" if counted else "unknown",
        "partners": partners,
        "controlling_partner": controlling,
        "dominant_partner": _dominant(partners),
        "licences": [_licence_json(r, graph, site["country"], as_of) for r in roles],
        "chains": [_chain_json(r, a) for r, a in attributions],
        "relations": _relations(graph, entities, as_of),
        "flags": list(dict.fromkeys(flags)),
    }


def _partners(attributions: list[tuple[LicenceRole, Attribution]], weight: float) -> list[dict]:
    known: dict[str, float] = {}
    unknown: set[str] = set()
    for _, attribution in attributions:
        for part in attribution.parts:
            if part.fraction is None:
                unknown.add(part.partner)
            else:
                known[part.partner] = known.get(part.partner, 0.0) + part.fraction * weight
    result = []
    for group in PARTNER_GROUPS:
        if group in known or group in unknown:
            share = round(known[group] * 100.0, 4) if group in known else None
            result.append({"partner": group, "share_pct": share, "unknown_part": group in unknown})
    return result


def _dominant(partners: list[dict]) -> str | None:
    # The largest known share, unless another is as large or the unknown part is larger.
    named = [p for p in partners if p["partner"] != "unknown" and p["share_pct"] is not None]
    if not named:
        return None
    best = max(p["share_pct"] for p in named)
    unknown = sum(p["share_pct"] or 0.0 for p in partners if p["partner"] == "unknown")
    leaders = [p["partner"] for p in named if p["share_pct"] == best]
    return leaders[0] if len(leaders) == 1 and best >= unknown else None


def _entities(part) -> list[str]:
    return [part.terminal_id] + [e.owned_id for e in part.edges] + [e.owner_id for e in part.edges]


def _start(row: dict) -> str:
    return effective_start(row["granted"], row.get("source_date", "") or "")[0]


def _licence_json(role: LicenceRole, graph: OwnershipGraph, country: str, as_of: date) -> dict:
    row = role.licence
    holder = row["holder_company_id"]
    return {
        "licence_id": row["licence_id"], "holder_company_id": holder,
        "holder_name": graph.entity(holder)["name"] if holder in graph.companies else row["holder_text"],
        "licence_kind": row["licence_kind"], "status": row["status"], "granted": row["granted"],
        "valid_to": row["valid_to"], "source_date": row.get("source_date", ""),
        "start_unknown": not row["granted"], "stage": row.get("stage", ""),
        "source_quote": row.get("source_quote", ""), "in_force": role.in_force, "counted": role.counted,
        "role": role.role,
        "reason": role.reason, "confidence": row["confidence"], "references": row["references"],
        "holder_controlling_partner": graph.controlling_group(holder, country, as_of)
        if holder in graph.companies else None,
    }


def _chain_json(role: LicenceRole, attribution: Attribution) -> dict:
    return {
        "licence_id": role.licence["licence_id"],
        "holder_company_id": attribution.entity_id,
        "controller_chain": attribution.controller_chain,
        "controlling_partner": attribution.controlling_partner,
        "paths": [
            {"partner": p.partner, "share_pct": None if p.fraction is None else round(p.fraction * 100.0, 4),
             "ultimate_owner": p.terminal_id, "via_control": p.via_control,
             "edges": [e.as_dict() for e in p.edges]}
            for p in attribution.parts
        ],
    }


def _relations(graph: OwnershipGraph, entities: set[str], as_of: date) -> list[dict]:
    edges = [e for e in graph.edges_at(as_of)
             if e.relation not in ("equity", "joint venture", "control")
             and (e.owner_id in entities or e.owned_id in entities)]
    return [e.as_dict() for e in edges]


def partner_table(sites: pd.DataFrame, licences: pd.DataFrame, licence_sites: pd.DataFrame,
                  graph: OwnershipGraph, as_of: date) -> pd.DataFrame:
    """Partner attribution of every site with a licence, one row per site.

    Parameters
    ----------
    sites : DataFrame
        The sites layer.
    licences, licence_sites : DataFrame
        The licences layer and its join to sites.
    graph : OwnershipGraph
        Companies and ownership.
    as_of : date
        The day asked about.

    Returns
    -------
    DataFrame
        Index ``site_id``; columns ``controlling_partner``, ``dominant_partner``, ``licence_ids``,
        ``unknown_parts`` (groups holding a part of unknown size) and one ``share_<group>`` column per partner
        group (percent; NaN where the site has no such part or only an unknown one). Sites without licences
        are absent.
    """
    by_site = licence_sites.groupby("site_id")["licence_id"].apply(list).to_dict()
    licence_rows = {row["licence_id"]: row for row in licences.drop(columns="geometry", errors="ignore")
                    .to_dict("records")}
    # Only the licensed sites' rows: a dict of every site costs about 1 s at 300,000 sites, on each new date.
    licensed = sites[sites["site_id"].isin(by_site.keys())]
    site_rows = {row["site_id"]: row for row in licensed[["site_id", "country"]].to_dict("records")}
    rows = []
    for site_id, licence_ids in by_site.items():
        if site_id not in site_rows:
            continue
        result = site_ownership(site_rows[site_id], [licence_rows[i] for i in licence_ids], graph, as_of)
        row = {"site_id": site_id, "controlling_partner": result["controlling_partner"],
               "dominant_partner": result["dominant_partner"], "licence_ids": licence_ids,
               "unknown_parts": [e["partner"] for e in result["partners"] if e["unknown_part"]]}
        row.update({SHARE_PROPERTY[g]: float("nan") for g in PARTNER_GROUPS})
        for entry in result["partners"]:
            if entry["share_pct"] is not None:
                row[SHARE_PROPERTY[entry["partner"]]] = entry["share_pct"]
        rows.append(row)
    columns = ["site_id", "controlling_partner", "dominant_partner", "licence_ids", "unknown_parts",
               *(SHARE_PROPERTY[g] for g in PARTNER_GROUPS)]
    return pd.DataFrame(rows, columns=columns).set_index("site_id")
