"""The workspace's one filter model: which sites the map, the table and the downloads show, and facet counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields, replace
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.partners import PARTNER_GROUPS, SHARE_PROPERTY
from geo.sites import SiteQuery, filter_by_controlling_partner, filter_by_corridor, filter_sites
from layers.types import BBox

#: Facets whose counts the workspace shows beside each choice (a field of :class:`SiteFilter` each).
FACETS = ("countries", "commodities", "deposit_types", "statuses", "partners", "partners_any", "licensed",
          "holder_unknown", "corridor")


@dataclass(frozen=True)
class SiteFilter:
    """Every filter of the workspace; None (or empty) means no filter on that field.

    ``partners``: controlling partner groups; ``partners_any``: groups with any known share; ``licensed``: a
    licence joined to the site (True) or none (False); ``holder_unknown``: True keeps the sites
    whose holder is unknown on ``as_of``, False those with a sourced holder; ``max_corridor_km`` is geodesic km.
    """

    as_of: date
    countries: tuple[str, ...] | None = None
    commodities: tuple[str, ...] | None = None
    deposit_types: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    partners: tuple[str, ...] | None = None
    partners_any: tuple[str, ...] | None = None
    licensed: bool | None = None
    holder_unknown: bool | None = None
    corridor: str | None = None
    max_corridor_km: float | None = None
    q: str | None = None
    bbox: BBox | None = None
    mapped_only: bool = False


@dataclass(frozen=True)
class FilterContext:
    """The frames a filter reads: sites, partner attribution and coverage on ``as_of``, corridor distances.

    ``partner_table`` is :func:`geo.site_ownership.partner_table` on the filter's date; ``coverage`` is
    :func:`geo.coverage.site_coverage` (``has_holder``, ``known_share``) on it; ``site_corridors`` and
    ``site_access`` are the analysis layers of those names.
    """

    sites: gpd.GeoDataFrame
    partner_table: pd.DataFrame
    coverage: pd.DataFrame
    site_corridors: pd.DataFrame
    site_access: pd.DataFrame


def apply_filter(context: FilterContext, site_filter: SiteFilter) -> gpd.GeoDataFrame:
    """Return the sites that pass every filter of ``site_filter``, in the layer's order.

    Parameters
    ----------
    context : FilterContext
        The frames on the filter's ``as_of`` date; sites in EPSG:4326.
    site_filter : SiteFilter
        The filters.

    Returns
    -------
    GeoDataFrame
        A view of ``context.sites`` (same columns and CRS); empty when nothing matches.

    Raises
    ------
    CRSMismatchError
        If the sites are not in EPSG:4326 (see :func:`geo.sites.filter_sites`).
    """
    f = site_filter
    query = SiteQuery(countries=f.countries, commodities=f.commodities, bbox=f.bbox, q=f.q,
                      mapped_only=f.mapped_only)
    if f.bbox is not None and f.bbox.minx > f.bbox.maxx:
        # A box across the antimeridian (west edge > east edge): its parts west and east of it.
        west, east = (replace(query, bbox=BBox(f.bbox.minx, f.bbox.miny, 180.0, f.bbox.maxy)),
                      replace(query, bbox=BBox(-180.0, f.bbox.miny, f.bbox.maxx, f.bbox.maxy)))
        kept = filter_sites(context.sites, west).index.union(filter_sites(context.sites, east).index)
        sites = context.sites[context.sites.index.isin(kept)]
    else:
        sites = filter_sites(context.sites, query)
    if f.deposit_types:
        wanted = {t.lower() for t in f.deposit_types}
        # A boolean array, never a list: an empty list would select no columns instead of no rows.
        sites = sites[np.array([any(v.lower() in wanted for v in values) for values in sites["deposit_types"]],
                               dtype=bool)]
    if f.statuses:
        sites = sites[sites["status"].isin(f.statuses)]
    sites = filter_by_controlling_partner(sites, context.partner_table, list(f.partners or ()))
    if f.partners_any:
        sites = sites[sites["site_id"].isin(_with_any_share(context.partner_table, f.partners_any))]
    if f.licensed is not None:
        licensed = set(context.partner_table.index[context.partner_table["licence_ids"].map(bool)])
        sites = sites[sites["site_id"].isin(licensed) == f.licensed]
    if f.holder_unknown is not None:
        known = set(context.coverage.index[context.coverage["has_holder"].astype(bool)])
        sites = sites[~sites["site_id"].isin(known) == f.holder_unknown]
    return filter_by_corridor(sites, context.site_corridors, context.site_access, f.corridor, f.max_corridor_km)


def _with_any_share(table: pd.DataFrame, groups: tuple[str, ...]) -> set[str]:
    columns = [SHARE_PROPERTY[g] for g in groups if SHARE_PROPERTY.get(g) in table.columns]
    if not columns:
        return set()
    return set(table.index[(table[columns].fillna(0.0) > 0).any(axis=1)])


def facet_counts(context: FilterContext, site_filter: SiteFilter) -> dict[str, dict[str, int]]:
    """Count, for each facet, how many sites each of its choices would show with the other filters kept.

    Parameters
    ----------
    context : FilterContext
        The frames on the filter's date.
    site_filter : SiteFilter
        The current filters; each facet is counted with its own filter cleared, so a count is what choosing
        that value (alone) would give.

    Returns
    -------
    dict
        Facet name (of :data:`FACETS`) → choice → number of sites; ``licensed`` and ``holder_unknown``
        have the choices ``yes`` and ``no``; ``corridor`` counts the sites within ``max_corridor_km`` of
        each corridor, or without it the sites whose nearest corridor (existing or any) it is.
        Also ``total``: ``{"matched": n}`` for the whole filter.
    """
    counts: dict[str, dict[str, int]] = {"total": {"matched": len(apply_filter(context, site_filter))}}
    cleared = {field.name: None for field in fields(SiteFilter) if field.name in FACETS}
    for facet in FACETS:
        # A corridor's count keeps the distance but not the "near the nearest corridor" reading of it alone.
        extra = {"max_corridor_km": None} if facet == "corridor" else {}
        rest = apply_filter(context, replace(site_filter, **{facet: cleared[facet]}, **extra))
        counts[facet] = _count(facet, rest, context, site_filter.max_corridor_km)
    return counts


def _count(facet: str, sites: pd.DataFrame, context: FilterContext, max_km: float | None) -> dict[str, int]:
    ids = set(sites["site_id"])
    if facet == "countries":
        return dict(Counter(sites["country"]))
    if facet == "commodities":
        counter: Counter = Counter()
        for values, groups in zip(sites["commodities"], sites["commodity_groups"], strict=True):
            counter.update({*values, *groups})
        return dict(counter)
    if facet == "deposit_types":
        return dict(Counter(v for values in sites["deposit_types"] for v in set(values)))
    if facet == "statuses":
        return dict(Counter(s for s in sites["status"] if s))
    table = context.partner_table[context.partner_table.index.isin(ids)]
    if facet == "partners":
        return dict(Counter(p for p in table["controlling_partner"] if isinstance(p, str) and p))
    if facet == "partners_any":
        return {g: int((table[SHARE_PROPERTY[g]].fillna(0.0) > 0).sum()) for g in PARTNER_GROUPS
                if SHARE_PROPERTY[g] in table.columns}
    if facet == "licensed":
        licensed = int(table["licence_ids"].map(bool).sum())
        return {"yes": licensed, "no": len(ids) - licensed}
    if facet == "holder_unknown":
        known = int(context.coverage.loc[context.coverage.index.isin(ids), "has_holder"].astype(bool).sum())
        return {"yes": len(ids) - known, "no": known}
    if max_km is not None:
        near = context.site_corridors[context.site_corridors["site_id"].isin(ids)
                                      & (context.site_corridors["distance_km"] <= max_km)]
        return dict(Counter(near["corridor_id"]))
    access = context.site_access[context.site_access["site_id"].isin(ids)]
    counter = Counter()
    for existing, anyc in zip(access["nearest_corridor"], access["nearest_corridor_any"], strict=True):
        counter.update({c for c in (existing, anyc) if c})
    return dict(counter)
