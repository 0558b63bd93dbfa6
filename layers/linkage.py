"""Site linkage: source records of the same physical deposit merged into one site, with provenance.

Rules, in order (docs/ARCHITECTURE.md explains why):

1. Explicit links: a record's ``same_as`` ids (a curator's statement) join those records.
2. Located records of different datasets whose name keys meet (``layers.names.name_keys``) join when
   their geodesic distance is within :func:`link_distance_km` of their two precisions. Closest pairs
   join first, and a site never takes a second record of a dataset it already holds, so two records
   of one dataset are never merged with each other by this rule.
3. A record without a location joins the one site of its country that carries its name key, and
   only when exactly one site does; otherwise it stays an unmapped site of its own.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
from pyproj import Geod

from layers.commodities import commodity_groups, primary_group
from layers.names import name_keys
from layers.schema import SITES, STORE_CRS, validate

log = logging.getLogger(__name__)

_GEOD = Geod(ellps="WGS84")

#: The shortest degree of latitude on the WGS84 ellipsoid (at the equator, 110.574 km), rounded down: two
#: points further apart in latitude than ``d / KM_PER_DEGREE_LAT_MIN`` degrees are more than ``d`` km apart.
KM_PER_DEGREE_LAT_MIN = 110.5

#: Two named points closer than this always may join, however precise both claim to be:
#: the same deposit is often placed at its centre by one source and its main shaft by another.
MIN_LINK_KM = 5.0

#: Datasets preferred for a site's name and attributes, best first; others follow alphabetically.
DATASET_PREFERENCE = (
    "national", "mrdata-major-deposits", "mrdata-ree", "usgs-tienshan-ree", "world-tin-tungsten-deposit",
    "mrdata-porcu", "mrdata-sedznpb", "mrdata-vms", "mrdata-sedcu",
)


@dataclass(frozen=True)
class LinkageReport:
    """Counts from one linkage run."""

    records_in: int
    sites_out: int
    multi_source_sites: int
    mapped_sites: int
    explicit_links: int
    unknown_same_as: tuple[str, ...]


def link_distance_km(precision_a: float, precision_b: float) -> float:
    """Return how far apart two records with these precisions may be and still be one deposit.

    Parameters
    ----------
    precision_a, precision_b : float
        Location precision radii in km.

    Returns
    -------
    float
        ``max(precision_a + precision_b, MIN_LINK_KM)`` in km.
    """
    return max(precision_a + precision_b, MIN_LINK_KM)


def link_sites(records: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, LinkageReport]:
    """Merge source records into sites.

    Runs in about linear time in the number of records: name-key buckets, a latitude sweep inside each bucket
    and an index of unlocated candidates replace comparisons of every record with every other.

    Parameters
    ----------
    records : GeoDataFrame
        Source records (``layers.schema.SOURCE_RECORDS``) of every source, in EPSG:4326, with unique
        ``record_id``.

    Returns
    -------
    sites : GeoDataFrame
        ``layers.schema.SITES`` rows, one per site, sorted by ``site_id``; unmapped sites have no
        geometry.
    report : LinkageReport
        Counts for the build report.
    """
    table = records.reset_index(drop=True)
    started = time.perf_counter()
    clusters = _Clusters(table)
    explicit, unknown = clusters.apply_same_as()
    clusters.link_located()
    clusters.link_unlocated()
    log.info("linkage: %d records clustered in %.1f s", len(table), time.perf_counter() - started)
    rows = [_site_row(clusters.rows, members, clusters.reasons[root], clusters.keys)
            for root, members in clusters.groups().items()]
    sites = _frame(rows)
    log.info("linkage: %d sites assembled in %.1f s", len(sites), time.perf_counter() - started)
    report = LinkageReport(
        records_in=len(table),
        sites_out=len(sites),
        multi_source_sites=int((sites["n_sources"] > 1).sum()),
        mapped_sites=int((~sites.geometry.isna()).sum()),
        explicit_links=explicit,
        unknown_same_as=tuple(unknown),
    )
    return sites, report


class _Clusters:
    """Union-find over record positions that remembers each cluster's datasets, size and link reasons."""

    def __init__(self, table: gpd.GeoDataFrame) -> None:
        # Plain lists and dicts: pandas' per-cell access (.at, .iloc) is what made linkage slow on large inputs.
        self.rows: list[dict] = table.to_dict("records")
        geometries = list(table.geometry)
        for row, geometry in zip(self.rows, geometries, strict=True):
            row["geometry"] = geometry
        self.parent = list(range(len(table)))
        self.size = [1] * len(table)
        self.datasets = [{r["dataset"]} for r in self.rows]
        self.reasons: dict[int, set[str]] = defaultdict(set)
        self.keys = [name_keys(r["name"], r["aliases"]) for r in self.rows]
        self.located = [g is not None and not g.is_empty for g in geometries]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int, reason: str, *, force: bool = False) -> bool:
        a, b = self.find(i), self.find(j)
        if a == b or (not force and self.datasets[a] & self.datasets[b]):
            return False
        self.parent[b] = a
        self.size[a] += self.size[b]
        self.datasets[a] |= self.datasets[b]
        self.reasons[a] |= self.reasons.pop(b, set()) | {reason}
        return True

    def apply_same_as(self) -> tuple[int, list[str]]:
        position = {r["record_id"]: i for i, r in enumerate(self.rows)}
        linked, unknown = 0, []
        for i, row in enumerate(self.rows):
            for other in row["same_as"]:
                if other not in position:
                    unknown.append(f"{row['record_id']} -> {other}")
                    continue
                linked += self.union(i, position[other], "explicit link", force=True)
        return linked, unknown

    def link_located(self) -> None:
        buckets: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, keys in enumerate(self.keys):
            if self.located[i]:
                for key in keys:
                    buckets[(self.rows[i]["country"], key)].append(i)
        pairs: dict[tuple[int, int], float] = {}
        for members in buckets.values():
            for i, j in self._near_pairs(members):
                if self.rows[i]["dataset"] != self.rows[j]["dataset"]:
                    pairs[(min(i, j), max(i, j))] = self._distance_km(i, j)
        for (i, j), distance in sorted(pairs.items(), key=lambda item: (item[1], item[0])):
            limit = link_distance_km(self._precision(i), self._precision(j))
            if distance <= limit:
                self.union(i, j, f"name within {limit:g} km")

    def _near_pairs(self, members: list[int]) -> Iterator[tuple[int, int]]:
        """Yield the pairs of a bucket that may lie within their link distance, by a sweep over latitude.

        A degree of latitude is at least :data:`KM_PER_DEGREE_LAT_MIN` km, so pairs further apart in latitude
        than the bucket's largest link distance can never join; skipping them changes no result.
        """
        if len(members) < 2:
            return
        widest_km = link_distance_km(*(2 * [max(self._precision(i) for i in members)]))
        reach = widest_km / KM_PER_DEGREE_LAT_MIN
        ordered = sorted(members, key=lambda i: self.rows[i]["geometry"].y)
        lats = [self.rows[i]["geometry"].y for i in ordered]
        for a_pos, i in enumerate(ordered):
            for b_pos in range(a_pos + 1, len(ordered)):
                if lats[b_pos] - lats[a_pos] > reach:
                    break
                yield i, ordered[b_pos]

    def link_unlocated(self) -> None:
        by_name: dict[tuple[str, str], list[int]] = defaultdict(list)
        for j, keys in enumerate(self.keys):
            for key in keys:
                by_name[(self.rows[j]["country"], key)].append(j)
        order = sorted((i for i in range(len(self.rows)) if not self.located[i]),
                       key=lambda i: self.rows[i]["record_id"])
        for i in order:
            if self.find(i) != i or self.size[i] > 1:
                continue  # already joined through an explicit link
            country = self.rows[i]["country"]
            candidates = {
                self.find(j) for key in self.keys[i] for j in by_name[(country, key)]
                if j != i and self.find(j) != self.find(i)
            }
            if len(candidates) == 1:
                self.union(candidates.pop(), i, "name and country (no location)")

    def groups(self) -> dict[int, list[int]]:
        result: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            result[self.find(i)].append(i)
        return result

    def _precision(self, i: int) -> float:
        value = self.rows[i]["location_precision_km"]
        return 0.0 if math.isnan(value) else float(value)

    def _distance_km(self, i: int, j: int) -> float:
        a, b = self.rows[i]["geometry"], self.rows[j]["geometry"]
        _, _, metres = _GEOD.inv(a.x, a.y, b.x, b.y)
        return metres / 1000.0


def _preference(record: dict) -> tuple:
    dataset = "national" if record["dataset"].startswith("national") else record["dataset"]
    rank = DATASET_PREFERENCE.index(dataset) if dataset in DATASET_PREFERENCE else len(DATASET_PREFERENCE)
    return (rank, dataset, record["record_id"])


def _located(record: dict) -> bool:
    return record["geometry"] is not None and not record["geometry"].is_empty


def _site_row(table: list[dict], members: list[int], reasons: set[str], keys: list[set[str]]) -> dict:
    records = [table[i] for i in members]
    records.sort(key=_preference)
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
        "search_keys": sorted(set().union(*(keys[i] for i in members))),
        "link_reason": "; ".join(sorted(reasons)) if reasons else "single record",
        "geometry": where["geometry"] if where is not None else None,
    }


def _provenance(records: list[dict], where: dict | None) -> dict:
    provenance: dict[str, list[dict]] = {
        field: [{"value": r[field], "record_id": r["record_id"]} for r in records if r[field]]
        for field in ("name", "aliases", "country", "commodities", "deposit_types", "status")
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


def _frame(rows: list[dict]) -> gpd.GeoDataFrame:
    if not rows:
        return SITES.empty()
    rows.sort(key=lambda r: r["site_id"])
    frame = pd.DataFrame([{c: r[c] for c in SITES.column_names} for r in rows], columns=SITES.column_names)
    frame["n_sources"] = frame["n_sources"].astype("int64")
    frame["location_precision_km"] = frame["location_precision_km"].astype("float64")
    sites = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([r["geometry"] for r in rows], crs=STORE_CRS))
    validate(sites, SITES, what="sites from linkage")
    return sites
