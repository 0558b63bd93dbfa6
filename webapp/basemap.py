"""The offline base map's data: towns, lakes, rivers and country labels in the page's language (a pure builder)."""

from __future__ import annotations

import geopandas as gpd
import shapely
from shapely.geometry import box, mapping

from layers.deposits.records import ATLAS_COUNTRIES
from layers.schema import BASEMAP_BBOX_WGS84

#: Languages the labels come in; another language falls back to English.
LABEL_LANGUAGES = ("en", "ru")
#: Decimals of base-map coordinates (0.001 degree is about 100 m: finer than a 1:10m source).
BASEMAP_DECIMALS = 3
#: Lakes and rivers are simplified to this tolerance (degrees) before they are sent: invisible below zoom 10.
SIMPLIFY_DEG = 0.002
#: Zoom from which an atlas country's name is shown, and a neighbour's.
COUNTRY_LABEL_ZOOM = {"atlas": 3.0, "neighbour": 5.0}


def label_of(name_en: str, name_ru: str, lang: str) -> str:
    """The label in ``lang``: the Russian name where asked for and known, else the English one."""
    return name_ru if lang == "ru" and name_ru else name_en


def basemap_document(places: gpd.GeoDataFrame, lakes: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame,
                     countries: gpd.GeoDataFrame, lang: str, attribution: str) -> dict:
    """The base map's layers as GeoJSON FeatureCollections with labels in ``lang``.

    Parameters
    ----------
    places, lakes, rivers : GeoDataFrame
        The store layers (:data:`layers.schema.PLACES`, ``LAKES``, ``RIVERS``), EPSG:4326.
    countries : GeoDataFrame
        The countries layer; each country gets one label point inside its part of the base map's region.
    lang : str
        ``en`` or ``ru``.
    attribution : str
        Credit line of the layers.

    Returns
    -------
    dict
        ``{"lang", "bbox", "attribution", "places", "lakes", "rivers", "country_labels"}``; each layer a
        FeatureCollection whose features carry ``label`` and ``min_zoom`` (the zoom from which to draw them),
        places also ``scalerank``, ``population`` and ``capital``. Coordinates have :data:`BASEMAP_DECIMALS`
        decimals.
    """
    return {
        "lang": lang, "bbox": list(BASEMAP_BBOX_WGS84), "attribution": attribution,
        "places": _collection(places.geometry, [
            {"label": label_of(r["name_en"], r["name_ru"], lang), "min_zoom": r["min_zoom"],
             "scalerank": r["scalerank"], "population": r["population"], "capital": r["capital"],
             "country": r["country"]} for r in places.drop(columns="geometry").to_dict("records")]),
        "lakes": _collection(_simplified(lakes), [
            {"label": label_of(r["name"], r["name_ru"], lang), "min_zoom": r["min_zoom"], "kind": r["kind"]}
            for r in lakes.drop(columns="geometry").to_dict("records")]),
        "rivers": _collection(_simplified(rivers), [
            {"label": label_of(r["name"], r["name_ru"], lang), "min_zoom": r["min_zoom"], "kind": r["kind"]}
            for r in rivers.drop(columns="geometry").to_dict("records")]),
        "country_labels": country_labels(countries, lang),
    }


def country_labels(countries: gpd.GeoDataFrame, lang: str) -> dict:
    """One label point per country inside the base map's region, atlas countries from a lower zoom.

    Natural Earth gives Kazakhstan twice (Baikonur is its own unit): a country's label goes on its largest part.
    """
    region = box(*BASEMAP_BBOX_WGS84)
    features = []
    for row in countries.to_dict("records"):
        if not row["name"] or row["geometry"] is None or not row["geometry"].intersects(region):
            continue
        part = row["geometry"].intersection(region)
        if part.is_empty or part.area < 1.5:  # under 1.5 square degrees: Baikonur, Siachen, slivers at the edge
            continue
        atlas = row["iso_a2"] in ATLAS_COUNTRIES
        features.append({"type": "Feature", "geometry": _rounded(part.representative_point()),
                         "properties": {"label": label_of(row["name"], row["name_ru"], lang),
                                        "country": row["iso_a2"], "atlas": atlas,
                                        "min_zoom": COUNTRY_LABEL_ZOOM["atlas" if atlas else "neighbour"]}})
    return {"type": "FeatureCollection", "features": features}


def _simplified(frame: gpd.GeoDataFrame) -> list:
    return [shapely.simplify(g, SIMPLIFY_DEG, preserve_topology=True) for g in frame.geometry]


def _collection(geometries, properties: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": _rounded(g), "properties": p}
        for g, p in zip(geometries, properties, strict=True)]}


def _rounded(geometry) -> dict:
    return mapping(shapely.set_precision(geometry, 10 ** -BASEMAP_DECIMALS, mode="pointwise"))
