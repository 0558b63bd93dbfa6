"""Raster sources (the DEMs): checked to open, but read by the analyses in place, never copied into the store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import rasterio
import rasterio.errors

from layers.errors import SourceFormatError
from layers.manifest import Source


@dataclass(frozen=True)
class RasterInfo:
    """Where a raster is and what it is; the store's build_info records it so analyses can open it."""

    path: Path  # absolute
    crs: str  # as an authority code where there is one (EPSG:4326), else WKT
    width: int  # cells
    height: int  # cells
    bounds: tuple[float, float, float, float]  # (left, bottom, right, top) in the raster's CRS units
    resolution: tuple[float, float]  # (x, y) cell size in the raster's CRS units
    dtype: str
    nodata: float | None

    def metadata(self) -> dict:
        """Return the facts as a JSON-serialisable dict (without the path)."""
        return {"crs": self.crs, "width": self.width, "height": self.height, "bounds": list(self.bounds),
                "resolution": list(self.resolution), "dtype": self.dtype, "nodata": self.nodata}


def load_raster(paths: list[Path], source: Source) -> RasterInfo:
    """Check that a single-band raster opens and has a CRS, and return its path and metadata.

    Parameters
    ----------
    paths : list of Path
        Exactly one raster file readable by rasterio (GeoTIFF as staged).
    source : Source
        The manifest entry.

    Returns
    -------
    RasterInfo
        The absolute path, CRS, size in cells, bounds and cell size (in the raster's CRS units; degrees for the
        staged EPSG:4326 DEMs), data type and nodata value. No cell is read.

    Raises
    ------
    SourceFormatError
        If the source resolves to several files, or the file cannot be opened as a raster, has no CRS or has
        other than one band.
    """
    if len(paths) != 1:
        raise SourceFormatError(f"{source.id}: expected one raster file, found {len(paths)}: "
                                f"{[str(p) for p in paths]}")
    path = paths[0].resolve()
    try:
        with rasterio.open(path) as dataset:
            crs, count = dataset.crs, dataset.count
            info = RasterInfo(
                path=path, crs=(crs.to_string() if crs else ""), width=dataset.width, height=dataset.height,
                bounds=tuple(float(v) for v in dataset.bounds), resolution=tuple(float(v) for v in dataset.res),
                dtype=dataset.dtypes[0] if count else "", nodata=dataset.nodata,
            )
    except rasterio.errors.RasterioIOError as exc:
        raise SourceFormatError(f"{path}: cannot open as a raster: {exc}") from exc
    if not info.crs:
        raise SourceFormatError(f"{path}: raster has no CRS; expected a georeferenced raster")
    if count != 1:
        raise SourceFormatError(f"{path}: raster has {count} bands; expected one (elevation)")
    return info
