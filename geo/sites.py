"""Site queries: filter the sites layer by country, commodity, bounding box and name, and page it."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.deposits.names import search_key
from layers.errors import CRSMismatchError
from layers.schema import STORE_CRS
from layers.types import BBox


@dataclass(frozen=True)
class SiteQuery:
    """A filter over the sites layer; every field None means no filter."""

    countries: tuple[str, ...] | None = None
    commodities: tuple[str, ...] | None = None
    bbox: BBox | None = None
    q: str | None = None
    mapped_only: bool = False


def filter_sites(sites: gpd.GeoDataFrame, query: SiteQuery) -> gpd.GeoDataFrame:
    """Return the sites that match every filter of ``query``, in the layer's order.

    Parameters
    ----------
    sites : GeoDataFrame
        The sites layer (``layers.schema.SITES``) in EPSG:4326.
    query : SiteQuery
        ``countries``: ISO alpha-2 codes; ``commodities``: element symbols, commodity names or group
        names, any of which matches (case-insensitive); ``bbox``: WGS84 degrees, sites whose point lies
        inside or on the edge (unmapped sites never match); ``q``: a name in any script, matched as a
        substring of the normalised names of every member record; ``mapped_only``: drop unmapped sites.

    Returns
    -------
    GeoDataFrame
        A filtered view (same columns and CRS); empty when nothing matches.

    Raises
    ------
    CRSMismatchError
        If ``sites`` is not in EPSG:4326, in which the bbox is given.
    """
    if sites.crs is None or not sites.crs.equals(STORE_CRS):
        raise CRSMismatchError(f"sites are in {sites.crs}, bbox filters need {STORE_CRS}")
    mask = pd.Series(True, index=sites.index)
    if query.countries:
        mask &= sites["country"].isin(query.countries)
    if query.commodities:
        wanted = {c.lower() for c in query.commodities}
        mask &= np.array([
            any(v.lower() in wanted for v in [*values, *groups])
            for values, groups in zip(sites["commodities"], sites["commodity_groups"], strict=True)
        ], dtype=bool)
    located = ~(sites.geometry.isna() | sites.geometry.is_empty)
    if query.mapped_only or query.bbox is not None:
        mask &= located
    if query.bbox is not None:
        box = query.bbox
        xs = sites.geometry.x.where(located)
        ys = sites.geometry.y.where(located)
        mask &= xs.between(box.minx, box.maxx) & ys.between(box.miny, box.maxy)
    if query.q:
        needle = search_key(query.q)
        if needle:
            mask &= np.array([any(needle in key for key in keys) for keys in sites["search_keys"]], dtype=bool)
    return sites[mask.to_numpy()]


def page(frame: gpd.GeoDataFrame, *, limit: int, offset: int) -> gpd.GeoDataFrame:
    """Return rows ``offset`` to ``offset + limit`` of ``frame``.

    Parameters
    ----------
    frame : GeoDataFrame
        Any frame.
    limit, offset : int
        Non-negative; ``limit`` rows at most.

    Returns
    -------
    GeoDataFrame
        The page (empty past the end).
    """
    return frame.iloc[offset: offset + limit]


def filter_by_corridor(sites: pd.DataFrame, site_corridors: pd.DataFrame, site_access: pd.DataFrame,
                       corridor: str | None, max_km: float | None) -> pd.DataFrame:
    """Keep the sites near a corridor.

    Parameters
    ----------
    sites : DataFrame
        Sites (any frame with ``site_id``).
    site_corridors, site_access : DataFrame
        The analysis layers ``site_corridors`` and ``site_access``.
    corridor : str or None
        A corridor id.
    max_km : float or None
        A geodesic distance in km.

    Returns
    -------
    DataFrame
        With both: sites within ``max_km`` of ``corridor``. With ``corridor`` alone: sites whose nearest
        corridor (existing, or of any status) it is. With ``max_km`` alone: sites within ``max_km`` of their
        nearest existing corridor. With neither: ``sites`` unchanged. Unmapped sites never match.
    """
    if corridor is None and max_km is None:
        return sites
    if corridor is not None and max_km is not None:
        rows = site_corridors[site_corridors["corridor_id"] == corridor]
        keep = rows.loc[rows["distance_km"] <= max_km, "site_id"]
    elif corridor is not None:
        keep = site_access.loc[(site_access["nearest_corridor"] == corridor)
                               | (site_access["nearest_corridor_any"] == corridor), "site_id"]
    else:
        keep = site_access.loc[site_access["corridor_distance_km"] <= max_km, "site_id"]
    return sites[sites["site_id"].isin(set(keep))]


def filter_by_controlling_partner(sites: pd.DataFrame, partner_table: pd.DataFrame,
                                  partners: list[str] | None) -> pd.DataFrame:
    """Keep the sites whose controlling partner (``geo.site_ownership.partner_table``) is one of ``partners``.

    Parameters
    ----------
    sites : DataFrame
        Sites (any frame with ``site_id``).
    partner_table : DataFrame
        Partner attribution on the as-of date, indexed by ``site_id``.
    partners : list of str or None
        Partner groups; None or empty keeps every site.

    Returns
    -------
    DataFrame
        The kept rows, in order.
    """
    if not partners:
        return sites
    controlled = set(partner_table.index[partner_table["controlling_partner"].isin(partners)])
    return sites[sites["site_id"].isin(controlled)]
