"""Helpers the importers share: the error they raise, a table of rows, and cell cleaning."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from layers.errors import SourceFormatError


class ImportFormatError(SourceFormatError):
    """A file given to an importer is not in the format it reads (the message names file, record and field)."""


@dataclass
class Imported:
    """What an importer made: rows in the companies, ownership and licences file shapes."""

    companies: list[dict] = field(default_factory=list)
    ownership: list[dict] = field(default_factory=list)
    licences: list[dict] = field(default_factory=list)

    def frames(self) -> dict[str, pd.DataFrame]:
        """Return the rows as DataFrames with the importers' column order (every cell a string)."""
        from layers.importers import COMPANY_COLUMNS, LICENCE_COLUMNS, OWNERSHIP_COLUMNS

        shapes = {"companies": COMPANY_COLUMNS, "ownership": OWNERSHIP_COLUMNS, "licences": LICENCE_COLUMNS}
        return {name: pd.DataFrame([{c: row.get(c, "") for c in columns} for row in getattr(self, name)],
                                   columns=list(columns), dtype=str)
                for name, columns in shapes.items()}


def cell(value: object) -> str:
    """Return a spreadsheet or JSON cell as stripped text ('' for None, NaN and NaT)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def slug(text: str) -> str:
    """Return an id-safe slug of ``text`` (letters, digits and '-')."""
    return re.sub(r"[^0-9A-Za-z]+", "-", text).strip("-").lower()


def safe_id(text: str) -> str:
    """Return ``text`` with characters ids may not hold (anything but letters, digits, '-', '_', '.', ':') as '-'."""
    return re.sub(r"[^0-9A-Za-z_.:-]+", "-", text).strip("-")


def read_sheets(path: Path) -> dict[str, pd.DataFrame]:
    """Read every sheet of an XLSX file, or a CSV as one sheet named after the file, all cells as text.

    Raises
    ------
    ImportFormatError
        If the file cannot be read.
    """
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return pd.read_excel(path, sheet_name=None, dtype=str)
        return {path.stem: pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")}
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ImportFormatError(f"{path}: cannot read as CSV (UTF-8) or XLSX: {exc}") from exc


def column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    """Return the frame's column matching one of ``names`` (case and spaces ignored), or None."""
    def norm(text: str) -> str:
        return re.sub(r"[\s_()/-]+", " ", str(text)).strip().lower()

    wanted = [norm(n) for n in names]
    for candidate in wanted:
        for col in frame.columns:
            if norm(col) == candidate:
                return col
    return None
