"""The build's base-map stage: the towns, lakes and rivers every source gave, combined into their store layers."""

from __future__ import annotations

import pandas as pd

from layers.ownership.relations import combine_layer
from layers.schema import LAKES, PLACES, RIVERS, LayerSchema

#: The base-map layers loaders feed, each with the columns that identify a row.
BASEMAP_LAYERS: dict[str, tuple[LayerSchema, tuple[str, ...]]] = {
    "places": (PLACES, ("place_id",)),
    "lakes": (LAKES, ("lake_id",)),
    "rivers": (RIVERS, ("river_id",)),
}


def build_basemap(tables: dict[str, list[pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Combine the base-map layers of every source.

    Parameters
    ----------
    tables : dict
        Layer name (places, lakes, rivers) → the validated frames its sources gave; a layer without frames
        becomes empty with its schema (its source is then reported as skipped).

    Returns
    -------
    dict
        Every layer of :data:`BASEMAP_LAYERS`, validated, in EPSG:4326.

    Raises
    ------
    SourceFormatError
        If two sources give the same id.
    """
    return {name: combine_layer(tables.get(name, []), schema, key) for name, (schema, key) in BASEMAP_LAYERS.items()}
