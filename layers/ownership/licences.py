"""Licences as tables (data/curated/licences.csv and imports on its template): holder-to-deposit relations."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from layers.deposits.commodities import normalise_commodities
from layers.manifest import Source
from layers.schema import LICENCE_STAGES, LICENCES
from layers.tables import Row, TableSpec, assemble, join_notes, read_rows

SPEC = TableSpec(
    name="licences",
    required=("licence_id", "deposit_name", "deposit_country"),
    optional=("holder_company_id", "holder_text", "licence_kind", "commodities", "granted", "valid_to", "status",
              "stage", "record_ids", "source", "source_date", "source_quote", "confidence", "deposit_name_ru", "notes"),
)


def load_licences(paths: list[Path], source: Source) -> gpd.GeoDataFrame:
    """Load licence rows (no polygons: a table licence is joined to sites by its deposit name).

    Parameters
    ----------
    paths : list of Path
        CSV (UTF-8) or XLSX files on the licences template (data/templates/licences_template.csv);
        ``source.columns`` may map template names onto a file's own headers.
    source : Source
        The manifest entry.

    Returns
    -------
    GeoDataFrame
        :data:`layers.schema.LICENCES` columns, EPSG:4326, every geometry None. ``commodities`` are
        normalised (the text as given is appended to ``notes`` when part of it names no known commodity);
        ``references`` is the file's ``source`` text; ``holder_text`` is the optional ``holder_text`` column
        (empty in the curated table, whose holders are company ids).

    Raises
    ------
    ColumnMappingError
        If ``licence_id``, ``deposit_name`` or ``deposit_country`` is missing after the mapping.
    SourceFormatError
        If a file cannot be read, or a row (named by file, row and column) has an empty or duplicate
        ``licence_id``, an empty ``deposit_name``, a ``deposit_country`` outside KZ, KG, TJ, UZ, TM, a date that is
        not ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, a ``valid_to`` before ``granted``, or an unknown
        ``confidence``.
    """
    rows: list[dict] = []
    seen: dict[str, Row] = {}
    for row in read_rows(paths, source, SPEC):
        granted, valid_to = row.date("granted"), row.date("valid_to")
        row.dates_in_order("granted", "valid_to", granted, valid_to)
        commodities, unmapped = normalise_commodities([row.get("commodities")])
        as_given = f"commodities as given: {row.get('commodities')}" if unmapped else ""
        rows.append({
            "licence_id": row.identifier("licence_id", seen),
            "source": source.id,
            "deposit_name": row.required("deposit_name"),
            "deposit_name_ru": row.get("deposit_name_ru"),
            "deposit_country": row.atlas_country("deposit_country"),
            "holder_company_id": row.get("holder_company_id"),
            "holder_text": row.get("holder_text"),
            "licence_kind": row.get("licence_kind"),
            "commodities": commodities,
            "granted": granted,
            "valid_to": valid_to,
            "status": row.get("status"),
            "stage": row.choice("stage", LICENCE_STAGES),
            "record_ids": row.get("record_ids"),
            "references": row.get("source"),
            "source_date": row.date("source_date"),
            "source_quote": row.get("source_quote"),
            "confidence": row.confidence(),
            "notes": join_notes(row.get("notes"), as_given),
        })
    return assemble(rows, LICENCES, what=f"licences from {source.id}", geometries=[None] * len(rows))
