"""One routable rail graph from every rail layer: nodes at line vertices, edges along track, gaps joined.

The lines of Natural Earth and of the OSM extracts do not share vertices where they meet, so the graph joins
a line's loose end to the nearest vertex of another line within :data:`JOIN_TOLERANCE_M`. Lines are simplified
to :data:`SIMPLIFY_M` first: routing needs the network's shape, not every OSM node. Distances on the graph are
planar metres in :data:`layers.schema.METRIC_CRS` (the equal-area projection of the region); the lengths the
atlas reports are geodesic lengths of the drawn lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from layers.errors import CRSMismatchError
from layers.schema import METRIC_CRS, STORE_CRS

#: Loose line ends closer than this to another line's vertex are joined (metres).
JOIN_TOLERANCE_M = 1500.0

#: Douglas–Peucker tolerance applied to rail lines before the graph is built (metres).
SIMPLIFY_M = 50.0

#: Vertices closer than this are one node (metres): OSM ways share their junction nodes exactly.
NODE_GRID_M = 1.0

_TO_METRIC = Transformer.from_crs(STORE_CRS, METRIC_CRS, always_xy=True)
_TO_LONLAT = Transformer.from_crs(METRIC_CRS, STORE_CRS, always_xy=True)


@dataclass
class Route:
    """A path on the graph."""

    nodes: np.ndarray  # node indices from start to end
    length_m: float  # along the graph (planar metres)

    def lonlat(self, graph: RailGraph) -> np.ndarray:
        """Return the path's vertices as an (n, 2) array of lon/lat degrees."""
        return graph.node_lonlat[self.nodes]


class RailGraph:
    """The rail network as a sparse weighted graph."""

    def __init__(self, xy: np.ndarray, edges: np.ndarray, weights: np.ndarray, joins: int) -> None:
        self.xy = xy  # (n, 2) metric coordinates of the nodes
        lon, lat = _TO_LONLAT.transform(xy[:, 0], xy[:, 1])
        self.node_lonlat = np.column_stack([lon, lat])
        n = len(xy)
        both = np.concatenate([edges, edges[:, ::-1]])
        self.matrix = coo_matrix((np.concatenate([weights, weights]), (both[:, 0], both[:, 1])), shape=(n, n)).tocsr()
        self.tree = cKDTree(xy)
        self.joins = joins

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.xy)

    def snap(self, lon: float, lat: float) -> tuple[int, float]:
        """Return the nearest node to a point and its planar distance in metres."""
        x, y = _TO_METRIC.transform(lon, lat)
        distance, index = self.tree.query([x, y])
        return int(index), float(distance)

    def snap_many(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised :meth:`snap`: node indices and planar distances in metres."""
        x, y = _TO_METRIC.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        distance, index = self.tree.query(np.column_stack([x, y]))
        return index.astype(int), distance

    def route(self, start: int, end: int) -> Route | None:
        """Return the shortest path from node ``start`` to node ``end``, or None if they are not connected."""
        distances, predecessors = dijkstra(self.matrix, indices=start, return_predecessors=True)
        if not np.isfinite(distances[end]):
            return None
        path = [end]
        while path[-1] != start:
            path.append(int(predecessors[path[-1]]))
        return Route(np.array(path[::-1]), float(distances[end]))

    def distances_from(self, nodes: list[int]) -> np.ndarray:
        """Return planar metres along the graph from each of ``nodes`` to every node: shape (len(nodes), n)."""
        return dijkstra(self.matrix, indices=nodes)


def build_rail_graph(railways: gpd.GeoDataFrame) -> RailGraph:
    """Build the routable graph from rail lines.

    Parameters
    ----------
    railways : GeoDataFrame
        LineStrings in EPSG:4326 (the ``railways`` store layer, every source together).

    Returns
    -------
    RailGraph
        Nodes at (simplified) vertices, edges along each line weighted by planar metres, and joins from loose
        line ends to the nearest vertex of another line within :data:`JOIN_TOLERANCE_M`.

    Raises
    ------
    CRSMismatchError
        If the lines are not in EPSG:4326.
    ValueError
        If there are no lines.
    """
    if railways.crs is None or not railways.crs.equals(STORE_CRS):
        raise CRSMismatchError(f"railways are in {railways.crs}, expected {STORE_CRS}")
    if railways.empty:
        raise ValueError("no rail lines to build a graph from")
    lines = shapely.simplify(railways.to_crs(METRIC_CRS).geometry.values, SIMPLIFY_M)
    coords, line_index = shapely.get_coordinates(lines, return_index=True)
    keys = np.round(coords / NODE_GRID_M).astype(np.int64)
    unique, node_of = np.unique(keys, axis=0, return_inverse=True)
    node_of = node_of.ravel()
    xy = unique.astype(float) * NODE_GRID_M
    same_line = line_index[1:] == line_index[:-1]
    edges = np.column_stack([node_of[:-1][same_line], node_of[1:][same_line]])
    edges = edges[edges[:, 0] != edges[:, 1]]
    weights = np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T)
    join_edges, join_weights = _joins(xy, node_of, line_index)
    return RailGraph(xy, np.concatenate([edges, join_edges]), np.concatenate([weights, join_weights]),
                     len(join_edges))


def _joins(xy: np.ndarray, node_of: np.ndarray, line_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Loose ends: the first and last vertex of each line that no other line shares.
    starts = np.r_[0, np.flatnonzero(np.diff(line_index)) + 1]
    ends = np.r_[starts[1:] - 1, len(line_index) - 1]
    end_nodes = np.unique(np.concatenate([node_of[starts], node_of[ends]]))
    lines_per_node = np.bincount(node_of, minlength=len(xy))
    loose = end_nodes[lines_per_node[end_nodes] == 1]
    owner = np.full(len(xy), -1)
    owner[node_of] = line_index
    tree = cKDTree(xy)
    pairs, weights = [], []
    for node in loose:
        # The nearest vertices first; take the first that belongs to another line.
        distances, candidates = tree.query(xy[node], k=64, distance_upper_bound=JOIN_TOLERANCE_M)
        for distance, other in zip(distances, candidates, strict=True):
            if not np.isfinite(distance):
                break
            if other != node and owner[other] != owner[node]:
                pairs.append((node, other))
                weights.append(distance)
                break
    if not pairs:
        return np.empty((0, 2), dtype=int), np.empty(0)
    return np.array(pairs, dtype=int), np.array(weights)
