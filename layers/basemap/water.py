"""Lakes and rivers of the offline base map, from Natural Earth 1:10m lakes and rivers (lake centrelines)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon

from layers.basemap.clip import clip_to_region, field_names, numbers, text
from layers.features import read_vector
from layers.manifest import Source
from layers.schema import LAKES, RIVERS, STORE_CRS, LayerSchema, validate

#: Fields a lakes or rivers file must have (any case).
WATER_FIELDS = ("SCALERANK",)
#: Natural Earth's min_zoom where a file leaves it empty or lacks it: draw only when zoomed well in.
DEFAULT_MIN_ZOOM = 7.0


def load_lakes(paths: list[Path], source: Source) -> gpd.GeoDataFrame:
    """Load Natural Earth lakes, clipped to the base map's region.

    Parameters
    ----------
    paths : list of Path
        GDAL-readable polygon files with Natural Earth's fields (``name``, ``name_ru`` where given,
        ``featurecla``, ``scalerank``, ``min_zoom``; any case), in any declared CRS.
    source : Source
        The manifest entry.

    Returns
    -------
    GeoDataFrame
        :data:`layers.schema.LAKES` columns, MultiPolygons (EPSG:4326) cut at
        :data:`layers.schema.BASEMAP_BBOX_WGS84`, largest first (``scalerank``).

    Raises
    ------
    ColumnMappingError
        If a file lacks ``scalerank``.
    SourceFormatError
        If a file cannot be read or has no CRS.
    """
    return _load(paths, source, LAKES, "lakes", "lake_id", _multipolygon)


def load_rivers(paths: list[Path], source: Source) -> gpd.GeoDataFrame:
    """Load Natural Earth rivers and lake centrelines, clipped to the base map's region.

    Parameters
    ----------
    paths : list of Path
        GDAL-readable line files with Natural Earth's fields (``name``, ``name_ru`` where given,
        ``featurecla``, ``scalerank``, ``min_zoom``; any case), in any declared CRS.
    source : Source
        The manifest entry.

    Returns
    -------
    GeoDataFrame
        :data:`layers.schema.RIVERS` columns, MultiLineStrings (EPSG:4326) cut at
        :data:`layers.schema.BASEMAP_BBOX_WGS84`, largest first (``scalerank``).

    Raises
    ------
    ColumnMappingError
        If a file lacks ``scalerank``.
    SourceFormatError
        If a file cannot be read or has no CRS.
    """
    return _load(paths, source, RIVERS, "rivers", "river_id", _multilinestring)


def _load(paths: list[Path], source: Source, schema: LayerSchema, what: str, key: str, shape) -> gpd.GeoDataFrame:
    frames = []
    for number, path in enumerate(paths):
        raw = read_vector(path, what)
        fields = field_names(raw, path, WATER_FIELDS, what)
        raw = raw[raw.geometry.notna()].reset_index(drop=True)
        raw["__row"] = range(1, len(raw) + 1)
        raw = clip_to_region(raw)
        geometry = [shape(g) for g in raw.geometry]
        prefix = source.id if len(paths) == 1 else f"{source.id}.{number + 1}"
        frame = pd.DataFrame({
            key: [f"{prefix}:{r}" for r in raw["__row"]],
            "name": text(raw, fields, "NAME"),
            "name_ru": text(raw, fields, "NAME_RU"),
            "kind": text(raw, fields, "FEATURECLA"),
            "scalerank": [int(v) for v in numbers(raw, fields, "SCALERANK", 10)],
            "min_zoom": numbers(raw, fields, "MIN_ZOOM", DEFAULT_MIN_ZOOM),
        })
        keep = [g is not None for g in geometry]
        frames.append(gpd.GeoDataFrame(frame[keep].reset_index(drop=True),
                                       geometry=[g for g in geometry if g is not None], crs=STORE_CRS))
    layer = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    layer = layer.sort_values(["scalerank", key], kind="stable", ignore_index=True)
    layer = gpd.GeoDataFrame(layer, geometry="geometry", crs=STORE_CRS)
    validate(layer, schema, what=f"{what} from {source.id}")
    return layer


def _parts(geom, kinds: tuple[type, ...]) -> list:
    if isinstance(geom, kinds):
        return [geom]
    return [p for g in getattr(geom, "geoms", []) for p in _parts(g, kinds)]


def _multipolygon(geom) -> MultiPolygon | None:
    """The polygon parts of a clipped geometry as one valid MultiPolygon; None when nothing areal is left."""
    polygons = [p for part in _parts(geom.buffer(0) if not geom.is_valid else geom, (Polygon, MultiPolygon))
                for p in (part.geoms if isinstance(part, MultiPolygon) else [part]) if not p.is_empty]
    return MultiPolygon(polygons) if polygons else None


def _multilinestring(geom) -> MultiLineString | None:
    """The line parts of a clipped geometry as one MultiLineString; None when no line is left."""
    lines = [p for part in _parts(geom, (LineString, MultiLineString))
             for p in (part.geoms if isinstance(part, MultiLineString) else [part]) if p.length > 0]
    return MultiLineString(lines) if lines else None
