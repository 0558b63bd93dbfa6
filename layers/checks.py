"""Checks that need more than one source: a record's point against its stated country's outline."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from layers.countries import COUNTRY_TOLERANCE_KM, country_at, distance_outside_km
from layers.records import make_quarantine

#: A point this far outside its country is noted on the record (but kept).
COUNTRY_NOTE_KM = 5.0


def check_countries(
    records: gpd.GeoDataFrame, countries: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Refuse records whose point lies far outside their stated country; note those just outside.

    A point more than ``max(COUNTRY_TOLERANCE_KM, its precision)`` outside its country is refused.
    When the point with longitude and latitude exchanged lies inside the stated country, the reason
    says the coordinates look swapped; the atlas does not swap them itself, because nothing but the
    outline says which reading is right.

    Parameters
    ----------
    records : GeoDataFrame
        Source records in EPSG:4326.
    countries : GeoDataFrame
        The countries layer.

    Returns
    -------
    kept : GeoDataFrame
        Records that pass, with ``country_check`` filled for points more than
        :data:`COUNTRY_NOTE_KM` outside their country.
    refused : DataFrame
        Quarantine rows (``layers.schema.QUARANTINE``) for the others.
    """
    outside = distance_outside_km(records.geometry, countries, records["country"])
    located = ~outside.isna()
    where = pd.Series("", index=records.index, dtype=object)
    if located.any():
        where[located] = country_at(records.geometry[located], countries)
    swapped = gpd.GeoSeries(
        [Point(g.y, g.x) if g is not None and not g.is_empty else None for g in records.geometry],
        index=records.index, crs=records.crs,
    )
    swapped_outside = distance_outside_km(swapped, countries, records["country"])
    kept = records.copy()
    refused: list[dict] = []
    drop: list = []
    for index in records.index[located]:
        km = float(outside[index])
        record = records.loc[index]
        precision = record["location_precision_km"]
        limit = max(COUNTRY_TOLERANCE_KM, 0.0 if math.isnan(precision) else float(precision))
        inside = where[index] or "no country"
        if km > limit:
            flipped_km = float(swapped_outside[index])
            if flipped_km <= limit:
                where_flipped = "inside" if flipped_km == 0.0 else f"{flipped_km:.0f} km from"
                reason = (f"coordinates look swapped (lon/lat): the point lies {km:.0f} km outside "
                          f"{record['country']}; with lon and lat exchanged it lies {where_flipped} "
                          f"{record['country']}")
            else:
                reason = (f"point far outside its stated country: {km:.0f} km outside {record['country']} "
                          f"(in {inside}); allowed {limit:g} km")
            refused.append({"source": record["source"], "record_id": record["record_id"], "name": record["name"],
                            "country": record["country"], "location_raw": record["location_raw"],
                            "reason": reason})
            drop.append(index)
        elif km > COUNTRY_NOTE_KM:
            kept.at[index, "country_check"] = f"point lies {km:.0f} km outside {record['country']} (in {inside})"
    return kept.drop(index=drop), make_quarantine(refused, "country check")
