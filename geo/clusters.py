"""Server-side clustering of site points for a map view: exact counts per cluster and per category, O(N log N).

The sites in a view are binned on the Web Mercator pixel grid of the view's zoom (square cells of
:data:`CELL_PX` pixels, aligned to the world, so a cluster does not jump as the map pans); each occupied cell is
one cluster placed at the mean of its members, so clusters sit where the sites are. A cluster of one site, every
site at :data:`POINT_ZOOM` or above, and every site of a view holding at most :data:`POINTS_BELOW` sites are
returned as points. The functions take plain arrays (longitude, latitude, a category per site), so a SQL
implementation (PostGIS ``ST_SnapToGrid`` on ``ST_Transform(geom, 3857)``) can give the same answer later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from layers.types import BBox

#: Side of a cluster cell in screen pixels (Leaflet.markercluster's default radius is 80).
CELL_PX = 64
#: Pixels per tile side of the Web Mercator pyramid.
TILE_PX = 256
#: The zoom from which every site is a point.
POINT_ZOOM = 13
#: A view with at most this many sites shows them all as points.
POINTS_BELOW = 2000
#: Largest zoom a clustering accepts (Leaflet's usual maximum is 18-20).
MAX_ZOOM = 22
#: Largest side of a view in pixels at its zoom: a bigger box is clustered at a smaller zoom (bigger cells), so an
#: answer never holds more than about (MAX_VIEW_PX / CELL_PX)^2 clusters, nor a browser more than it can draw.
MAX_VIEW_PX = 4096
#: Web Mercator's latitude limit (degrees).
MERCATOR_MAX_LAT = 85.0511287798066

#: Categories of the colourings (``by`` of :func:`site_categories`).
COLOURINGS = ("group", "partner", "status")
#: Category of a site with no sourced licence in force, and of a site with a holder but no named partner.
HOLDER_UNKNOWN = "holder unknown"
SHARE_UNKNOWN = "share unknown"
#: Category of a site without a development status.
NO_STATUS = "no status"


class ClusterError(ValueError):
    """A clustering was asked for with a zoom or box it cannot serve."""

    def __init__(self, message: str, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class Clusters:
    """The clusters and points of a view.

    ``lon``, ``lat`` (degrees, EPSG:4326: the mean of the members), ``count``, ``bounds`` (n × 4: west, south,
    east, north of the members) and ``category_counts`` (n × len(categories)) describe the clusters, one row
    each, largest first; ``points`` are the positions (into the input arrays) of the sites returned as points, in
    input order. ``count.sum() + len(points)`` is the number of input sites in the box, exactly.
    """

    lon: np.ndarray
    lat: np.ndarray
    count: np.ndarray
    bounds: np.ndarray
    category_counts: np.ndarray
    categories: tuple[str, ...]
    points: np.ndarray
    point_categories: np.ndarray  # category position of each point

    @property
    def total(self) -> int:
        """How many sites the clusters and points hold."""
        return int(self.count.sum()) + len(self.points)


def mercator_pixels(lon: np.ndarray, lat: np.ndarray, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixel coordinates of WGS84 points at ``zoom`` (origin at the north-west corner of the world).

    Parameters
    ----------
    lon, lat : ndarray
        Degrees, EPSG:4326; latitudes beyond ±85.05° are clamped to the Mercator limit.
    zoom : int
        Zoom level; the world is ``256 * 2**zoom`` pixels wide.

    Returns
    -------
    x, y : ndarray
        Pixels (float), x east, y south.
    """
    size = TILE_PX * 2.0**zoom
    phi = np.radians(np.clip(np.asarray(lat, dtype=float), -MERCATOR_MAX_LAT, MERCATOR_MAX_LAT))
    x = (np.asarray(lon, dtype=float) + 180.0) / 360.0 * size
    y = (1.0 - np.log(np.tan(phi) + 1.0 / np.cos(phi)) / np.pi) / 2.0 * size
    return x, y


def in_bbox(lon: np.ndarray, lat: np.ndarray, bbox: BBox | None) -> np.ndarray:
    """Whether each point lies inside or on the edge of ``bbox`` (west > east: a box across the antimeridian).

    The same rule as the ``bbox`` filter of ``/api/sites`` (:func:`geo.sites.filter_sites`); NaN never matches.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if bbox is None:
        return np.isfinite(lon) & np.isfinite(lat)
    inside_lat = (lat >= bbox.miny) & (lat <= bbox.maxy)
    if bbox.minx <= bbox.maxx:
        return inside_lat & (lon >= bbox.minx) & (lon <= bbox.maxx)
    return inside_lat & ((lon >= bbox.minx) | (lon <= bbox.maxx))


def cluster_zoom(zoom: int, bbox: BBox | None) -> int:
    """The zoom a view is clustered at: ``zoom``, or a smaller one at which ``bbox`` is at most :data:`MAX_VIEW_PX`
    pixels a side (None: the whole world).

    Raises
    ------
    ClusterError
        If ``zoom`` is not a whole number in 0..:data:`MAX_ZOOM` (its ``parameter`` is ``zoom``).
    """
    if isinstance(zoom, bool) or not isinstance(zoom, (int, np.integer)) or not 0 <= zoom <= MAX_ZOOM:
        raise ClusterError(f"zoom must be a whole number from 0 to {MAX_ZOOM}; got {zoom!r}", "zoom")
    box = bbox or BBox(-180.0, -MERCATOR_MAX_LAT, 180.0, MERCATOR_MAX_LAT)
    width_deg = box.maxx - box.minx if box.minx <= box.maxx else 360.0 - (box.minx - box.maxx)
    x0, y0 = mercator_pixels(np.array([0.0]), np.array([box.maxy]), 0)
    x1, y1 = mercator_pixels(np.array([width_deg]), np.array([box.miny]), 0)
    side = max(float(x1[0] - x0[0]), float(y1[0] - y0[0]))  # pixels at zoom 0
    while zoom > 0 and side * 2**zoom > MAX_VIEW_PX:
        zoom -= 1
    return int(zoom)


def cluster_sites(lon: np.ndarray, lat: np.ndarray, categories: np.ndarray, *, zoom: int, bbox: BBox | None = None,
                  cell_px: int = CELL_PX, points_below: int = POINTS_BELOW,
                  point_zoom: int = POINT_ZOOM) -> Clusters:
    """Cluster the sites of a view: grid binning on the Web Mercator pixels of ``zoom``, exact counts.

    Parameters
    ----------
    lon, lat : ndarray
        Site positions, degrees (EPSG:4326); NaN (an unmapped site) is never counted.
    categories : ndarray
        The colour category of each site (text: a commodity group, a partner, a status), counted per cluster.
    zoom : int
        The map's zoom, 0..:data:`MAX_ZOOM`.
    bbox : BBox, optional
        The view (WGS84; west > east crosses the antimeridian), edges inclusive; None: the whole world.
    cell_px : int
        Cell side in pixels.
    points_below : int
        A view with at most this many sites returns them all as points.
    point_zoom : int
        From this zoom every site is a point.

    The clustering zoom is :func:`cluster_zoom` of ``zoom`` and ``bbox``: a box too large for its zoom is
    clustered on bigger cells (and its sites are points only if it holds at most ``points_below``).

    Returns
    -------
    Clusters
        Clusters of two or more sites (largest first) and the positions of the sites returned as points.

    Raises
    ------
    ClusterError
        If ``zoom`` is out of range (:func:`cluster_zoom`).

    Notes
    -----
    O(N) for the box and the binning plus O(M log M) to group the M sites in the box (a sort of their cell keys).
    """
    zoom = cluster_zoom(zoom, bbox)
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    codes, names = pd.factorize(pd.Series(np.asarray(categories, dtype=object)).fillna(""), sort=True)
    names = tuple(str(n) for n in names)
    inside = np.flatnonzero(in_bbox(lon, lat, bbox))
    if zoom >= point_zoom or len(inside) <= points_below:
        return _only_points(inside, codes, names)
    x, y = mercator_pixels(lon[inside], lat[inside], zoom)
    cells_per_side = int(np.ceil(TILE_PX * 2**zoom / cell_px))
    cx = np.clip((x // cell_px).astype(np.int64), 0, cells_per_side - 1)
    cy = np.clip((y // cell_px).astype(np.int64), 0, cells_per_side - 1)
    keys, cell = np.unique(cx * cells_per_side + cy, return_inverse=True)
    count = np.bincount(cell, minlength=len(keys))
    single = count[cell] == 1
    points = inside[single]
    multi = ~single
    # Renumber the cells of two or more sites 0..k-1 and sum over them.
    kept = np.flatnonzero(count > 1)
    renumber = np.full(len(keys), -1, dtype=np.int64)
    renumber[kept] = np.arange(len(kept))
    member = renumber[cell[multi]]
    members = inside[multi]
    k = len(kept)
    n = np.bincount(member, minlength=k)
    # Cells are aligned to the world's west edge, so none straddles the antimeridian: a plain mean is right.
    mean_lon = np.bincount(member, weights=lon[members], minlength=k) / np.maximum(n, 1)
    mean_lat = np.bincount(member, weights=lat[members], minlength=k) / np.maximum(n, 1)
    bounds = np.column_stack([_group_extreme(lon[members], member, k, np.minimum, np.inf),
                              _group_extreme(lat[members], member, k, np.minimum, np.inf),
                              _group_extreme(lon[members], member, k, np.maximum, -np.inf),
                              _group_extreme(lat[members], member, k, np.maximum, -np.inf)])
    category_counts = np.bincount(member * len(names) + codes[members],
                                  minlength=k * len(names)).reshape(k, len(names)) if names else np.zeros((k, 0))
    order = np.argsort(-n, kind="stable")
    return Clusters(lon=mean_lon[order], lat=mean_lat[order], count=n[order], bounds=bounds[order],
                    category_counts=category_counts[order], categories=names, points=points,
                    point_categories=codes[points])


def _only_points(inside: np.ndarray, codes: np.ndarray, names: tuple[str, ...]) -> Clusters:
    empty = np.zeros(0)
    return Clusters(lon=empty, lat=empty, count=np.zeros(0, dtype=np.int64), bounds=np.zeros((0, 4)),
                    category_counts=np.zeros((0, len(names)), dtype=np.int64), categories=names, points=inside,
                    point_categories=codes[inside])


def _group_extreme(values: np.ndarray, group: np.ndarray, k: int, ufunc, start: float) -> np.ndarray:
    out = np.full(k, start)
    ufunc.at(out, group, values)
    return out


def site_categories(site_ids: pd.Series, primary_groups: pd.Series, statuses: pd.Series, by: str,
                    partner_table: pd.DataFrame, coverage: pd.DataFrame, partners: tuple[str, ...]) -> np.ndarray:
    """The colour category of each site, as the map colours its markers (static/atlas.js ``siteStyle``).

    Parameters
    ----------
    site_ids, primary_groups, statuses : Series
        The sites' ``site_id``, ``primary_group`` and ``status`` columns.
    by : str
        ``group`` (the commodity group), ``partner`` (the controlling partner on the date; ``holder unknown``
        with no sourced licence in force, ``share unknown`` with a holder but no named partner) or ``status``
        (the development status; ``no status`` when blank).
    partner_table : DataFrame
        :func:`geo.site_ownership.partner_table` on the date (index ``site_id``, ``controlling_partner``).
    coverage : DataFrame
        :func:`geo.coverage.site_coverage` on the date (index ``site_id``, ``has_holder``).
    partners : tuple of str
        The partner groups that have a colour.

    Returns
    -------
    ndarray of str
        One category per site.

    Raises
    ------
    ValueError
        If ``by`` is not one of :data:`COLOURINGS`.
    """
    if by == "group":
        return primary_groups.fillna("").astype(str).to_numpy(dtype=object)
    if by == "status":
        return statuses.fillna("").astype(str).replace("", NO_STATUS).to_numpy(dtype=object)
    if by != "partner":
        raise ValueError(f"by must be one of {', '.join(COLOURINGS)}; got {by!r}")
    holder = site_ids.map(coverage["has_holder"].astype(bool)).fillna(False).astype(bool).to_numpy()
    partner = site_ids.map(partner_table["controlling_partner"]).to_numpy(dtype=object)
    named = np.array([isinstance(p, str) and p in partners and p != "unknown" for p in partner], dtype=bool)
    return np.where(~holder, HOLDER_UNKNOWN, np.where(named, partner, SHARE_UNKNOWN)).astype(object)
