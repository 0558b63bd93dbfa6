import math
import os
import struct
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import CRS, Geod, Transformer
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile
from shapely.geometry import LineString, Point

from geo.terrain import (
    DEM_ATTRIBUTION,
    RegionGrid,
    access_cost_surface,
    distance_to_lines_raster,
    elevation_on_grid,
    overlay_png,
    region_grid,
    sample,
    slope_degrees,
    write_geotiff,
)
from layers.errors import CRSMismatchError, SourceNotFoundError
from layers.schema import METRIC_CRS
from layers.types import BBox

TO_LONLAT = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
N = 11  # tiny grids of N x N cells centred on the projection's origin, 65°E 43°N
MID = N // 2


def centred_grid(cell_m: float) -> RegionGrid:
    """N x N cells whose middle cell has its centre on the projection origin."""
    half = N * cell_m / 2
    return RegionGrid(cell_m, Affine(cell_m, 0.0, -half, 0.0, -cell_m, half), (N, N))


def lonlat(x_m: float, y_m: float) -> tuple[float, float]:
    return TO_LONLAT.transform(x_m, y_m)


def lines(*coords, crs="EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[LineString(c) for c in coords], crs=crs)


#: The meridian 65°E is the projection's straight x = 0 axis: the middle column of a centred grid.
MERIDIAN = lines([(65.0, 42.0), (65.0, 44.0)])
#: A line along y = 0 (the middle row), from projected end points well beyond the grid.
EQUATOR_OF_GRID = lines([lonlat(-80_000, 0), lonlat(80_000, 0)])
OFFSETS = np.abs(np.arange(N) - MID).astype(np.float32)  # cells from the middle


# --- the grid ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell_m", "shape", "bounds"), [
    (1000.0, (3991, 5512), (-2_515_000.0, -1_989_000.0, 2_997_000.0, 2_002_000.0)),
    (4000.0, (999, 1379), (-2_516_000.0, -1_992_000.0, 3_000_000.0, 2_004_000.0)),
    (50_000.0, (81, 111), (-2_550_000.0, -2_000_000.0, 3_000_000.0, 2_050_000.0)),
])
def test_region_grid_covers_the_projected_box(cell_m, shape, bounds):
    grid = region_grid(cell_m)
    assert (grid.crs, grid.cell_m, grid.shape, grid.bounds) == (METRIC_CRS, cell_m, shape, bounds)


@pytest.mark.parametrize("cell_m", [0.0, -5.0, float("nan")])
def test_region_grid_refuses_a_bad_cell_size(cell_m):
    with pytest.raises(ValueError, match="cell size must be positive"):
        region_grid(cell_m)


@pytest.mark.parametrize(("cell_m", "shape"), [(0.0, (2, 2)), (1000.0, (0, 5))])
def test_region_grid_refuses_an_empty_or_degenerate_grid(cell_m, shape):
    with pytest.raises(ValueError, match="a grid needs a positive cell size and shape"):
        RegionGrid(cell_m, Affine.identity(), shape)


# Planar distance in METRIC_CRS vs geodesic (WGS84) over 100 km, smallest and largest relative error (%) over
# all directions at the corners and centre of the region: the figure docs/TERRAIN.md states (at most ±3.6 %).
@pytest.mark.parametrize(("lon", "lat", "error_pct"), [
    (40.0, 25.0, (-2.7, 2.9)),
    (95.0, 25.0, (-3.6, 3.6)),
    (40.0, 58.0, (-1.7, 1.8)),
    (95.0, 58.0, (-2.3, 2.3)),
    (65.0, 43.0, (0.0, 0.0)),
])
def test_planar_distance_error_against_geodesic(lon, lat, error_pct):
    azimuths = np.arange(0.0, 180.0, 5.0)
    n = len(azimuths)
    lon2, lat2, _ = Geod(ellps="WGS84").fwd(np.full(n, lon), np.full(n, lat), azimuths, np.full(n, 100_000.0))
    x1, y1 = TO_METRIC.transform(lon, lat)
    x2, y2 = TO_METRIC.transform(lon2, lat2)
    ratio = np.hypot(x2 - x1, y2 - y1) / 100_000.0 - 1
    assert (round(ratio.min() * 100, 1) + 0.0, round(ratio.max() * 100, 1) + 0.0) == error_pct


# --- distance to lines ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "expected_km"), [
    (MERIDIAN, np.broadcast_to(OFFSETS * 10, (N, N))),  # x = 0: distance grows along rows
    (EQUATOR_OF_GRID, np.broadcast_to((OFFSETS * 10)[:, None], (N, N))),  # y = 0: grows along columns
])
def test_distance_to_a_single_line_is_the_analytic_distance(line, expected_km):
    result = distance_to_lines_raster(line, centred_grid(10_000.0))
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, expected_km)


def test_distance_ignores_empty_geometries():
    frame = gpd.GeoDataFrame(geometry=[*MERIDIAN.geometry, None, LineString()], crs="EPSG:4326")
    np.testing.assert_array_equal(distance_to_lines_raster(frame, centred_grid(10_000.0)),
                                  np.broadcast_to(OFFSETS * 10, (N, N)))


@pytest.mark.parametrize(("crs", "message"), [
    (None, "lines have no CRS; expected EPSG:4326"),
    ("EPSG:3857", "lines are in EPSG:3857, expected EPSG:4326"),
    (METRIC_CRS, "lines are in .*laea.*, expected EPSG:4326"),
])
@pytest.mark.parametrize("compute", [
    lambda frame, grid: distance_to_lines_raster(frame, grid),
    lambda frame, grid: access_cost_surface(np.zeros(grid.shape), grid, frame),
], ids=["distance", "access_cost"])
def test_lines_in_another_or_no_crs_are_refused(crs, message, compute):
    frame = MERIDIAN.to_crs(crs) if crs else MERIDIAN.set_crs(None, allow_override=True)
    with pytest.raises(CRSMismatchError, match=message):
        compute(frame, centred_grid(10_000.0))


@pytest.mark.parametrize(("frame", "message"), [
    (gpd.GeoDataFrame(geometry=[Point(65, 43)], crs="EPSG:4326"), r"found \['Point'\]"),
    (lines([(10.0, 10.0), (11.0, 11.0)]), "no line touches the grid"),
    (gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"), "no line touches the grid"),
])
def test_distance_refuses_points_and_lines_off_the_grid(frame, message):
    with pytest.raises(ValueError, match=message):
        distance_to_lines_raster(frame, centred_grid(10_000.0))


# --- slope ------------------------------------------------------------------------------------------------


def plane(dz_dx: float, dz_dy: float, cell_m: float) -> np.ndarray:
    """Heights (m) of a tilted plane; x grows with the column, y with the row."""
    rows, cols = np.mgrid[0:N, 0:N] * cell_m
    return 1000.0 + dz_dx * cols + dz_dy * rows


@pytest.mark.parametrize(("dz_dx", "dz_dy", "degrees"), [
    (0.0, 0.0, 0.0),
    (0.1, 0.0, math.degrees(math.atan(0.1))),
    (0.0, -0.2, math.degrees(math.atan(0.2))),
    (0.3, 0.4, math.degrees(math.atan(0.5))),
    (1.0, 0.0, 45.0),
])
@pytest.mark.parametrize("cell_m", [30.0, 2000.0])
def test_slope_of_a_tilted_plane(dz_dx, dz_dy, degrees, cell_m):
    result = slope_degrees(plane(dz_dx, dz_dy, cell_m), cell_m)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, np.full((N, N), degrees), rtol=1e-6, atol=1e-6)


def test_slope_beside_missing_cells_is_one_sided_and_nan_only_on_them():
    elevation = plane(0.1, 0.0, 100.0)
    elevation[:, 8] = np.nan
    elevation[2, 2] = np.nan
    expected = np.full((N, N), math.degrees(math.atan(0.1)))
    expected[:, 8] = expected[2, 2] = np.nan
    np.testing.assert_allclose(slope_degrees(elevation, 100.0), expected, rtol=1e-6)


@pytest.mark.parametrize(("elevation", "cell_m", "message"), [
    (np.zeros(5), 100.0, "at least 2 x 2"),
    (np.zeros((1, 5)), 100.0, "at least 2 x 2"),
    (np.zeros((3, 3)), 0.0, "cell size must be positive"),
])
def test_slope_refuses_bad_input(elevation, cell_m, message):
    with pytest.raises(ValueError, match=message):
        slope_degrees(elevation, cell_m)


# --- access cost --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("grade", "effort_per_km"), [
    (0.0, 1.0),
    (0.1, 2.0),
    (0.2, 3.0),
    (0.6, 7.0),
    (1.0, 7.0),  # capped at 60 %
])
def test_access_cost_grows_with_slope_and_is_zero_on_the_rail(grade, effort_per_km):
    grid = centred_grid(1000.0)  # 1 km cells, rail along the middle column
    result = access_cost_surface(plane(grade, 0.0, 1000.0), grid, MERIDIAN)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, np.broadcast_to(OFFSETS * effort_per_km, (N, N)), rtol=1e-5)


def test_access_cost_on_diagonal_flat_ground_is_the_octile_distance():
    grid = centred_grid(2000.0)
    start_only = lines([lonlat(0, 0), lonlat(1, 1)])  # touches the middle cell only
    result = access_cost_surface(np.zeros((N, N)), grid, start_only)
    rows, cols = np.abs(np.mgrid[0:N, 0:N] - MID)
    octile = 2.0 * (np.maximum(rows, cols) + (math.sqrt(2) - 1) * np.minimum(rows, cols))
    np.testing.assert_allclose(result, octile, rtol=1e-6)


def test_impassable_cells_are_nan_and_cells_behind_them_unreachable():
    elevation = np.zeros((N, N))
    elevation[:, 8] = np.nan  # a sea column the path cannot cross, even diagonally
    expected = OFFSETS.copy()
    expected[8], expected[9:] = np.nan, np.inf
    result = access_cost_surface(elevation, centred_grid(1000.0), MERIDIAN)
    np.testing.assert_array_equal(result, np.broadcast_to(expected, (N, N)))


@pytest.mark.parametrize(("elevation", "rail", "message"), [
    (np.zeros((3, 3)), MERIDIAN, r"elevation has shape \(3, 3\), the grid \(11, 11\)"),
    (np.full((N, N), np.nan), MERIDIAN, "no rail line touches passable ground"),
    (np.zeros((N, N)), lines([(10.0, 10.0), (11.0, 11.0)]), "no rail line touches passable ground"),
])
def test_access_cost_refuses_bad_input(elevation, rail, message):
    with pytest.raises(ValueError, match=message):
        access_cost_surface(elevation, centred_grid(1000.0), rail)


# --- sampling ----------------------------------------------------------------------------------------------


@pytest.fixture()
def numbered() -> np.ndarray:
    raster = np.arange(N * N, dtype=np.float64).reshape(N, N)
    raster[0, 0] = np.nan
    return raster


@pytest.mark.parametrize(("x_km", "y_km", "expected"), [
    (0.0, 0.0, 60.0),  # the middle cell
    (20.0, 30.0, 29.0),  # row 2, column 7
    (-4.9, 4.9, 60.0),  # still the middle cell
    (54.0, -54.0, 120.0),  # the south-east corner cell
    (-54.0, 54.0, np.nan),  # the north-west cell is missing
    (56.0, 0.0, np.nan),  # east of the grid
    (0.0, -56.0, np.nan),  # south of the grid
])
def test_sample_takes_the_cell_a_point_falls_in(numbered, x_km, y_km, expected):
    lon, lat = lonlat(x_km * 1000, y_km * 1000)
    np.testing.assert_array_equal(sample(numbered, centred_grid(10_000.0), [lon], [lat]), [expected])


def test_sample_keeps_the_shape_of_the_points(numbered):
    result = sample(numbered, centred_grid(10_000.0), [[65.0, 120.0], [65.0, 65.0]], [[43.0, 43.0], [43.0, 95.0]])
    np.testing.assert_array_equal(result, [[60.0, np.nan], [60.0, np.nan]])


@pytest.mark.parametrize(("raster", "lon", "lat", "message"), [
    (np.zeros((3, 3)), [65.0], [43.0], r"raster has shape \(3, 3\)"),
    (np.zeros((N, N)), [65.0, 66.0], [43.0], "lon and lat differ in shape"),
])
def test_sample_refuses_bad_input(raster, lon, lat, message):
    with pytest.raises(ValueError, match=message):
        sample(raster, centred_grid(10_000.0), lon, lat)


# --- GeoTIFF and PNG output ----------------------------------------------------------------------------------


def float_raster() -> np.ndarray:
    values = np.linspace(0.0, 100.0, N * N, dtype=np.float32).reshape(N, N)
    values[0, :3] = np.nan
    values[1, 0] = np.inf
    return values


def int_raster() -> np.ndarray:
    values = np.arange(N * N, dtype=np.int16).reshape(N, N)
    values[5, 5] = -32768
    return values


@pytest.mark.parametrize(("array", "nodata", "predictor"), [
    (float_raster(), float("nan"), "3"),
    (int_raster(), -32768, "2"),
])
def test_write_geotiff_round_trips(tmp_path, array, nodata, predictor):
    grid = centred_grid(1000.0)
    path = tmp_path / "access.tif"
    write_geotiff(path, array, grid, nodata=nodata, description="access cost from rail", units="effort-km",
                  attribution=DEM_ATTRIBUTION, method="MCP_Geometric")
    with rasterio.open(path) as src:
        assert (src.crs, src.transform, src.shape, src.dtypes, src.descriptions, src.units) == (
            CRS.from_user_input(METRIC_CRS), grid.transform, grid.shape, (array.dtype.name,),
            ("access cost from rail",), ("effort-km",))
        assert src.tags() == {"AREA_OR_POINT": "Area", "units": "effort-km", "method": "MCP_Geometric",
                              "attribution": DEM_ATTRIBUTION}
        assert (src.profile["tiled"], src.block_shapes, src.tags(ns="IMAGE_STRUCTURE")["COMPRESSION"],
                src.tags(ns="IMAGE_STRUCTURE")["PREDICTOR"]) == (True, [(256, 256)], "DEFLATE", predictor)
        np.testing.assert_array_equal(src.nodata, nodata)
        np.testing.assert_array_equal(src.read(1), array)
    assert os.listdir(tmp_path) == ["access.tif"]


def test_dem_attribution_credits_both_sources():
    assert ("GLOBE Task Team / NOAA NGDC" in DEM_ATTRIBUTION,
            "courtesy of the U.S. Geological Survey." in DEM_ATTRIBUTION) == (True, True)


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    path = tmp_path / "access.tif"
    path.write_bytes(b"previous")
    with pytest.raises((TypeError, ValueError)):
        write_geotiff(path, np.full((N, N), None, dtype=object), centred_grid(1000.0), nodata=None,
                      description="d", units="u", attribution="a")
    assert (os.listdir(tmp_path), path.read_bytes()) == (["access.tif"], b"previous")


def test_write_geotiff_refuses_an_array_off_the_grid(tmp_path):
    with pytest.raises(ValueError, match=r"array has shape \(3, 3\)"):
        write_geotiff(tmp_path / "x.tif", np.zeros((3, 3)), centred_grid(1000.0), nodata=None, description="d",
                      units="u", attribution="a")
    assert os.listdir(tmp_path) == []


def read_png(data: bytes) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # a bare PNG carries no georeferencing
        with MemoryFile(data) as memfile, memfile.open() as png:
            return png.read()


def test_overlay_png_is_an_rgba_png_in_web_mercator_with_lonlat_bounds(tmp_path):
    grid = centred_grid(10_000.0)  # about 64.3–65.7°E, 42.5–43.5°N
    path = tmp_path / "cost.tif"
    write_geotiff(path, float_raster(), grid, nodata=float("nan"), description="d", units="u", attribution="a")
    data, bounds = overlay_png(path)
    width, height, depth, colour_type = struct.unpack(">IIBB", data[16:26])
    assert (data[:8], depth, colour_type) == (b"\x89PNG\r\n\x1a\n", 8, 6)  # 8-bit RGBA
    expected = BBox(*TO_LONLAT.transform_bounds(*grid.bounds, densify_pts=101))
    assert bounds == pytest.approx(expected, abs=0.01)
    bands = read_png(data)
    assert (bands.shape, sorted(np.unique(bands[3]).tolist())) == ((4, height, width), [0, 255])


def test_overlay_png_of_an_all_missing_raster_is_fully_transparent(tmp_path):
    path = tmp_path / "empty.tif"
    write_geotiff(path, np.full((N, N), np.nan, dtype=np.float32), centred_grid(10_000.0), nodata=float("nan"),
                  description="d", units="u", attribution="a")
    data, _ = overlay_png(path)
    assert np.unique(read_png(data)).tolist() == [0]


def test_overlay_png_fits_the_largest_side(tmp_path):
    path = tmp_path / "cost.tif"
    write_geotiff(path, float_raster(), centred_grid(10_000.0), nodata=float("nan"), description="d", units="u",
                  attribution="a")
    data, _ = overlay_png(path, max_size=6)
    assert max(struct.unpack(">II", data[16:24])) <= 6


def test_overlay_png_needs_the_file(tmp_path):
    with pytest.raises(SourceNotFoundError, match="raster not found"):
        overlay_png(tmp_path / "absent.tif")


# --- elevation from DEM files ------------------------------------------------------------------------------


def write_dem(path: Path, values: np.ndarray, west: float, north: float, res: float, nodata: float | None) -> Path:
    with rasterio.open(path, "w", driver="GTiff", height=values.shape[0], width=values.shape[1], count=1,
                       dtype="int16", crs="EPSG:4326", transform=Affine(res, 0, west, 0, -res, north),
                       nodata=nodata) as dst:
        dst.write(values.astype(np.int16), 1)
    return path


def test_elevation_prefers_the_finer_dem_and_asks_the_coarser_one_about_its_zeros(tmp_path):
    # The fine DEM (no nodata, as GLOBE) covers 64–65.5°E: 500 m land, then 0 (sea or land below sea level)
    # east of 64.67°E. The coarse one covers 64–66°E: 200 m, a -50 m depression at 64.67–65°E, water
    # (nodata) at 65–65.5°E, 200 m again east of that.
    fine = np.full((60, 45), 500)
    fine[:, 20:] = 0
    coarse = np.full((12, 12), 200)
    coarse[:, 4:6] = -50
    coarse[:, 6:9] = -32768
    fine_path = write_dem(tmp_path / "fine.tif", fine, 64.0, 44.0, 1 / 30, None)
    coarse_path = write_dem(tmp_path / "coarse.tif", coarse, 64.0, 44.0, 1 / 6, -32768)
    grid = centred_grid(10_000.0)
    elevation = elevation_on_grid([coarse_path, fine_path], grid)
    # fine land; fine 0 over the depression; fine 0 over water; beyond the fine DEM
    result = sample(elevation, grid, [64.45, 64.83, 65.25, 65.62], [43.0] * 4)
    np.testing.assert_array_equal(result, [500.0, -50.0, np.nan, 200.0])


@pytest.mark.parametrize(("paths", "error", "message"), [
    ([], ValueError, "at least one DEM"),
    ([Path("absent.tif")], SourceNotFoundError, "absent.tif"),
])
def test_elevation_refuses_missing_dems(paths, error, message):
    with pytest.raises(error, match=message):
        elevation_on_grid(paths, centred_grid(10_000.0))


# --- integration: the staged DEMs ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_elevation(raw_dir: Path) -> tuple[np.ndarray, RegionGrid]:
    grid = region_grid(5000.0)
    dems = [raw_dir / "geo" / "dem_globe_30s_40-90E_25-50N.tif", raw_dir / "geo" / "dem_pvlib_5min_40-95E_25-58N.tif"]
    return elevation_on_grid(dems, grid), grid


@pytest.mark.integration
@pytest.mark.parametrize(("place", "lon", "lat", "low_m", "high_m"), [
    ("Almaty", 76.95, 43.25, 700.0, 1000.0),
    ("Tashkent", 69.28, 41.3, 400.0, 500.0),
    ("Astana (5′ DEM, north of 50°N)", 71.43, 51.13, 300.0, 400.0),
    ("Karagiye depression (GLOBE 0, 5′ DEM below sea level)", 51.75, 43.45, -160.0, -100.0),
])
def test_real_elevation_at_known_places(real_elevation, place, lon, lat, low_m, high_m):
    elevation, grid = real_elevation
    value = sample(elevation, grid, [lon], [lat])[0]
    assert low_m <= value <= high_m, f"{place}: {value:.0f} m"


@pytest.mark.integration
@pytest.mark.parametrize(("place", "lon", "lat"), [
    ("Caspian Sea", 51.0, 42.0),
    ("Arabian Sea", 62.0, 24.0),  # outside the DEMs' box
])
def test_real_elevation_is_missing_on_the_sea(real_elevation, place, lon, lat):
    elevation, grid = real_elevation
    assert np.isnan(sample(elevation, grid, [lon], [lat])[0]), place
