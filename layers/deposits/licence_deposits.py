"""Deposit records for licensed deposits that no deposit source names.

Our licence tables name producing mines and projects (the Kazakh uranium fields, Tajik gold and antimony
mines, Turkmen iodine plants) that the USGS and MinMod compilations do not carry. Such a deposit is still a
site: it has a holder, a source and a country, only no point. Rules (docs/LICENCE_IMPORT.md, "Deposits
named only by a licence"):

* Only licences without a polygon count, and only when no key of any of the licence's deposit names
  (:func:`layers.deposits.names.name_keys`) is a key of a source record of its country: a deposit that a source names
  is joined to that source's site instead, never duplicated.
* Names made of placeholders ("unnamed", "two uranium blocks", "not named") give no record.
* Licences whose bare names (brackets removed, :func:`layers.deposits.names.strip_brackets`) share a key describe one
  deposit and give one record, ``licence-deposits:<country>-<key>``; its name is the bare name of the first
  licence by id, its aliases the other bare names, its commodities the union, its references the licences'
  sources. The record is unmapped (``location_status`` ``missing``).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

import geopandas as gpd
import pandas as pd

from layers.deposits.commodities import commodity_groups
from layers.deposits.names import name_keys, strip_brackets
from layers.deposits.records import make_records
from layers.schema import SOURCE_RECORDS

#: Dataset name of the records made here.
DATASET = "licence-deposits"

#: Words that say a licence does not name its deposit.
_PLACEHOLDER = re.compile(
    r"\b(unnamed|not named|unknown|two|three|several|без названия|два|две|три|неизвестн\w*)\b", re.IGNORECASE)


def licence_deposit_records(licence_frames: list[tuple[str, pd.DataFrame]],
                            records: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return one unmapped source record per licensed deposit that no record of ``records`` names.

    Parameters
    ----------
    licence_frames : list of (str, DataFrame)
        ``(source id, LICENCES rows)`` as the licence loaders gave them.
    records : GeoDataFrame
        The deposit sources' :data:`layers.schema.SOURCE_RECORDS`.

    Returns
    -------
    GeoDataFrame
        :data:`layers.schema.SOURCE_RECORDS` rows of dataset :data:`DATASET`, sorted by record id.
    """
    known: set[tuple[str, str]] = set()
    for country, name, aliases in zip(records["country"], records["name"], records["aliases"], strict=True):
        known.update((country, key) for key in name_keys(name, aliases))
    groups: dict[tuple[str, str], list[tuple[str, dict]]] = {}
    key_group: dict[tuple[str, str], tuple[str, str]] = {}
    for source_id, frame in licence_frames:
        for licence in frame.sort_values("licence_id").to_dict("records"):
            if not _unplaced(licence):
                continue
            names = _names(licence)
            country = licence["deposit_country"]
            every_key = {(country, k) for n in names for k in name_keys(n)}
            if not names or every_key & known:
                continue
            bare = {(country, k) for n in names for k in name_keys(strip_brackets(n))}
            if not bare:
                continue
            group = next((key_group[k] for k in sorted(bare) if k in key_group), None) or min(bare)
            groups.setdefault(group, []).append((source_id, licence))
            for k in bare:
                key_group.setdefault(k, group)
    rows = [_record(group, members) for group, members in sorted(groups.items())]
    return make_records(rows, what=DATASET) if rows else SOURCE_RECORDS.empty()


def _unplaced(licence: dict) -> bool:
    geometry = licence.get("geometry")
    return geometry is None or (isinstance(geometry, float) and math.isnan(geometry)) or geometry.is_empty


def _names(licence: dict) -> list[str]:
    texts = [licence.get("deposit_name") or "", licence.get("deposit_name_ru") or ""]
    names = [part.strip() for text in texts for part in text.split(";") if part.strip()]
    return [] if any(_PLACEHOLDER.search(n) for n in names) else names


def _record(group: tuple[str, str], members: list[tuple[str, dict]]) -> dict:
    country, key = group
    bare_names: list[str] = []
    for _, licence in members:
        for name in _names(licence):
            bare = strip_brackets(name)
            if bare not in bare_names:
                bare_names.append(bare)
    commodities = sorted({c for _, licence in members for c in licence["commodities"]})
    references: list[str] = []
    for _, licence in members:
        for ref in (licence.get("references") or "").split(";"):
            if ref.strip() and ref.strip() not in references:
                references.append(ref.strip())
    stages = defaultdict(int)
    for _, licence in members:
        if licence.get("stage"):
            stages[licence["stage"]] += 1
    licence_ids = ", ".join(licence["licence_id"] for _, licence in members)
    return {
        "record_id": f"{DATASET}:{country.lower()}-{re.sub(r'[^a-z0-9]+', '-', key).strip('-')}",
        "source": members[0][0],
        "dataset": DATASET,
        "name": bare_names[0],
        "aliases": bare_names[1:],
        "country": country,
        "commodities": commodities,
        "commodity_groups": commodity_groups(commodities),
        "deposit_types": [],
        "status": max(stages, key=lambda s: (stages[s], s)) if stages else "",
        "grade_tonnage": [],
        "references": references,
        "upstream_url": "",
        "location_precision_km": math.nan,
        "location_status": "missing",
        "location_raw": f"not located: named only by licence(s) {licence_ids}",
        "country_check": "",
        "same_as": [],
        "geometry": None,
    }
