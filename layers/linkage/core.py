"""Site linkage: source records of one physical deposit merged into one site, by score, with curated decisions.

Order of a run (docs/LINKAGE.md explains each step):

1. Curated decisions (``links.csv``) and a source's own ``same_as`` ids join records whatever their score; a
   curated ``different`` forbids any site that would hold both records.
2. Candidate pairs come from a spatial index (neighbours within their largest link distance) and a name index
   (records without a location sharing a name block in one country); each is scored (:mod:`.scoring`).
3. Located pairs scoring at least ``MERGE_MIN`` merge, exact and transliterated names first, closest first. A
   merge is refused when it would put two records of one dataset in a site without their own pair scoring a merge
   on their own names, or would make a site whose two records lie farther apart than a single match between them
   may (:func:`.location.max_link_km`).
4. Records without a location then join the site their name and country match (the cascade): sites with a point
   first, and only when one scores clearly best (``CASCADE_MARGIN``); otherwise they stay alone and the pairs go
   to the review queue.
5. Pairs scoring between ``REVIEW_MIN`` and ``MERGE_MIN``, and merges refused in step 3, form the review queue.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Geod

from layers.linkage.candidates import name_pairs, spatial_pairs
from layers.linkage.decisions import LinkDecision
from layers.linkage.location import max_link_km, record_sigma_km
from layers.linkage.nameforms import record_forms
from layers.linkage.queue import review_frame
from layers.linkage.scoring import MERGE_MIN, PRIOR_NAME, PRIOR_SPATIAL, REVIEW_MIN, Comparison, score_pair
from layers.linkage.sites import site_frame, site_row

log = logging.getLogger(__name__)

_GEOD = Geod(ellps="WGS84")

#: Two records of one dataset may share a site only when their own names agree this well (and both have a point).
SAME_DATASET_LEVELS = ("exact", "translit")
#: A record without a location joins the best of several sites only when it scores this much (log2) better than
#: the next; otherwise the pairs go to the review queue.
CASCADE_MARGIN = 1.0
#: A coarse spatial name block with more records than this is left to the full-key blocks (see score_candidates).
MAX_SPATIAL_BLOCK = 2000
#: Merges run best-named tier first, then closest first: an exact name 1.5 km away beats a fuzzy one 0.4 km away.
_TIERS = {"exact": 0, "translit": 0}


@dataclass(frozen=True)
class LinkageReport:
    """Counts from one linkage run."""

    records_in: int
    sites_out: int
    multi_source_sites: int
    mapped_sites: int
    explicit_links: int
    unknown_same_as: tuple[str, ...]
    pairs_scored: int = 0
    pairs_merged: int = 0
    pairs_queued: int = 0
    curated_same: int = 0
    curated_different: int = 0
    unknown_decisions: tuple[str, ...] = ()
    sites_by_sources: dict[int, int] = field(default_factory=dict)  # number of records -> sites

    def lines(self) -> list[str]:
        """The report's lines for the build report."""
        histogram = ", ".join(f"{n}: {count}" for n, count in sorted(self.sites_by_sources.items()))
        return [
            f"linkage: candidate pairs scored: {self.pairs_scored}; merged: {self.pairs_merged}; "
            f"queued for review: {self.pairs_queued}; curated decisions honoured: {self.curated_same} same, "
            f"{self.curated_different} different",
            f"linkage: sites per number of sources: {histogram}",
        ]


@dataclass
class LinkageResult:
    """What :func:`link_sites` returns: the sites, the review queue and the counts."""

    sites: gpd.GeoDataFrame
    candidates: pd.DataFrame  # the review queue (layers.schema.LINK_CANDIDATES)
    report: LinkageReport
    scored: dict[tuple[int, int], Comparison] = field(default_factory=dict, repr=False)


def link_sites(records: gpd.GeoDataFrame, decisions: Sequence[LinkDecision] = (), *,
               decided_on: str = "") -> LinkageResult:
    """Merge source records into sites.

    Parameters
    ----------
    records : GeoDataFrame
        Source records (``layers.schema.SOURCE_RECORDS``) of every source, in EPSG:4326, with unique
        ``record_id``.
    decisions : sequence of LinkDecision, optional
        Curated decisions (``data/curated/links.csv``), honoured over any score in both directions.
    decided_on : str, optional
        The date written into the review queue's ready-to-copy ``links.csv`` lines (ISO); empty leaves it blank.

    Returns
    -------
    LinkageResult
        ``sites`` (``layers.schema.SITES``, sorted by ``site_id``; unmapped sites have no geometry),
        ``candidates`` (the review queue, ``layers.schema.LINK_CANDIDATES``, best score first) and ``report``.
    """
    started = time.perf_counter()
    table = records.reset_index(drop=True)
    rows = prepare(table)
    clusters = _Clusters(rows)
    explicit, unknown = clusters.apply_same_as()
    curated_same, curated_different, unknown_decisions = clusters.apply_decisions(decisions)
    scored = score_candidates(rows)
    merged, refused = clusters.merge_located(scored)
    merged_unlocated, ambiguous = clusters.cascade_unlocated(scored)
    log.info("linkage: %d records, %d pairs scored in %.1f s", len(rows), len(scored), time.perf_counter() - started)
    sites = site_frame([site_row(rows, members, clusters.reasons[root])
                        for root, members in clusters.groups().items()])
    reasons = {**{p: "ambiguous: the name matches several sites" for p in ambiguous},
               **{p: "merge refused: the site would hold two records of one dataset or grow too wide"
                  for p in refused}}
    queue = sorted({pair for pair, comparison in scored.items() if clusters.queued(pair, comparison)} | set(reasons))
    candidates = review_frame(rows, scored, queue, reasons, decided_on)
    report = LinkageReport(
        records_in=len(rows), sites_out=len(sites), multi_source_sites=int((sites["n_sources"] > 1).sum()),
        mapped_sites=int((~sites.geometry.isna()).sum()), explicit_links=explicit, unknown_same_as=tuple(unknown),
        pairs_scored=len(scored), pairs_merged=merged + merged_unlocated, pairs_queued=len(candidates),
        curated_same=curated_same, curated_different=curated_different,
        unknown_decisions=tuple(unknown_decisions),
        sites_by_sources=dict(sorted(Counter(int(n) for n in sites["n_sources"]).items())),
    )
    log.info("linkage: %d sites assembled in %.1f s", len(sites), time.perf_counter() - started)
    return LinkageResult(sites=sites, candidates=candidates, report=report, scored=scored)


def prepare(table: gpd.GeoDataFrame) -> list[dict]:
    """Return the records as dicts with what scoring needs: name forms, location error, sets of attributes."""
    # Plain lists and dicts: pandas' per-cell access (.at, .iloc) is what made linkage slow on large inputs.
    rows: list[dict] = table.to_dict("records")
    for row, geometry in zip(rows, table.geometry, strict=True):
        row["geometry"] = geometry
        row["located"] = geometry is not None and not geometry.is_empty
        forms = record_forms(row["name"], row["aliases"])
        row["forms"] = forms
        row["primary_forms"] = tuple(f for f in forms if f.primary)
        row["sigma_km"] = record_sigma_km(row["dataset"], row["location_precision_km"])
        row["commodity_set"] = frozenset(row["commodities"])
        row["group_set"] = frozenset(row["commodity_groups"])
        row["type_set"] = frozenset(t.strip().lower() for t in row["deposit_types"] if t.strip())
    return rows


def _name_blocks(row: dict) -> set[tuple[str, str]]:
    country = row["country"]
    blocks: set[tuple[str, str]] = set()
    for form in row["forms"]:
        blocks |= {(country, "c:" + form.core), (country, "s:" + form.skeleton), (country, "p:" + form.core[:5])}
    return blocks


def _spatial_blocks(row: dict) -> set[str]:
    """Name blocks of a located record: the first letters of each name's core and of its consonant skeleton (with
    Kazakh ш and Russian ч folded: Shalkar = Chelkar), and each full key."""
    blocks: set[str] = set()
    for form in row["forms"]:
        blocks |= {"p:" + form.core[:3], "s:" + form.skeleton.replace("ch", "sh")[:3], "k:" + form.key}
    return blocks


def score_candidates(rows: list[dict]) -> dict[tuple[int, int], Comparison]:
    """Score every candidate pair of the spatial and the name index.

    Located records are paired by a k-d tree within each name block (:func:`_spatial_blocks`), so two records
    are compared only when they are near each other and their names share a block; a coarse block holding more
    than :data:`MAX_SPATIAL_BLOCK` records (a registry whose names all start alike) is left to the finer
    full-key blocks. Records without a location are paired through :func:`.candidates.name_pairs`.

    Returns
    -------
    dict
        ``(i, j)`` positions (``i < j``) → :class:`~layers.linkage.scoring.Comparison`. Spatial pairs farther apart
        than their largest link distance are not kept.
    """
    scored: dict[tuple[int, int], Comparison] = {}
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        if row["located"]:
            for block in _spatial_blocks(row):
                blocks[block].append(i)
    for block, members in blocks.items():
        if len(members) < 2 or (len(members) > MAX_SPATIAL_BLOCK and not block.startswith("k:")):
            continue
        lons = np.array([rows[i]["geometry"].x for i in members], dtype=float)
        lats = np.array([rows[i]["geometry"].y for i in members], dtype=float)
        sigmas = np.array([rows[i]["sigma_km"] for i in members], dtype=float)
        for p, q in spatial_pairs(lons, lats, sigmas):
            i, j = sorted((members[p], members[q]))
            if (i, j) in scored:
                continue
            distance = distance_km(rows[i], rows[j])
            if distance <= max_link_km(rows[i]["sigma_km"], rows[j]["sigma_km"]):
                scored[(i, j)] = score_pair(rows[i], rows[j], distance, prior=PRIOR_SPATIAL)
    name_blocks = [_name_blocks(r) for r in rows]
    for i, j in name_pairs(name_blocks, [r["located"] for r in rows], [r["dataset"] for r in rows]):
        scored[(i, j)] = score_pair(rows[i], rows[j], math.nan, prior=PRIOR_NAME)
    return scored


def distance_km(a: dict, b: dict) -> float:
    """Geodesic (WGS84) distance between two located records, km."""
    _, _, metres = _GEOD.inv(a["geometry"].x, a["geometry"].y, b["geometry"].x, b["geometry"].y)
    return metres / 1000.0


class _Clusters:
    """Union-find over record positions that keeps each cluster's members, forbidden partners and link reasons."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows
        self.parent = list(range(len(rows)))
        self.members: dict[int, list[int]] = {i: [i] for i in range(len(rows))}
        self.cannot: dict[int, set[int]] = defaultdict(set)  # root -> positions it may never hold with
        self.reasons: dict[int, set[str]] = defaultdict(set)
        self.decided: set[tuple[int, int]] = set()
        self.position = {r["record_id"]: i for i, r in enumerate(rows)}
        self.scored: dict[tuple[int, int], Comparison] = {}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def _union(self, i: int, j: int, reason: str) -> bool:
        a, b = self.find(i), self.find(j)
        if a == b:
            return False
        if len(self.members[a]) < len(self.members[b]):
            a, b = b, a
        self.parent[b] = a
        self.members[a] += self.members.pop(b)
        self.cannot[a] |= self.cannot.pop(b, set())
        self.reasons[a] |= self.reasons.pop(b, set()) | {reason}
        return True

    def apply_same_as(self) -> tuple[int, list[str]]:
        linked, unknown = 0, []
        for i, row in enumerate(self.rows):
            for other in row["same_as"]:
                if other not in self.position:
                    unknown.append(f"{row['record_id']} -> {other}")
                    continue
                linked += self._union(i, self.position[other], "explicit link")
        return linked, unknown

    def apply_decisions(self, decisions: Sequence[LinkDecision]) -> tuple[int, int, list[str]]:
        same = different = 0
        unknown: list[str] = []
        for decision in decisions:
            missing = [r for r in decision.pair if r not in self.position]
            if missing:
                unknown.append(f"{decision.record_a} / {decision.record_b} ({decision.decision}): "
                               f"{', '.join(missing)} not present")
                continue
            i, j = (self.position[r] for r in decision.pair)
            self.decided.add((min(i, j), max(i, j)))
            if decision.decision == "same":
                same += 1
                self._union(i, j, "curated: same")
            else:
                different += 1
                self.cannot[self.find(i)].add(j)
                self.cannot[self.find(j)].add(i)
        return same, different, unknown

    def can_merge(self, i: int, j: int) -> bool:
        """Whether the clusters of ``i`` and ``j`` may become one site (see the module docstring, step 3)."""
        a, b = self.find(i), self.find(j)
        if a == b:
            return False
        ours, theirs = self.members[a], self.members[b]
        if self.cannot[a] & set(theirs) or self.cannot[b] & set(ours):
            return False
        for x in ours:
            rx = self.rows[x]
            for y in theirs:
                ry = self.rows[y]
                if rx["dataset"] == ry["dataset"]:
                    own = self.scored.get((min(x, y), max(x, y)))
                    if own is None or own.score < MERGE_MIN or own.name_level not in SAME_DATASET_LEVELS \
                            or not (rx["located"] and ry["located"]):
                        return False
                if rx["located"] and ry["located"] and \
                        distance_km(rx, ry) > max_link_km(rx["sigma_km"], ry["sigma_km"]):
                    return False
        return True

    def merge_located(self, scored: dict[tuple[int, int], Comparison]) -> tuple[int, set[tuple[int, int]]]:
        self.scored = scored
        ranked = sorted(((_TIERS.get(c.name_level, 1), c.distance_km, -c.score, pair) for pair, c in scored.items()
                         if c.score >= MERGE_MIN and not math.isnan(c.distance_km)))
        merged, refused = 0, set()
        for *_, (i, j) in ranked:
            if self.find(i) == self.find(j):
                continue
            if self.can_merge(i, j):
                merged += self._union(i, j, "scored match")
            else:
                refused.add((i, j))
        return merged, {p for p in refused if self.find(p[0]) != self.find(p[1]) and p not in self.decided}

    def cascade_unlocated(self, scored: dict[tuple[int, int], Comparison]) -> tuple[int, set[tuple[int, int]]]:
        by_record: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for pair, comparison in scored.items():
            if math.isnan(comparison.distance_km) and comparison.score >= MERGE_MIN:
                by_record[pair[0]].append(pair)
                by_record[pair[1]].append(pair)
        merged, ambiguous = 0, set()
        order = sorted((i for i, r in enumerate(self.rows) if not r["located"]),
                       key=lambda i: self.rows[i]["record_id"])
        for i in order:
            pairs = [p for p in by_record[i] if self.find(p[0]) != self.find(p[1])]
            target = self._cascade_target(i, pairs, scored)
            if target is not None:
                merged += self._union(i, target, "scored match (no location)")
            elif pairs:
                ambiguous |= set(pairs)
        return merged, {p for p in ambiguous if self.find(p[0]) != self.find(p[1]) and p not in self.decided}

    def _cascade_target(self, i: int, pairs: list[tuple[int, int]],
                        scored: dict[tuple[int, int], Comparison]) -> int | None:
        """The one site an unlocated record joins: sites with a point first, and only a clear best one."""
        best: dict[int, float] = {}
        for pair in pairs:
            root = self.find(pair[1] if pair[0] == i else pair[0])
            best[root] = max(best.get(root, -math.inf), scored[pair].score)
        best = {root: score for root, score in best.items() if self.can_merge(i, root)}
        mapped = {root: score for root, score in best.items()
                  if any(self.rows[m]["located"] for m in self.members[root])}
        ranked = sorted((mapped or best).items(), key=lambda item: -item[1])
        if not ranked or (len(ranked) > 1 and ranked[0][1] - ranked[1][1] < CASCADE_MARGIN):
            return None
        return ranked[0][0]

    def queued(self, pair: tuple[int, int], comparison: Comparison) -> bool:
        """Whether a pair belongs in the review queue: a score between the bounds, records still apart."""
        return (REVIEW_MIN <= comparison.score < MERGE_MIN and pair not in self.decided
                and self.find(pair[0]) != self.find(pair[1]))

    def groups(self) -> dict[int, list[int]]:
        return {root: sorted(members) for root, members in self.members.items()}
