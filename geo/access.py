"""Corridor distances per site: to each corridor, to the nearest (existing, and any status), to gateways."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Geod

from geo.analysis_schema import SITE_ACCESS, SITE_CORRIDORS
from geo.corridor_distance import nearest_per_id, prepare_lines
from layers.schema import validate

_GEOD = Geod(ellps="WGS84")


def mapped_sites(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the sites that have a location."""
    return sites[~(sites.geometry.isna() | sites.geometry.is_empty)]


def land_legs(segments: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the corridor legs on land (every leg but sea crossings), with their corridor id."""
    return segments[segments["mode"] != "sea"][["corridor_id", "geometry"]]


def site_corridor_distances(sites: gpd.GeoDataFrame, segments: gpd.GeoDataFrame,
                            corridors: pd.DataFrame) -> pd.DataFrame:
    """Geodesic distance from every mapped site to every corridor's land legs.

    Parameters
    ----------
    sites : GeoDataFrame
        The sites layer (EPSG:4326).
    segments : GeoDataFrame
        Corridor legs (``geo.analysis_schema.CORRIDOR_SEGMENTS``).
    corridors : DataFrame
        The corridors layer (for each corridor's status).

    Returns
    -------
    DataFrame
        ``geo.analysis_schema.SITE_CORRIDORS``: one row per site and corridor; the distance is the geodesic
        length from the site to the reported nearest point (``pyproj.Geod``), in km.
    """
    located = mapped_sites(sites)
    if located.empty or segments.empty:
        return SITE_CORRIDORS.empty()
    index = prepare_lines(land_legs(segments), id_column="corridor_id")
    per = nearest_per_id(index, located.geometry.x.to_numpy(), located.geometry.y.to_numpy())
    status = corridors.set_index("corridor_id")["status"]
    table = pd.DataFrame({
        "site_id": located["site_id"].to_numpy()[per["point"].to_numpy()],
        "corridor_id": per["corridor_id"].astype(str).to_numpy(),
        "status": status.loc[per["corridor_id"]].to_numpy(),
        "distance_km": per["distance_m"].to_numpy() / 1000.0,
        "nearest_lon": per["nearest_lon"].to_numpy(),
        "nearest_lat": per["nearest_lat"].to_numpy(),
        "precision_km": located["location_precision_km"].to_numpy()[per["point"].to_numpy()],
    })
    validate(table, SITE_CORRIDORS, what="site corridor distances")
    return table


def nearest_gateways(sites: gpd.GeoDataFrame, gateways: gpd.GeoDataFrame) -> pd.DataFrame:
    """The geodesically nearest gateway of each mapped site.

    Parameters
    ----------
    sites : GeoDataFrame
        The sites layer.
    gateways : GeoDataFrame
        The gateways layer.

    Returns
    -------
    DataFrame
        ``site_id``, ``nearest_gateway`` (node id), ``gateway_distance_km``.
    """
    located = mapped_sites(sites)
    lon, lat = located.geometry.x.to_numpy(), located.geometry.y.to_numpy()
    distances = np.vstack([
        _GEOD.inv(lon, lat, np.full_like(lon, g.x), np.full_like(lat, g.y))[2] for g in gateways.geometry
    ]) if len(gateways) else np.full((1, len(located)), np.nan)
    best = np.argmin(distances, axis=0) if len(gateways) else np.zeros(len(located), dtype=int)
    return pd.DataFrame({
        "site_id": located["site_id"].to_numpy(),
        "nearest_gateway": gateways["node_id"].to_numpy()[best] if len(gateways) else "",
        "gateway_distance_km": distances[best, np.arange(len(located))] / 1000.0,
    })


def site_access(site_corridors: pd.DataFrame, gateways: pd.DataFrame, railheads: pd.DataFrame) -> pd.DataFrame:
    """Combine per-site facts into the site access table.

    Parameters
    ----------
    site_corridors : DataFrame
        :func:`site_corridor_distances`.
    gateways : DataFrame
        :func:`nearest_gateways`.
    railheads : DataFrame
        ``site_id``, ``railhead_lon``, ``railhead_lat``, ``access_km``, ``access_cost``.

    Returns
    -------
    DataFrame
        ``geo.analysis_schema.SITE_ACCESS``, one row per mapped site (sorted by site id).
    """
    if site_corridors.empty:
        return SITE_ACCESS.empty()
    ordered = site_corridors.sort_values(["site_id", "distance_km", "corridor_id"])
    existing = ordered[ordered["status"] == "existing"].groupby("site_id").first()
    anyone = ordered.groupby("site_id").first()
    table = pd.DataFrame({
        "site_id": anyone.index,
        "nearest_corridor": existing["corridor_id"].reindex(anyone.index).fillna("").to_numpy(),
        "corridor_distance_km": existing["distance_km"].reindex(anyone.index).to_numpy(),
        "nearest_corridor_any": anyone["corridor_id"].to_numpy(),
        "corridor_distance_any_km": anyone["distance_km"].to_numpy(),
        "precision_km": anyone["precision_km"].to_numpy(),
    })
    table["planned_change_km"] = table["corridor_distance_any_km"] - table["corridor_distance_km"]
    table = table.merge(gateways, on="site_id", how="left").merge(railheads, on="site_id", how="left")
    table = table[SITE_ACCESS.column_names].sort_values("site_id", ignore_index=True)
    table["nearest_gateway"] = table["nearest_gateway"].fillna("")
    validate(table, SITE_ACCESS, what="site access")
    return table
