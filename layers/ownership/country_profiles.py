"""Country profiles (country_profiles.csv): each Central Asian state's strategy typology and key partners."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from layers.manifest import Source
from layers.schema import COUNTRY_PROFILES
from layers.tables import Row, TableSpec, assemble, read_rows

SPEC = TableSpec(
    name="country_profiles",
    required=("country", "name", "usgs_ree_rm_occurrences"),
    optional=("name_ru", "strategy", "strategy_ru", "eaeu_member", "key_partners", "notes", "source", "confidence"),
)


def load_country_profiles(paths: list[Path], source: Source) -> pd.DataFrame:
    """Load the country profiles.

    Parameters
    ----------
    paths : list of Path
        CSV (UTF-8) or XLSX files on the table's columns; ``source.columns`` may map template names onto a
        file's own headers.
    source : Source
        The manifest entry.

    Returns
    -------
    DataFrame
        :data:`layers.schema.COUNTRY_PROFILES` columns, one row per country; ``key_partners`` is the
        ``;``-separated cell split into a list of codes.

    Raises
    ------
    ColumnMappingError
        If ``country``, ``name`` or ``usgs_ree_rm_occurrences`` is missing after the mapping.
    SourceFormatError
        If a file cannot be read, or a row (named by file, row and column) gives a country outside KZ, KG, TJ,
        UZ, TM or one already given, an empty ``name``, a count that is not a whole number, an ``eaeu_member``
        other than yes or no, a key partner that is not an ISO 3166-1 alpha-2 code, ``EU`` or ``XX``, or an
        unknown ``confidence``.
    """
    seen: dict[str, Row] = {}
    rows: list[dict] = []
    for row in read_rows(paths, source, SPEC):
        country = row.atlas_country("country")
        if country in seen:
            first = seen[country]
            raise row.error("country", f"duplicate country {country!r}; expected one row per country "
                                       f"(first given in {first.where()})")
        seen[country] = row
        rows.append({
            "country": country,
            "name": row.required("name"),
            "name_ru": row.get("name_ru"),
            "usgs_ree_rm_occurrences": row.count("usgs_ree_rm_occurrences"),
            "strategy": row.get("strategy"),
            "strategy_ru": row.get("strategy_ru"),
            "eaeu_member": row.choice("eaeu_member", ("yes", "no")),
            "key_partners": [row.party_code("key_partners", part.strip())
                             for part in row.get("key_partners").split(";") if part.strip()],
            "notes": row.get("notes"),
            "source": row.get("source"),
            "confidence": row.confidence(),
        })
    return assemble(rows, COUNTRY_PROFILES, what=f"country_profiles from {source.id}")
