"""Shared steps of the base-map loaders: field lookup by name in any case, and clipping to the region."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from layers.errors import ColumnMappingError
from layers.messages import describe_columns
from layers.schema import BASEMAP_BBOX_WGS84, STORE_CRS


def field_names(frame: pd.DataFrame, path: Path, needed: tuple[str, ...], what: str) -> dict[str, str]:
    """Map upper-case field names to the file's own spelling (Natural Earth 4 writes ``NAME``, 5 ``name``).

    Parameters
    ----------
    frame : DataFrame
        The file's features as read.
    path : Path
        The file, for the error message.
    needed : tuple of str
        Upper-case names the file must have.
    what : str
        What the file should hold (``"populated places"``).

    Returns
    -------
    dict of str to str
        Upper-case name → the column's name in the file, for every column.

    Raises
    ------
    ColumnMappingError
        If a needed field is missing (the message counts the columns the file has and names the needed ones).
    """
    fields = {str(c).upper(): str(c) for c in frame.columns if c != "geometry"}
    missing = [name for name in needed if name not in fields]
    if missing:
        raise ColumnMappingError(f"{path}: missing Natural Earth {what} fields {missing}; "
                                 f"{describe_columns(frame.columns, needed)}")
    return fields


def clip_to_region(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Keep the parts of ``frame`` inside :data:`layers.schema.BASEMAP_BBOX_WGS84`.

    Parameters
    ----------
    frame : GeoDataFrame
        Features in EPSG:4326.

    Returns
    -------
    GeoDataFrame
        The features that meet the box, their geometries cut at its edge, in the input order (index reset).
    """
    region = box(*BASEMAP_BBOX_WGS84)
    inside = frame[frame.geometry.notna() & frame.geometry.intersects(region)].copy()
    if len(inside) and not inside.geom_type.eq("Point").all():
        inside["geometry"] = inside.geometry.intersection(region)
    inside = inside[~inside.geometry.is_empty]
    return gpd.GeoDataFrame(inside.reset_index(drop=True), geometry="geometry", crs=STORE_CRS)


def text(frame: pd.DataFrame, fields: dict[str, str], name: str) -> list[str]:
    """Values of field ``name`` (upper-case) as stripped text; ``""`` where missing or the file lacks it."""
    column = fields.get(name)
    if column is None:
        return [""] * len(frame)
    return ["" if v is None or (isinstance(v, float) and v != v) else str(v).strip() for v in frame[column]]


def numbers(frame: pd.DataFrame, fields: dict[str, str], name: str, default: float) -> list[float]:
    """Values of field ``name`` (upper-case) as floats; ``default`` where missing or the file lacks it."""
    column = fields.get(name)
    if column is None:
        return [float(default)] * len(frame)
    values = pd.to_numeric(frame[column], errors="coerce").fillna(default)
    return [float(v) for v in values]
