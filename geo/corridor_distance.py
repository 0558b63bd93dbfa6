"""Distance from many points to corridor lines: nearest line, nearest point and geodesic metres on WGS84.

How it works, and what it approximates
--------------------------------------
:func:`prepare_lines` densifies the lines along geodesics so that no segment is longer than
``max_segment_m`` (2 km), takes the vertices to WGS 84 geocentric coordinates (EPSG:4978, metres) and
indexes the segment end points in a k-d tree. :func:`nearest` finds, for each point, the segment nearest in
straight-line (chord) distance through the earth and the nearest point on it, takes that point back to
longitude/latitude and measures the *geodesic* distance to it with ``pyproj.Geod(ellps="WGS84").inv``.
The reported distance is therefore exactly the ellipsoidal distance from the point to the reported
nearest point, and never less than the true geodesic distance to the line.

Why chords and not :data:`layers.schema.METRIC_CRS`: chord length and geodesic distance differ by about
s**3 / (24 R**2) (0.1 % at 1,000 km), and that difference changes by under 1 % with direction, so the
chord-nearest line can be the geodesically farther one only when the two are within ~1e-5 of each other
(under 10 m at 1,000 km, 0.2 m at 300 km). The equal-area plane distorts distances by 2-3 % with direction
2,000-3,000 km from its centre (65E 43N): a planar search (measured with an STRtree over 2 km segments)
reported 0.3 % of random points over 40-95E, 25-58N more than 0.5 % and 1 km too far, up to 1.6 % (20 km),
and takes 7-10 s per million points here. Densifying along geodesics makes a long straight leg (a schematic
sea or planned leg) the geodesic that ``Geod.geometry_length`` measures; a 2 km chord sags 8 cm below the
surface, so the nearest point is within millimetres of the geodesic foot.
``tests/geo/test_corridor_distance.py`` measures this against a brute-force geodesic search.

The search: a segment at chord distance ``d`` from a point has an end point within
``sqrt(d**2 + (L/2)**2)`` of it (``L`` the longest segment). The k-d tree gives the few nearest end points;
their segments are measured exactly with numpy, and if the k-th end point lies beyond that radius of the
best candidate, no other segment can be nearer and the answer is certain. The few uncertain points are
asked again with more end points until they are certain, so the result is the exact chord-nearest segment.

Ties: segments within :data:`TIE_TOLERANCE_M` of the nearest count as equally near (shared track, or a
point on the symmetry axis of two lines); among them the lowest id, in sorted order, wins.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod, Transformer
from scipy.spatial import cKDTree

from geo.analysis_schema import CATCHMENTS
from layers.errors import CRSMismatchError
from layers.schema import STORE_CRS, validate

#: Longest segment, metres, that lines are split into (along geodesics) before indexing.
MAX_SEGMENT_M = 2_000.0

#: Chord distances, metres, closer than this to the nearest count as a tie (the lowest id wins).
TIE_TOLERANCE_M = 0.001

#: Catchment radii, km, in the order of the CATCHMENTS columns.
CATCHMENT_RADII_KM = (50, 100, 250)

#: Where the search runs: WGS 84 geocentric X, Y, Z in metres.
GEOCENTRIC_CRS = "EPSG:4978"

#: Vertices first fetched from the k-d tree per point; more certify more points at once, at a higher cost.
_CANDIDATE_VERTICES = 4

#: Points per chunk handed to a worker thread.
_CHUNK = 65_536


@dataclass(frozen=True)
class _Segments:
    """Segments of one set of lines in geocentric metres, sorted by id code, duplicates removed."""

    start: tuple[np.ndarray, np.ndarray, np.ndarray]  # X, Y, Z of each segment's start: 1-D arrays gather fastest
    delta: tuple[np.ndarray, np.ndarray, np.ndarray]  # end - start
    inverse_length_sq: np.ndarray  # 1 / squared length; 0 for a zero-length segment, which projects to its start
    code: np.ndarray  # id code of each segment
    vertices: cKDTree  # segment end points; a point where d segments meet is ceil(d / 2) entries
    vertex_segments: np.ndarray  # (entries, 2) the segments meeting at each entry, -1 for none
    half_max_sq: float  # (longest segment / 2) ** 2


@dataclass(frozen=True)
class CorridorIndex:
    """Lines prepared by :func:`prepare_lines` for :func:`nearest` and :func:`nearest_per_id`.

    ``ids`` are the distinct values of ``id_column``, sorted; the ``_`` fields are internal.
    """

    id_column: str
    ids: tuple
    max_segment_m: float
    _segments: _Segments = field(repr=False)
    _segments_by_id: tuple[_Segments, ...] = field(repr=False)
    _to_geocentric: Transformer = field(repr=False)
    _to_geographic: Transformer = field(repr=False)
    _geod: Geod = field(repr=False)

    @property
    def n_segments(self) -> int:
        """Number of distinct segments indexed (shared track counted once)."""
        return len(self._segments.code)


@dataclass(frozen=True)
class NearestResult:
    """For each query point: the nearest line's id, the nearest point on it and the geodesic distance.

    Arrays align with the query points. A point with a NaN coordinate has ``line_id`` None and NaN
    elsewhere. ``distance_m`` equals ``Geod(ellps="WGS84").inv`` between the point and
    (``nearest_lon``, ``nearest_lat``), degrees EPSG:4326.
    """

    line_id: np.ndarray  # object
    nearest_lon: np.ndarray
    nearest_lat: np.ndarray
    distance_m: np.ndarray


def prepare_lines(
    lines: gpd.GeoDataFrame, *, id_column: str, max_segment_m: float = MAX_SEGMENT_M
) -> CorridorIndex:
    """Split corridor lines into short segments and index them for nearest-line queries.

    Parameters
    ----------
    lines : GeoDataFrame
        LineString or MultiLineString rows in EPSG:4326; several rows may share an id. Between vertices a
        line follows the geodesic, as ``pyproj.Geod.geometry_length`` measures it.
    id_column : str
        Column naming the line each row belongs to (e.g. ``corridor_id``); ids must be sortable.
    max_segment_m : float, default MAX_SEGMENT_M
        Longest segment, metres, after densifying along geodesics.

    Returns
    -------
    CorridorIndex
        Segments in geocentric metres with their ids and a k-d tree of their end points, for all ids
        together and for each id alone.

    Raises
    ------
    TypeError
        If ``lines`` is not a GeoDataFrame.
    CRSMismatchError
        If ``lines`` is not in EPSG:4326; the message names its CRS.
    ValueError
        If there are no lines, ``id_column`` is missing or has nulls, a geometry is null, empty or not a
        line, or ``max_segment_m`` is not positive.
    """
    _check_lines(lines, id_column, max_segment_m)
    codes, uniques = pd.factorize(lines[id_column], sort=True)
    order = np.argsort(codes, kind="stable")
    parts, row = shapely.get_parts(lines.geometry.iloc[order].to_numpy(), return_index=True)
    geod = Geod(ellps="WGS84")
    to_geocentric = Transformer.from_crs(STORE_CRS, GEOCENTRIC_CRS, always_xy=True)
    start, end, code = _densify(parts, codes[order][row], geod, max_segment_m)
    start, end = _geocentric(to_geocentric, *start.T), _geocentric(to_geocentric, *end.T)
    return CorridorIndex(
        id_column=id_column,
        ids=tuple(uniques.tolist()),
        max_segment_m=float(max_segment_m),
        _segments=_build_segments(start, end, code),
        _segments_by_id=tuple(_build_segments(start[code == c], end[code == c], code[code == c])
                              for c in range(len(uniques))),
        _to_geocentric=to_geocentric,
        _to_geographic=Transformer.from_crs(GEOCENTRIC_CRS, "EPSG:4979", always_xy=True),
        _geod=geod,
    )


def nearest(index: CorridorIndex, lon: np.ndarray, lat: np.ndarray, *, workers: int | None = None) -> NearestResult:
    """Find the nearest line, the nearest point on it and the geodesic distance, for every point.

    Parameters
    ----------
    index : CorridorIndex
        From :func:`prepare_lines`.
    lon, lat : ndarray
        1-D arrays of equal length, degrees EPSG:4326. NaN marks a point without a location.
    workers : int, optional
        Threads to spread chunks of points over; default: the CPUs this process may use.

    Returns
    -------
    NearestResult
        ``distance_m`` in metres on the WGS84 ellipsoid; nearest points in degrees EPSG:4326. See the
        module docstring for how the nearest line is chosen; on a tie the lowest id wins.

    Raises
    ------
    ValueError
        If the arrays differ in shape or are not 1-D, or a coordinate is infinite or out of range.
    """
    lon, lat = _parse_points(lon, lat)
    code, qlon, qlat, dist = _search(index, index._segments, lon, lat, workers)
    ids = np.array([*index.ids, None], dtype=object)
    return NearestResult(line_id=ids[code], nearest_lon=qlon, nearest_lat=qlat, distance_m=dist)


def nearest_per_id(
    index: CorridorIndex, lon: np.ndarray, lat: np.ndarray, *, workers: int | None = None
) -> pd.DataFrame:
    """Find, for every point and every id, the nearest point of that id's lines and its distance.

    Parameters
    ----------
    index : CorridorIndex
        From :func:`prepare_lines`.
    lon, lat : ndarray
        1-D arrays of equal length, degrees EPSG:4326. NaN marks a point without a location.
    workers : int, optional
        Threads to spread chunks of points over; default: the CPUs this process may use.

    Returns
    -------
    DataFrame
        One row per point and id, point-major, ids in sorted order: ``point`` (position in ``lon``),
        ``index.id_column``, ``distance_m`` (geodesic metres, WGS84), ``nearest_lon`` and ``nearest_lat``
        (degrees EPSG:4326); NaN for points with a NaN coordinate.

    Raises
    ------
    ValueError
        If the arrays differ in shape or are not 1-D, or a coordinate is infinite or out of range.
    """
    lon, lat = _parse_points(lon, lat)
    found = [_search(index, segments, lon, lat, workers)[1:] for segments in index._segments_by_id]
    qlon, qlat, dist = (np.stack([f[i] for f in found], axis=1).ravel() for i in range(3))
    return pd.DataFrame({
        "point": np.repeat(np.arange(len(lon)), len(index.ids)),
        index.id_column: np.tile(np.array(index.ids, dtype=object), len(lon)),
        "distance_m": dist,
        "nearest_lon": qlon,
        "nearest_lat": qlat,
    })


def catchment_counts(distances_km: pd.DataFrame) -> pd.DataFrame:
    """Count the sites within 50, 100 and 250 km of each corridor, per country.

    Parameters
    ----------
    distances_km : DataFrame
        ``site_id``, ``corridor_id``, ``country`` and ``distance_km`` (geodesic km; NaN for an unmapped
        site, which is within no radius). A site counts once per corridor even if listed twice.

    Returns
    -------
    DataFrame
        The :data:`geo.analysis_schema.CATCHMENTS` contract: one row per corridor and country present in
        the input, sorted, zero counts kept; a distance equal to a radius is within it.

    Raises
    ------
    ValueError
        If a column is missing.
    """
    needed = ["site_id", "corridor_id", "country", "distance_km"]
    missing = [c for c in needed if c not in distances_km.columns]
    if missing:
        raise ValueError(f"catchment_counts needs columns {needed}; missing {missing}")
    frame = distances_km[needed].drop_duplicates(["site_id", "corridor_id"])
    keys = ["corridor_id", "country"]
    counts = frame[keys].drop_duplicates().sort_values(keys).reset_index(drop=True).astype(object)
    for radius in CATCHMENT_RADII_KM:
        within = frame[frame["distance_km"] <= radius].groupby(keys).size().rename(f"within_{radius}_km")
        counts = counts.join(within, on=keys)
    counts = counts.fillna({f"within_{r}_km": 0 for r in CATCHMENT_RADII_KM})
    counts = counts.astype({f"within_{r}_km": "int64" for r in CATCHMENT_RADII_KM})
    validate(counts, CATCHMENTS, what="catchment_counts")
    return counts


def _check_lines(lines: gpd.GeoDataFrame, id_column: str, max_segment_m: float) -> None:
    if not isinstance(lines, gpd.GeoDataFrame):
        raise TypeError(f"prepare_lines needs a GeoDataFrame, got {type(lines).__name__}")
    if lines.crs is None or not CRS.from_user_input(lines.crs).equals(STORE_CRS):
        raise CRSMismatchError(f"corridor lines are in {lines.crs}, prepare_lines needs {STORE_CRS}")
    if len(lines) == 0:
        raise ValueError("prepare_lines got no lines: at least one LineString or MultiLineString is needed")
    if id_column not in lines.columns:
        raise ValueError(f"lines have no id column {id_column!r} (columns: {list(lines.columns)})")
    if lines[id_column].isna().any():
        raise ValueError(f"lines have null values in the id column {id_column!r}")
    geoms = lines.geometry
    bad = geoms.isna() | geoms.is_empty | ~geoms.geom_type.isin(["LineString", "MultiLineString"])
    if bad.any():
        raise ValueError(
            f"lines must be non-empty LineStrings or MultiLineStrings; {int(bad.sum())} rows are not "
            f"(ids {sorted(set(lines.loc[bad, id_column].tolist()))[:5]})"
        )
    if not max_segment_m > 0:
        raise ValueError(f"max_segment_m must be positive, got {max_segment_m}")


def _densify(
    parts: np.ndarray, part_codes: np.ndarray, geod: Geod, max_segment_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split every vertex-to-vertex leg along its geodesic into pieces of at most ``max_segment_m``.

    Returns the pieces' start and end (lon, lat) and id codes. Each leg is walked from its lesser end,
    so the same leg drawn in either direction gives the same pieces (and shared track is found).
    """
    coords, part = shapely.get_coordinates(parts, return_index=True)
    same_part = part[1:] == part[:-1]
    a, b, code = coords[:-1][same_part], coords[1:][same_part], part_codes[part[:-1][same_part]]
    flip = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    a, b = np.where(flip[:, None], b, a), np.where(flip[:, None], a, b)
    azimuth, _, length = geod.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    pieces = np.maximum(np.ceil(length / max_segment_m), 1).astype(int)
    leg = np.repeat(np.arange(len(a)), pieces + 1)
    step = np.arange(len(leg)) - np.repeat(np.cumsum(pieces + 1) - (pieces + 1), pieces + 1)
    lon, lat, _ = geod.fwd(a[leg, 0], a[leg, 1], azimuth[leg], length[leg] * step / pieces[leg])
    # The leg's own vertices, exactly as given: walking the geodesic again would round them.
    first, last = step == 0, step == pieces[leg]
    lon[first], lat[first] = a[:, 0], a[:, 1]
    lon[last], lat[last] = b[:, 0], b[:, 1]
    points = np.column_stack([lon, lat])
    starts = np.flatnonzero(~last)
    return points[starts], points[starts + 1], code[leg[starts]]


def _geocentric(transformer: Transformer, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return np.column_stack(transformer.transform(lon, lat, np.zeros_like(lon)))


def _build_segments(start: np.ndarray, end: np.ndarray, code: np.ndarray) -> _Segments:
    # Shared track: keep one copy of a segment, the one of the lowest id, which would win the tie anyway.
    keep = np.sort(np.unique(np.hstack([start, end]), axis=0, return_index=True)[1])
    start, end, code = start[keep], end[keep], code[keep]
    delta = end - start
    length_sq = np.einsum("ij,ij->i", delta, delta)
    vertices, vertex_segments = _vertex_entries(start, end)
    return _Segments(
        start=tuple(np.ascontiguousarray(c) for c in start.T),
        delta=tuple(np.ascontiguousarray(c) for c in delta.T),
        inverse_length_sq=np.divide(1.0, length_sq, out=np.zeros_like(length_sq), where=length_sq > 0),
        code=code,
        vertices=cKDTree(vertices, leafsize=64, balanced_tree=False, compact_nodes=False),
        vertex_segments=vertex_segments,
        half_max_sq=float(length_sq.max()) / 4.0,
    )


def _vertex_entries(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct segment end points, each with the (up to two) segments meeting there.

    A point where more than two segments meet (a junction) gets one entry per pair of them, so the k-d
    tree's k nearest entries stand for at most 2k candidate segments of a fixed-width table.
    """
    segment = np.tile(np.arange(len(start)), 2)
    points, which = np.unique(np.vstack([start, end]), axis=0, return_inverse=True)
    order = np.argsort(which, kind="stable")
    which, segment = which[order], segment[order]
    degree = np.bincount(which, minlength=len(points))
    rank = np.arange(len(which)) - np.repeat(np.cumsum(degree) - degree, degree)
    entries = (degree + 1) // 2
    entry = np.repeat(np.cumsum(entries) - entries, degree) + rank // 2
    table = np.full((int(entries.sum()), 2), -1)
    table[entry, rank % 2] = segment
    return np.repeat(points, entries, axis=0), table


def _parse_points(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if lon.shape != lat.shape or lon.ndim != 1:
        raise ValueError(f"lon and lat must be 1-D arrays of one length, got shapes {lon.shape} and {lat.shape}")
    with np.errstate(invalid="ignore"):
        bad = (np.abs(lon) > 180) | (np.abs(lat) > 90)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{int(bad.sum())} points are out of range, first ({lon[first]}, {lat[first]}) at {first}")
    return lon, lat


def _search(
    index: CorridorIndex, segments: _Segments, lon: np.ndarray, lat: np.ndarray, workers: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Nearest segment's id code (``len(ids)`` for a NaN point), nearest lon/lat and geodesic metres."""
    code = np.full(len(lon), len(index.ids))
    qlon, qlat, dist = (np.full(len(lon), np.nan) for _ in range(3))
    chunks = _chunks(_spatial_order(lon, lat))
    with _mapper(workers, len(chunks)) as run:
        for rows, (seg, q_lon, q_lat, metres) in zip(
            chunks, run(lambda rows: _nearest_chunk(index, segments, lon[rows], lat[rows]), chunks), strict=True
        ):
            code[rows], qlon[rows], qlat[rows], dist[rows] = segments.code[seg], q_lon, q_lat, metres
    return code, qlon, qlat, dist


def _nearest_chunk(index: CorridorIndex, segments: _Segments, lon: np.ndarray, lat: np.ndarray) -> tuple:
    """Nearest segment, nearest point (lon, lat) and geodesic metres for one chunk of located points."""
    point = _geocentric(index._to_geocentric, lon, lat)
    seg, nearest_xyz, dist_sq, certain = _candidates(segments, point, _CANDIDATE_VERTICES)
    k = _CANDIDATE_VERTICES
    while not certain.all():  # ask the uncertain again with more vertices; k = all vertices is always certain
        k *= 4
        todo = np.flatnonzero(~certain)
        seg[todo], nearest_xyz[todo], dist_sq[todo], certain[todo] = _candidates(segments, point[todo], k)
    q_lon, q_lat, _ = index._to_geographic.transform(*nearest_xyz.T)
    # A point on a vertex is its own nearest point: report it as given, at exactly 0 m.
    on_line = dist_sq == 0
    q_lon, q_lat = np.where(on_line, lon, q_lon), np.where(on_line, lat, q_lat)
    _, _, metres = index._geod.inv(lon, lat, q_lon, q_lat)
    return seg, q_lon, q_lat, metres


def _candidates(segments: _Segments, point: np.ndarray, k: int) -> tuple:
    """Nearest of the segments meeting at the ``k`` nearest vertices, and whether no other can be nearer."""
    k = min(k, segments.vertices.n)
    reach, entry = segments.vertices.query(point, k=k)
    reach, entry = reach.reshape(len(point), k), entry.reshape(len(point), k)
    candidates = segments.vertex_segments[entry].reshape(len(point), 2 * k)
    along, dist_sq = _project(segments, point, candidates)
    dist_sq[candidates < 0] = np.inf
    tie_sq = (np.sqrt(dist_sq.min(axis=1)) + TIE_TOLERANCE_M) ** 2
    # Among the candidates within the tie tolerance, the lowest id wins; within it, the nearest segment.
    code = np.where(dist_sq <= tie_sq[:, None], segments.code[candidates], np.iinfo(np.int64).max)
    dist_sq[code != code.min(axis=1)[:, None]] = np.inf
    best = np.argmin(dist_sq, axis=1)
    rows = np.arange(len(point))
    seg, along = candidates[rows, best], along[rows, best]
    nearest_xyz = np.column_stack([
        start[seg] + along * delta[seg] for start, delta in zip(segments.start, segments.delta, strict=True)
    ])
    # Every segment within the tie reach of the point has an end point within this reach of it.
    certain = (k == segments.vertices.n) | (reach[:, -1] ** 2 > tie_sq + segments.half_max_sq)
    return seg, nearest_xyz, dist_sq[rows, best], certain


def _project(segments: _Segments, point: np.ndarray, seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where along segments ``seg`` (m, c) the points (m, 3) come nearest (0..1), and the squared distance."""
    sx, sy, sz, dx, dy, dz = (c[seg] for c in (*segments.start, *segments.delta))
    ox, oy, oz = point[:, 0:1] - sx, point[:, 1:2] - sy, point[:, 2:3] - sz
    along = np.clip((ox * dx + oy * dy + oz * dz) * segments.inverse_length_sq[seg], 0.0, 1.0)
    ox -= along * dx
    oy -= along * dy
    oz -= along * dz
    return along, ox * ox + oy * oy + oz * oz


def _spatial_order(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Positions of the located points, grouped by 1-degree cell: neighbours share k-d tree paths and cache."""
    rows = np.flatnonzero(~(np.isnan(lon) | np.isnan(lat)))
    cell = (lat[rows] + 90.0).astype(np.int32) * 361 + (lon[rows] + 180.0).astype(np.int32)
    return rows[np.argsort(cell, kind="stable")]


def _chunks(rows: np.ndarray) -> list[np.ndarray]:
    return [rows[start:start + _CHUNK] for start in range(0, len(rows), _CHUNK)]


@contextmanager
def _mapper(workers: int | None, jobs: int) -> Iterator[Callable[[Callable, Iterable], Iterable]]:
    """Yield a ``map``: a thread pool's when there are several jobs and workers (numpy, scipy and pyproj
    release the GIL in the calls that matter), else the builtin."""
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if workers < 2 or jobs < 2:
        yield map
        return
    with ThreadPoolExecutor(max_workers=min(workers, jobs)) as pool:
        yield pool.map
