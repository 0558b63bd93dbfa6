"""Tests for the raster (DEM) loader: it only checks the file and describes it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from layers.errors import SourceFormatError
from layers.manifest import Source
from layers.rasters import RasterInfo, load_raster

SOURCE = Source(id="dem", title="t", publisher="p", licence="l", attribution="a", url="u", root="raw",
                files=("geo/dem.tif",), loader="raster")


def _geotiff(path: Path, *, bands: int = 1, crs: str | None = "EPSG:4326") -> Path:
    profile = {"driver": "GTiff", "width": 4, "height": 3, "count": bands, "dtype": "int16", "nodata": -32768,
               "transform": Affine(0.5, 0.0, 40.0, 0.0, -0.5, 58.0)}  # origin 40E 58N, 0.5 degree cells
    with rasterio.open(path, "w", crs=crs, **profile) as dataset:
        dataset.write(np.arange(12 * bands, dtype="int16").reshape(bands, 3, 4))
    return path


def test_a_single_band_raster_is_described_not_read(tmp_path: Path) -> None:
    path = _geotiff(tmp_path / "dem.tif")
    assert load_raster([path], SOURCE) == RasterInfo(
        path=path.resolve(), crs="EPSG:4326", width=4, height=3, bounds=(40.0, 56.5, 42.0, 58.0),
        resolution=(0.5, 0.5), dtype="int16", nodata=-32768.0)


def test_metadata_is_json_ready(tmp_path: Path) -> None:
    assert load_raster([_geotiff(tmp_path / "dem.tif")], SOURCE).metadata() == {
        "crs": "EPSG:4326", "width": 4, "height": 3, "bounds": [40.0, 56.5, 42.0, 58.0], "resolution": [0.5, 0.5],
        "dtype": "int16", "nodata": -32768.0}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: _geotiff(p, bands=2), "raster has 2 bands; expected one (elevation)"),
        (lambda p: _geotiff(p, crs=None), "raster has no CRS; expected a georeferenced raster"),
        (lambda p: p.write_text("not a raster", encoding="utf-8") and p, "cannot open as a raster: "),
    ],
    ids=["two-bands", "no-crs", "not-a-raster"],
)
def test_a_raster_that_is_not_a_georeferenced_single_band_is_refused(tmp_path: Path, make, message: str) -> None:
    path = tmp_path / "dem.tif"
    make(path)
    with pytest.raises(SourceFormatError) as exc_info:
        load_raster([path], SOURCE)
    assert str(exc_info.value).startswith(f"{path.resolve()}: {message}")


def test_a_source_of_several_rasters_is_refused(tmp_path: Path) -> None:
    paths = [_geotiff(tmp_path / "a.tif"), _geotiff(tmp_path / "b.tif")]
    with pytest.raises(SourceFormatError) as exc_info:
        load_raster(paths, SOURCE)
    assert str(exc_info.value) == f"dem: expected one raster file, found 2: {[str(p) for p in paths]}"


# --- integration: the staged DEMs --------------------------------------------------------------------------

@pytest.mark.integration
@pytest.mark.parametrize(
    ("name", "size", "bounds", "nodata"),
    [("dem_globe_30s_40-90E_25-50N.tif", (6000, 3000), (40.0, 25.0, 90.0, 50.0), None),
     ("dem_pvlib_5min_40-95E_25-58N.tif", (660, 396), (40.0, 25.0, 95.0, 58.0), -32768.0)],
    ids=["globe-30s", "pvlib-5min"],
)
def test_the_staged_dems_are_found(raw_dir: Path, name: str, size: tuple, bounds: tuple, nodata: float | None) -> None:
    info = load_raster([raw_dir / "geo" / name], SOURCE)
    assert (info.path, info.crs, (info.width, info.height), info.bounds, info.dtype, info.nodata) == (
        (raw_dir / "geo" / name).resolve(), "EPSG:4326", size, bounds, "int16", nodata)
