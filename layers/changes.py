"""What a build changed since the previous one: sites, licences and ownership edges, kept as a history in the store.

The build calls :func:`record_changes` with the previous store's path and the new layers. Each build appends one
``build`` row (its counts) and one row per change to the history it read from the previous store, so the store's
``changes`` layer is the whole monitoring record. No Flask here: ``webapp`` only reads the layer.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyogrio

from layers.schema import CHANGES

log = logging.getLogger(__name__)

#: Kinds of change, in the order a build's changes are listed.
CHANGE_KINDS = (
    "build", "site_added", "site_merged", "site_removed", "site_changed",
    "licence_added", "licence_ended", "licence_changed", "licence_removed",
    "ownership_added", "ownership_ended", "ownership_changed", "ownership_removed",
)

#: Site fields compared between builds (lists compared as sets, the location to 1e-4 degrees).
SITE_FIELDS = ("name", "country", "commodities", "status", "deposit_types", "location", "location_precision_km",
               "source_record_ids")
LICENCE_FIELDS = ("holder_company_id", "holder_text", "status", "valid_to", "licence_kind", "commodities")
OWNERSHIP_FIELDS = ("share_pct", "valid_to", "confidence")

#: At most this many change rows are kept; the oldest builds' rows go first.
MAX_HISTORY_ROWS = 50_000


@dataclass(frozen=True)
class Snapshot:
    """The parts of a store a diff compares, as plain frames."""

    built_at: str
    sites: pd.DataFrame  # site_id, name, country, commodities, status, deposit_types, location, ...
    licences: pd.DataFrame
    licence_sites: pd.DataFrame
    ownership: pd.DataFrame
    companies: pd.DataFrame
    changes: pd.DataFrame


def snapshot_of(layers: dict[str, pd.DataFrame], built_at: str, changes: pd.DataFrame | None = None) -> Snapshot:
    """Return the :class:`Snapshot` of a new build's layers (``sites``, ``licences``, ``ownership`` ...).

    Parameters
    ----------
    layers : dict
        Store layers by name; ``licences``, ``licence_sites``, ``ownership`` and ``companies`` may be absent.
    built_at : str
        ISO time of the build.
    changes : DataFrame, optional
        The history so far.

    Returns
    -------
    Snapshot
    """
    sites = layers["sites"]
    frame = pd.DataFrame({c: list(sites[c]) for c in ("site_id", "name", "country", "commodities", "status",
                                                       "deposit_types", "location_precision_km",
                                                       "source_record_ids")})
    frame["location"] = [_location(g) for g in sites.geometry]
    return Snapshot(built_at=built_at, sites=frame,
                    licences=_plain(layers.get("licences")), licence_sites=_plain(layers.get("licence_sites")),
                    ownership=_plain(layers.get("ownership")), companies=_plain(layers.get("companies")),
                    changes=changes if changes is not None else CHANGES.empty())


def read_snapshot(path: Path) -> Snapshot | None:
    """Read the previous store's :class:`Snapshot`, or None if there is no store or it cannot be compared.

    A store of an older layout is read column by column; one that lacks a compared layer is logged and
    treated as a first build (its history is then lost, which the new ``build`` row says).

    Parameters
    ----------
    path : Path
        The previous store's ``.gpkg``.

    Returns
    -------
    Snapshot or None
    """
    if not path.is_file():
        return None
    try:
        info = pyogrio.read_dataframe(path, layer="build_info", read_geometry=False)
        built_at = json.loads(dict(zip(info["key"], info["value"], strict=True)).get("built_at", '""'))
        sites = pyogrio.read_dataframe(path, layer="sites")
        for column in ("commodities", "deposit_types", "source_record_ids"):
            sites[column] = [json.loads(v) for v in sites[column]]
        layers = {"sites": sites}
        for name in ("licences", "licence_sites", "ownership", "companies"):
            layers[name] = pyogrio.read_dataframe(path, layer=name, read_geometry=False)
        if "commodities" in layers["licences"]:
            layers["licences"]["commodities"] = [json.loads(v) for v in layers["licences"]["commodities"]]
        changes = _read_changes(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, KeyError, ValueError) as exc:
        log.warning("cannot compare with the previous store %s (%s: %s): recording a first build",
                    path, type(exc).__name__, exc)
        return None
    return snapshot_of(layers, str(built_at), changes)


def record_changes(previous: Snapshot | None, new: Snapshot) -> pd.DataFrame:
    """Return the change history: ``previous``'s history, then this build's ``build`` row and its changes.

    Parameters
    ----------
    previous : Snapshot or None
        The store being replaced; None for a first build (only the ``build`` row is added).
    new : Snapshot
        The build being written.

    Returns
    -------
    DataFrame
        The :data:`layers.schema.CHANGES` layer, oldest build first, at most :data:`MAX_HISTORY_ROWS` rows.
    """
    history = previous.changes if previous is not None else CHANGES.empty()
    rows = diff_snapshots(previous, new, first_number=len(history))
    frame = pd.DataFrame(rows, columns=CHANGES.column_names)
    combined = pd.concat([history, frame], ignore_index=True) if len(history) else frame
    if len(combined) > MAX_HISTORY_ROWS:
        combined = combined.iloc[len(combined) - MAX_HISTORY_ROWS:].reset_index(drop=True)
    return combined


def diff_snapshots(previous: Snapshot | None, new: Snapshot, first_number: int = 0) -> list[dict]:
    """Return this build's change rows: one ``build`` row, then site, licence and ownership changes.

    Parameters
    ----------
    previous : Snapshot or None
        The earlier build; None for a first build.
    new : Snapshot
        The later build.
    first_number : int
        Number of the first row in ``change_id``; the length of the history keeps ids unique even when two
        builds share a second.

    Returns
    -------
    list of dict
        Rows of the :data:`layers.schema.CHANGES` layer.
    """
    rows: list[dict] = []
    if previous is not None:
        context = _Context(new, previous)
        rows += _site_changes(previous.sites, new.sites, context)
        rows += _licence_changes(previous.licences, new.licences, context)
        rows += _ownership_changes(previous.ownership, new.ownership, context)
    counts = {kind: sum(r["kind"] == kind for r in rows) for kind in CHANGE_KINDS[1:]}
    summary = {"sites": len(new.sites), "licences": len(new.licences), "ownership_edges": len(new.ownership),
               **{k: v for k, v in counts.items() if v}}
    head = _row(new, "build", new.built_at, "first build" if previous is None else "build",
                old="" if previous is None else previous.built_at, new=json.dumps(summary))
    out = [head, *rows]
    for number, row in enumerate(out):
        row["change_id"] = f"{new.built_at}#{first_number + number}"
    return out


class _Context:
    """Lookups that give each change its countries, commodities and parties."""

    def __init__(self, new: Snapshot, previous: Snapshot) -> None:
        self.new = new
        licences = pd.concat([previous.licences, new.licences], ignore_index=True)
        self.licence_country = dict(zip(licences.get("licence_id", []), licences.get("deposit_country", []),
                                        strict=True))
        self.holder_licences: dict[str, list[dict]] = {}
        for row in licences.to_dict("records"):
            self.holder_licences.setdefault(row.get("holder_company_id", ""), []).append(row)
        companies = pd.concat([previous.companies, new.companies], ignore_index=True)
        self.company_name = dict(zip(companies.get("company_id", []), companies.get("name", []), strict=True))

    def company_scope(self, *company_ids: str) -> tuple[list[str], list[str]]:
        """Countries and commodities of the licences the companies hold directly."""
        countries: list[str] = []
        commodities: list[str] = []
        for cid in company_ids:
            for licence in self.holder_licences.get(cid, []):
                _extend(countries, [licence.get("deposit_country", "")])
                _extend(commodities, list(licence.get("commodities", []) or []))
        return countries, commodities


def _site_changes(before: pd.DataFrame, after: pd.DataFrame, context: _Context) -> list[dict]:
    old = {r["site_id"]: r for r in before.to_dict("records")}
    new = {r["site_id"]: r for r in after.to_dict("records")}
    site_of_record = {rid: r["site_id"] for r in new.values() for rid in r["source_record_ids"]}
    rows = []
    for sid in sorted(new.keys() - old.keys()):
        row = new[sid]
        absorbed = [old_sid for old_sid in old if old_sid not in new
                    and any(site_of_record.get(rid) == sid for rid in old[old_sid]["source_record_ids"])]
        if not absorbed:
            rows.append(_site_row(context.new, "site_added", row, new=row["name"]))
    for sid in sorted(old.keys() - new.keys()):
        row = old[sid]
        targets = sorted({site_of_record[rid] for rid in row["source_record_ids"] if rid in site_of_record})
        if targets:
            rows.append(_site_row(context.new, "site_merged", row, old=sid, new="; ".join(targets)))
        else:
            rows.append(_site_row(context.new, "site_removed", row, old=row["name"]))
    for sid in sorted(old.keys() & new.keys()):
        for name in SITE_FIELDS:
            a, b = _comparable(old[sid][name]), _comparable(new[sid][name])
            if a != b:
                rows.append(_site_row(context.new, "site_changed", new[sid], field=name, old=a, new=b))
    return rows


def _site_row(snapshot: Snapshot, kind: str, site: dict, **values: str) -> dict:
    return _row(snapshot, kind, site["site_id"], site["name"], countries=[site["country"]],
                commodities=list(site["commodities"]), **values)


def _licence_changes(before: pd.DataFrame, after: pd.DataFrame, context: _Context) -> list[dict]:
    old = {r["licence_id"]: r for r in before.to_dict("records")} if len(before) else {}
    new = {r["licence_id"]: r for r in after.to_dict("records")} if len(after) else {}
    rows = [_licence_row(context, "licence_added", new[lid], new=_holder(new[lid], context))
            for lid in sorted(new.keys() - old.keys())]
    rows += [_licence_row(context, "licence_removed", old[lid], old=_holder(old[lid], context))
             for lid in sorted(old.keys() - new.keys())]
    for lid in sorted(old.keys() & new.keys()):
        for name in LICENCE_FIELDS:
            a, b = _comparable(old[lid].get(name, "")), _comparable(new[lid].get(name, ""))
            if a == b:
                continue
            kind = "licence_ended" if name == "valid_to" and not a else "licence_changed"
            rows.append(_licence_row(context, kind, new[lid], field=name, old=a, new=b))
    return rows


def _licence_row(context: _Context, kind: str, licence: dict, **values: str) -> dict:
    holder = licence.get("holder_company_id", "")
    return _row(context.new, kind, licence["licence_id"], licence.get("deposit_name", ""),
                countries=[licence.get("deposit_country", "")], commodities=list(licence.get("commodities", [])),
                parties=[holder] if holder else [], **values)


def _holder(licence: dict, context: _Context) -> str:
    holder = licence.get("holder_company_id", "")
    return context.company_name.get(holder, holder) or licence.get("holder_text", "")


def _edge_key(edge: dict) -> tuple[str, str, str, str]:
    # edge_id carries the CSV row number, which moves when rows are inserted: key by what the edge says.
    return edge["owner_id"], edge["owned_id"], edge.get("relation", ""), edge.get("valid_from", "")


def _ownership_changes(before: pd.DataFrame, after: pd.DataFrame, context: _Context) -> list[dict]:
    old = {_edge_key(r): r for r in before.to_dict("records")} if len(before) else {}
    new = {_edge_key(r): r for r in after.to_dict("records")} if len(after) else {}
    rows = [_edge_row(context, "ownership_added", new[k], new=_share_text(new[k]))
            for k in sorted(new.keys() - old.keys())]
    rows += [_edge_row(context, "ownership_removed", old[k], old=_share_text(old[k]))
             for k in sorted(old.keys() - new.keys())]
    for key in sorted(old.keys() & new.keys()):
        for name in OWNERSHIP_FIELDS:
            a, b = _comparable(old[key].get(name, "")), _comparable(new[key].get(name, ""))
            if a != b:
                kind = "ownership_ended" if name == "valid_to" and not a else "ownership_changed"
                rows.append(_edge_row(context, kind, new[key], field=name, old=a, new=b))
    return rows


def _edge_row(context: _Context, kind: str, edge: dict, **values: str) -> dict:
    owner, owned = edge["owner_id"], edge["owned_id"]
    countries, commodities = context.company_scope(owned, owner)
    title = f"{context.company_name.get(owner, owner)} → {context.company_name.get(owned, owned)}"
    return _row(context.new, kind, edge["edge_id"], title, countries=countries, commodities=commodities,
                parties=[owner, owned], **values)


def _share_text(edge: dict) -> str:
    share = edge.get("share_pct")
    stake = "share unknown" if share is None or share != share else f"{float(share):g} %"
    return f"{edge.get('relation', '')} {stake}, {edge.get('valid_from') or '?'} – {edge.get('valid_to') or 'now'}"


def _row(snapshot: Snapshot, kind: str, subject_id: str, subject_name: str, *, field: str = "", old: str = "",
         new: str = "", countries: list[str] | None = None, commodities: list[str] | None = None,
         parties: list[str] | None = None) -> dict:
    return {"change_id": "", "built_at": snapshot.built_at, "kind": kind, "subject_id": str(subject_id),
            "subject_name": str(subject_name), "field": field, "old_value": str(old), "new_value": str(new),
            "countries": [c for c in dict.fromkeys(countries or []) if c],
            "commodities": list(dict.fromkeys(commodities or [])), "parties": list(dict.fromkeys(parties or []))}


def _comparable(value) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(sorted(str(v) for v in value))
    if isinstance(value, float):
        return "" if value != value else f"{value:g}"
    return "" if value is None else str(value)


def _location(geometry) -> str:
    if geometry is None or geometry.is_empty:
        return ""
    return f"{geometry.y:.4f}, {geometry.x:.4f}"


def _plain(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame()
    return pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))


def _read_changes(path: Path) -> pd.DataFrame:
    if "changes" not in {name for name, _ in pyogrio.list_layers(path)}:
        return CHANGES.empty()
    table = pyogrio.read_dataframe(path, layer="changes", read_geometry=False)
    for column in CHANGES.list_columns:
        table[column] = [json.loads(v) for v in table[column]]
    return table[CHANGES.column_names].fillna("")


def _extend(target: list[str], values: list[str]) -> None:
    target.extend(v for v in values if v and v not in target)
