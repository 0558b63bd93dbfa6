"""Ownership and other relations between companies (data/curated/ownership.csv): directed, dated edges."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from layers.manifest import Source
from layers.schema import OWNERSHIP, OWNERSHIP_RELATIONS
from layers.tables import Row, TableSpec, assemble, read_rows

SPEC = TableSpec(
    name="ownership",
    required=("owner_id", "owned_id", "relation"),
    optional=("share_pct", "valid_from", "valid_to", "source", "source_date", "source_quote", "confidence", "notes"),
)


def load_ownership(paths: list[Path], source: Source) -> pd.DataFrame:
    """Load the ownership edges.

    Parameters
    ----------
    paths : list of Path
        CSV (UTF-8) or XLSX files on the ownership template (data/templates/ownership_template.csv);
        ``source.columns`` may map template names onto a file's own headers.
    source : Source
        The manifest entry.

    Returns
    -------
    DataFrame
        :data:`layers.schema.OWNERSHIP` columns in file order. ``edge_id`` is ``<owner_id>><owned_id>#<row>``
        with the file's row number (the header is row 1); ``share_pct`` is NaN when not given.

    Raises
    ------
    ColumnMappingError
        If ``owner_id``, ``owned_id`` or ``relation`` is missing after the mapping.
    SourceFormatError
        If a file cannot be read, or a row (named by file, row and column) has an empty id, an edge from an
        entity to itself, a relation not in :data:`layers.schema.OWNERSHIP_RELATIONS`, a ``share_pct`` that is
        not a number in 0..100, a date that is not ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, a ``valid_to``
        before its ``valid_from``, an unknown ``confidence``, or an ``edge_id`` given twice.

    Notes
    -----
    Company ids are checked against the companies table by :func:`layers.ownership.companies.check_references`,
    once every table is loaded.
    """
    rows: list[dict] = []
    seen: dict[str, Row] = {}
    for row in read_rows(paths, source, SPEC):
        owner, owned = row.required("owner_id"), row.required("owned_id")
        if owner == owned:
            raise row.error("owned_id", f"{owned!r} is also the owner_id; expected another entity")
        valid_from, valid_to = row.date("valid_from"), row.date("valid_to")
        row.dates_in_order("valid_from", "valid_to", valid_from, valid_to)
        edge_id = f"{owner}>{owned}#{row.number}"
        if edge_id in seen:
            first = seen[edge_id]
            raise row.error("owner_id", f"duplicate edge {edge_id!r} (first in {first.where()}); "
                                        "expected each file's rows to give each edge once")
        seen[edge_id] = row
        rows.append({
            "edge_id": edge_id,
            "owner_id": owner,
            "owned_id": owned,
            "share_pct": row.decimal("share_pct", low=0.0, high=100.0),
            "valid_from": valid_from,
            "valid_to": valid_to,
            "relation": row.choice("relation", OWNERSHIP_RELATIONS, empty_ok=False),
            "source": row.get("source"),
            "source_date": row.date("source_date"),
            "source_quote": row.get("source_quote"),
            "confidence": row.confidence(),
            "notes": row.get("notes"),
        })
    return assemble(rows, OWNERSHIP, what=f"ownership from {source.id}")
