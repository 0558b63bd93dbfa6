"""RFC 7946 GeoJSON from layer frames: pure functions from a GeoDataFrame to a dict."""

from __future__ import annotations

import math
from collections.abc import Callable

import geopandas as gpd
from shapely.geometry import mapping

from webapp.ogc.schema import Field

#: Decimal places of written coordinates (6 is ~0.1 m, finer than any source here).
COORDINATE_DECIMALS = 6

#: Site columns written as feature properties, in order.
SITE_PROPERTIES = (
    "site_id", "name", "country", "commodities", "commodity_groups", "primary_group", "deposit_types",
    "status", "source_record_ids", "n_sources", "location_precision_km", "location_record_id", "names",
    "link_reason",
)


def feature(row: dict, geometry, properties: tuple[str | Field, ...], extra: dict | None = None) -> dict:
    """Return one GeoJSON Feature (geometry None allowed) with the named properties of ``row``.

    A property given as a declared :class:`~webapp.ogc.schema.Field` is written as its type (empty text and
    lists as null); one given by name only is written as it is (NaN as null).
    """
    props = {}
    for p in properties:
        if isinstance(p, Field):
            props[p.name] = p.value(row[p.name])
        else:
            props[p] = _jsonable(row[p])
    if extra:
        props.update(extra)
    return {"type": "Feature", "id": row.get("site_id") or row.get("record_id"),
            "geometry": _geometry(geometry), "properties": props}


def feature_collection(frame: gpd.GeoDataFrame, properties: tuple[str | Field, ...],
                       extra: Callable[[dict], dict] | None = None, **members) -> dict:
    """Return a FeatureCollection of ``frame`` with ``properties``, plus foreign ``members``.

    Parameters
    ----------
    frame : GeoDataFrame
        Rows to write, in EPSG:4326.
    properties : tuple of str or Field
        Columns written as properties (see :func:`feature`).
    extra : callable, optional
        ``row -> dict`` of further properties (e.g. a page URL).
    **members
        Foreign members of the collection (``numberMatched``, ``links``, ...).

    Returns
    -------
    dict
        A JSON-serialisable FeatureCollection.
    """
    records = frame.drop(columns="geometry").to_dict("records")
    features = [
        feature(row, geometry, properties, extra(row) if extra else None)
        for row, geometry in zip(records, frame.geometry, strict=True)
    ]
    return {"type": "FeatureCollection", **members, "features": features}


def _geometry(geometry) -> dict | None:
    if geometry is None or geometry.is_empty:
        return None
    return _round(mapping(geometry))


def _round(value):
    if isinstance(value, float):
        return round(value, COORDINATE_DECIMALS)
    if isinstance(value, list | tuple):
        return [_round(v) for v in value]
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    return value


def _jsonable(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value
