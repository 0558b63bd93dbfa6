"""Terrain rasters on one equal-area grid: distance to lines, elevation, slope, access cost, GeoTIFF and PNG output.

Rasters live on a :class:`RegionGrid` in :data:`layers.schema.METRIC_CRS` (metres); lengths are planar there,
within ±3.6 % of geodesic lengths over 40–95°E, 25–58°N. Method and units: docs/TERRAIN.md.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from affine import Affine
from pyproj import Transformer
from rasterio.features import rasterize
from rasterio.io import MemoryFile
from rasterio.transform import array_bounds
from rasterio.warp import Resampling, reproject
from scipy.ndimage import distance_transform_edt
from skimage.graph import MCP_Geometric

from layers.errors import CRSMismatchError, SourceNotFoundError
from layers.schema import METRIC_CRS, STORE_CRS
from layers.types import BBox

#: The region every terrain raster covers (WGS84 degrees).
REGION_BBOX = BBox(40.0, 25.0, 95.0, 58.0)

#: Courtesy credit of the 30″ GLOBE DEM.
GLOBE_ATTRIBUTION = "GLOBE Task Team / NOAA NGDC"
#: The Terrain Tiles attribution behind the 5′ pvlib DEM, as pvlib quotes it.
TERRAIN_TILES_ATTRIBUTION = (
    "Global ETOPO1 terrain data U.S. National Oceanic and Atmospheric Administration; United States 3DEP "
    "(formerly NED) and global GMTED2010 and SRTM terrain data courtesy of the U.S. Geological Survey."
)
#: Attribution to write into every raster derived from the two DEMs.
DEM_ATTRIBUTION = (
    f"Elevation: {GLOBE_ATTRIBUTION} (GLOBE 30 arc-second DEM); "
    f"Mapzen/AWS Terrain Tiles via pvlib (5 arc-minute): {TERRAIN_TILES_ATTRIBUTION}"
)

#: Grades steeper than this (percent) cost as much as this: the cost function has no slope barrier.
SLOPE_CAP_PCT = 60.0
#: Each this many percent of grade add one flat kilometre of effort per kilometre travelled.
SLOPE_STEP_PCT = 10.0

#: Lon/lat lines are densified to this spacing (degrees, ~5 km) before projection: long segments keep their shape.
_MAX_SEGMENT_DEG = 0.05
_BLOCK = 256
_WEB_MERCATOR = "EPSG:3857"
#: A sequential ramp (viridis stops), low values dark blue, high values yellow.
_RAMP = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], dtype=np.float64)
#: The ramp's stops as CSS colours, for map legends: the first is an overlay's low value, the last its high value.
RAMP_COLOURS = tuple(f"#{r:02x}{g:02x}{b:02x}" for r, g, b in _RAMP.astype(int).tolist())


@dataclass(frozen=True)
class RegionGrid:
    """A north-up grid of square ``cell_m`` cells in ``crs``; ``shape`` is (rows, columns)."""

    cell_m: float
    transform: Affine
    shape: tuple[int, int]
    crs: str = METRIC_CRS

    def __post_init__(self) -> None:
        if not self.cell_m > 0 or min(self.shape) < 1:
            raise ValueError(f"a grid needs a positive cell size and shape, got {self.cell_m} m, {self.shape}")

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Outer edges (west, south, east, north) in ``crs`` units (metres)."""
        return array_bounds(self.shape[0], self.shape[1], self.transform)


def region_grid(cell_m: float, bbox: BBox = REGION_BBOX) -> RegionGrid:
    """Build the analysis grid covering ``bbox`` in :data:`METRIC_CRS`.

    Parameters
    ----------
    cell_m : float
        Cell size in metres.
    bbox : BBox, optional
        The WGS84 box to cover; the region 40–95°E, 25–58°N by default.

    Returns
    -------
    RegionGrid
        Cells aligned on multiples of ``cell_m`` covering the projected, densified outline of ``bbox``.

    Raises
    ------
    ValueError
        If ``cell_m`` is not positive.
    """
    if not cell_m > 0:
        raise ValueError(f"cell size must be positive, got {cell_m} m")
    to_metric = Transformer.from_crs(STORE_CRS, METRIC_CRS, always_xy=True)
    west, south, east, north = to_metric.transform_bounds(*bbox, densify_pts=101)
    west, south = math.floor(west / cell_m) * cell_m, math.floor(south / cell_m) * cell_m
    east, north = math.ceil(east / cell_m) * cell_m, math.ceil(north / cell_m) * cell_m
    shape = (round((north - south) / cell_m), round((east - west) / cell_m))
    return RegionGrid(cell_m, Affine(cell_m, 0.0, west, 0.0, -cell_m, north), shape)


def _line_mask(lines: gpd.GeoDataFrame, grid: RegionGrid) -> np.ndarray:
    """Cells any line touches (``all_touched``), after checking the lines are lon/lat lines."""
    if lines.crs is None:
        raise CRSMismatchError(f"lines have no CRS; expected {STORE_CRS}")
    if not lines.crs.equals(STORE_CRS):
        raise CRSMismatchError(f"lines are in {lines.crs}, expected {STORE_CRS}")
    geoms = lines.geometry[~(lines.geometry.isna() | lines.geometry.is_empty)]
    wrong = set(geoms.geom_type) - {"LineString", "MultiLineString"}
    if wrong:
        raise ValueError(f"expected LineString or MultiLineString geometries, found {sorted(wrong)}")
    if geoms.empty:
        return np.zeros(grid.shape, dtype=bool)
    projected = geoms.segmentize(_MAX_SEGMENT_DEG).to_crs(grid.crs)
    burned = rasterize(((g, 1) for g in projected), out_shape=grid.shape, transform=grid.transform,
                       fill=0, all_touched=True, dtype="uint8")
    return burned.astype(bool)


def distance_to_lines_raster(lines: gpd.GeoDataFrame, grid: RegionGrid) -> np.ndarray:
    """Distance from every cell centre to the nearest cell a line touches, in km.

    Parameters
    ----------
    lines : GeoDataFrame
        LineString / MultiLineString features in EPSG:4326; empty geometries are ignored.
    grid : RegionGrid
        The grid to compute on.

    Returns
    -------
    numpy.ndarray
        float32 array of ``grid.shape``; 0 on the cells the lines touch.

    Raises
    ------
    CRSMismatchError
        If ``lines`` have no CRS or one other than EPSG:4326.
    ValueError
        If a geometry is not a line, or no line touches the grid.

    Notes
    -----
    Planar distance in the equal-area projection (``distance_transform_edt``, cell size as sampling): within
    ±3.6 % of geodesic over the region (0 at 65°E 43°N), plus up to ~0.7 cell from measuring to the centre of
    a touched cell rather than to the line.
    """
    mask = _line_mask(lines, grid)
    if not mask.any():
        raise ValueError("no line touches the grid")
    distance = distance_transform_edt(~mask, sampling=grid.cell_m)
    distance /= 1000.0  # in place: at 1 km cells the float64 array is ~180 MB
    return distance.astype(np.float32)


def _pixel_size(path: Path) -> float:
    with rasterio.open(path) as src:
        return abs(src.transform.a)


def _warp_dem(path: Path, grid: RegionGrid) -> np.ndarray:
    """One DEM warped onto the grid (bilinear); missing cells are NaN."""
    out = np.full(grid.shape, np.nan, dtype=np.float32)
    with rasterio.open(path) as src:
        # A DEM without a nodata value is GLOBE as staged: sea and land below sea level both read 0. Those
        # cells are left missing here so that a coarser DEM with real water nodata decides between the two.
        src_nodata = src.nodata if src.nodata is not None else 0
        reproject(rasterio.band(src, 1), out, src_nodata=src_nodata, dst_transform=grid.transform,
                  dst_crs=grid.crs, dst_nodata=np.nan, resampling=Resampling.bilinear,
                  num_threads=min(4, os.cpu_count() or 1))
    return out


def elevation_on_grid(dem_paths: Sequence[Path], grid: RegionGrid) -> np.ndarray:
    """Warp the DEMs onto the grid, the finest one first and coarser ones filling its gaps.

    Parameters
    ----------
    dem_paths : sequence of Path
        Single-band elevation GeoTIFFs in metres, e.g. the GLOBE 30″ and pvlib 5′ files. Their order does
        not matter: they are ranked by pixel size.
    grid : RegionGrid
        The grid to warp onto (bilinear resampling).

    Returns
    -------
    numpy.ndarray
        float32 elevation in metres; NaN where no DEM has data (sea, large lakes missing from the finer
        DEM, outside coverage).

    Raises
    ------
    ValueError
        If no path is given.
    SourceNotFoundError
        If a file does not exist.

    Notes
    -----
    A DEM without a nodata value (GLOBE as staged: sea *and* land below sea level read 0) has its 0 cells
    treated as missing, so the next DEM decides: the 5′ DEM has water as nodata (the Caspian stays missing)
    and real heights for dry depressions (Karagiye, the Caspian shore). With the staged DEMs, GLOBE covers
    the grid south of 50°N and west of 90°E, the 5′ DEM the rest.
    """
    if not dem_paths:
        raise ValueError("elevation_on_grid needs at least one DEM")
    missing = [str(p) for p in dem_paths if not Path(p).is_file()]
    if missing:
        raise SourceNotFoundError(f"DEM file(s) not found: {', '.join(missing)}")
    elevation = np.full(grid.shape, np.nan, dtype=np.float32)
    for path in sorted(map(Path, dem_paths), key=_pixel_size):
        layer = _warp_dem(path, grid)
        gap = np.isnan(elevation)
        elevation[gap] = layer[gap]
    return elevation


def _derivative(values: np.ndarray, axis: int, spacing: float) -> np.ndarray:
    """Derivative along ``axis``: central, one-sided beside NaN and at edges, 0 with no valid neighbour."""
    pad = [(1, 1) if a == axis else (0, 0) for a in range(values.ndim)]
    padded = np.pad(values, pad, constant_values=np.nan)
    size = values.shape[axis]
    before = np.take(padded, np.arange(0, size), axis=axis)
    after = np.take(padded, np.arange(2, size + 2), axis=axis)
    result = (after - before) / (2 * spacing)
    result = np.where(np.isnan(result), (after - values) / spacing, result)
    result = np.where(np.isnan(result), (values - before) / spacing, result)
    return np.where(np.isnan(result), 0.0, result)


def slope_degrees(elevation: np.ndarray, cell_m: float) -> np.ndarray:
    """Slope of a gridded surface in degrees.

    Parameters
    ----------
    elevation : numpy.ndarray
        2-D elevation in metres (at least 2 × 2 cells), NaN where missing.
    cell_m : float
        Cell size in metres (square cells).

    Returns
    -------
    numpy.ndarray
        float32 slope in degrees (0 flat, 90 vertical); NaN where ``elevation`` is NaN.

    Raises
    ------
    ValueError
        If ``elevation`` is not 2-D with at least 2 × 2 cells or ``cell_m`` is not positive.

    Notes
    -----
    Central differences, one-sided at the edges and beside missing cells (a coast keeps its land-side slope).
    """
    if elevation.ndim != 2 or min(elevation.shape) < 2:
        raise ValueError(f"elevation must be 2-D with at least 2 x 2 cells, got shape {elevation.shape}")
    if not cell_m > 0:
        raise ValueError(f"cell size must be positive, got {cell_m} m")
    heights = elevation.astype(np.float64)
    dz_dy, dz_dx = _derivative(heights, 0, cell_m), _derivative(heights, 1, cell_m)
    slope = np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))
    slope[np.isnan(elevation)] = np.nan
    return slope.astype(np.float32)


def access_cost_surface(elevation: np.ndarray, grid: RegionGrid, rail_lines: gpd.GeoDataFrame) -> np.ndarray:
    """Slope-weighted cost distance from the rail network, in effort-km (equivalent flat kilometres).

    Parameters
    ----------
    elevation : numpy.ndarray
        Elevation in metres on ``grid`` (see :func:`elevation_on_grid`); NaN cells are impassable.
    grid : RegionGrid
        The grid of ``elevation``.
    rail_lines : GeoDataFrame
        Rail lines in EPSG:4326; every passable cell they touch is a source (cost 0).

    Returns
    -------
    numpy.ndarray
        float32 accumulated cost in effort-km; NaN on impassable cells, ``inf`` on passable cells no path
        reaches.

    Raises
    ------
    CRSMismatchError
        If ``rail_lines`` have no CRS or one other than EPSG:4326.
    ValueError
        If ``elevation`` does not match the grid or no rail line touches passable ground.

    Notes
    -----
    Cost per km through a cell is ``1 + min(grade_pct, 60) / 10`` (1 flat, 3 on a 20 % grade, at most 7).
    ``skimage.graph.MCP_Geometric`` accumulates it over 8-connected moves (half of a move at either cell's
    rate, diagonals √2 long); lengths are planar in the projection (within ±3.6 % of the ground).
    """
    if elevation.shape != grid.shape:
        raise ValueError(f"elevation has shape {elevation.shape}, the grid {grid.shape}")
    grade_pct = np.tan(np.radians(slope_degrees(elevation, grid.cell_m))) * 100.0
    rate = 1.0 + np.minimum(grade_pct, SLOPE_CAP_PCT) / SLOPE_STEP_PCT
    passable = np.isfinite(rate)
    costs = np.where(passable, rate * (grid.cell_m / 1000.0), np.inf)
    starts = np.argwhere(_line_mask(rail_lines, grid) & passable)
    if not len(starts):
        raise ValueError("no rail line touches passable ground on the grid")
    cumulative, _ = MCP_Geometric(costs, fully_connected=True).find_costs([tuple(s) for s in starts])
    cumulative = cumulative.astype(np.float32)
    cumulative[~passable] = np.nan
    return cumulative


def sample(raster: np.ndarray, grid: RegionGrid, lon: np.ndarray | Sequence[float] | float,
           lat: np.ndarray | Sequence[float] | float) -> np.ndarray:
    """Values of ``raster`` at WGS84 points (the cell each point falls in).

    Parameters
    ----------
    raster : numpy.ndarray
        2-D array on ``grid``.
    grid : RegionGrid
        The grid of ``raster``.
    lon, lat : array-like or float
        Longitudes and latitudes in degrees (EPSG:4326), of equal shape.

    Returns
    -------
    numpy.ndarray
        float64 values of the shape of ``lon``; NaN outside the grid and on missing (NaN) cells.

    Raises
    ------
    ValueError
        If ``raster`` does not match the grid or ``lon`` and ``lat`` differ in shape.
    """
    if raster.shape != grid.shape:
        raise ValueError(f"raster has shape {raster.shape}, the grid {grid.shape}")
    lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    if lon.shape != lat.shape:
        raise ValueError(f"lon and lat differ in shape: {lon.shape} vs {lat.shape}")
    x, y = Transformer.from_crs(STORE_CRS, grid.crs, always_xy=True).transform(lon, lat)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    projected = np.isfinite(x) & np.isfinite(y)  # points beyond the projection's domain come back as inf
    col, row = ~grid.transform @ (np.where(projected, x, 0.0), np.where(projected, y, 0.0))
    col, row = np.floor(col), np.floor(row)
    inside = projected & (row >= 0) & (row < grid.shape[0]) & (col >= 0) & (col < grid.shape[1])
    values = np.full(lon.shape, np.nan)
    values[inside] = raster[row[inside].astype(np.intp), col[inside].astype(np.intp)]
    return values


def write_geotiff(path: Path, array: np.ndarray, grid: RegionGrid, *, nodata: float | None, description: str,
                  units: str, attribution: str, method: str = "") -> None:
    """Write a single-band, tiled, DEFLATE-compressed GeoTIFF atomically.

    Parameters
    ----------
    path : Path
        Destination in an existing folder; replaced (``os.replace``) only once the temporary file is complete.
    array : numpy.ndarray
        2-D values on ``grid`` (CRS and transform); the file keeps the dtype.
    nodata : float or None
        The nodata value (``nan`` for float rasters whose NaN cells are missing).
    description, units, attribution, method : str
        Band description; units (band unit and ``units`` tag); sources to credit (``attribution`` tag, e.g.
        :data:`DEM_ATTRIBUTION`); how the values were computed (``method`` tag).

    Raises
    ------
    ValueError
        If ``array`` does not match the grid.
    """
    if array.shape != grid.shape:
        raise ValueError(f"array has shape {array.shape}, the grid {grid.shape}")
    path = Path(path)
    profile = {
        "driver": "GTiff", "height": grid.shape[0], "width": grid.shape[1], "count": 1,
        "dtype": array.dtype.name, "crs": grid.crs, "transform": grid.transform, "nodata": nodata,
        "tiled": True, "blockxsize": _BLOCK, "blockysize": _BLOCK, "compress": "deflate",
        "predictor": 3 if np.issubdtype(array.dtype, np.floating) else 2,
    }
    # Encode in memory, then write with Python's file I/O: a full or read-only disk is then an OSError with its
    # errno and path, where GDAL would only say "Write failed" (the rasters here are a few MB).
    with MemoryFile() as memfile:
        with memfile.open(**profile) as dst:
            dst.write(array, 1)
            dst.set_band_description(1, description)
            dst.set_band_unit(1, units)
            dst.update_tags(units=units, method=method, attribution=attribution)
        data = bytes(memfile.read())
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _colour_ramp(values: np.ndarray) -> tuple[np.ndarray, tuple[float, float] | None]:
    """RGBA bands of ``values``: the 2–98 % range stretched over :data:`_RAMP`, non-finite cells clear; and that
    range (None when no cell is finite)."""
    valid = np.isfinite(values)
    rgba = np.zeros((4, *values.shape), dtype=np.uint8)
    if not valid.any():
        return rgba, None
    low, high = np.percentile(values[valid], [2, 98])
    scaled = np.clip((np.where(valid, values, low) - low) / max(high - low, 1e-12), 0.0, 1.0)
    position = scaled * (len(_RAMP) - 1)
    for band in range(3):
        rgba[band] = np.rint(np.interp(position, np.arange(len(_RAMP)), _RAMP[:, band])).astype(np.uint8)
    rgba[3] = np.where(valid, 255, 0)
    return rgba, (float(low), float(high))


def _mercator_frame(src: rasterio.DatasetReader, max_size: int) -> tuple[Affine, int, int]:
    """A north-up Web Mercator frame around ``src`` (densified edges), about as many columns as ``src``."""
    # Built by hand: rasterio's calculate_default_transform trips affine's PendingDeprecationWarning.
    to_mercator = Transformer.from_crs(src.crs, _WEB_MERCATOR, always_xy=True)
    west, south, east, north = to_mercator.transform_bounds(*src.bounds, densify_pts=101)
    res = max((east - west) / src.width, (north - south) / src.height, (east - west) / max_size,
              (north - south) / max_size)
    width, height = math.ceil((east - west) / res), math.ceil((north - south) / res)
    return Affine(res, 0.0, west, 0.0, -res, north), width, height


def overlay_png(path_tif: Path, max_size: int = 2048) -> tuple[bytes, BBox]:
    """The PNG and bounds of :func:`overlay_png_with_range`, without the range."""
    data, bounds, _ = overlay_png_with_range(path_tif, max_size)
    return data, bounds


def overlay_png_with_range(path_tif: Path, max_size: int = 2048) -> tuple[bytes, BBox, tuple[float, float] | None]:
    """Render a single-band GeoTIFF as a colour-ramped PNG in Web Mercator for a Leaflet ImageOverlay.

    Parameters
    ----------
    path_tif : Path
        A raster written by :func:`write_geotiff` (any CRS).
    max_size : int, optional
        Longest side of the PNG in pixels; the warped image is coarsened to fit.

    Returns
    -------
    png : bytes
        RGBA PNG, EPSG:3857 pixels (nearest-neighbour warp); nodata, NaN and infinite cells are transparent.
    bounds : BBox
        West, south, east, north of the image in WGS84 degrees (Leaflet: ``[[south, west], [north, east]]``).
    value_range : tuple of float, or None
        The raster values (its own units) drawn in the first and last colour of :data:`RAMP_COLOURS` (the 2nd and
        98th percentiles of the image's cells; lower and higher values take the end colours); None if no cell has
        a value.

    Raises
    ------
    SourceNotFoundError
        If ``path_tif`` does not exist.
    """
    if not Path(path_tif).is_file():
        raise SourceNotFoundError(f"raster not found: {path_tif}")
    with rasterio.open(path_tif) as src:
        transform, width, height = _mercator_frame(src, max_size)
        values = np.full((height, width), np.nan, dtype=np.float64)
        reproject(rasterio.band(src, 1), values, src_nodata=src.nodata, dst_transform=transform,
                  dst_crs=_WEB_MERCATOR, dst_nodata=np.nan, resampling=Resampling.nearest)
    rgba, value_range = _colour_ramp(values)
    with MemoryFile() as memfile:
        with memfile.open(driver="PNG", width=width, height=height, count=4, dtype="uint8",
                          crs=_WEB_MERCATOR, transform=transform) as png:
            png.write(rgba)
        data = bytes(memfile.read())
    to_wgs84 = Transformer.from_crs(_WEB_MERCATOR, STORE_CRS, always_xy=True)
    west, south, east, north = array_bounds(height, width, transform)
    (west, east), (south, north) = to_wgs84.transform([west, east], [south, north])
    return data, BBox(west, south, east, north), value_range
