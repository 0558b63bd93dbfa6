"""Gateways: border crossings, sea ports and rail junctions an export leaves through (data/curated/nodes.csv)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from layers.features import row_point
from layers.manifest import Source
from layers.schema import GATEWAYS
from layers.tables import ISO_ALPHA2, Row, TableSpec, assemble, read_rows

SPEC = TableSpec(
    name="gateways",
    required=("node_id", "name", "kind", "country", "lon", "lat"),
    optional=("name_ru", "location_precision", "notes", "source"),
    doc="data/curated/README.md",
)

#: Kinds of gateway.
GATEWAY_KINDS = ("border_crossing", "sea_port", "rail_junction")


def load_gateways(paths: list[Path], source: Source) -> gpd.GeoDataFrame:
    """Load the gateways table.

    Parameters
    ----------
    paths : list of Path
        CSV (UTF-8) or XLSX files with the columns of data/curated/nodes.csv; ``source.columns`` may map them
        onto a file's own headers.
    source : Source
        The manifest entry.

    Returns
    -------
    GeoDataFrame
        :data:`layers.schema.GATEWAYS` columns, one Point (EPSG:4326, from ``lon``/``lat`` in degrees) per
        gateway, in file order.

    Raises
    ------
    ColumnMappingError
        If a required column (node_id, name, kind, country, lon, lat) is missing after the mapping.
    SourceFormatError
        If a file cannot be read, or a row (named by file, row and column) has an empty or duplicate
        ``node_id``, an empty ``name``, a ``kind`` not in :data:`GATEWAY_KINDS`, a ``country`` that is not an
        ISO 3166-1 alpha-2 code, or an empty ``lon``/``lat`` or one outside ±180/±90.
    """
    seen: dict[str, Row] = {}
    rows, points = [], []
    for row in read_rows(paths, source, SPEC):
        rows.append({
            "node_id": row.identifier("node_id", seen),
            "name": row.required("name"),
            "name_ru": row.get("name_ru"),
            "kind": row.choice("kind", GATEWAY_KINDS, empty_ok=False),
            "country": _iso_country(row, "country"),
            "location_precision": row.get("location_precision"),
            "notes": row.get("notes"),
            "source": row.get("source"),
        })
        points.append(row_point(row))
    return assemble(rows, GATEWAYS, what=f"gateways from {source.id}", geometries=points)


def _iso_country(row: Row, column: str) -> str:
    value = row.required(column)
    if value.upper() not in ISO_ALPHA2:
        raise row.error(column, f"unknown country code {value!r}; expected an ISO 3166-1 alpha-2 code")
    return value.upper()
