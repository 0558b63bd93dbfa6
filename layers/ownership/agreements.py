"""Agreements, MoUs, roadmaps and declarations between a Central Asian state and a partner (agreements.csv)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from layers.manifest import Source
from layers.schema import AGREEMENTS
from layers.tables import Row, TableSpec, assemble, read_rows

SPEC = TableSpec(
    name="agreements",
    required=("agreement_id", "country", "partner", "kind", "title"),
    optional=("signed", "scope", "level", "source", "confidence", "notes"),
)

#: Values of ``level``: between governments (and their agencies) or between companies.
AGREEMENT_LEVELS = ("state", "company")


def load_agreements(paths: list[Path], source: Source) -> pd.DataFrame:
    """Load the agreements table.

    Parameters
    ----------
    paths : list of Path
        CSV (UTF-8) or XLSX files on the agreements table's columns; ``source.columns`` may map template
        names onto a file's own headers.
    source : Source
        The manifest entry.

    Returns
    -------
    DataFrame
        :data:`layers.schema.AGREEMENTS` columns, one row per agreement, in file order.

    Raises
    ------
    ColumnMappingError
        If a required column (id, country, partner, kind, title) is missing after the mapping.
    SourceFormatError
        If a file cannot be read, or a row (named by file, row and column) has an empty or duplicate
        ``agreement_id``, a ``country`` outside KZ, KG, TJ, UZ, TM, a ``partner`` that is not an ISO 3166-1
        alpha-2 code, ``EU`` or ``XX``, an empty ``kind`` or ``title``, a ``signed`` date that is not ``YYYY``,
        ``YYYY-MM`` or ``YYYY-MM-DD``, a ``level`` other than state or company, or an unknown ``confidence``.
    """
    seen: dict[str, Row] = {}
    rows = [
        {
            "agreement_id": row.identifier("agreement_id", seen),
            "country": row.atlas_country("country"),
            "partner": row.party_code("partner"),
            "kind": row.required("kind"),
            "title": row.required("title"),
            "signed": row.date("signed"),
            "scope": row.get("scope"),
            "level": row.choice("level", AGREEMENT_LEVELS),
            "source": row.get("source"),
            "confidence": row.confidence(),
            "notes": row.get("notes"),
        }
        for row in read_rows(paths, source, SPEC)
    ]
    return assemble(rows, AGREEMENTS, what=f"agreements from {source.id}")
