"""Site assembly: the members of one cluster become one ``sites`` row, every value with the record it comes from."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd

from layers.deposits.commodities import commodity_groups, primary_group
from layers.deposits.names import name_keys
from layers.schema import SITES, STORE_CRS, validate

#: Datasets preferred for a site's name and attributes, best first; others follow alphabetically.
DATASET_PREFERENCE = (
    "national", "mrdata-major-deposits", "mrdata-ree", "usgs-tienshan-ree", "world-tin-tungsten-deposit",
    "mrdata-porcu", "mrdata-sedznpb", "mrdata-vms", "mrdata-sedcu",
)

#: Record fields whose values the site's provenance lists per record.
PROVENANCE_FIELDS = ("name", "aliases", "country", "commodities", "deposit_types", "status", "country_check")


#: Datasets placed after all others: records made from the licence tables stand in for a deposit no source names.
DATASET_LAST = ("licence-deposits",)


def _preference(record: dict) -> tuple:
    dataset = "national" if record["dataset"].startswith("national") else record["dataset"]
    rank = DATASET_PREFERENCE.index(dataset) if dataset in DATASET_PREFERENCE else len(DATASET_PREFERENCE)
    return (dataset in DATASET_LAST, rank, dataset, record["record_id"])


def _located(record: dict) -> bool:
    return record["geometry"] is not None and not record["geometry"].is_empty


def site_row(table: list[dict], members: list[int], reasons: set[str]) -> dict:
    """Return the ``sites`` row of one cluster.

    Parameters
    ----------
    table : list of dict
        Every record (``SOURCE_RECORDS`` columns plus ``geometry``), by position.
    members : list of int
        Positions of the cluster's records.
    reasons : set of str
        How the members were linked.

    Returns
    -------
    dict
        The ``layers.schema.SITES`` columns plus ``geometry``: name and attributes from the preferred dataset,
        the location from the most precise record, unions of lists, per-field provenance.
    """
    records = sorted((table[i] for i in members), key=_preference)
    primary = records[0]
    located = [r for r in records if _located(r)]
    # The location comes from the most precise record; the preference order breaks ties.
    where = min(located, key=lambda r: (r["location_precision_km"], _preference(r))) if located else None
    commodities = _union(r["commodities"] for r in records)
    groups = commodity_groups(commodities)
    status = next((r for r in records if r["status"]), None)
    names = _union([r["name"], *r["aliases"]] for r in records)
    return {
        "site_id": primary["record_id"],
        "name": primary["name"],
        "names": names,
        "country": primary["country"],
        "commodities": commodities,
        "commodity_groups": groups,
        "primary_group": primary_group(groups),
        "deposit_types": _union(r["deposit_types"] for r in records),
        "status": status["status"] if status is not None else "",
        "source_record_ids": [r["record_id"] for r in records],
        "n_sources": len(records),
        "location_precision_km": float(where["location_precision_km"]) if where is not None else math.nan,
        "location_record_id": where["record_id"] if where is not None else "",
        "provenance": _provenance(records, where),
        "search_keys": sorted(set().union(*(name_keys(r["name"], r["aliases"]) for r in records))),
        "link_reason": "; ".join(sorted(reasons)) if reasons else "single record",
        "geometry": where["geometry"] if where is not None else None,
    }


def _provenance(records: list[dict], where: dict | None) -> dict:
    provenance: dict[str, list[dict]] = {
        field: [{"value": r[field], "record_id": r["record_id"]} for r in records if r[field]]
        for field in PROVENANCE_FIELDS
    }
    provenance["location"] = [
        {"value": [round(r["geometry"].x, 6), round(r["geometry"].y, 6)], "record_id": r["record_id"],
         "precision_km": float(r["location_precision_km"]), "chosen": where is not None
         and r["record_id"] == where["record_id"]}
        for r in records if _located(r)
    ]
    return provenance


def _union(lists) -> list[str]:
    seen: list[str] = []
    for values in lists:
        seen.extend(v for v in values if v and v not in seen)
    return seen


def site_frame(rows: list[dict]) -> gpd.GeoDataFrame:
    """Return the validated ``sites`` layer of the rows, sorted by ``site_id``."""
    if not rows:
        return SITES.empty()
    rows.sort(key=lambda r: r["site_id"])
    frame = pd.DataFrame([{c: r[c] for c in SITES.column_names} for r in rows], columns=SITES.column_names)
    frame["n_sources"] = frame["n_sources"].astype("int64")
    frame["location_precision_km"] = frame["location_precision_km"].astype("float64")
    sites = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([r["geometry"] for r in rows], crs=STORE_CRS))
    validate(sites, SITES, what="sites from linkage")
    return sites
