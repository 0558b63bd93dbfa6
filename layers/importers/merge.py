"""Merging imported tables with the curated ones: curated rows always stay; disagreements are reported."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

#: Fields compared per table when an imported row meets a curated row with the same key.
_COMPARED = {
    "companies": ("name", "home_country"),
    "ownership": ("share_pct", "valid_from", "valid_to"),
    "licences": ("holder_company_id", "granted", "valid_to"),
}
_SOURCE = {"companies": "source", "ownership": "source", "licences": "references"}


@dataclass(frozen=True)
class Conflict:
    """One field on which an imported row disagrees with a curated row."""

    table: str
    key: str
    field: str
    curated: str
    imported: str
    curated_source: str
    imported_source: str

    def line(self) -> str:
        """Return the conflict as one line of text."""
        return (f"{self.table} {self.key}: {self.field} curated {self.curated!r} ({self.curated_source}) vs "
                f"imported {self.imported!r} ({self.imported_source})")


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def merge_imports(curated: pd.DataFrame, imported: pd.DataFrame, table: str) -> tuple[pd.DataFrame, list[Conflict]]:
    """Merge one imported table into its curated table.

    The rule: a curated row is never changed or dropped. For ``companies`` and ``licences`` (one row per id) an
    imported row whose ``company_id``/``licence_id`` is already curated is dropped, and every compared field on
    which both give a non-empty, different value is a conflict. For ``ownership`` an imported edge with the same
    ``(owner_id, owned_id, relation)`` as a curated edge is dropped when share and dates are equal, and otherwise
    **kept** next to it (a stake that differs is a second claim, not a correction), with one conflict per differing
    field; a kept imported ``edge_id`` that is already used gets the suffix ``~import``.

    Parameters
    ----------
    curated, imported : DataFrame
        Validated frames of the same layer schema.
    table : str
        ``companies``, ``ownership`` or ``licences``.

    Returns
    -------
    merged : DataFrame
        The curated rows, then the imported rows kept.
    conflicts : list of Conflict
        In imported-row order.

    Raises
    ------
    KeyError
        If ``table`` is not one of the three.
    """
    fields, source = _COMPARED[table], _SOURCE[table]
    if not len(imported):
        return curated, []
    keys = ["owner_id", "owned_id", "relation"] if table == "ownership" else (
        ["company_id"] if table == "companies" else ["licence_id"])
    by_key: dict[tuple, list[dict]] = {}
    for row in curated.to_dict("records"):
        by_key.setdefault(tuple(row[k] for k in keys), []).append(row)
    conflicts: list[Conflict] = []
    keep: list[int] = []
    for position, row in enumerate(imported.to_dict("records")):
        matches = by_key.get(tuple(row[k] for k in keys), [])
        if not matches:
            keep.append(position)
            continue
        differing = [(m, f) for m in matches for f in fields
                     if _text(m[f]) != _text(row[f]) and (table == "ownership" or (_text(m[f]) and _text(row[f])))]
        if table == "ownership" and any(all(_text(m[f]) == _text(row[f]) for f in fields) for m in matches):
            continue  # the same claim as a curated edge
        label = " > ".join(str(row[k]) for k in keys)
        conflicts += [Conflict(table, label, f, _text(m[f]), _text(row[f]), _text(m[source]), _text(row[source]))
                      for m, f in differing]
        if table == "ownership":
            keep.append(position)
    kept = imported.iloc[keep].copy()
    if table == "ownership" and len(kept):
        used = set(curated["edge_id"])
        kept["edge_id"] = [e + "~import" if e in used else e for e in kept["edge_id"]]
    if not len(kept):
        return curated, conflicts
    merged = pd.concat([curated, kept], ignore_index=True) if len(curated) else kept.reset_index(drop=True)
    return merged, conflicts
