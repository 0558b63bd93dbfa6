"""Site queries: filter the sites layer by country, commodity, bounding box and name, and page it."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.errors import CRSMismatchError
from layers.names import search_key
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
