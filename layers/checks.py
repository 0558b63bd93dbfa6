"""Checks that need more than one source: a record's point against its stated country's outline."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from layers.countries import COUNTRY_TOLERANCE_KM, country_at, distance_outside_km
from layers.deposits.records import ATLAS_COUNTRIES, make_quarantine
from layers.schema import STORE_CRS

#: A point this far outside its country is noted on the record (but kept).
COUNTRY_NOTE_KM = 5.0


def check_countries(
    records: gpd.GeoDataFrame, countries: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Check each point against its stated country: relabel a record whose point is in another atlas country.

    A point more than ``max(COUNTRY_TOLERANCE_KM, its precision)`` outside its country is refused when the
    point with longitude and latitude exchanged lies inside the stated country (the reason says the coordinates
    look swapped; the atlas does not swap them itself, because nothing but the outline says which reading is
    right) or when it lies in no country of the atlas. A point that lies inside another atlas country is a good
    point under a wrong label (Lyangar, labelled KG, lies in Uzbekistan, where the GSC record of the deposit
    puts it): the record is kept, its ``country`` taken from the point, and ``country_check`` says so. So is a
    point more than :data:`COUNTRY_NOTE_KM` inside another atlas country (Dalnee, labelled TJ, 11 km into
    Uzbekistan's Almalyk district); points nearer a border keep their label.

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
        :data:`COUNTRY_NOTE_KM` outside their country, and relabelled records.
    refused : DataFrame
        Quarantine rows (``layers.schema.QUARANTINE``) for the others.
    """
    located = pd.Series([g is not None and not g.is_empty for g in records.geometry], index=records.index)
    where = pd.Series("", index=records.index, dtype=object)
    if located.any():
        where[located] = country_at(records.geometry[located], countries)
    # A point inside its stated country is 0 km outside it; only the others need the (slow) distance to an outline.
    away = located & (where != records["country"])
    outside = pd.Series(0.0, index=records.index).where(located)
    if away.any():
        outside[away] = distance_outside_km(records.geometry[away], countries, records["country"][away])
    located &= ~outside.isna()  # a country missing from the layer cannot be checked
    precision = records["location_precision_km"].fillna(0.0).clip(lower=COUNTRY_TOLERANCE_KM)
    far = located & (outside > precision)
    kept = records.copy()
    noted = located & ~far & (outside > COUNTRY_NOTE_KM)
    for index in records.index[noted & where.isin(ATLAS_COUNTRIES)]:
        _relabel(kept, index, float(outside[index]), where[index])
    for index in records.index[noted & ~where.isin(ATLAS_COUNTRIES)]:
        kept.at[index, "country_check"] = (f"point lies {outside[index]:.0f} km outside {records.at[index, 'country']} "
                                           f"(in {where[index] or 'no country'})")
    # One outline distance call for every refused point with lon and lat exchanged (dissolving is per call).
    swapped = gpd.GeoSeries([Point(g.y, g.x) for g in records.geometry[far]], index=records.index[far],
                            crs=STORE_CRS)
    flipped = distance_outside_km(swapped, countries, records["country"][far])
    refused_at, refused = [], []
    for index in records.index[far]:
        if float(flipped[index]) > float(precision[index]) and where[index] in ATLAS_COUNTRIES:
            _relabel(kept, index, float(outside[index]), where[index])
            continue
        refused_at.append(index)
        refused.append(_refusal(records.loc[index], float(outside[index]), float(precision[index]), where[index],
                                float(flipped[index])))
    return kept.drop(index=refused_at), make_quarantine(refused, "country check")


def _relabel(kept: gpd.GeoDataFrame, index, outside_km: float, inside: str) -> None:
    label = kept.at[index, "country"]
    kept.at[index, "country_check"] = (f"country label {label} disagrees with the point, which lies "
                                       f"{outside_km:.0f} km outside {label} in {inside}; country taken from the point")
    kept.at[index, "country"] = inside


def _refusal(record: pd.Series, km: float, limit: float, inside: str, flipped_km: float) -> dict:
    if flipped_km <= limit:
        where_flipped = "inside" if flipped_km == 0.0 else f"{flipped_km:.0f} km from"
        reason = (f"coordinates look swapped (lon/lat): the point lies {km:.0f} km outside "
                  f"{record['country']}; with lon and lat exchanged it lies {where_flipped} "
                  f"{record['country']}")
    else:
        reason = (f"point far outside its stated country: {km:.0f} km outside {record['country']} "
                  f"(in {inside or 'no country'}); allowed {limit:g} km")
    return {"source": record["source"], "record_id": record["record_id"], "name": record["name"],
            "country": record["country"], "location_raw": record["location_raw"], "reason": reason}
