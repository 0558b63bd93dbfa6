"""Which site(s) each licence covers: by its polygon where it has one, else by its deposit name.

Rules (docs/LICENCE_IMPORT.md):

* A licence with a polygon covers every mapped site whose point lies inside the polygon widened by the
  site's ``location_precision_km``; the distance is measured in :data:`layers.schema.METRIC_CRS`.
* A licence without a polygon is joined by name. Each of its deposit names (``deposit_name`` and
  ``deposit_name_ru``, split on ``;``) gives name keys (:func:`layers.names.name_keys`); a name covers the
  site of the licence's country whose ``search_keys`` hold one of its keys, and only when exactly one site
  does. A name whose keys reach several sites is ambiguous and joins none of them. Placeholder words
  ("unnamed", "без названия") are never matched.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from layers.errors import CRSMismatchError
from layers.names import name_key, name_keys
from layers.schema import LICENCE_SITES, METRIC_CRS, validate

#: Keys of words that stand for a missing name; a licence is never joined through them.
PLACEHOLDER_NAME_KEYS = frozenset(
    name_key(word) for word in ("unnamed", "unknown", "no name", "без названия", "безымянное", "неизвестно")
)


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
    links: list[dict] = []
    for licence in licences.to_dict("records"):
        found, unmatched, ambiguous = [], [], []
        for name in _deposit_names(licence):
            keys = sorted(name_keys(name) - PLACEHOLDER_NAME_KEYS)
            hits = {key: index.get((licence["deposit_country"], key), set()) for key in keys}
            candidates = set().union(*hits.values())
            if len(candidates) == 1:
                site_id = candidates.pop()
                found.append((site_id, next(k for k in keys if site_id in hits[k])))
            elif candidates:
                ambiguous.append(f"name {name!r} matches sites {', '.join(sorted(candidates))}")
            else:
                unmatched.append(name)
        lid = licence["licence_id"]
        first_key: dict[str, str] = {}
        for site_id, key in found:
            first_key.setdefault(site_id, key)
        links += [{"licence_id": lid, "site_id": s, "method": "name", "detail": k} for s, k in first_key.items()]
        if ambiguous:
            result.ambiguous.append(f"{lid}: " + "; ".join(ambiguous))
        elif not found:
            names = " / ".join(repr(n) for n in unmatched)
            result.unjoined.append(f"{lid}: no site of {licence['deposit_country'] or 'its country'} "
                                   f"carries the name {names}")
        if found and unmatched:
            result.partial.append(f"{lid}: name {' / '.join(repr(n) for n in unmatched)} matches no site")
    return links


def _deposit_names(licence: dict) -> list[str]:
    names = [licence["deposit_name"], licence["deposit_name_ru"]]
    return [part.strip() for text in names for part in text.split(";") if part.strip()]
