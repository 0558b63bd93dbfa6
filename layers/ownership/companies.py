"""Companies, state bodies, funds and banks (data/curated/companies.csv), and references to them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from layers.errors import SourceFormatError
from layers.manifest import Source
from layers.schema import COMPANIES
from layers.tables import Row, TableSpec, assemble, read_rows

SPEC = TableSpec(
    name="companies",
    required=("company_id", "name"),
    optional=("name_ru", "kind", "home_country", "listed_on", "notes", "source", "source_date", "confidence"),
)


def load_companies(paths: list[Path], source: Source) -> pd.DataFrame:
    """Load the companies table.

    Parameters
    ----------
    paths : list of Path
        CSV (UTF-8) or XLSX files on the companies template (data/templates/companies_template.csv);
        ``source.columns`` may map template names onto a file's own headers.
    source : Source
        The manifest entry.

    Returns
    -------
    DataFrame
        :data:`layers.schema.COMPANIES` columns, one row per company, in file order.

    Raises
    ------
    ColumnMappingError
        If ``company_id`` or ``name`` is missing after the mapping.
    SourceFormatError
        If a file cannot be read, or a row (named by file, row and column) has an empty or duplicate
        ``company_id``, an empty ``name``, a ``home_country`` that is not an ISO 3166-1 alpha-2 code, ``EU``
        or ``XX``, or an unknown ``confidence``.
    """
    seen: dict[str, Row] = {}
    rows = [
        {
            "company_id": row.identifier("company_id", seen),
            "name": row.required("name"),
            "name_ru": row.get("name_ru"),
            "kind": row.get("kind"),
            "home_country": row.party_code("home_country", empty_ok=True),
            "listed_on": row.get("listed_on"),
            "notes": row.get("notes"),
            "source": row.get("source"),
            "source_date": row.date("source_date"),
            "confidence": row.confidence(),
        }
        for row in read_rows(paths, source, SPEC)
    ]
    return assemble(rows, COMPANIES, what=f"companies from {source.id}")


def check_references(companies: pd.DataFrame, ownership: pd.DataFrame, licences: pd.DataFrame,
                     facilities: pd.DataFrame) -> None:
    """Check that every company id the other tables use is in the companies table.

    Parameters
    ----------
    companies : DataFrame
        :data:`layers.schema.COMPANIES` rows.
    ownership : DataFrame
        :data:`layers.schema.OWNERSHIP` rows: ``owner_id`` and ``owned_id`` must be companies.
    licences : DataFrame or GeoDataFrame
        :data:`layers.schema.LICENCES` rows: ``holder_company_id``, when not empty, must be a company.
    facilities : DataFrame or GeoDataFrame
        :data:`layers.schema.FACILITIES` rows: ``operator_company_id``, when not empty, must be a company.

    Raises
    ------
    SourceFormatError
        Listing every violation by table, row (1-based position in the table, with the row's id) and the
        missing id.
    """
    known = set(companies["company_id"])
    problems: list[str] = []
    checks = (
        ("ownership", ownership, "edge_id", ("owner_id", "owned_id")),
        ("licences", licences, "licence_id", ("holder_company_id",)),
        ("facilities", facilities, "facility_id", ("operator_company_id",)),
    )
    for table, frame, key, columns in checks:
        for position, row in enumerate(frame[[key, *columns]].to_dict("records"), start=1):
            problems += [
                f"{table} row {position} ({row[key]}): {column} {row[column]!r} is not a company_id in companies"
                for column in columns if row[column] and row[column] not in known
            ]
    if problems:
        raise SourceFormatError(f"{len(problems)} references to unknown companies: " + "; ".join(problems))
