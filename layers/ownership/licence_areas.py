"""Licence areas: polygon files exported from cadastre portals (GeoJSON, shapefile, zipped shapefile, GeoPackage).

Each feature is one licence. Its fields are found by the names cadastre exports use (:data:`FIELD_CANDIDATES`,
compared ignoring case) unless ``[source.columns]`` in the manifest names them; docs/LICENCE_IMPORT.md documents
the mapping.
"""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import MultiPolygon, Polygon

from layers.deposits.commodities import normalise_commodities
from layers.errors import ColumnMappingError, SourceFormatError
from layers.manifest import Source
from layers.messages import describe_columns
from layers.schema import LICENCES, STORE_CRS
from layers.tables import Row, assemble, join_notes

#: Field names tried for each licence column, in order, ignoring case; ``[source.columns]`` takes precedence.
FIELD_CANDIDATES: dict[str, tuple[str, ...]] = {
    "licence_id": ("LICENCE_ID", "LICENSE_ID", "LICENCE_NO", "LICENSE_NO", "LICENCE_NUMBER", "LICENSE_NUMBER",
                   "LIC_NO", "LIC_ID", "LICENCE_CODE", "LICENSE_CODE", "CODE"),
    "holder_company_id": ("HOLDER_COMPANY_ID", "HOLDER_ID", "COMPANY_ID"),
    "holder_text": ("HOLDER", "HOLDERS", "PARTIES", "OWNERS", "OWNER", "HOLDER_NAME", "COMPANY", "COMPANY_NAME"),
    "licence_kind": ("LICENCE_TYPE", "LICENSE_TYPE", "LIC_TYPE", "TYPE", "TYPE_NAME", "KIND"),
    "status": ("STATUS", "LICENCE_STATUS", "LICENSE_STATUS"),
    "granted": ("GRANTED", "DATE_GRANTED", "GRANT_DATE", "START_DATE", "ISSUE_DATE", "DATE_ISSUED"),
    "valid_to": ("EXPIRY", "EXPIRY_DATE", "EXPIRES", "END_DATE", "VALID_TO"),
    "deposit_name": ("DEPOSIT", "DEPOSIT_NAME", "AREA_NAME", "NAME", "PROJECT"),
    "deposit_name_ru": ("DEPOSIT_RU", "DEPOSIT_NAME_RU", "NAME_RU"),
    "deposit_country": ("COUNTRY", "COUNTRY_CODE", "ISO_A2"),
    "commodities": ("COMMODITIES", "COMMODITY", "MINERALS", "MINERAL"),
    "references": ("REFERENCES", "SOURCE", "URL", "LINK"),
    "confidence": ("CONFIDENCE",),
    "notes": ("NOTES", "REMARKS", "COMMENTS"),
}

#: Confidence of a cadastre licence when the file gives none: one source, not corroborated.
DEFAULT_CONFIDENCE = "reported"

_DAY_FIRST = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_TIMESTAMP = re.compile(r"^(\d{4})[-/](\d{2})[-/](\d{2})(?:[ T]\S*)?$")


@dataclass(frozen=True)
class _Feature(Row):
    """A feature read as a row: errors name the feature and the file's own field."""

    fields: dict[str, str] = field(default_factory=dict)  # licence column -> the file's field name

    def where(self) -> str:
        """Return where the feature is: ``areas.geojson feature 2``."""
        return f"{self.path.name} feature {self.number}"

    def error(self, column: str, problem: str) -> SourceFormatError:
        """Return the error for a bad value, naming file, feature, field and licence column."""
        name = self.fields.get(column, column)
        return SourceFormatError(f"{self.path}: feature {self.number}, field {name!r} ({column}): {problem}")

#: Every field name the loader looks for: the only ones of a file's names its errors may quote.
_KNOWN_FIELDS = tuple(name for names in FIELD_CANDIDATES.values() for name in names)


def load_licence_areas(paths: list[Path], source: Source) -> gpd.GeoDataFrame:
    """Load licence polygons exported from a cadastre.

    Parameters
    ----------
    paths : list of Path
        Files GDAL reads: ``.geojson``, ``.shp`` (with its ``.prj``), ``.gpkg`` (every polygon layer) or a
        ``.zip`` holding a shapefile (read through ``/vsizip/``). Any CRS; fields found as
        :data:`FIELD_CANDIDATES` says or as ``source.columns`` maps them.
    source : Source
        The manifest entry.

    Returns
    -------
    GeoDataFrame
        :data:`layers.schema.LICENCES` rows in EPSG:4326: polygons repaired (``make_valid``) and made
        MultiPolygon (None when a feature has no geometry or nothing of it survives repair, said in
        ``notes``). Holders given as text are kept in ``holder_text`` for
        :func:`layers.ownership.holders.resolve_holders`;
        ``references`` is the file's reference field or else the source's URL; ``confidence`` defaults to
        ``reported``.

    Raises
    ------
    ColumnMappingError
        If no licence id field is found, or ``[source.columns]`` names a field not in the file.
    SourceFormatError
        If a file cannot be read or has no CRS or no polygon layer; or a feature (named by file, feature
        number and field) has an empty or duplicate licence id, a non-polygon geometry, a date GDAL and
        :func:`layers.dates.period_start` cannot read, an unknown country or confidence.
    """
    rows: list[dict] = []
    geometries: list[MultiPolygon | None] = []
    seen: dict[str, Row] = {}
    for path in paths:
        for raw in _read(path):
            fields = _field_map(raw, source, path)
            frame = raw.to_crs(STORE_CRS)
            records = frame.drop(columns="geometry").to_dict("records")
            for number, (record, geom) in enumerate(zip(records, frame.geometry, strict=True), start=1):
                cells = {c: _text(record[f]) for c, f in fields.items()}
                cells.update({c: _iso_date(cells[c]) for c in ("granted", "valid_to") if c in cells})
                feature = _Feature(path, number, cells, fields)
                area, note = _area(geom, feature)
                rows.append(_licence(feature, seen, source, note))
                geometries.append(area)
    return assemble(rows, LICENCES, what=f"licences from {source.id}", geometries=geometries)


def _read(path: Path) -> list[gpd.GeoDataFrame]:
    target = _gdal_path(path)
    try:
        layers = [name for name, kind in pyogrio.list_layers(target)
                  if kind is None or "polygon" in str(kind).lower() or str(kind).lower() == "unknown"]
        if not layers:
            raise SourceFormatError(f"{path}: no polygon layer; expected licence areas as polygons")
        frames = [pyogrio.read_dataframe(target, layer=name) for name in layers]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise SourceFormatError(f"{path}: cannot read licence areas: {exc}") from exc
    for frame in frames:
        if frame.crs is None:
            raise SourceFormatError(f"{path}: no CRS; a shapefile needs its .prj beside it")
    return frames


def _gdal_path(path: Path) -> str:
    if path.suffix.lower() != ".zip":
        return str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile) as exc:
        raise SourceFormatError(f"{path}: cannot open the zip archive: {exc}") from exc
    for suffix in (".shp", ".gpkg", ".geojson", ".json"):
        inner = sorted(n for n in names if n.lower().endswith(suffix))
        if inner:
            return f"/vsizip/{path}/{inner[0]}"
    raise SourceFormatError(f"{path}: the archive holds no .shp, .gpkg or .geojson file")


def _field_map(frame: gpd.GeoDataFrame, source: Source, path: Path) -> dict[str, str]:
    columns = [c for c in frame.columns if c != "geometry"]
    unknown = [f for f in source.columns.values() if f not in columns]
    if unknown:
        raise ColumnMappingError(f"{path}: [source.columns] names fields not in the file: {unknown}")
    by_upper = {c.upper(): c for c in columns}
    fields = {}
    for column, candidates in FIELD_CANDIDATES.items():
        found = source.columns.get(column) or next((by_upper[c] for c in candidates if c in by_upper), None)
        if found:
            fields[column] = found
    if "licence_id" not in fields:
        raise ColumnMappingError(
            f"{path}: no licence id field; looked for {', '.join(FIELD_CANDIDATES['licence_id'])}; "
            f"{describe_columns(columns, _KNOWN_FIELDS)}; "
            "map one in data/sources.toml [source.columns] (licence_id = \"...\")"
        )
    return fields


def _text(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, datetime | pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _iso_date(text: str) -> str:
    # Cadastre exports write days first (12.05.2019), as timestamps, or (ArcGIS REST) as epoch milliseconds.
    day_first, stamp = _DAY_FIRST.match(text), _TIMESTAMP.match(text)
    if day_first:
        day, month, year = day_first.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    if stamp:
        return "-".join(stamp.groups())
    if text.isdigit() and len(text) >= 11:
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC).date().isoformat()
    return text


def _area(geom, feature: _Feature) -> tuple[MultiPolygon | None, str]:
    if geom is None or geom.is_empty:
        return None, "no polygon in the source"
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise feature.error("geometry", f"is a {geom.geom_type}; expected a Polygon or MultiPolygon")
    repaired = shapely.make_valid(shapely.force_2d(geom))
    parts = [g for g in getattr(repaired, "geoms", [repaired]) if isinstance(g, Polygon | MultiPolygon)]
    merged = shapely.union_all(parts) if parts else None
    if merged is None or merged.is_empty:
        return None, "the source's polygon has no area"
    return (merged if isinstance(merged, MultiPolygon) else MultiPolygon([merged])), ""


def _licence(feature: _Feature, seen: dict[str, Row], source: Source, note: str) -> dict:
    granted, valid_to = feature.date("granted"), feature.date("valid_to")
    feature.dates_in_order("granted", "valid_to", granted, valid_to)
    commodities, unmapped = normalise_commodities([feature.get("commodities")])
    country = feature.atlas_country("deposit_country") if feature.get("deposit_country") else ""
    return {
        "licence_id": feature.identifier("licence_id", seen, any_text=True),
        "source": source.id,
        "deposit_name": feature.get("deposit_name"),
        "deposit_name_ru": feature.get("deposit_name_ru"),
        "deposit_country": country,
        "holder_company_id": feature.get("holder_company_id"),
        "holder_text": feature.get("holder_text"),
        "licence_kind": feature.get("licence_kind"),
        "commodities": commodities,
        "granted": granted,
        "valid_to": valid_to,
        "status": feature.get("status"),
        # Stage, source date and quote are not read from cadastre exports.
        "stage": "",
        "record_ids": "",
        "references": feature.get("references") or source.url,
        "source_date": "",
        "source_quote": "",
        "confidence": feature.confidence() or DEFAULT_CONFIDENCE,
        "notes": join_notes(feature.get("notes"), note,
                            f"commodities as given: {feature.get('commodities')}" if unmapped else ""),
    }
