"""Time ``geo.corridor_distance.nearest`` on a million points against geopandas ``sjoin_nearest``; figures only.

Run ``python bench/bench_corridor_distance.py [--points 1000000] [--runs 3] [--baseline-runs 1] [--postgis [URL]]``.
The lines are seven synthetic corridors of 1,000-4,000 km across the region with vertices every 1-5 km, built from
a fixed seed; the points are uniform over 40-95E, 25-58N.

``--postgis`` (URL default: the ``make postgis`` cluster) adds PostGIS KNN in the same run: the lines as segments
of <= 2 km in EPSG:4326 with GiST indexes, the points in a table, and for each point the nearest segment by
``ORDER BY s.<column> <-> p.<column> LIMIT 1`` on ``geometry`` (planar degrees) and on ``geography`` (sphere),
then its exact distance in metres by ``ST_Distance(geography, geography)``. Loading is timed apart from the queries.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from pyproj import Geod, Transformer  # noqa: E402

from geo.corridor_distance import NearestResult, nearest, prepare_lines  # noqa: E402
from layers.schema import METRIC_CRS, STORE_CRS  # noqa: E402

#: End points (lon, lat) of the synthetic corridors.
CORRIDOR_ENDS = (
    ((42.0, 44.0), (80.0, 50.0)), ((50.0, 27.0), (70.0, 55.0)), ((60.0, 38.0), (94.0, 45.0)),
    ((45.0, 52.0), (68.0, 37.0)), ((75.0, 26.0), (88.0, 56.0)), ((55.0, 45.0), (63.0, 40.0)),
    ((66.0, 41.0), (79.0, 43.0)),
)
REGION = (40.0, 25.0, 95.0, 58.0)
SEED = 20240611


def corridor_lines(seed: int = SEED) -> gpd.GeoDataFrame:
    """Seven meandering lines in EPSG:4326: straight in METRIC_CRS plus sines, vertices every 1-5 km."""
    rng = np.random.default_rng(seed)
    to_metric = Transformer.from_crs(STORE_CRS, METRIC_CRS, always_xy=True)
    to_store = Transformer.from_crs(METRIC_CRS, STORE_CRS, always_xy=True)
    lines = []
    for start, end in CORRIDOR_ENDS:
        (x0, x1), (y0, y1) = to_metric.transform([start[0], end[0]], [start[1], end[1]])
        length = float(np.hypot(x1 - x0, y1 - y0))
        along = np.append(np.cumsum(np.r_[0.0, rng.uniform(1_000.0, 5_000.0, int(length / 1_000.0))]), length)
        along = np.unique(np.clip(along, 0.0, length))
        u = along / length
        side = sum(rng.uniform(10e3, 40e3) * np.sin(np.pi * k * u + rng.uniform(0, 2 * np.pi)) for k in (1, 3, 7, 15))
        side *= np.sin(np.pi * u)  # pinned at both ends
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        lon, lat = to_store.transform(x0 + ux * along - uy * side, y0 + uy * along + ux * side)
        lines.append(shapely.linestrings(lon, lat))
    return gpd.GeoDataFrame({"corridor_id": [f"c{i}" for i in range(len(lines))]}, geometry=lines, crs=STORE_CRS)


def random_points(n: int, seed: int = SEED + 1) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points uniform in longitude and latitude over :data:`REGION`."""
    rng = np.random.default_rng(seed)
    west, south, east, north = REGION
    return rng.uniform(west, east, n), rng.uniform(south, north, n)


def split_into_segments(lines: gpd.GeoDataFrame, max_segment_m: float) -> gpd.GeoDataFrame:
    """Every line of ``lines`` (projected, metres) cut into two-point segments no longer than ``max_segment_m``."""
    coords, row = shapely.get_coordinates(lines.geometry.segmentize(max_segment_m).to_numpy(), return_index=True)
    same = row[1:] == row[:-1]
    pairs = np.stack([coords[:-1][same], coords[1:][same]], axis=1)
    return gpd.GeoDataFrame({"corridor_id": lines["corridor_id"].to_numpy()[row[:-1][same]]},
                            geometry=shapely.linestrings(pairs), crs=lines.crs)


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, object]:
    """Run ``work`` ``runs`` times; return the fastest wall-clock seconds and the last result."""
    seconds, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
    return min(seconds), result


#: The schema the PostGIS part writes its tables into (dropped after).
KNN_SCHEMA = "bench_knn"


def postgis_knn(url: str, segments_4326: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray) -> dict:
    """Load the segments and points into PostGIS and time the KNN + geography distance queries.

    Two variants: KNN on ``geometry`` (planar degrees: the usual index order, cheap, not the geodesic nearest)
    and KNN on ``geography`` (sphere distances, index-assisted); both then take the exact spheroid distance to
    the segment found with ``ST_Distance(geography, geography)``.

    Returns
    -------
    dict
        ``load_s``; per variant (``geometry``, ``geography``): ``query_s``, ``index_used``, ``corridor_id`` and
        ``distance_m`` arrays in point order.
    """
    import psycopg

    schema = KNN_SCHEMA
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE TABLE {schema}.seg (id int PRIMARY KEY, corridor_id text NOT NULL, "
                     "geom geometry(LineString, 4326) NOT NULL, geog geography(LineString, 4326))")
        conn.execute(f"CREATE TABLE {schema}.pts (id int PRIMARY KEY, geom geometry(Point, 4326) NOT NULL, "
                     "geog geography(Point, 4326))")
        wkt = shapely.to_wkt(segments_4326.geometry.to_numpy(), rounding_precision=-1)
        with conn.cursor() as cur:
            with cur.copy(f"COPY {schema}.seg (id, corridor_id, geom) FROM STDIN") as copy:
                for i, (cid, text) in enumerate(zip(segments_4326["corridor_id"], wkt, strict=True)):
                    copy.write(f"{i}\t{cid}\tSRID=4326;{text}\n")
            with cur.copy(f"COPY {schema}.pts (id, geom) FROM STDIN") as copy:
                step = 100_000
                for start in range(0, len(lon), step):
                    stop = min(start + step, len(lon))
                    copy.write("".join(f"{i}\tSRID=4326;POINT({x!r} {y!r})\n" for i, x, y in zip(
                        range(start, stop), lon[start:stop].tolist(), lat[start:stop].tolist(), strict=True)))
        for table in ("seg", "pts"):
            conn.execute(f"UPDATE {schema}.{table} SET geog = geom::geography")
            conn.execute(f"VACUUM ANALYZE {schema}.{table}")
        conn.execute(f"CREATE INDEX seg_geom_idx ON {schema}.seg USING gist (geom)")
        conn.execute(f"CREATE INDEX seg_geog_idx ON {schema}.seg USING gist (geog)")
        figures = {"load_s": time.perf_counter() - started}
        for column in ("geom", "geog"):
            point = "p.geog" if column == "geog" else "p.geom::geography"
            lateral = (f"FROM {schema}.pts p CROSS JOIN LATERAL (SELECT s.corridor_id, s.geog FROM {schema}.seg s "
                       f"ORDER BY s.{column} <-> p.{column} LIMIT 1) n")
            started = time.perf_counter()
            conn.execute(f"CREATE TABLE {schema}.knn_{column} AS SELECT p.id, n.corridor_id, "
                         f"ST_Distance({point}, n.geog) AS distance_m {lateral}")
            query_s = time.perf_counter() - started
            plan = "\n".join(r[0] for r in conn.execute(f"EXPLAIN SELECT p.id, n.corridor_id {lateral}").fetchall())
            rows = conn.execute(f"SELECT corridor_id, distance_m FROM {schema}.knn_{column} ORDER BY id").fetchall()
            figures["geometry" if column == "geom" else "geography"] = {
                "query_s": query_s, "index_used": f"seg_{column}_idx" in plan,
                "corridor_id": np.array([r[0] for r in rows]), "distance_m": np.array([r[1] for r in rows])}
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return figures


def _print_postgis(url: str, metric_lines: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray, ours_s: float,
                   result: NearestResult) -> None:
    segments = split_into_segments(metric_lines, 2_000.0).to_crs(STORE_CRS)
    knn = postgis_knn(url, segments, lon, lat)
    print(f"PostGIS: {len(segments):,} segments of <= 2 km with GiST indexes on geometry and geography; tables "
          f"loaded in {knn['load_s']:.1f} s (not counted)")
    for variant in ("geometry", "geography"):
        found = knn[variant]
        gap = found["distance_m"] - result.distance_m
        print(f"PostGIS KNN on {variant} (<-> LIMIT 1, then ST_Distance on geography): {found['query_s']:.2f} s, "
              f"{len(lon) / found['query_s']:,.0f} points/s, index in the plan: {found['index_used']}; ratio to "
              f"nearest {found['query_s'] / ours_s:.1f}x")
        print(f"  distance vs ours: median {np.median(gap):+.2f} m, {np.mean(np.abs(gap) > 1.0):.2%} of points "
              f"differ by over 1 m (max {np.abs(gap).max():,.0f} m); same corridor for "
              f"{np.mean(found['corridor_id'] == result.line_id):.2%}")


def main(argv: list[str] | None = None) -> int:
    """Build the lines and points, time both engines and print times, ratio, throughput and agreement."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=1_000_000, help="query points (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of nearest (best is kept; default 3)")
    parser.add_argument("--baseline-runs", type=int, default=1, help="timed runs of sjoin_nearest (default 1)")
    parser.add_argument("--workers", type=int, default=None, help="threads for nearest (default: all CPUs)")
    parser.add_argument("--postgis", nargs="?", const="", default=None, metavar="URL",
                        help="also time PostGIS KNN (URL default: the make postgis cluster)")
    args = parser.parse_args(argv)

    lines = corridor_lines()
    geod = Geod(ellps="WGS84")
    lengths_km = [geod.geometry_length(g) / 1e3 for g in lines.geometry]
    vertices = int(shapely.get_num_coordinates(lines.geometry.to_numpy()).sum())
    lon, lat = random_points(args.points)
    started = time.perf_counter()
    index = prepare_lines(lines, id_column="corridor_id")
    prepare_s = time.perf_counter() - started
    print(f"lines: {len(lines)}, {sum(lengths_km):,.0f} km ({', '.join(f'{k:,.0f}' for k in lengths_km)}), "
          f"{vertices:,} vertices; indexed segments {index.n_segments:,}; prepare {prepare_s:.2f} s")
    print(f"points: {args.points:,}; CPUs {os.cpu_count()}; workers {args.workers or 'default'}")

    ours_s, result = best_of(args.runs, lambda: nearest(index, lon, lat, workers=args.workers))
    print(f"nearest: best of {args.runs} {ours_s:.2f} s, {args.points / ours_s:,.0f} points/s")

    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=STORE_CRS).to_crs(METRIC_CRS)
    metric_lines = lines.to_crs(METRIC_CRS)
    base_s, joined = best_of(args.baseline_runs,
                             lambda: gpd.sjoin_nearest(points, metric_lines, how="left", distance_col="distance_m"))
    print(f"sjoin_nearest, whole lines (planar, METRIC_CRS, points already projected): best of "
          f"{args.baseline_runs} {base_s:.2f} s, {args.points / base_s:,.0f} points/s")
    print(f"ratio sjoin_nearest / nearest: {base_s / ours_s:.1f}x")
    segments = split_into_segments(metric_lines, 2_000.0)
    split_s, _ = best_of(args.baseline_runs,
                         lambda: gpd.sjoin_nearest(points, segments, how="left", distance_col="distance_m"))
    print(f"sjoin_nearest, the same lines as {len(segments):,} segments of <= 2 km: best of {args.baseline_runs} "
          f"{split_s:.2f} s, {args.points / split_s:,.0f} points/s; ratio to nearest {split_s / ours_s:.1f}x")

    sample = np.random.default_rng(SEED + 2).choice(args.points, size=min(10_000, args.points), replace=False)
    check = geod.inv(lon[sample], lat[sample], result.nearest_lon[sample], result.nearest_lat[sample])[2]
    agreement = np.abs(result.distance_m[sample] - check) / np.maximum(check, 1e-9)
    print(f"agreement with pyproj.Geod on {len(sample):,} points: max relative difference {agreement.max():.3g}")
    planar = joined.loc[~joined.index.duplicated(), "distance_m"].to_numpy()[sample]
    gap = (planar - result.distance_m[sample]) / result.distance_m[sample]
    same_id = np.mean(joined.loc[~joined.index.duplicated(), "corridor_id"].to_numpy()[sample]
                      == result.line_id[sample])
    print(f"planar sjoin distance vs our geodesic distance: median {np.median(gap):+.3%}, "
          f"range {gap.min():+.3%} .. {gap.max():+.3%}; same nearest corridor for {same_id:.2%}")
    if args.postgis is not None:
        url = args.postgis or subprocess.run([str(PROJECT_ROOT / "scripts" / "postgis.sh"), "url"],
                                             capture_output=True, text=True, check=True).stdout.strip()
        _print_postgis(url, metric_lines, lon, lat, ours_s, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
