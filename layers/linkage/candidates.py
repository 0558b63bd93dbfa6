"""Candidate pairs for linkage: spatial neighbours from a k-d tree, and shared names for records without a place.

Both indexes are built in ``O(n log n)`` and yield pairs in time proportional to their number, so no record is
compared with every other.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterator

import numpy as np
from scipy.spatial import cKDTree

from layers.linkage.location import MAX_SIGMAS

log = logging.getLogger(__name__)

#: Mean Earth radius (km), for the chord length of a great-circle radius in the k-d tree of unit vectors.
EARTH_RADIUS_KM = 6371.0088
#: A name block holding more records than this (a name that half a registry shares) is left out of the name
#: index and logged: its pairs would be many and each weak.
MAX_NAME_BLOCK = 200


def unit_vectors(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Return points on the unit sphere (n × 3) for longitudes and latitudes in degrees."""
    lon, lat = np.radians(lons), np.radians(lats)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def spatial_pairs(lons: np.ndarray, lats: np.ndarray, sigmas_km: np.ndarray) -> Iterator[tuple[int, int]]:
    """Yield the pairs of points that may lie within their largest link distance of each other.

    A pair may join only within ``MAX_SIGMAS * hypot(sigma_i, sigma_j)``, which is at most
    ``MAX_SIGMAS * sqrt(2) * max(sigma_i, sigma_j)``; each point is therefore queried with its own radius
    ``MAX_SIGMAS * sqrt(2) * sigma_i`` and every pair is found from its wider side. The caller checks the exact
    limit with geodesic distances.

    Parameters
    ----------
    lons, lats : ndarray
        Degrees, WGS84.
    sigmas_km : ndarray
        Each point's location error, km.

    Yields
    ------
    tuple of int
        ``(i, j)`` positions with ``i < j``, each pair once.
    """
    if len(lons) < 2:
        return
    points = unit_vectors(lons, lats)
    tree = cKDTree(points)
    radii_km = MAX_SIGMAS * math.sqrt(2.0) * np.asarray(sigmas_km, dtype=float)
    chords = 2.0 * np.sin(np.minimum(radii_km / EARTH_RADIUS_KM, math.pi) / 2.0)
    seen: set[tuple[int, int]] = set()
    for i, neighbours in enumerate(tree.query_ball_point(points, chords)):
        for j in neighbours:
            if j != i:
                pair = (i, j) if i < j else (j, i)
                if pair not in seen:
                    seen.add(pair)
                    yield pair


def name_pairs(blocks: list[set[tuple[str, str]]], located: list[bool],
               datasets: list[str]) -> Iterator[tuple[int, int]]:
    """Yield pairs of records of different datasets sharing a name block, at least one without a location.

    Parameters
    ----------
    blocks : list of set
        Per record, its ``(country, name block)`` keys.
    located : list of bool
        Per record, whether it has a point. Two located records are compared by :func:`spatial_pairs` only.
    datasets : list of str
        Per record, its dataset: two records of one dataset are never linked by name alone.

    Yields
    ------
    tuple of int
        ``(i, j)`` with ``i < j``, each pair once.
    """
    index: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, keys in enumerate(blocks):
        for key in keys:
            index[key].append(i)
    seen: set[tuple[int, int]] = set()
    for key, members in index.items():
        unlocated = [i for i in members if not located[i]]
        if not unlocated or len(members) < 2:
            continue
        if len(members) > MAX_NAME_BLOCK:
            log.info("linkage: name block %s of %d records left out of the name index", key, len(members))
            continue
        for i in unlocated:
            for j in members:
                if j != i and datasets[i] != datasets[j]:
                    pair = (i, j) if i < j else (j, i)
                    if pair not in seen:
                        seen.add(pair)
                        yield pair
