"""Partial ISO dates (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``) as the curated tables write them."""

from __future__ import annotations

import re
from datetime import date

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def period_start(text: str) -> date | None:
    """Return the first day of the period a partial date names, or None for an empty text.

    Parameters
    ----------
    text : str
        ``"2025"``, ``"2025-11"``, ``"2025-11-06"`` or ``""``.

    Returns
    -------
    date or None
        ``2025-01-01``, ``2025-11-01``, ``2025-11-06``; None for ``""``.

    Raises
    ------
    ValueError
        If the text is not one of those forms or names no real day.
    """
    text = (text or "").strip()
    if not text:
        return None
    match = _PARTIAL.match(text)
    if not match:
        raise ValueError(f"not a date of the form YYYY, YYYY-MM or YYYY-MM-DD: {text!r}")
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"not a real date: {text!r} ({exc})") from exc


def valid_at(valid_from: str, valid_to: str, as_of: date) -> bool:
    """Tell whether a relation valid over ``[valid_from, valid_to)`` holds on ``as_of``.

    An empty ``valid_from`` means since an unknown date (always before); an empty ``valid_to`` means still
    valid. The interval is half-open, so when one row's ``valid_to`` equals the next row's ``valid_from``
    (a hand-over), the new row holds on that day and the old one does not. A partial date stands for the
    first day of its period (``"2025-11"`` is 1 November 2025).

    Parameters
    ----------
    valid_from, valid_to : str
        Partial ISO dates or empty.
    as_of : date
        The day asked about.

    Returns
    -------
    bool
    """
    start, end = period_start(valid_from), period_start(valid_to)
    return (start is None or start <= as_of) and (end is None or as_of < end)


def effective_start(start: str, source_date: str) -> tuple[str, bool]:
    """Return the date a relation holds from, and whether its real start is unknown.

    A timeline never extends a relation before the earliest date a source supports: when ``start``
    (``valid_from`` or ``granted``) is empty, the relation holds from its ``source_date`` and is flagged
    *start unknown*. With neither date the relation holds since an unknown date, as before.

    Parameters
    ----------
    start : str
        ``valid_from`` / ``granted``: a partial ISO date or empty.
    source_date : str
        The earliest date a source supports the relation: a partial ISO date or empty.

    Returns
    -------
    tuple of (str, bool)
        The start to use with :func:`valid_at`, and True when ``start`` was empty.
    """
    if start:
        return start, False
    return source_date, True
