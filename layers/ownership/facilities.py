"""Processing plants, research centres and proposed hubs (facilities.csv), placed where a city locates them."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Point

from layers.deposits.records import check_coordinates
from layers.manifest import Source
from layers.schema import FACILITIES
from layers.tables import Row, TableSpec, assemble, read_rows

SPEC = TableSpec(
    name="facilities",
    required=("facility_id", "name", "country"),
    optional=("kind", "operator_company_id", "city", "lon", "lat", "location_precision", "precision_km", "source",
              "confidence", "name_ru", "notes"),
)


def load_facilities(paths: list[Path], source: Source) -> gpd.GeoDataFrame:
    """Load the facilities table.

    Parameters
    ----------
    paths : list of Path
        CSV (UTF-8) or XLSX files on the table's columns; ``source.columns`` may map template names onto a
        file's own headers.
    source : Source
        The manifest entry.

    Returns
    -------
    GeoDataFrame
        :data:`layers.schema.FACILITIES` columns in EPSG:4326: a Point from ``lon``/``lat`` (WGS84 degrees)
        when both are given, else None; ``precision_km`` NaN when empty.

    Raises
    ------
    ColumnMappingError
        If ``facility_id``, ``name`` or ``country`` is missing after the mapping.
    SourceFormatError
        If a file cannot be read, or a row (named by file, row and column) has an empty or duplicate
        ``facility_id``, an empty ``name``, a country outside KZ, KG, TJ, UZ, TM, only one of ``lon`` and
        ``lat``, coordinates out of range, a ``precision_km`` that is not a number in 0..1000, or an unknown
        ``confidence``.
    """
    seen: dict[str, Row] = {}
    rows: list[dict] = []
    points: list[Point | None] = []
    for row in read_rows(paths, source, SPEC):
        rows.append({
            "facility_id": row.identifier("facility_id", seen),
            "name": row.required("name"),
            "name_ru": row.get("name_ru"),
            "country": row.atlas_country("country"),
            "kind": row.get("kind"),
            "operator_company_id": row.get("operator_company_id"),
            "city": row.get("city"),
            "location_precision": row.get("location_precision"),
            "precision_km": row.decimal("precision_km", low=0.0, high=1000.0),
            "source": row.get("source"),
            "confidence": row.confidence(),
            "notes": row.get("notes"),
        })
        points.append(_point(row))
    return assemble(rows, FACILITIES, what=f"facilities from {source.id}", geometries=points)


def _point(row: Row) -> Point | None:
    lon, lat = row.decimal("lon", low=-180.0, high=180.0), row.decimal("lat", low=-90.0, high=90.0)
    if math.isnan(lon) and math.isnan(lat):
        return None
    if math.isnan(lon) or math.isnan(lat):
        missing = "lon" if math.isnan(lon) else "lat"
        raise row.error(missing, "is empty but the other coordinate is given; expected both lon and lat or neither")
    reason = check_coordinates(lon, lat)
    if reason:
        raise row.error("lon", f"{reason}; expected a real location")
    return Point(lon, lat)
