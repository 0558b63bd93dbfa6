"""Towns and cities of the offline base map, from Natural Earth populated places (populated_places_ne10m)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from layers.basemap.clip import clip_to_region, field_names, numbers, text
from layers.errors import SourceFormatError
from layers.features import read_vector
from layers.manifest import Source
from layers.schema import PLACES, STORE_CRS, validate

#: Fields a populated-places file must have (any case).
PLACE_FIELDS = ("NAME", "SCALERANK", "MIN_ZOOM")
#: Natural Earth's min_zoom where a file leaves it empty: label only when zoomed well in.
DEFAULT_MIN_ZOOM = 8.0


def load_places(paths: list[Path], source: Source) -> gpd.GeoDataFrame:
    """Load Natural Earth populated places, clipped to the base map's region.

    Parameters
    ----------
    paths : list of Path
        GDAL-readable point files with Natural Earth's fields (``NAME``, ``NAME_EN``, ``NAME_RU``, ``ISO_A2``,
        ``SCALERANK``, ``min_zoom``, ``POP_MAX``, ``ADM0CAP``, ``GEONAMEID``; any case), in any declared CRS.
    source : Source
        The manifest entry.

    Returns
    -------
    GeoDataFrame
        :data:`layers.schema.PLACES` columns, one Point (EPSG:4326) per place inside
        :data:`layers.schema.BASEMAP_BBOX_WGS84`, most important first (``scalerank``, then population).

    Raises
    ------
    ColumnMappingError
        If a file lacks ``NAME``, ``SCALERANK`` or ``MIN_ZOOM``.
    SourceFormatError
        If a file cannot be read or has no CRS, or (naming file and row) a feature is not a point.
    """
    frames = [_read(path) for path in paths]
    places = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    places = places.drop_duplicates(subset="place_id", keep="first")
    places = places.sort_values(["scalerank", "population", "place_id"], ascending=[True, False, True],
                                kind="stable", ignore_index=True)
    places = gpd.GeoDataFrame(places, geometry="geometry", crs=STORE_CRS)
    validate(places, PLACES, what=f"places from {source.id}")
    return places


def _read(path: Path) -> gpd.GeoDataFrame:
    raw = read_vector(path, "populated places")
    fields = field_names(raw, path, PLACE_FIELDS, "populated places")
    wrong = raw.geometry.notna() & (raw.geom_type != "Point")
    if wrong.any():
        row = int(wrong.to_numpy().nonzero()[0][0])
        raise SourceFormatError(f"{path}: row {row + 1}: a populated place must be a Point, "
                                f"got {raw.geom_type.iloc[row]}")
    raw = raw[raw.geometry.notna()].reset_index(drop=True)
    raw["__row"] = range(1, len(raw) + 1)
    raw = clip_to_region(raw)
    name = text(raw, fields, "NAME")
    english = text(raw, fields, "NAME_EN")
    geonames = numbers(raw, fields, "GEONAMEID", -1.0)
    frame = pd.DataFrame({
        "place_id": [f"ne:{int(g)}" if g > 0 else f"ne:row{r}" for g, r in zip(geonames, raw["__row"], strict=True)],
        "name": name,
        "name_en": [e or n for e, n in zip(english, name, strict=True)],
        "name_ru": text(raw, fields, "NAME_RU"),
        "country": [c if len(c) == 2 else "" for c in text(raw, fields, "ISO_A2")],
        "scalerank": [int(v) for v in numbers(raw, fields, "SCALERANK", 10)],
        "min_zoom": numbers(raw, fields, "MIN_ZOOM", DEFAULT_MIN_ZOOM),
        "population": [max(int(v), 0) for v in numbers(raw, fields, "POP_MAX", 0)],
        "capital": [v == 1.0 for v in numbers(raw, fields, "ADM0CAP", 0)],
    })
    return gpd.GeoDataFrame(frame, geometry=raw.geometry.array, crs=STORE_CRS)
