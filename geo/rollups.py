"""Roll-ups of the partner attribution: country x partner, commodity group x partner, and change over time."""

from __future__ import annotations

from datetime import date

import pandas as pd

from geo.ownership import OwnershipGraph
from geo.partners import PARTNER_GROUPS, SHARE_PROPERTY
from geo.site_ownership import partner_table

#: Columns of a partner matrix.
MATRIX_COLUMNS = ["key", "partner", "sites_with_licence", "sites_controlled", "share_site_equivalents",
                  "sites_with_known_share", "sites_with_unknown_share"]


def partner_matrix(table: pd.DataFrame, sites: pd.DataFrame, *, by: str = "country") -> pd.DataFrame:
    """Sum the site attribution by country (or commodity group) and partner group.

    Parameters
    ----------
    table : DataFrame
        :func:`geo.site_ownership.partner_table` output (index ``site_id``).
    sites : DataFrame
        The sites layer (``site_id``, ``country``, ``commodity_groups``).
    by : {"country", "commodity_group"}
        What the rows are grouped by; a site counts once in each of its commodity groups.

    Returns
    -------
    DataFrame
        :data:`MATRIX_COLUMNS`: for each key and partner, licensed sites in the key, sites the partner
        controls, the sum of its known shares in site equivalents (a 30 % share counts 0.3), sites where its
        share is known, and sites where it holds a part of unknown size. Rows with nothing are left out.

    Raises
    ------
    ValueError
        If ``by`` is neither ``country`` nor ``commodity_group``.
    """
    if by not in ("country", "commodity_group"):
        raise ValueError(f"by must be 'country' or 'commodity_group', got {by!r}")
    keyed = sites.set_index("site_id").loc[table.index]
    keys = keyed["country"].map(lambda c: [c]) if by == "country" else keyed["commodity_groups"]
    counts: dict[tuple[str, str], list[float]] = {}
    licensed: dict[str, int] = {}
    for site_id, site_keys in keys.items():
        row = table.loc[site_id]
        for key in site_keys:
            licensed[key] = licensed.get(key, 0) + 1
            for group in PARTNER_GROUPS:
                share = row[SHARE_PROPERTY[group]]
                cell = counts.setdefault((key, group), [0, 0.0, 0, 0])
                cell[0] += row["controlling_partner"] == group
                if pd.notna(share):
                    cell[1] += share / 100.0
                    cell[2] += 1
                cell[3] += group in row["unknown_parts"]
    rows = [[key, group, licensed[key], c[0], round(c[1], 4), c[2], c[3]]
            for (key, group), c in counts.items() if any(c)]
    order = {g: i for i, g in enumerate(PARTNER_GROUPS)}
    frame = pd.DataFrame(rows, columns=MATRIX_COLUMNS)
    return frame.sort_values(["key", "partner"], key=lambda s: s.map(order) if s.name == "partner" else s,
                             ignore_index=True)


def control_timeline(sites: pd.DataFrame, licences: pd.DataFrame, licence_sites: pd.DataFrame,
                     graph: OwnershipGraph, dates: list[date]) -> pd.DataFrame:
    """Count the sites each partner controls on each of ``dates``, per country.

    Parameters
    ----------
    sites, licences, licence_sites : DataFrame
        Store layers.
    graph : OwnershipGraph
        Companies and ownership.
    dates : list of date
        The days to evaluate, e.g. 1 January of each year.

    Returns
    -------
    DataFrame
        Columns ``date`` (ISO text), ``country``, ``partner``, ``sites_controlled``; only non-zero rows.
    """
    countries = sites.set_index("site_id")["country"]
    rows = []
    for day in dates:
        table = partner_table(sites, licences, licence_sites, graph, day)
        controlled = table["controlling_partner"].dropna()
        for (country, partner), count in controlled.groupby([countries.loc[controlled.index].values,
                                                              controlled.values]).size().items():
            rows.append({"date": day.isoformat(), "country": country, "partner": partner,
                         "sites_controlled": int(count)})
    return pd.DataFrame(rows, columns=["date", "country", "partner", "sites_controlled"])
