"""Helpers the transport loaders share: GDAL vector files read into EPSG:4326, OSM ids checked, points from cells."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.geometry import Point

from layers.errors import SourceFormatError
from layers.schema import STORE_CRS
from layers.tables import Row

_OSM_ID = re.compile(r"^[1-9][0-9]*$")


def read_vector(path: Path, what: str) -> gpd.GeoDataFrame:
    """Read every feature of a GDAL vector file (GeoJSON, GeoPackage, shapefile) into :data:`STORE_CRS`.

    Parameters
    ----------
    path : Path
        The file; its first layer is read.
    what : str
        What the file should hold, for error messages (``"railways"``).

    Returns
    -------
    GeoDataFrame
        The file's own columns, reprojected to EPSG:4326 when the file declares another CRS.

    Raises
    ------
    SourceFormatError
        If GDAL cannot read the file, or it declares no CRS.
    """
    try:
        frame = pyogrio.read_dataframe(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise SourceFormatError(f"{path}: cannot read {what}: {exc}") from exc
    if frame.crs is None:
        raise SourceFormatError(f"{path}: no CRS; the {what} file must declare one (GeoJSON is always EPSG:4326)")
    if frame.crs != gpd.GeoSeries([], crs=STORE_CRS).crs:
        frame = frame.to_crs(STORE_CRS)
    return frame


def feature_error(path: Path, row: int, column: str, problem: str) -> SourceFormatError:
    """Return the error for a bad value of a vector file: ``<file>: row <n>, column '<c>': <problem>``.

    Parameters
    ----------
    path : Path
        The file.
    row : int
        The feature's position in the file, from 1.
    column : str
        The attribute column, or ``"geometry"``.
    problem : str
        What is wrong and what was expected.

    Returns
    -------
    SourceFormatError
        For the caller to raise.
    """
    return SourceFormatError(f"{path}: row {row}, column {column!r}: {problem}")


def osm_ids(values: pd.Series, path: Path, column: str, seen: dict[str, tuple[Path, int]], *,
            missing_ok: bool = False) -> list[str]:
    """Return OSM ids as text, checking each is a positive whole number given once.

    Parameters
    ----------
    values : Series
        The id column as read (integers, or text as in Geofabrik shapefiles).
    path : Path
        The file, for messages.
    column : str
        The column's name, for messages.
    seen : dict
        Ids already given (by this or an earlier file of the same source) → (file, row); updated.
    missing_ok : bool, optional
        Accept features without an id (``""`` is returned for them), as in layers where someone added lines by hand.

    Returns
    -------
    list of str
        One id per feature, in file order.

    Raises
    ------
    SourceFormatError
        Naming file, row and column, if an id is empty (unless ``missing_ok``), not a positive whole number, or
        repeated.
    """
    ids: list[str] = []
    for row, value in enumerate(values.tolist(), start=1):
        text = _id_text(value)
        if not text and missing_ok:
            ids.append("")
            continue
        if not _OSM_ID.match(text):
            raise feature_error(path, row, column, f"{value!r} is not an OSM id; expected a positive whole number")
        if text in seen:
            first_path, first_row = seen[text]
            raise feature_error(path, row, column, f"duplicate id {text} (first given in {first_path.name} row "
                                                   f"{first_row}); expected each feature once")
        seen[text] = (path, row)
        ids.append(text)
    return ids


def _id_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():  # a numeric id read from a shapefile as a double
        return str(int(value))
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def text_values(frame: pd.DataFrame, column: str) -> list[str]:
    """Return a column's values as stripped text.

    Parameters
    ----------
    frame : DataFrame
        A file's features as read.
    column : str
        The column; a column the file lacks gives ``""`` for every row.

    Returns
    -------
    list of str
        One value per row; ``""`` for missing values (None, NaN); whole-number floats without ``.0``.
    """
    if column not in frame.columns:
        return [""] * len(frame)
    return [_id_text(v) for v in frame[column].tolist()]


def row_point(row: Row) -> Point:
    """Return the Point of a table row's required ``lon`` and ``lat`` cells.

    Parameters
    ----------
    row : Row
        A row of a curated table (:func:`layers.tables.read_rows`).

    Returns
    -------
    Point
        Longitude and latitude in degrees, EPSG:4326 (a decimal comma is accepted).

    Raises
    ------
    SourceFormatError
        Naming file, row and column, if a cell is empty or not a number in ±180 / ±90.
    """
    row.required("lon")
    row.required("lat")
    return Point(row.decimal("lon", low=-180.0, high=180.0), row.decimal("lat", low=-90.0, high=90.0))
