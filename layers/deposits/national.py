"""National deposit lists (the curated table and ministry registry exports on its template)."""

from __future__ import annotations

import logging
import math
import re
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

from layers.countries import normalise_country
from layers.deposits.commodities import commodity_groups, normalise_commodities
from layers.deposits.records import ATLAS_COUNTRIES, LoadResult, check_coordinates, make_quarantine, make_records
from layers.deposits.records import point_or_none as _point
from layers.manifest import Source
from layers.schema import SOURCE_RECORDS, STORE_CRS
from layers.settings import TableSettings
from layers.tables import TableSpec, read_table_chunks

log = logging.getLogger(__name__)

#: Template columns: required ones first. docs/NATIONAL_TEMPLATE.md documents each.
REQUIRED_COLUMNS = ("name", "country", "lon", "lat")
OPTIONAL_COLUMNS = (
    "deposit_id", "name_ru", "aliases", "location_precision", "precision_km", "commodities",
    "deposit_kind", "status", "linked_records", "notes", "source", "confidence",
)

NATIONAL_TEMPLATE = TableSpec("national template", REQUIRED_COLUMNS, OPTIONAL_COLUMNS, doc="docs/NATIONAL_TEMPLATE.md")

#: Precision assumed when a located row gives none.
DEFAULT_NATIONAL_PRECISION_KM = 10.0


def load_national_deposits(paths: list[Path], source: Source, limits: TableSettings | None = None) -> LoadResult:
    """Load deposit rows on the national template (CSV or XLSX) into source records.

    A CSV file is streamed in chunks of ``limits.table_chunk_rows`` rows; each chunk's rows are checked and
    assembled into records before the next is read, and progress is logged at INFO per chunk.

    Parameters
    ----------
    paths : list of Path
        CSV (UTF-8) or XLSX files with the template's columns; ``source.columns`` may map template
        names onto a file's own (``name = "Наименование"``).
    source : Source
        The manifest entry.
    limits : TableSettings, optional
        File size and row limits and the chunk size (default ``TableSettings()``, from ``ATLAS_*``).

    Returns
    -------
    LoadResult
        One record per good row (rows without coordinates are kept, unmapped), quarantined rows
        with the file, row number and reason.

    Raises
    ------
    SourceFormatError
        If a file cannot be read, or is over the size or row limit (the message names the setting).
    ColumnMappingError
        If a required template column is missing after the mapping.
    """
    frames: list[gpd.GeoDataFrame] = []
    refused: list[dict] = []
    started = time.perf_counter()
    for path in paths:
        dataset = "national" if path.name == "deposits.csv" else f"national-{_slug(path.stem)}"
        number = 1  # row 1 is the header
        for chunk in read_table_chunks(path, source, NATIONAL_TEMPLATE, limits):
            rows: list[dict] = []
            for row in chunk.to_dict("records"):
                number += 1
                _read_row({k: _clean(v) for k, v in row.items()}, number, path, dataset, source, rows, refused)
            if rows:
                frames.append(make_records(rows, source.id))
            if number > (limits or TableSettings()).table_chunk_rows:
                log.info("%s: %d rows checked, %d quarantined so far (%.1f s)", path.name, number - 1,
                         len(refused), time.perf_counter() - started)
    records = pd.concat(frames, ignore_index=True) if frames else SOURCE_RECORDS.empty()
    records = gpd.GeoDataFrame(records, geometry="geometry", crs=STORE_CRS)
    return LoadResult(records, make_quarantine(refused, source.id))


def _read_row(row: dict, number: int, path: Path, dataset: str, source: Source, rows: list[dict],
              refused: list[dict]) -> None:
    record_id = f"{dataset}:{row.get('deposit_id') or number}"
    reason, country, lon, lat = _check(row)
    if reason:
        refused.append({
            "source": source.id,
            "record_id": record_id if row.get("deposit_id") else f"{path.name}:{number}",
            "name": row.get("name", ""), "country": row.get("country", ""),
            "location_raw": f"lon={row.get('lon', '')}, lat={row.get('lat', '')}",
            "reason": f"{path.name} row {number}: {reason}",
        })
        return
    rows.append(_record(row, record_id, dataset, country, lon, lat, source))


def _clean(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _check(row: dict) -> tuple[str, str, float | None, float | None]:
    if not row.get("name"):
        return "no name", "", None, None
    country = normalise_country(row.get("country", ""))
    if country not in ATLAS_COUNTRIES:
        expected = ", ".join(ATLAS_COUNTRIES)
        return f"unknown country {row.get('country', '')!r} (expected one of {expected})", "", None, None
    lon_text, lat_text = row.get("lon", ""), row.get("lat", "")
    if not lon_text and not lat_text:
        return "", country, None, None
    try:
        lon, lat = float(lon_text.replace(",", ".")), float(lat_text.replace(",", "."))
    except ValueError:
        return f"coordinates are not decimal degrees (lon {lon_text!r}, lat {lat_text!r})", "", None, None
    reason = check_coordinates(lon, lat)
    precision_text = row.get("precision_km", "")
    if not reason and precision_text:
        try:
            precision = float(precision_text.replace(",", "."))
        except ValueError:
            precision = math.nan
        if not (math.isfinite(precision) and precision > 0):
            reason = f"precision_km must be a positive number of km, got {precision_text!r}"
    return reason, country, lon, lat


def _record(row: dict, record_id: str, dataset: str, country: str, lon: float | None, lat: float | None,
            source: Source) -> dict:
    commodities, _ = normalise_commodities([row.get("commodities", "")])
    # An alias marked "(?)" is the curator's doubt: shown nowhere as a name, never matched on.
    aliases = [a for a in split_list(row.get("aliases", "")) if "?" not in a]
    if row.get("name_ru"):
        aliases.insert(0, row["name_ru"])
    located = lon is not None and lat is not None
    precision_text = row.get("precision_km", "")
    precision = float(precision_text.replace(",", ".")) if precision_text else DEFAULT_NATIONAL_PRECISION_KM
    wording = row.get("location_precision", "")
    return {
        "record_id": record_id,
        "source": source.id,
        "dataset": dataset,
        "name": row["name"],
        "aliases": aliases,
        "country": country,
        "commodities": commodities,
        "commodity_groups": commodity_groups(commodities),
        "deposit_types": [row["deposit_kind"]] if row.get("deposit_kind") else [],
        "status": row.get("status", ""),
        "grade_tonnage": [],
        "references": [r.strip() for r in row.get("source", "").split(";") if r.strip()],
        "upstream_url": source.url,
        "location_precision_km": precision if located else float("nan"),
        "location_status": ("approximate" if wording.startswith("approximate") else "exact") if located
        else "missing",
        "location_raw": f"lon={row.get('lon', '')}, lat={row.get('lat', '')}; {wording}".strip("; "),
        "country_check": "",
        "same_as": [r.strip() for r in row.get("linked_records", "").split(";") if r.strip()],
        "geometry": _point(lon, lat) if located else None,
    }


def split_list(text: str) -> list[str]:
    """Split a ``;``-separated cell, leaving ``;`` inside parentheses alone.

    Parameters
    ----------
    text : str
        ``"A; B (c; d); E"``.

    Returns
    -------
    list of str
        ``["A", "B (c; d)", "E"]``; stripped, empty parts dropped.
    """
    parts, depth, current = [], 0, []
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == ";" and depth <= 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "file"
