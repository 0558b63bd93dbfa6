"""USGS Rare Earth Element Occurrence Database of the Tien Shan Region (2017), read in any common format."""

from __future__ import annotations

import contextlib
import io
import math
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyogrio
from openpyxl.utils.exceptions import InvalidFileException
from shapely.geometry import Point

from layers.countries import normalise_country
from layers.deposits.commodities import commodity_groups, normalise_commodities
from layers.deposits.coordinates import lonlat_from_geometry, parse_pair
from layers.deposits.records import ATLAS_COUNTRIES, LoadResult, check_coordinates, make_quarantine, make_records
from layers.deposits.records import point_or_none as _point
from layers.deposits.records import precision_from_coordinates as _precision_guess
from layers.errors import ColumnMappingError, SourceFormatError, SourceNotFoundError
from layers.manifest import Source
from layers.messages import describe_columns
from layers.schema import STORE_CRS

#: Dataset name in every record id: ``usgs-tienshan-ree:<REC_ID or row number>``.
DATASET = "usgs-tienshan-ree"

#: Target field → source field names tried in order. Matching ignores case, spaces, underscores and
#: punctuation. The real file's names are unknown: these are the names USGS tables commonly use.
CANDIDATES: dict[str, tuple[str, ...]] = {
    "name": ("DEP_NAME", "SITE_NAME", "NAME", "DEPOSIT", "OCCURRENCE", "Occurrence_Name", "Deposit_Name",
             "Site"),
    "latitude": ("LATITUDE", "LAT", "LAT_DD", "Lat_WGS84", "DEC_LAT", "Y"),
    "longitude": ("LONGITUDE", "LONG", "LON", "LON_DD", "Long_WGS84", "DEC_LONG", "X"),
    "country": ("COUNTRY", "CNTRY", "Country_Name"),
    "commodities": ("COMMODITY", "COMMODITIES", "COMMOD", "Commod1", "MAIN_COMMODITIES", "REE_RM"),
    "deposit_type_group": ("DEP_GROUP", "DEPOSIT_GROUP", "TYPE_GROUP", "Dep_Type_Group"),
    "deposit_type": ("DEP_TYPE", "DEPOSIT_TYPE", "DEPTYPE", "MODEL", "Model_Name"),
    "status": ("DEV_STATUS", "DEV_STAT", "STATUS", "Development_Status"),
    "record_id": ("REC_ID", "ID", "OBJECTID", "FID", "SITE_ID", "Record_No"),
    "aliases": ("OTHER_NAME", "OTHER_NAMES", "ALT_NAME", "SYNONYMS"),
    "references": ("REFERENCE", "REFERENCES", "REF"),
    "location_precision_km": ("LOC_PREC_KM", "PRECISION_KM", "LOCATION_PRECISION_KM", "ACCURACY_KM"),
    # Separate degree/minute/second columns: used only when no latitude/longitude column maps.
    "lat_deg": ("LAT_DEG", "LAT_D", "LATDEG"),
    "lat_min": ("LAT_MIN", "LAT_M", "LATMIN"),
    "lat_sec": ("LAT_SEC", "LAT_S", "LATSEC"),
    "lat_hem": ("LAT_HEM", "LAT_DIR", "N_S"),
    "lon_deg": ("LONG_DEG", "LON_DEG", "LONG_D", "LON_D"),
    "lon_min": ("LONG_MIN", "LON_MIN", "LONG_M", "LON_M"),
    "lon_sec": ("LONG_SEC", "LON_SEC", "LONG_S", "LON_S"),
    "lon_hem": ("LONG_HEM", "LON_HEM", "LONG_DIR", "LON_DIR", "E_W"),
}

#: Targets every file must map (the location may instead come from point geometry or D/M/S columns).
REQUIRED = ("name", "latitude", "longitude", "country")

_DMS_PARTS = {"latitude": ("lat_deg", "lat_min", "lat_sec", "lat_hem"),
              "longitude": ("lon_deg", "lon_min", "lon_sec", "lon_hem")}

#: Readable files in the order one is preferred when the manifest matches several (USGS data
#: releases often ship the same table as geodatabase, shapefile and CSV).
#: Every column name the loader looks for: the only ones of a file's names its errors may quote.
_KNOWN_COLUMNS = tuple(name for names in CANDIDATES.values() for name in names)
_PREFERENCE = (".gdb", ".gpkg", ".shp", ".geojson", ".json", ".xlsx", ".xlsm", ".csv", ".txt", ".zip")
_VECTOR = (".gdb", ".gpkg", ".shp", ".geojson", ".json")
_SHEET_NAME = re.compile(r"occurrence|data", re.IGNORECASE)
# "REE" as capitals anywhere ("TienShanREE"), or "ree" as the start of a word ("ree_sites"), not "street".
_LAYER_NAME = re.compile(r"(?i:occurrence)|REE|(^|[^A-Za-z])ree")


@dataclass
class _Table:
    """One read table: raw cell values, point geometry in EPSG:4326 if the file has any, and notes."""

    file: str
    label: str
    frame: pd.DataFrame
    points: list | None = None
    notes: list[str] = field(default_factory=list)


def load_usgs_tienshan(paths: list[Path], source: Source) -> LoadResult:
    """Load the USGS Tien Shan REE occurrence database into source records.

    Parameters
    ----------
    paths : list of Path
        Files the manifest matched: CSV, XLSX, shapefile, GeoJSON, GeoPackage, a File Geodatabase
        folder (``.gdb``) or a ``.zip`` holding one of these. When several are given, one is read
        (geodatabase, GeoPackage, shapefile, GeoJSON, XLSX, CSV, zip, in that order of preference).
    source : Source
        The manifest entry; ``source.columns`` maps targets onto exact source column names and wins
        over :data:`CANDIDATES` (see docs/USGS_TIENSHAN.md).

    Returns
    -------
    LoadResult
        Records in EPSG:4326 (rows without coordinates kept with no geometry, status ``missing``),
        quarantined rows with the reason, and notes (the column mapping, unmapped commodities).

    Raises
    ------
    SourceNotFoundError
        If ``paths`` is empty.
    SourceFormatError
        If no file is of a readable kind or the chosen file cannot be read.
    ColumnMappingError
        If a required target maps to no column, or an override names a column the file lacks.
    """
    table = _read(_pick_path(paths))
    columns = _map_columns(table, source.columns)
    # Point geometry places the rows only when no coordinate columns map (they are the USGS's own text).
    points = table.points if "latitude" not in columns and "lat_deg" not in columns else None
    where = "point geometry" if points is not None else "columns"
    mapped = ", ".join(f"{t} <- {c}" for t, c in columns.items())
    notes = [*table.notes, f"{table.label}: {mapped}; location from {where}"]
    records, refused, seen, unmapped = [], [], {}, {}
    frame = table.frame.map(_text)
    commodity_columns = _commodity_columns(columns, frame)
    for number, row in enumerate(frame.to_dict("records"), start=1):
        point = points[number - 1] if points is not None else None
        fields = {target: row[column] for target, column in columns.items() if target != "commodities"}
        fields["commodities"] = "; ".join(row[c] for c in commodity_columns if row[c])
        record, reason = _record(fields, point, points is not None, number, source)
        if not reason and record["record_id"] in seen:
            reason = f"record id {fields['record_id']!r} repeats row {seen[record['record_id']]}"
        if reason:
            refused.append(_refusal(fields, record, number, table, reason, source))
            continue
        seen[record["record_id"]] = number
        for part in record.pop("unmapped"):
            unmapped.setdefault(part, number)
        records.append(record)
    notes += [f"{table.label}: unmapped commodity {p!r} (first at row {n})" for p, n in unmapped.items()]
    return LoadResult(make_records(records, source.id), make_quarantine(refused, source.id), notes)


def _pick_path(paths: list[Path]) -> Path:
    if not paths:
        raise SourceNotFoundError("usgs_tienshan: no file given")
    readable = [p for p in paths if p.suffix.lower() in _PREFERENCE]
    if not readable:
        raise SourceFormatError(f"{[str(p) for p in paths]}: none is CSV, XLSX, shapefile, GeoJSON, GPKG, .gdb, .zip")
    return min(readable, key=lambda p: (_PREFERENCE.index(p.suffix.lower()), str(p)))


def _read(path: Path) -> _Table:
    suffix = path.suffix.lower()
    try:
        if suffix in _VECTOR:
            table = _read_vector(str(path), path.name)
        elif suffix == ".zip":
            table = _read_zip(path)
        elif suffix in (".xlsx", ".xlsm"):
            table = _read_excel(io.BytesIO(path.read_bytes()), path.name)
        else:
            table = _read_csv(path.read_bytes(), path.name)
    except OSError as exc:
        raise SourceFormatError(f"{path}: cannot read: {exc}") from exc
    table.file = path.name  # quarantine ids name the file as the manifest matched it
    # Excel headers may be numbers; every lookup below is by text.
    table.frame.columns = [str(c) for c in table.frame.columns]
    return table


def _read_zip(path: Path) -> _Table:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            # A geodatabase is a folder: its members are "<name>.gdb/<table files>".
            members = {re.sub(r"(\.gdb)/.*$", r"\1", n, flags=re.IGNORECASE) for n in names}
            usable = [m for m in members if Path(m).suffix.lower() in _PREFERENCE[:-1]]
            if not usable:
                raise SourceFormatError(f"{path.name}: the zip holds no readable table ({len(names)} members, "
                                        f"none {', '.join(_PREFERENCE[:-1])})")
            member = min(usable, key=lambda m: (_PREFERENCE.index(Path(m).suffix.lower()), m))
            label = f"{path.name}/{member}"
            suffix = Path(member).suffix.lower()
            if suffix in _VECTOR:
                return _read_vector(f"/vsizip/{path}/{member}", label)
            data = archive.read(member)
    except zipfile.BadZipFile as exc:
        raise SourceFormatError(f"{path.name}: not a readable zip: {exc}") from exc
    if suffix in (".xlsx", ".xlsm"):
        return _read_excel(io.BytesIO(data), label)
    return _read_csv(data, label)


def _decode(data: bytes) -> str:
    # cp1251 before latin-1: a Russian-language export is likelier than a Western European one, and
    # latin-1 decodes any bytes, so it is the last resort.
    for encoding in ("utf-8-sig", "cp1251"):
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode(encoding)
    return data.decode("latin-1")


def _read_csv(data: bytes, label: str) -> _Table:
    text = _decode(data)
    header = text.splitlines()[0] if text else ""
    # The header decides: data rows may hold decimal commas (42,6667) that would fool a sniffer
    # looking at every line, while field names hold no delimiters.
    delimiter = max(",;\t", key=header.count)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SourceFormatError(f"{label}: cannot read as CSV: {exc}") from exc
    return _Table(label, label, frame)


def _read_excel(data: io.BytesIO, label: str) -> _Table:
    try:
        with warnings.catch_warnings():
            # openpyxl warns about workbooks written without a default style (Excel exports from
            # other tools); it changes nothing we read.
            warnings.filterwarnings("ignore", "Workbook contains no default style", UserWarning)
            with pd.ExcelFile(data, engine="openpyxl") as book:
                sheets = [str(s) for s in book.sheet_names]
                wanted = [s for s in sheets if _SHEET_NAME.search(s)]
                sheet = wanted[0] if len(sheets) > 1 and wanted else sheets[0]
                frame = pd.read_excel(book, sheet_name=sheet, dtype=object)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException) as exc:
        raise SourceFormatError(f"{label}: cannot read as XLSX: {exc}") from exc
    return _Table(label, f"{label} [{sheet}]" if len(sheets) > 1 else label, frame)


def _read_vector(uri: str, label: str) -> _Table:
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(uri)]
        layer = _choose_layer(uri, layers)
        frame = pyogrio.read_dataframe(uri, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise SourceFormatError(f"{label}: cannot read: {exc}") from exc
    label = f"{label} [{layer}]" if len(layers) > 1 else label
    table = _Table(label, label, pd.DataFrame(frame.drop(columns="geometry", errors="ignore")))
    if "geometry" not in frame.columns or frame.geometry.isna().all():
        return table
    if frame.crs is None:
        table.notes.append(f"{label}: no CRS; point geometry taken as {STORE_CRS}")
    elif frame.crs.to_epsg() != 4326:
        table.notes.append(f"{label}: geometry reprojected from {frame.crs.to_string()} to {STORE_CRS}")
        frame = frame.to_crs(STORE_CRS)
    table.points = list(frame.geometry)
    return table


def _choose_layer(uri: str, layers: list[str]) -> str:
    if not layers:
        raise SourceFormatError(f"{uri}: no layers")
    wanted = [name for name in layers if _LAYER_NAME.search(name)]
    if len(layers) == 1 or wanted:
        return (wanted or layers)[0]
    return max(layers, key=lambda n: pyogrio.read_info(uri, layer=n, force_feature_count=True)["features"])


def _key(name: object) -> str:
    return re.sub(r"[\W_]+", "", str(name)).lower()


def _map_columns(table: _Table, overrides: dict[str, str]) -> dict[str, str]:
    present = [str(c) for c in table.frame.columns]
    unknown = sorted(set(overrides) - set(CANDIDATES))
    if unknown:
        raise ColumnMappingError(
            f"{table.label}: [source.columns] names unknown targets {unknown}; known: {list(CANDIDATES)}"
        )
    absent = [f"{t} = {c!r}" for t, c in overrides.items() if c not in present]
    if absent:
        raise ColumnMappingError(
            f"{table.label}: [source.columns] names columns not in the file ({', '.join(absent)}); "
            f"{describe_columns(present, _KNOWN_COLUMNS)}"
        )
    by_key: dict[str, str] = {}
    for column in present:
        by_key.setdefault(_key(column), column)
    mapping: dict[str, str] = {}
    for target, candidates in CANDIDATES.items():
        found = overrides.get(target) or next((by_key[k] for k in map(_key, candidates) if k in by_key), None)
        if found is not None:
            mapping[target] = found
    for axis, parts in _DMS_PARTS.items():
        if axis in mapping or parts[0] not in mapping:
            for part in parts:
                mapping.pop(part, None)
    if table.points is not None and not all(a in mapping or p[0] in mapping for a, p in _DMS_PARTS.items()):
        # Half a coordinate pair in columns cannot place a row; the geometry can.
        for target in ("latitude", "longitude", *_DMS_PARTS["latitude"], *_DMS_PARTS["longitude"]):
            mapping.pop(target, None)
    _check_required(table, mapping, present)
    return mapping


def _check_required(table: _Table, mapping: dict[str, str], present: list[str]) -> None:
    def placed(target: str) -> bool:
        return table.points is not None or _DMS_PARTS[target][0] in mapping

    missing = [t for t in REQUIRED if t not in mapping and not (t in _DMS_PARTS and placed(t))]
    if not missing:
        return
    dms = {t: f" (or {', '.join(CANDIDATES[p[0]])} with minutes and seconds)" for t, p in _DMS_PARTS.items()}
    tried = "; ".join(f"{t}: {', '.join(CANDIDATES[t])}{dms.get(t, '')}" for t in missing)
    raise ColumnMappingError(
        f"{table.label}: cannot map required fields {missing}; candidate names tried: {tried}; "
        f"{describe_columns(present, _KNOWN_COLUMNS)}; map them in data/sources.toml [source.columns] "
        "(see docs/USGS_TIENSHAN.md)"
    )


def _commodity_columns(mapping: dict[str, str], frame: pd.DataFrame) -> list[str]:
    """The commodity column, plus its numbered siblings when it is numbered (Commod1 → Commod2, ...)."""
    first = mapping.get("commodities")
    if first is None or not _key(first).endswith("1"):
        return [first] if first else []
    stem, siblings = _key(first)[:-1], {_key(c): str(c) for c in frame.columns}
    return [first] + [siblings[f"{stem}{n}"] for n in range(2, 10) if f"{stem}{n}" in siblings]


def _text(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        # Integral floats are ids or whole degrees that pandas widened to float: "12", not "12.0".
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value).strip()


def _location_text(fields: dict[str, str], axis: str) -> str:
    if axis in fields:
        return fields[axis]
    return " ".join(fields[p] for p in _DMS_PARTS[axis] if fields.get(p))


def _raw_location(fields: dict[str, str], point: object, use_geometry: bool) -> str:
    if not use_geometry:
        return f"lat={_location_text(fields, 'latitude')}, lon={_location_text(fields, 'longitude')}"
    if isinstance(point, Point) and not point.is_empty:
        return f"lat={point.y!r}, lon={point.x!r}"
    return "" if point is None else point.wkt


def _record(fields: dict[str, str], point: object, use_geometry: bool, number: int,
            source: Source) -> tuple[dict, str]:
    """Build one record dict; the second value is a refusal reason, empty when the row is good."""
    record_id = f"{DATASET}:{fields.get('record_id') or number}"
    record = {"record_id": record_id, "location_raw": _raw_location(fields, point, use_geometry)}
    if not fields.get("name"):
        return record, "no name"
    country = normalise_country(fields.get("country", ""))
    if country not in ATLAS_COUNTRIES:
        expected = ", ".join(ATLAS_COUNTRIES)
        return record, f"unknown country {fields.get('country', '')!r} (expected one of {expected})"
    try:
        lonlat = lonlat_from_geometry(point) if use_geometry else parse_pair(
            _location_text(fields, "latitude"), _location_text(fields, "longitude"))
    except ValueError as exc:
        return record, f"unparseable coordinates: {exc}"
    lon, lat = lonlat or (None, None)
    if lonlat and check_coordinates(*lonlat):
        return record, check_coordinates(*lonlat)
    commodities, unmapped = normalise_commodities([fields["commodities"]] if fields["commodities"] else [])
    types = [fields.get(t, "") for t in ("deposit_type_group", "deposit_type")]
    record.update({
        "source": source.id, "dataset": DATASET, "name": fields["name"],
        "aliases": [a for a in _split(fields.get("aliases", ""), ";,") if a != fields["name"]],
        "country": country, "commodities": commodities, "commodity_groups": commodity_groups(commodities),
        "deposit_types": list(dict.fromkeys(t for t in types if t)), "status": fields.get("status", ""),
        "grade_tonnage": [], "references": _split(fields.get("references", ""), ";"),
        "upstream_url": source.url, "country_check": "", "unmapped": unmapped,
        "geometry": _point(lon, lat),
    })
    record.update(_precision(fields.get("location_precision_km", ""), lon, lat))
    return record, ""


def _precision(text: str, lon: float | None, lat: float | None) -> dict:
    if lon is None or lat is None:
        return {"location_precision_km": math.nan, "location_status": "missing"}
    guessed, status = _precision_guess(lon, lat)
    # A precision column is used only where it holds a positive number; else the rounding decides.
    given = float(text.replace(",", ".")) if re.fullmatch(r"\d+(?:[.,]\d+)?", text) else 0.0
    return {"location_precision_km": given if given > 0 else guessed, "location_status": status}


def _split(text: str, separators: str) -> list[str]:
    parts = re.split(f"[{re.escape(separators)}]", text) if text else []
    return list(dict.fromkeys(p.strip() for p in parts if p.strip()))


def _refusal(fields: dict, record: dict, number: int, table: _Table, reason: str, source: Source) -> dict:
    return {
        "source": source.id, "name": fields.get("name", ""), "country": fields.get("country", ""),
        "record_id": record["record_id"] if fields.get("record_id") else f"{table.file}:{number}",
        "location_raw": record["location_raw"], "reason": f"{table.label} row {number}: {reason}",
    }
