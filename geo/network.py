"""Rail distances: each site's railhead (its nearest point on the network) and rail km from there to gateways."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod, Transformer

from geo.corridors import SNAP_MAX_M
from geo.railgraph import RailGraph
from layers.schema import METRIC_CRS, STORE_CRS

_GEOD = Geod(ellps="WGS84")
_TO_METRIC = Transformer.from_crs(STORE_CRS, METRIC_CRS, always_xy=True)
_TO_LONLAT = Transformer.from_crs(METRIC_CRS, STORE_CRS, always_xy=True)


@dataclass(frozen=True)
class Railheads:
    """The nearest point on the rail network of each point asked about."""

    lon: np.ndarray
    lat: np.ndarray
    access_m: np.ndarray  # geodesic metres from the point to its railhead


def find_railheads(railways: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray) -> Railheads:
    """Return the nearest point on any rail line for each point.

    The nearest line is found in :data:`layers.schema.METRIC_CRS` (an STRtree over the lines); the reported
    distance is the geodesic length from the point to the reported railhead (``pyproj.Geod``).

    Parameters
    ----------
    railways : GeoDataFrame
        The railways layer (EPSG:4326).
    lon, lat : ndarray
        Degrees.

    Returns
    -------
    Railheads
        Lon/lat of each railhead and the geodesic access distance in metres.
    """
    lines = railways.to_crs(METRIC_CRS).geometry.to_numpy()
    tree = shapely.STRtree(lines)
    x, y = _TO_METRIC.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    points = shapely.points(x, y)
    _, which = tree.query_nearest(points, all_matches=False)
    nearest_xy = shapely.get_coordinates(shapely.shortest_line(points, lines[which]))[1::2]
    head_lon, head_lat = _TO_LONLAT.transform(nearest_xy[:, 0], nearest_xy[:, 1])
    _, _, metres = _GEOD.inv(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), head_lon, head_lat)
    return Railheads(np.asarray(head_lon), np.asarray(head_lat), np.asarray(metres))


def rail_km_to_gateways(graph: RailGraph, gateways: gpd.GeoDataFrame, site_ids: list[str],
                        railheads: Railheads) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rail kilometres from each site's railhead to every gateway the rail graph reaches.

    The railhead and each gateway are taken to their nearest graph node; the planar offsets to those nodes
    are added to the path length along the graph.

    Parameters
    ----------
    graph : RailGraph
        The rail graph.
    gateways : GeoDataFrame
        The gateways layer.
    site_ids : list of str
        Site ids, aligned with ``railheads``.
    railheads : Railheads
        From :func:`find_railheads`.

    Returns
    -------
    table : DataFrame
        ``site_id``, ``gateway_id``, ``rail_km``, ``access_km`` for every reachable pair.
    off_network : dict
        Gateway id -> why it has no rail distances (farther than the snap limit from track).
    """
    nodes, offsets, off_network = [], [], {}
    ids = []
    for gateway in gateways.to_dict("records"):
        node, distance = graph.snap(gateway["geometry"].x, gateway["geometry"].y)
        if distance > SNAP_MAX_M:
            limit = f"snap limit {SNAP_MAX_M / 1000:g} km"
            off_network[gateway["node_id"]] = f"{distance / 1000:.1f} km from track ({limit})"
            continue
        nodes.append(node)
        offsets.append(distance)
        ids.append(gateway["node_id"])
    if not ids:
        return pd.DataFrame(columns=["site_id", "gateway_id", "rail_km", "access_km"]), off_network
    along = graph.distances_from(nodes)  # (gateways, nodes)
    site_nodes, site_offsets = graph.snap_many(railheads.lon, railheads.lat)
    metres = along[:, site_nodes] + np.asarray(offsets)[:, None] + site_offsets[None, :]
    rows = []
    for g, gateway_id in enumerate(ids):
        reachable = np.isfinite(metres[g])
        for s in np.flatnonzero(reachable):
            rows.append((site_ids[s], gateway_id, metres[g, s] / 1000.0, railheads.access_m[s] / 1000.0))
    table = pd.DataFrame(rows, columns=["site_id", "gateway_id", "rail_km", "access_km"])
    return table.sort_values(["site_id", "rail_km"], ignore_index=True), off_network
