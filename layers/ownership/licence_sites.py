"""Which site(s) each licence covers: by its polygon where it has one, else by its deposit name.

Rules (docs/LICENCE_IMPORT.md):

* A licence with a polygon covers every mapped site whose point lies inside the polygon widened by the
  site's ``location_precision_km``; the distance is measured in :data:`layers.schema.METRIC_CRS`.
* A licence whose ``record_ids`` name source records (a curator's checked decision, used where a name is
  ambiguous) covers the sites holding those records, whatever its names say; a listed record that is not in
  the store is reported and the licence falls back to its names.
* A licence without a polygon is joined by name. Each of its deposit names (``deposit_name`` and
  ``deposit_name_ru``, split on ``;``) gives name keys (:func:`layers.deposits.names.name_keys`); a name covers the
  site of the licence's country whose ``search_keys`` hold one of its keys. The keys of the name without
  its bracketed parts are tried first ("Aksu (gold)" is looked up as "Aksu"); the bracketed parts ("block 4",
  "gold") only when the bare name reaches no site.
* A name that reaches one site covers it. A name that reaches several sites first keeps those that share a
  commodity with the licence (when any does: "Muruntau" the gold mine, not the tungsten occurrence). The
  ones left cover the licence when they are one cluster: their mapped sites chained by steps of at most
  :data:`SAME_DEPOSIT_KM` (one deposit given by several datasets and not merged) and no two farther apart
  than twice that. Otherwise the name is ambiguous and joins none of them. Placeholder words ("unnamed",
  "без названия") are never matched.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from layers.deposits.names import name_key, name_keys, strip_brackets
from layers.errors import CRSMismatchError
from layers.schema import LICENCE_SITES, METRIC_CRS, validate

#: Keys of words that stand for a missing name; a licence is never joined through them.
PLACEHOLDER_NAME_KEYS = frozenset(
    name_key(word) for word in ("unnamed", "unknown", "no name", "без названия", "безымянное", "неизвестно")
)


#: Sites reached by one licence name are taken as one deposit when no two mapped ones are farther apart.
SAME_DEPOSIT_KM = 40.0


@dataclass
class LicenceJoin:
    """The licence-site links and what could not be joined."""

    links: pd.DataFrame  # LICENCE_SITES rows
    joined: list[str] = field(default_factory=list)  # licence ids with at least one site
    unjoined: list[str] = field(default_factory=list)  # "<licence id>: why", no site and no ambiguity
    ambiguous: list[str] = field(default_factory=list)  # "<licence id>: name 'x' matches sites a, b"
    partial: list[str] = field(default_factory=list)  # names of joined licences that matched nothing


def join_licences_to_sites(licences: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the sites each licence covers (:func:`match_licences_to_sites` without the report).

    Parameters
    ----------
    licences : GeoDataFrame
        :data:`layers.schema.LICENCES` rows; MultiPolygon or None geometries.
    sites : GeoDataFrame
        :data:`layers.schema.SITES` rows, in the same CRS.

    Returns
    -------
    DataFrame
        :data:`layers.schema.LICENCE_SITES` rows, sorted by licence and site.

    Raises
    ------
    CRSMismatchError
        If the two layers' CRS differ.
    """
    return match_licences_to_sites(licences, sites).links


def match_licences_to_sites(licences: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> LicenceJoin:
    """Join licences to sites and say which licences joined nothing or only ambiguously.

    Parameters
    ----------
    licences : GeoDataFrame
        :data:`layers.schema.LICENCES` rows; MultiPolygon or None geometries.
    sites : GeoDataFrame
        :data:`layers.schema.SITES` rows, in the same CRS.

    Returns
    -------
    LicenceJoin
        ``links`` in :data:`layers.schema.LICENCE_SITES` (method ``polygon`` with detail the distance from
        the site's point to the polygon, ``"0.0 km"`` inside; or method ``name`` with detail the matched
        name key), sorted by licence and site; and the licence ids that joined, the ones that joined nothing
        and the ones whose names were ambiguous, with the reason.

    Raises
    ------
    CRSMismatchError
        If the two layers' CRS differ.
    """
    if licences.crs != sites.crs:
        raise CRSMismatchError(f"licences are in {licences.crs}, sites in {sites.crs}; expected one CRS")
    result = LicenceJoin(links=LICENCE_SITES.empty())
    has_polygon = ~(licences.geometry.isna() | licences.geometry.is_empty)
    links = _polygon_links(licences[has_polygon], sites) + _name_links(licences[~has_polygon], sites, result)
    joined = {link["licence_id"] for link in links}
    for licence in licences[has_polygon].itertuples():
        if licence.licence_id not in joined:
            result.unjoined.append(f"{licence.licence_id}: no mapped site lies in or near its polygon")
    result.joined = [lid for lid in licences["licence_id"] if lid in joined]
    if links:
        frame = pd.DataFrame(links, columns=LICENCE_SITES.column_names)
        result.links = frame.sort_values(["licence_id", "site_id"], ignore_index=True)
    validate(result.links, LICENCE_SITES, what="licence_sites")
    return result


def _polygon_links(licences: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> list[dict]:
    mapped = sites[~(sites.geometry.isna() | sites.geometry.is_empty)]
    if licences.empty or mapped.empty:
        return []
    points = mapped.geometry.to_crs(METRIC_CRS).reset_index(drop=True)
    radius_m = [0.0 if math.isnan(p) else p * 1000.0 for p in mapped["location_precision_km"]]
    site_ids = mapped["site_id"].tolist()
    polygons = licences.geometry.to_crs(METRIC_CRS)
    links = []
    for licence_id, polygon in zip(licences["licence_id"], polygons, strict=True):
        # The index finds candidates within the largest radius; each is then held to its own.
        for i in points.sindex.query(polygon, predicate="dwithin", distance=max(radius_m)):
            distance_m = polygon.distance(points.iloc[i])
            if distance_m <= radius_m[i]:
                links.append({"licence_id": licence_id, "site_id": site_ids[i], "method": "polygon",
                              "detail": f"{distance_m / 1000.0:.1f} km"})
    return links


def _name_links(licences: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, result: LicenceJoin) -> list[dict]:
    index: dict[tuple[str, str], set[str]] = defaultdict(set)
    for site_id, country, keys in zip(sites["site_id"], sites["country"], sites["search_keys"], strict=True):
        for key in keys:
            index[(country, key)].add(site_id)
    points = _metric_points(sites)
    commodities = dict(zip(sites["site_id"], sites["commodities"], strict=True))
    links: list[dict] = []
    site_of_record = {rid: site_id for site_id, rids in zip(sites["site_id"], sites["source_record_ids"],
                                                             strict=True) for rid in rids}
    for licence in licences.to_dict("records"):
        pinned = _pinned_links(licence, site_of_record, result)
        if pinned:
            links += pinned
            continue
        found, unmatched, ambiguous = [], [], []
        for name in _deposit_names(licence):
            site_ids, key, why = _lookup(name, licence, index, points, commodities)
            if site_ids:
                found += [(site_id, key) for site_id in site_ids]
            elif why:
                ambiguous.append(why)
            else:
                unmatched.append(name)
        lid = licence["licence_id"]
        first_key: dict[str, str] = {}
        for site_id, key in found:
            first_key.setdefault(site_id, key)
        links += [{"licence_id": lid, "site_id": s, "method": "name", "detail": k} for s, k in first_key.items()]
        if ambiguous and not found:
            result.ambiguous.append(f"{lid}: " + "; ".join(ambiguous))
        elif not found:
            names = " / ".join(repr(n) for n in unmatched)
            result.unjoined.append(f"{lid}: no site of {licence['deposit_country'] or 'its country'} "
                                   f"carries the name {names}")
        if found and (unmatched or ambiguous):
            result.partial.append(f"{lid}: " + "; ".join(
                [f"name {n!r} matches no site" for n in unmatched] + ambiguous))
    return links


def _pinned_links(licence: dict, site_of_record: dict[str, str], result: LicenceJoin) -> list[dict]:
    """Links from the licence's ``record_ids``; none (and a report) when one of them is not in the store."""
    pinned = [r.strip() for r in (licence.get("record_ids") or "").split(";") if r.strip()]
    missing = [r for r in pinned if r not in site_of_record]
    if missing:
        result.partial.append(f"{licence['licence_id']}: record_ids {', '.join(missing)} not in the store; "
                              "joined by name instead")
        return []
    first_record: dict[str, str] = {}
    for record_id in pinned:
        first_record.setdefault(site_of_record[record_id], record_id)
    return [{"licence_id": licence["licence_id"], "site_id": site_id, "method": "record", "detail": record_id}
            for site_id, record_id in first_record.items()]


def _lookup(name: str, licence: dict, index: dict[tuple[str, str], set[str]],
            points: dict[str, tuple[float, float]], commodities: dict[str, list[str]],
            ) -> tuple[list[str], str, str]:
    """Return the sites one licence name covers, the key that found them, and why it is ambiguous (or "")."""
    country, wanted = licence["deposit_country"], set(licence["commodities"])
    bare = name_keys(strip_brackets(name)) - PLACEHOLDER_NAME_KEYS
    tiers = [sorted(bare), sorted(name_keys(name) - bare - PLACEHOLDER_NAME_KEYS)]
    for keys in tiers:
        hits = {key: index.get((country, key), set()) for key in keys}
        candidates = set().union(*hits.values())
        if not candidates:
            continue
        key = next(k for k in keys if hits[k])
        agreeing = {c for c in candidates if wanted & set(commodities[c])}
        candidates = agreeing or candidates
        if len(candidates) == 1 or _one_cluster(candidates, points):
            return sorted(candidates), key, ""
        return [], key, f"name {name!r} matches sites {', '.join(sorted(candidates))}"
    return [], "", ""


def _one_cluster(site_ids: set[str], points: dict[str, tuple[float, float]]) -> bool:
    located = [points[s] for s in sorted(site_ids) if s in points]
    if not located:
        return False
    step_m = SAME_DEPOSIT_KM * 1000.0
    if any(math.dist(a, b) > 2 * step_m for i, a in enumerate(located) for b in located[i + 1:]):
        return False
    reached, frontier = {0}, [0]
    while frontier:
        i = frontier.pop()
        for j, point in enumerate(located):
            if j not in reached and math.dist(located[i], point) <= step_m:
                reached.add(j)
                frontier.append(j)
    return len(reached) == len(located)


def _metric_points(sites: gpd.GeoDataFrame) -> dict[str, tuple[float, float]]:
    mapped = sites[~(sites.geometry.isna() | sites.geometry.is_empty)]
    if mapped.empty:
        return {}
    metric = mapped.geometry.to_crs(METRIC_CRS)
    return {site_id: (p.x, p.y) for site_id, p in zip(mapped["site_id"], metric, strict=True)}


def _deposit_names(licence: dict) -> list[str]:
    names = [licence["deposit_name"], licence["deposit_name_ru"]]
    return [part.strip() for text in names for part in text.split(";") if part.strip()]
