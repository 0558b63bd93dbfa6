"""Error-message text about a file's columns that never quotes what the file holds.

A file's header line is its content: the manifest may name a file that is not the table it claims (a password
file read as CSV has its first line as its one "column"), so errors say how many columns a file has and which of
the names the loader looks for it has, never the other names.
"""

from __future__ import annotations

from collections.abc import Iterable


def describe_columns(columns: Iterable[object], known: Iterable[str]) -> str:
    """Return ``"3 columns, of which the expected name, lat"``-style text: a count and the known names present.

    Parameters
    ----------
    columns : iterable
        The file's column names (a ``geometry`` column is not counted).
    known : iterable of str
        Names the loader looks for; only these are named, compared ignoring case.

    Returns
    -------
    str
        For example ``"the file has 7 columns, none of the expected names"``.
    """
    names = [str(c) for c in columns if str(c) != "geometry"]
    wanted = {k.casefold() for k in known}
    found = [n for n in names if n.strip().casefold() in wanted]
    count = f"{len(names)} column{'s' if len(names) != 1 else ''}"
    return f"the file has {count}, " + (f"of the expected names {found}" if found else "none of the expected names")
