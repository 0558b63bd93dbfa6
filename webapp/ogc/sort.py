"""``sortby`` on OGC items: ``sortby=name`` or ``sortby=-n_sources,+name`` (OGC API – Records 1.0 "Sorting",
the form the draft OGC API – Features Part 8 takes over).

Every declared field of scalar type (string, number, integer, boolean) is sortable; ``+`` (or no sign) sorts
ascending, ``-`` descending; text compares case-insensitively; missing values come last in either direction;
the sort is stable, so equal keys keep the collection's order (by id). An unknown or list-valued field is a 400
that names it and lists the sortable ones.
"""

from __future__ import annotations

import pandas as pd

from webapp.errors import BadRequest
from webapp.ogc.schema import Field

SORTABLE_TYPES = frozenset({"string", "number", "integer", "boolean"})


def sortable(fields: tuple[Field, ...]) -> tuple[str, ...]:
    """The names of the fields ``sortby`` accepts, in declared order."""
    return tuple(f.name for f in fields if f.type in SORTABLE_TYPES)


def parse_sortby(value: str | None, fields: tuple[Field, ...]) -> list[tuple[str, bool]]:
    """Return ``[(field, ascending), ...]`` from a ``sortby`` value; [] when absent.

    Raises
    ------
    BadRequest
        400 naming the parameter and the bad field, with the sortable fields.
    """
    if value is None or not value.strip():
        return []
    allowed = sortable(fields)
    keys = []
    for part in value.split(","):
        item = part.strip()
        ascending = not item.startswith("-")
        name = item.lstrip("+-").strip()
        if name not in allowed:
            raise BadRequest(f"sortby: {name!r} is not a sortable field of this collection; expected one of "
                                f"{', '.join(allowed)}, optionally prefixed by + or -", parameter="sortby")
        keys.append((name, ascending))
    return keys


def sort_frame(frame: pd.DataFrame, keys: list[tuple[str, bool]]) -> pd.DataFrame:
    """Sort ``frame`` by ``keys`` (stable, text case-insensitive, missing values last)."""
    if not keys or frame.empty:
        return frame
    names = [name for name, _ in keys]
    return frame.sort_values(names, ascending=[asc for _, asc in keys], kind="mergesort", na_position="last",
                             key=_key)


def _key(column: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return column
    return column.map(lambda v: v.casefold() if isinstance(v, str) and v else (None if v == "" else v)).astype(object)
