"""Reading the curated relation tables (CSV or XLSX on a template) and checking their cells one by one.

The companies, ownership, licences, agreements, country-profile and facility loaders share this: a file is read
as text, ``[source.columns]`` overrides rename its headers onto the template's, and every cell is checked through
a :class:`Row`, whose errors name the file, the row (1-based, the header is row 1), the column and what was
expected.
"""

from __future__ import annotations

import logging
import math
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from layers.countries import normalise_country
from layers.dates import period_start
from layers.deposits.records import ATLAS_COUNTRIES
from layers.errors import ColumnMappingError, SourceFormatError
from layers.manifest import Source
from layers.messages import describe_columns
from layers.schema import STORE_CRS, LayerSchema, validate
from layers.settings import TableSettings

log = logging.getLogger(__name__)

#: Officially assigned ISO 3166-1 alpha-2 codes.
ISO_ALPHA2 = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC
CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE
GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM
KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH
SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG
VI VN VU WF WS YE YT ZA ZM ZW
""".split())

#: Codes a party (a company's home, an agreement's partner) may have: ISO codes, ``EU`` for EU institutions and
#: ``XX`` for multilateral bodies (data/curated/README.md).
PARTY_CODES = ISO_ALPHA2 | {"EU", "XX"}

#: The values of every table's ``confidence`` column.
CONFIDENCE_LEVELS = ("reported", "confirmed", "inferred")

_EXCEL_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(?:\.0+)?$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


@dataclass(frozen=True)
class TableSpec:
    """The template of one table: its name and its required and optional columns."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    doc: str = "docs/LICENCE_IMPORT.md"  # where the template is documented


@dataclass(frozen=True)
class Row:
    """One data row of a table file, its cells as stripped text, with checked accessors."""

    path: Path
    number: int  # 1-based; the header is row 1
    cells: dict[str, str]

    def error(self, column: str, problem: str) -> SourceFormatError:
        """Return the error for a bad cell, naming file, row and column."""
        return SourceFormatError(f"{self.path}: row {self.number}, column {column!r}: {problem}")

    def where(self) -> str:
        """Return where the row is, for messages that point back to it: ``companies.csv row 2``."""
        return f"{self.path.name} row {self.number}"

    def get(self, column: str) -> str:
        """Return the cell's text, ``""`` when empty or when the file lacks the (optional) column."""
        return self.cells.get(column, "")

    def required(self, column: str) -> str:
        """Return the cell's text; raise if it is empty."""
        value = self.get(column)
        if not value:
            raise self.error(column, "is empty; a value is required")
        return value

    def identifier(self, column: str, seen: dict[str, Row], *, any_text: bool = False) -> str:
        """Return a required id, checking its form (unless ``any_text``) and that no row in ``seen`` gave it."""
        value = self.required(column)
        if not any_text and not _ID.match(value):
            raise self.error(column, f"{value!r} is not an id; expected letters, digits, '-', '_', '.' or ':'")
        first = seen.get(value)
        if first is not None:
            raise self.error(column, f"duplicate id {value!r}; expected unique values (first given in {first.where()})")
        seen[value] = self
        return value

    def choice(self, column: str, allowed: tuple[str, ...], *, empty_ok: bool = True) -> str:
        """Return one of ``allowed`` (matched ignoring case, returned as spelled in ``allowed``)."""
        value = self.get(column) if empty_ok else self.required(column)
        if not value:
            return ""
        canonical = {a.casefold(): a for a in allowed}
        if value.casefold() not in canonical:
            raise self.error(column, f"unknown {column} {value!r}; expected one of {', '.join(allowed)}")
        return canonical[value.casefold()]

    def confidence(self) -> str:
        """Return the ``confidence`` cell: empty or one of :data:`CONFIDENCE_LEVELS`."""
        return self.choice("confidence", CONFIDENCE_LEVELS)

    def date(self, column: str) -> str:
        """Return a partial ISO date (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``) or ``""``.

        A spreadsheet date read as text (``2024-07-01 00:00:00``) is cut to its day.
        """
        value = self.get(column)
        midnight = _EXCEL_MIDNIGHT.match(value)
        value = midnight.group(1) if midnight else value
        try:
            period_start(value)
        except ValueError as exc:
            raise self.error(column, f"bad date {value!r}; expected YYYY, YYYY-MM or YYYY-MM-DD ({exc})") from exc
        return value

    def dates_in_order(self, start_column: str, end_column: str, start: str, end: str) -> None:
        """Raise if the period ending at ``end`` begins after it ends."""
        if start and end and period_start(end) < period_start(start):
            raise self.error(end_column, f"{end!r} is before {start_column} {start!r}; expected a later date")

    def decimal(self, column: str, *, low: float, high: float) -> float:
        """Return the cell as a float in ``[low, high]`` (a decimal comma is accepted), NaN when empty."""
        value = self.get(column)
        if not value:
            return math.nan
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and low <= number <= high):
            raise self.error(column, f"{value!r} is not a number in {low:g}..{high:g}")
        return number

    def count(self, column: str) -> int:
        """Return the cell as a whole number >= 0; raise if empty or anything else."""
        value = self.required(column)
        if not value.isdigit():
            raise self.error(column, f"{value!r} is not a whole number >= 0")
        return int(value)

    def atlas_country(self, column: str) -> str:
        """Return the ISO code of one of the atlas's countries (names such as ``Kazakhstan`` are accepted)."""
        value = self.required(column)
        code = normalise_country(value)
        if code not in ATLAS_COUNTRIES:
            raise self.error(column, f"unknown country code {value!r}; expected one of {', '.join(ATLAS_COUNTRIES)}")
        return code

    def party_code(self, column: str, value: str | None = None, *, empty_ok: bool = False) -> str:
        """Return an ISO alpha-2 code, ``EU`` or ``XX`` (upper-cased); ``value`` checks one part of a list cell."""
        text = self.get(column) if value is None else value
        if not text and empty_ok:
            return ""
        if text.upper() not in PARTY_CODES:
            raise self.error(column, f"unknown country code {text!r}; expected an ISO 3166-1 alpha-2 code, "
                                     "EU or XX")
        return text.upper()


def read_rows(paths: list[Path], source: Source, spec: TableSpec) -> Iterator[Row]:
    """Yield every data row of every file, with the template's column names.

    Parameters
    ----------
    paths : list of Path
        CSV (UTF-8, a BOM is allowed) or XLSX files (the first sheet is read).
    source : Source
        The manifest entry; ``source.columns`` maps template names onto a file's own headers.
    spec : TableSpec
        The table's template.

    Yields
    ------
    Row
        In file order, numbered from 2 (the header is row 1).

    Raises
    ------
    SourceFormatError
        If a file cannot be read.
    ColumnMappingError
        If a required template column is missing, or ``[source.columns]`` names a column not in the file.
    """
    for path in paths:
        number = 1
        for chunk in read_table_chunks(path, source, spec):
            for record in chunk.to_dict("records"):
                number += 1
                yield Row(path, number, {str(k): _clean(v) for k, v in record.items()})


def read_table_chunks(path: Path, source: Source, spec: TableSpec,
                      limits: TableSettings | None = None) -> Iterator[pd.DataFrame]:
    """Yield one CSV (UTF-8) or XLSX table in chunks of rows, headers mapped and checked, cells as text.

    A CSV is streamed ``limits.table_chunk_rows`` rows at a time, so a large registry never sits in memory
    twice; an XLSX file is read whole (openpyxl cannot stream through pandas). Progress is logged at INFO
    after each chunk of a file of more than one chunk.

    Parameters
    ----------
    path : Path
        The file.
    source : Source
        The manifest entry; ``source.columns`` maps template names onto the file's own headers.
    spec : TableSpec
        The table's template.
    limits : TableSettings, optional
        Size and row limits and the chunk size; default ``TableSettings()`` (``ATLAS_MAX_TABLE_ROWS``,
        ``ATLAS_MAX_TABLE_MB``, ``ATLAS_TABLE_CHUNK_ROWS``).

    Yields
    ------
    DataFrame
        Consecutive rows in file order (the first chunk starts at row 2; the header is row 1), with the
        template's column names; at least one chunk, which may be empty.

    Raises
    ------
    SourceFormatError
        If the file cannot be read, is larger than ``limits.max_table_mb`` or has more than
        ``limits.max_table_rows`` data rows.
    ColumnMappingError
        If a required template column is missing, or ``[source.columns]`` names a column not in the file.
    """
    limits = limits or TableSettings()
    _check_size(path, spec, limits)
    started, rows = time.perf_counter(), 0
    try:
        for position, chunk in enumerate(_raw_chunks(path, limits.table_chunk_rows)):
            rows += len(chunk)
            if rows > limits.max_table_rows:
                raise SourceFormatError(
                    f"{path}: more than {limits.max_table_rows:,} data rows (the limit, setting "
                    f"ATLAS_MAX_TABLE_ROWS); split the {spec.name} file or raise the limit"
                )
            if position or len(chunk) == limits.table_chunk_rows:
                seconds = time.perf_counter() - started
                log.info("%s: %d rows read (%.1f s, %.0f rows/s)", path.name, rows, seconds,
                         rows / max(seconds, 1e-9))
            yield _mapped(chunk, path, source, spec)
    except (OSError, ValueError, UnicodeDecodeError, zipfile.BadZipFile, KeyError) as exc:
        raise SourceFormatError(f"{path}: cannot read the {spec.name} table: {exc}") from exc


def _check_size(path: Path, spec: TableSpec, limits: TableSettings) -> None:
    try:
        megabytes = path.stat().st_size / 1e6
    except OSError as exc:
        raise SourceFormatError(f"{path}: cannot read the {spec.name} table: {exc}") from exc
    if megabytes > limits.max_table_mb:
        raise SourceFormatError(
            f"{path}: {megabytes:,.1f} MB is larger than the limit of {limits.max_table_mb:,g} MB "
            f"(setting ATLAS_MAX_TABLE_MB); split the {spec.name} file or raise the limit"
        )


def _raw_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        return
    with pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", chunksize=chunk_rows) as reader:
        yield from reader


def _mapped(table: pd.DataFrame, path: Path, source: Source, spec: TableSpec) -> pd.DataFrame:
    rename = {column: target for target, column in source.columns.items()}
    unknown = [c for c in rename if c not in table.columns]
    if unknown:
        raise ColumnMappingError(f"{path}: [source.columns] names columns not in the file: {unknown}")
    table = table.rename(columns=rename)
    table.columns = [str(c).strip().lower() for c in table.columns]
    missing = [c for c in spec.required if c not in table.columns]
    if missing:
        raise ColumnMappingError(
            f"{path}: missing required {spec.name} columns {missing}; "
            f"{describe_columns(table.columns, (*spec.required, *spec.optional))}; "
            f"see {spec.doc} or map them in data/sources.toml [source.columns]"
        )
    return table


def _clean(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def join_notes(*parts: str) -> str:
    """Join non-empty note texts with ``"; "``."""
    return "; ".join(p for p in parts if p)


def assemble(rows: list[dict], schema: LayerSchema, what: str,
             geometries: list | None = None) -> pd.DataFrame | gpd.GeoDataFrame:
    """Build and validate a table (or, with ``geometries``, a GeoDataFrame in EPSG:4326) from row dicts.

    Parameters
    ----------
    rows : list of dict
        One dict per row with every column of ``schema``.
    schema : LayerSchema
        The contract.
    what : str
        Names the table and source in error messages.
    geometries : list of shapely geometry or None, optional
        One per row, for a spatial schema.

    Returns
    -------
    DataFrame or GeoDataFrame
        Validated; no rows give ``schema.empty()``.

    Raises
    ------
    SchemaError
        If a row breaks the contract.
    """
    if not rows:
        return schema.empty()
    frame = pd.DataFrame([{c: row[c] for c in schema.column_names} for row in rows], columns=schema.column_names)
    for column in schema.columns:
        if column.kind == "float":
            frame[column.name] = frame[column.name].astype("float64")
        elif column.kind == "int":
            frame[column.name] = frame[column.name].astype("int64")
    if schema.geometry_type is not None:
        frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries, crs=STORE_CRS), crs=STORE_CRS)
    validate(frame, schema, what=what)
    return frame
