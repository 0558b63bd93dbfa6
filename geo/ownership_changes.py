"""What changed between two dates: controlling partners and shares of sites, ownership edges, licences and
agreements that began or ended in the window; pure functions over the store's frames."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from geo.partners import PARTNER_GROUPS, SHARE_PROPERTY
from layers.dates import period_start

#: A share that moves by less than this many percentage points is not reported as changed.
SHARE_TOLERANCE_PCT = 0.5


def _in_window(text: str, start: date, end: date) -> bool:
    """Whether a partial date falls in ``(start, end]`` (empty or unreadable: never)."""
    try:
        day = period_start(text or "")
    except ValueError:
        return False
    return day is not None and start < day <= end


def _shares(row: pd.Series | None) -> dict[str, float]:
    if row is None:
        return {}
    result = {}
    for group in PARTNER_GROUPS:
        value = row.get(SHARE_PROPERTY[group])
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            result[group] = round(float(value), 1)
    return result


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def site_partner_changes(sites: pd.DataFrame, before: pd.DataFrame, after: pd.DataFrame) -> list[dict]:
    """Sites whose controlling partner or partner shares differ between two partner tables.

    Parameters
    ----------
    sites : DataFrame
        The sites layer (``site_id``, ``name``, ``country``).
    before, after : DataFrame
        :func:`geo.site_ownership.partner_table` on the earlier and the later date.

    Returns
    -------
    list of dict
        ``site_id``, ``name``, ``country``, ``kind`` (``new control``, ``control ended``, ``control changed``,
        ``shares changed``), the controlling partner and the shares (percent) before and after; in the sites'
        order.
    """
    changes = []
    for row in sites[["site_id", "name", "country"]].to_dict("records"):
        sid = row["site_id"]
        old = before.loc[sid] if sid in before.index else None
        new = after.loc[sid] if sid in after.index else None
        if old is None and new is None:
            continue
        was = _text(old["controlling_partner"]) if old is not None else None
        now = _text(new["controlling_partner"]) if new is not None else None
        shares_before, shares_after = _shares(old), _shares(new)
        moved = {g for g in {*shares_before, *shares_after}
                 if abs(shares_before.get(g, 0.0) - shares_after.get(g, 0.0)) >= SHARE_TOLERANCE_PCT}
        if was == now and not moved:
            continue
        kind = ("shares changed" if was == now else "new control" if was is None
                else "control ended" if now is None else "control changed")
        changes.append({**row, "kind": kind, "partner_before": was, "partner_after": now,
                        "shares_before": shares_before, "shares_after": shares_after})
    return changes


def dated_changes(frame: pd.DataFrame, start: date, end: date, *, begins: str, ends: str | None) -> pd.DataFrame:
    """Rows of a relation table that began (``begins`` column) or ended (``ends``) in ``(start, end]``.

    Parameters
    ----------
    frame : DataFrame
        Ownership edges, licences or agreements (date columns hold partial ISO dates or are empty).
    start, end : date
        The window, start excluded, end included.
    begins, ends : str
        The columns of the first day and of the end (``ends`` None: the rows never end, as agreements).

    Returns
    -------
    DataFrame
        The rows, with a ``change`` column (``began`` or ``ended``); a row that did both appears twice.
    """
    began = frame[[_in_window(v, start, end) for v in frame[begins]]].assign(change="began")
    parts = [began]
    if ends is not None:
        parts.append(frame[[_in_window(v, start, end) for v in frame[ends]]].assign(change="ended"))
    return pd.concat(parts, ignore_index=True) if len(frame) else frame.assign(change=pd.Series(dtype=str))
