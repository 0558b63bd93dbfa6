"""Ownership coverage: how many sites have a sourced holder, a known ultimate owner and a known share."""

from __future__ import annotations

from datetime import date

import pandas as pd

from geo.ownership import OwnershipGraph
from geo.partners import PARTNER_GROUPS, SHARE_PROPERTY
from geo.site_ownership import licence_roles, partner_table

#: Columns of a coverage table (``pct_*`` are percent of ``sites``, one decimal).
COVERAGE_COLUMNS = ["key", "sites", "sites_with_holder", "sites_with_known_owner", "sites_with_known_share",
                    "pct_with_holder", "pct_with_known_owner", "pct_with_known_share"]

#: A site's coverage in one word, as ``/api/sites`` gives it (``ownership_coverage``) and the map styles it.
OWNERSHIP_COVERAGE = ("holder unknown", "share unknown", "share known")

#: What a coverage table can be grouped by.
COVERAGE_BY = ("country", "commodity_group")

_NAMED_SHARES = [SHARE_PROPERTY[g] for g in PARTNER_GROUPS if g != "unknown"]


def site_coverage(sites: pd.DataFrame, licences: pd.DataFrame, licence_sites: pd.DataFrame,
                  graph: OwnershipGraph, as_of: date, *, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Classify every site's ownership coverage on ``as_of``.

    Parameters
    ----------
    sites : DataFrame
        The sites layer (``site_id``, ``country``, ``commodity_groups``).
    licences, licence_sites : DataFrame
        The licences layer and its join to sites, as :func:`geo.site_ownership.partner_table` takes them.
    graph : OwnershipGraph
        Companies and ownership.
    as_of : date
        The day asked about.
    table : DataFrame, optional
        :func:`geo.site_ownership.partner_table` of the same arguments, when the caller already has it (the
        app keeps one per date); computed here otherwise.

    Returns
    -------
    DataFrame
        Index ``site_id`` (every site, in the layer's order); boolean columns ``has_holder`` (a licence in
        force on ``as_of`` that counts or is shown as a holder; state relations are not holders),
        ``known_owner`` (the counted attribution has parts and none of them is of unknown owner or size) and
        ``known_share`` (at least one named partner's share is known). ``known_owner`` and ``known_share``
        imply ``has_holder``.
    """
    if table is None:
        table = partner_table(sites, licences, licence_sites, graph, as_of)
    licence_rows = {row["licence_id"]: row for row in licences.drop(columns="geometry", errors="ignore")
                    .to_dict("records")}
    by_site = licence_sites.groupby("site_id")["licence_id"].apply(list).to_dict()
    holder = {}
    for site_id, licence_ids in by_site.items():
        roles = licence_roles([licence_rows[i] for i in licence_ids if i in licence_rows], as_of)
        holder[site_id] = any(r.in_force and r.role == "holder" for r in roles)
    ids = sites["site_id"]
    known_share = table[_NAMED_SHARES].notna().any(axis=1)
    known_owner = known_share & table[SHARE_PROPERTY["unknown"]].isna() & (table["unknown_parts"].str.len() == 0)
    return pd.DataFrame({
        "has_holder": ids.map(holder).fillna(False).astype(bool).to_numpy(),
        "known_owner": ids.map(known_owner).fillna(False).astype(bool).to_numpy(),
        "known_share": ids.map(known_share).fillna(False).astype(bool).to_numpy(),
    }, index=pd.Index(ids, name="site_id"))


def coverage_table(sites: pd.DataFrame, licences: pd.DataFrame, licence_sites: pd.DataFrame,
                   graph: OwnershipGraph, as_of: date, *, by: str = "country") -> pd.DataFrame:
    """Count, per country or commodity group, the sites with a sourced holder, known owner and known share.

    Parameters
    ----------
    sites : DataFrame
        The sites layer (``site_id``, ``country``, ``commodity_groups``).
    licences, licence_sites : DataFrame
        The licences layer and its join to sites.
    graph : OwnershipGraph
        Companies and ownership.
    as_of : date
        The day asked about.
    by : {"country", "commodity_group"}
        What the rows are grouped by; a site counts once in each of its commodity groups.

    Returns
    -------
    DataFrame
        :data:`COVERAGE_COLUMNS`, one row per key with at least one site, sorted by key; see
        :func:`site_coverage` for the definitions. Percentages are of ``sites`` (0 when there are none).

    Raises
    ------
    ValueError
        If ``by`` is neither ``country`` nor ``commodity_group``.
    """
    return coverage_rollup(site_coverage(sites, licences, licence_sites, graph, as_of), sites, by=by)


def coverage_rollup(flags: pd.DataFrame, sites: pd.DataFrame, *, by: str = "country") -> pd.DataFrame:
    """Sum a :func:`site_coverage` frame by country or commodity group.

    Parameters
    ----------
    flags : DataFrame
        :func:`site_coverage` output for ``sites``.
    sites : DataFrame
        The sites layer (``site_id``, ``country``, ``commodity_groups``), in the order of ``flags``.
    by : {"country", "commodity_group"}
        What the rows are grouped by; a site counts once in each of its commodity groups.

    Returns
    -------
    DataFrame
        As :func:`coverage_table`.

    Raises
    ------
    ValueError
        If ``by`` is neither ``country`` nor ``commodity_group``, or ``flags`` is not of ``sites``.
    """
    if by not in COVERAGE_BY:
        raise ValueError(f"by must be 'country' or 'commodity_group', got {by!r}")
    if list(flags.index) != list(sites["site_id"]):
        raise ValueError("flags must be site_coverage() of the same sites, in the same order")
    keys = sites["country"].map(lambda c: [c]) if by == "country" else sites["commodity_groups"]
    exploded = flags.assign(key=list(keys)).explode("key").dropna(subset=["key"])
    counts = exploded.groupby("key").agg(sites=("has_holder", "size"), sites_with_holder=("has_holder", "sum"),
                                         sites_with_known_owner=("known_owner", "sum"),
                                         sites_with_known_share=("known_share", "sum"))
    counts = counts.astype(int).reset_index()
    for name in ("holder", "known_owner", "known_share"):
        counts[f"pct_with_{name}"] = (100.0 * counts[f"sites_with_{name}"] / counts["sites"]).round(1)
    counts["key"] = counts["key"].astype(str)
    return counts[COVERAGE_COLUMNS].sort_values("key", ignore_index=True)


def coverage_totals(flags: pd.DataFrame) -> dict[str, int]:
    """Sum a :func:`site_coverage` frame over all sites.

    Parameters
    ----------
    flags : DataFrame
        :func:`site_coverage` output.

    Returns
    -------
    dict
        ``sites``, ``sites_with_holder``, ``sites_with_known_owner``, ``sites_with_known_share``.
    """
    return {"sites": len(flags), "sites_with_holder": int(flags["has_holder"].sum()),
            "sites_with_known_owner": int(flags["known_owner"].sum()),
            "sites_with_known_share": int(flags["known_share"].sum())}


def coverage_report(flags: pd.DataFrame, sites: pd.DataFrame, as_of: date) -> str:
    """Describe coverage in a few lines of plain text, for a command-line report.

    Parameters
    ----------
    flags : DataFrame
        :func:`site_coverage` output for ``sites``.
    sites : DataFrame
        The sites layer.
    as_of : date
        The day ``flags`` is of (printed).

    Returns
    -------
    str
        A headline (``N of M sites have a sourced holder``) then one line per country, each ending in a newline.
    """
    totals = coverage_totals(flags)
    lines = [f"ownership coverage on {as_of.isoformat()}: {totals['sites_with_holder']} of {totals['sites']} sites "
             f"have a sourced holder, {totals['sites_with_known_owner']} a known owner, "
             f"{totals['sites_with_known_share']} a known share"]
    for row in coverage_rollup(flags, sites, by="country").to_dict("records"):
        lines.append(f"  {row['key']}: {row['sites']} sites, holder {row['sites_with_holder']} "
                     f"({row['pct_with_holder']} %), known owner {row['sites_with_known_owner']}, "
                     f"known share {row['sites_with_known_share']}")
    return "".join(line + "\n" for line in lines)
