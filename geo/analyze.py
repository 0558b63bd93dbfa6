"""The corridor analysis stage: store -> rail graph, corridors, distances, rasters -> data/analysis/.

Run ``python -m geo.analyze`` after ``python -m layers.build`` (``make build`` runs both). It reads the built
store, never the raw files (the DEMs are found through the store's build info), and publishes the analysis
store and the GeoTIFF rasters as one unit (``geo.analysis_output``): ``data/analysis`` links to a folder holding
``analysis.gpkg`` and ``rasters/``, swapped atomically, so the pair is always from one run.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo import terrain
from geo.access import mapped_sites, nearest_gateways, site_access, site_corridor_distances
from geo.analysis_output import generation_of, publish
from geo.analysis_schema import ANALYSIS_LAYERS, CORRIDOR_BUFFERS, SITE_GATEWAY_RAIL
from geo.corridor_distance import catchment_counts
from geo.corridors import route_corridors
from geo.coverage import coverage_report, site_coverage
from geo.network import Railheads, find_railheads, rail_km_to_gateways
from geo.ownership import OwnershipGraph
from geo.railgraph import build_rail_graph
from layers.errors import AtlasError, StoreError
from layers.schema import METRIC_CRS, STORE_CRS
from layers.settings import PROJECT_ROOT, StoreSettings
from layers.store import read_layers, read_store, write_layers

log = logging.getLogger(__name__)

#: Bumped when an analysis layer changes.
ANALYSIS_FORMAT = "1"

#: Names inside the analysis folder.
ANALYSIS_FILE = "analysis.gpkg"
RASTERS_DIR = "rasters"

#: The DEM sources the access cost surface uses, finest first.
DEM_SOURCES = ("dem_globe_30s", "dem_pvlib_5min")

#: Distance bands drawn around existing corridors (km).
BUFFER_BANDS_KM = (50, 100, 250)

#: The rasters the stage writes: file stem -> (title, units).
RASTERS = {
    "distance_to_corridor": ("Distance to the nearest existing corridor", "km"),
    "access_cost": ("Slope-weighted access cost to the rail network", "effort-km"),
}


class AnalysisSettings(BaseSettings):
    """Where the analysis results go, and the raster cell sizes."""

    model_config = SettingsConfigDict(env_prefix="ATLAS_", extra="ignore")

    #: ``ATLAS_ANALYSIS_DIR``: the link to the current results (``analysis.gpkg`` and ``rasters/``).
    analysis_dir: Path = PROJECT_ROOT / "data" / "analysis"
    distance_cell_m: float = 1000.0
    cost_cell_m: float = 2000.0

    @field_validator("distance_cell_m", "cost_cell_m")
    @classmethod
    def _cell(cls, value: float) -> float:
        if not 100.0 <= value <= 50_000.0:
            raise ValueError(f"a raster cell must be 100 m to 50 km, got {value}")
        return value

    @property
    def analysis_path(self) -> Path:
        """The analysis store, through the link."""
        return self.analysis_dir / ANALYSIS_FILE

    @property
    def rasters_dir(self) -> Path:
        """The rasters folder, through the link."""
        return self.analysis_dir / RASTERS_DIR


@dataclass
class Analysis:
    """The analysis results in memory, as the app reads them."""

    layers: dict[str, gpd.GeoDataFrame | pd.DataFrame]
    info: dict
    rasters_dir: Path

    def layer(self, name: str) -> gpd.GeoDataFrame | pd.DataFrame:
        """Return a layer by name."""
        return self.layers[name]


@dataclass
class AnalysisReport:
    """Figures of one run."""

    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def run_analysis(store_path: Path, settings: AnalysisSettings) -> AnalysisReport:
    """Compute every corridor analysis from the store and write the results.

    Parameters
    ----------
    store_path : Path
        The built store.
    settings : AnalysisSettings
        Output paths and raster cell sizes.

    Returns
    -------
    AnalysisReport
        Timings and notes (gateways off the network, missing DEMs).

    Raises
    ------
    StoreError
        If the store is missing or stale. Missing railways, corridors or DEMs do not fail the stage: what
        needs them is left empty and said in the notes.
    AnalysisOutputError
        If the outputs cannot be written (full or read-only disk, a bad path), checked before the work starts.
        On any failure the previous results stay published, unchanged.
    """
    # Take the output folder first: an unwritable target fails in a second, not after the whole computation.
    with publish(settings.analysis_dir) as folder:
        return _analyse(store_path, settings, folder)


def _analyse(store_path: Path, settings: AnalysisSettings, folder: Path) -> AnalysisReport:
    report = AnalysisReport()
    clock = _Clock(report)
    store = read_store(store_path)
    graph = None
    if store.railways.empty:
        report.notes.append("no railways in the store: every corridor leg is schematic, no railheads or rail km")
    else:
        graph = build_rail_graph(store.railways)
    if store.corridors.empty:
        report.notes.append("no corridors in the store: no corridor distances")
    segments, lines = route_corridors(store.corridors, store.corridor_waypoints, graph)
    clock.lap("rail graph and corridor routing")
    site_corridors = site_corridor_distances(store.sites, segments, store.corridors)
    countries = store.sites.set_index("site_id")["country"]
    catchments = catchment_counts(site_corridors.assign(country=countries.loc[site_corridors["site_id"]].to_numpy()))
    located = mapped_sites(store.sites)
    if graph is None:
        heads = Railheads(*(np.full(len(located), np.nan) for _ in range(3)))
        rail_table = SITE_GATEWAY_RAIL.empty()
    else:
        heads = find_railheads(store.railways, located.geometry.x.to_numpy(), located.geometry.y.to_numpy())
        rail_table, off_network = rail_km_to_gateways(graph, store.gateways, located["site_id"].tolist(), heads)
        report.notes += [f"gateway {g} has no rail distances: {why}" for g, why in off_network.items()]
    clock.lap("site distances and rail km")
    existing = segments[(segments["mode"] != "sea") & segments["corridor_id"].isin(
        store.corridors.loc[store.corridors["status"] == "existing", "corridor_id"])]
    overlays = _rasters(store, existing, settings, report, located, folder / RASTERS_DIR)
    clock.lap("rasters")
    railheads = pd.DataFrame({"site_id": located["site_id"].to_numpy(), "railhead_lon": heads.lon,
                              "railhead_lat": heads.lat, "access_km": heads.access_m / 1000.0,
                              "access_cost": overlays.pop("_access_cost")})
    access = site_access(site_corridors, nearest_gateways(store.sites, store.gateways), railheads)
    layers = {"corridor_segments": segments, "corridor_lines": lines, "site_corridors": site_corridors,
              "site_access": access, "site_gateway_rail": rail_table, "catchments": catchments,
              "corridor_buffers": corridor_buffers(existing)}
    info = {"analysis_format": ANALYSIS_FORMAT, "store_format": ANALYSIS_FORMAT,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"), "store": str(store_path),
            "graph_nodes": graph.n_nodes if graph else 0, "graph_joins": graph.joins if graph else 0,
            "overlays": overlays,
            "notes": report.notes, "seconds": report.seconds,
            "generation": generation_of(folder)}
    write_layers(folder / ANALYSIS_FILE, {n: (layers[n], ANALYSIS_LAYERS[n]) for n in ANALYSIS_LAYERS}, {}, info)
    clock.lap("write")
    return report


def read_analysis(settings: AnalysisSettings) -> Analysis:
    """Read the analysis results.

    Parameters
    ----------
    settings : AnalysisSettings
        Where they were written.

    Returns
    -------
    Analysis
        Its ``rasters_dir`` is that of the generation read, not the link: a later run that swaps the link
        does not pair these layers with its rasters.

    Raises
    ------
    StoreError
        If they are missing or of another format.
    """
    folder = settings.analysis_dir.resolve()
    layers, _, info = read_layers(folder / ANALYSIS_FILE, ANALYSIS_LAYERS, expected_format=ANALYSIS_FORMAT)
    if info.get("generation") != folder.name:
        raise StoreError(f"{folder / ANALYSIS_FILE} was written for generation {info.get('generation')!r}, not "
                         f"{folder.name!r}: its rasters may be of another run; rerun `python -m geo.analyze`")
    return Analysis(layers, info, folder / RASTERS_DIR)


def corridor_buffers(legs: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Bands within :data:`BUFFER_BANDS_KM` of the given legs (planar buffers in METRIC_CRS, simplified)."""
    if legs.empty:
        return CORRIDOR_BUFFERS.empty()
    # Simplify first: a band 50 km wide does not need the track's every bend, and buffering them is slow.
    metric = legs.to_crs(METRIC_CRS).geometry.simplify(2000.0).union_all()
    rows = []
    for km in BUFFER_BANDS_KM:
        band = gpd.GeoSeries([metric.buffer(km * 1000.0, quad_segs=4).simplify(1000.0)], crs=METRIC_CRS)
        band = band.segmentize(20_000.0).to_crs(STORE_CRS)
        rows.append({"distance_km": km, "geometry": terrain_multipolygon(band.iloc[0])})
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=STORE_CRS)
    frame["distance_km"] = frame["distance_km"].astype("int64")
    return frame


def terrain_multipolygon(geometry):
    """Return ``geometry`` as a valid MultiPolygon."""
    from shapely.geometry import MultiPolygon, Polygon

    geometry = geometry.buffer(0) if not geometry.is_valid else geometry
    return geometry if isinstance(geometry, MultiPolygon) else MultiPolygon([geometry] if isinstance(
        geometry, Polygon) else [g for g in geometry.geoms if isinstance(g, Polygon)])


def _rasters(store, existing: gpd.GeoDataFrame, settings: AnalysisSettings, report: AnalysisReport,
             located: gpd.GeoDataFrame, rasters_dir: Path) -> dict:
    rasters_dir.mkdir(parents=True, exist_ok=True)
    overlays: dict = {"_access_cost": np.full(len(located), np.nan)}
    if existing.empty:
        report.notes.append("rasters skipped: no existing corridor leg to measure from")
        return overlays
    grid = terrain.region_grid(settings.distance_cell_m)
    distance = terrain.distance_to_lines_raster(existing, grid)
    overlays["distance_to_corridor"] = _write_raster(rasters_dir, "distance_to_corridor", distance, grid,
                                                     "Natural Earth; © OpenStreetMap contributors (ODbL)",
                                                     "planar distance transform in METRIC_CRS")
    try:
        dems = [store.raster_path(source) for source in DEM_SOURCES]
    except StoreError as exc:
        report.notes.append(f"access cost surface skipped: {exc}")
        return overlays
    grid = terrain.region_grid(settings.cost_cell_m)
    cost = terrain.access_cost_surface(terrain.elevation_on_grid(dems, grid), grid, store.railways)
    overlays["access_cost"] = _write_raster(rasters_dir, "access_cost", cost, grid,
                                            f"{terrain.DEM_ATTRIBUTION}; rail: Natural Earth, © OpenStreetMap "
                                            "contributors (ODbL)", "slope-weighted cost distance (docs/TERRAIN.md)")
    overlays["_access_cost"] = terrain.sample(cost, grid, located.geometry.x.to_numpy(), located.geometry.y.to_numpy())
    return overlays


def _write_raster(rasters_dir: Path, stem: str, array: np.ndarray, grid, attribution: str,
                  method: str) -> dict:
    title, units = RASTERS[stem]
    tif = rasters_dir / f"{stem}.tif"
    clean = np.where(np.isfinite(array), array, -1.0).astype("float32")
    terrain.write_geotiff(tif, clean, grid, nodata=-1.0, description=title, units=units, attribution=attribution,
                          method=method)
    tif.chmod(0o644)  # written through a private temporary file; the result is for everyone to read
    png, bounds, value_range = terrain.overlay_png_with_range(tif)
    (rasters_dir / f"{stem}.png").write_bytes(png)
    # The map legend's colour ramp: the values its first and last colours stand for, in `units`.
    ramp = None if value_range is None else {"low": round(value_range[0], 1), "high": round(value_range[1], 1),
                                              "colours": list(terrain.RAMP_COLOURS)}
    return {"title": title, "units": units, "attribution": attribution, "ramp": ramp,
            "bounds_wgs84": [bounds.minx, bounds.miny, bounds.maxx, bounds.maxy]}


class _Clock:
    def __init__(self, report: AnalysisReport) -> None:
        self.report, self.start = report, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.report.seconds[name] = round(now - self.start, 2)
        self.start = now


def main(argv: list[str] | None = None) -> int:
    """Command line: run the analysis and print its timings; exit 1 with the reason on failure."""
    parser = argparse.ArgumentParser(prog="python -m geo.analyze", description=__doc__)
    parser.add_argument("--store", type=Path, help="store path (default: ATLAS_STORE_PATH or data/atlas.gpkg)")
    parser.add_argument("--out", type=Path, help="the results link, a symlink the stage makes (default: "
                        "ATLAS_ANALYSIS_DIR or data/analysis)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    store_path = args.store or StoreSettings().store_path
    settings = AnalysisSettings(**({"analysis_dir": args.out} if args.out else {}))
    try:
        report = run_analysis(store_path, settings)
    except (AtlasError, OSError) as exc:  # OSError: a disk error outside the output folder, e.g. a read
        sys.stderr.write(f"analysis failed: {exc}; the previous results, if any, are unchanged\n")
        return 1
    sys.stdout.write(json.dumps({"seconds": report.seconds, "notes": report.notes}, indent=1) + "\n")
    sys.stdout.write(f"analysis: {settings.analysis_path}; rasters: {settings.rasters_dir}\n")
    sys.stdout.write(store_coverage(store_path, date.today()))
    return 0


def store_coverage(store_path: Path, as_of: date) -> str:
    """Report ownership coverage of a store's sites on ``as_of`` (:func:`geo.coverage.coverage_report`).

    Parameters
    ----------
    store_path : Path
        The store (GeoPackage).
    as_of : date
        The day asked about.

    Returns
    -------
    str
        The report's lines.

    Raises
    ------
    StoreError
        If the store is missing or stale.
    """
    store = read_store(store_path)
    graph = OwnershipGraph(store.companies, store.ownership)
    flags = site_coverage(store.sites, store.licences, store.licence_sites, graph, as_of)
    return coverage_report(flags, store.sites, as_of)


if __name__ == "__main__":
    sys.exit(main())
