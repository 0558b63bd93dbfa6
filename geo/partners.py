"""Partner groups: which partner (China, the USA, the EU, ...) an owner stands for, seen from a host country."""

from __future__ import annotations

#: Partner groups in display order. ``unknown`` is a share whose owner is not known.
PARTNER_GROUPS = (
    "China", "USA", "EU", "UK", "Russia", "Korea", "Japan", "other foreign", "multilateral",
    "domestic state", "domestic private", "unknown",
)

#: Property name of each group's share in the API (``share_china`` ...).
SHARE_PROPERTY = {group: "share_" + group.lower().replace(" ", "_") for group in PARTNER_GROUPS}

#: EU member states (2026), ISO alpha-2; ``EU`` itself stands for EU institutions.
EU_MEMBERS = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)

_COUNTRY_GROUPS = {"CN": "China", "US": "USA", "GB": "UK", "RU": "Russia", "KR": "Korea", "JP": "Japan",
                   "EU": "EU", "XX": "multilateral"}

#: Kinds of domestic entities that stand for the state, and for private owners.
STATE_KINDS = frozenset({"state", "state-owned enterprise", "development bank"})
PRIVATE_KINDS = frozenset({"private", "investment fund"})

#: Colours of the partner groups on the map (colour-blind-safe where possible).
PARTNER_COLOURS = {
    "China": "#D55E00", "USA": "#0072B2", "EU": "#F0E442", "UK": "#CC79A7", "Russia": "#7F3C8D",
    "Korea": "#009E73", "Japan": "#E69F00", "other foreign": "#56B4E9", "multilateral": "#3C3C3C",
    "domestic state": "#A0522D", "domestic private": "#B8B8B8", "unknown": "#FFFFFF",
}


def partner_of_country(code: str) -> str:
    """Return the partner group of a foreign owner's home country.

    Parameters
    ----------
    code : str
        ISO 3166-1 alpha-2, ``EU`` (EU institutions) or ``XX`` (a multilateral body).

    Returns
    -------
    str
        ``China``, ``USA``, ``EU`` (member states and institutions), ``UK``, ``Russia``, ``Korea``,
        ``Japan``, ``multilateral`` or ``other foreign``.
    """
    if code in _COUNTRY_GROUPS:
        return _COUNTRY_GROUPS[code]
    if code in EU_MEMBERS:
        return "EU"
    return "other foreign"


def own_group(home_country: str, kind: str, host_country: str) -> str | None:
    """Return the group an entity stands for by its own nationality and kind, or None if that says nothing.

    Parameters
    ----------
    home_country : str
        The entity's home country (ISO alpha-2, ``EU`` or ``XX``); empty if unknown.
    kind : str
        ``state``, ``state-owned enterprise``, ``private`` ... or empty.
    host_country : str
        The country of the deposit or facility the stake is in.

    Returns
    -------
    str or None
        A foreign entity's partner group by nationality; for a domestic one ``domestic state`` or
        ``domestic private`` by kind; None when the home country is unknown, or a domestic entity's
        kind is unknown or unnamed.
    """
    if not home_country:
        return None
    if home_country != host_country:
        return partner_of_country(home_country)
    if kind in STATE_KINDS:
        return "domestic state"
    if kind in PRIVATE_KINDS:
        return "domestic private"
    return None
