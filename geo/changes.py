"""The change history of the store, filtered by country, commodity or partner, newest build first."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from geo.partners import PARTNER_GROUPS, own_group
from layers.deposits.commodities import GROUPS


@dataclass(frozen=True)
class ChangeFilter:
    """What a change list is restricted to; empty fields restrict nothing."""

    country: str = ""  # ISO alpha-2
    commodity: str = ""  # a commodity value (``W``) or a group (``rare metals``)
    partner: str = ""  # one of geo.partners.PARTNER_GROUPS

    def __post_init__(self) -> None:
        if self.partner and self.partner not in PARTNER_GROUPS:
            raise ValueError(f"partner {self.partner!r} is not one of {', '.join(PARTNER_GROUPS)}")

    def is_empty(self) -> bool:
        """Whether nothing is filtered."""
        return not (self.country or self.commodity or self.partner)


def change_partners(change: dict, companies: pd.DataFrame) -> list[str]:
    """Return the partner groups the parties of a change stand for, seen from its countries.

    Parameters
    ----------
    change : dict
        A row of the store's ``changes`` layer.
    companies : DataFrame
        The store's companies (``company_id``, ``home_country``, ``kind``).

    Returns
    -------
    list of str
        Partner groups in :data:`geo.partners.PARTNER_GROUPS` order; empty when no party is known.
    """
    lookup = companies.set_index("company_id")[["home_country", "kind"]].to_dict("index") if len(companies) else {}
    hosts = change["countries"] or [""]
    found = set()
    for party in change["parties"]:
        entity = lookup.get(party)
        if entity is None:
            continue
        for host in hosts:
            group = own_group(entity["home_country"], entity["kind"], host)
            if group is not None:
                found.add(group)
    return [g for g in PARTNER_GROUPS if g in found]


def filter_changes(changes: pd.DataFrame, companies: pd.DataFrame, where: ChangeFilter) -> list[dict]:
    """Return the changes that match ``where``, newest build first, each with its ``partners``.

    ``build`` rows are kept whatever the filter, so a list always shows when each build ran.

    Parameters
    ----------
    changes : DataFrame
        The store's ``changes`` layer.
    companies : DataFrame
        The store's companies, to name partners.
    where : ChangeFilter
        The restriction.

    Returns
    -------
    list of dict
        Change rows plus ``partners`` (list of str) and, for ``build`` rows, ``counts`` (dict).
    """
    members = GROUPS.get(where.commodity, frozenset({where.commodity}))
    out = []
    for change in reversed(changes.to_dict("records")):
        change["partners"] = change_partners(change, companies)
        if change["kind"] == "build":
            change["counts"] = json.loads(change["new_value"] or "{}")
            out.append(change)
            continue
        if where.country and where.country not in change["countries"]:
            continue
        if where.commodity and not members.intersection(change["commodities"]):
            continue
        if where.partner and where.partner not in change["partners"]:
            continue
        out.append(change)
    return out
