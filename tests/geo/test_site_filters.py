"""The workspace filter model and its facet counts on tiny sites made in code."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.partners import PARTNER_GROUPS, SHARE_PROPERTY
from geo.site_filters import FilterContext, SiteFilter, apply_filter, facet_counts

DAY = date(2025, 12, 1)


def _context() -> FilterContext:
    sites = gpd.GeoDataFrame({
        "site_id": ["a", "b", "c", "d"],
        "country": ["KZ", "KZ", "KG", "UZ"],
        "commodities": [["W"], ["REE", "Nb"], ["W", "Mo"], ["Cu"]],
        "commodity_groups": [["battery and alloy metals"], ["REE", "rare metals"], ["battery and alloy metals"],
                             ["base metals"]],
        "deposit_types": [["skarn"], ["carbonatite"], ["Skarn"], []],
        "status": ["operating", "", "exploration", ""],
        "search_keys": [["a"], ["b"], ["c"], ["d"]],
    }, geometry=[Point(70, 48), Point(71, 49), Point(75, 42), None], crs="EPSG:4326")
    shares = {SHARE_PROPERTY[g]: [float("nan")] * 2 for g in PARTNER_GROUPS}
    shares[SHARE_PROPERTY["USA"]] = [70.0, float("nan")]
    shares[SHARE_PROPERTY["China"]] = [30.0, 100.0]
    table = pd.DataFrame({"site_id": ["a", "c"], "controlling_partner": ["USA", "China"],
                          "dominant_partner": ["USA", "China"], "licence_ids": [["l1"], ["l2"]],
                          "unknown_parts": [[], []], **shares}).set_index("site_id")
    coverage = pd.DataFrame({"site_id": ["a", "b", "c", "d"], "has_holder": [True, False, True, False],
                             "known_share": [True, False, True, False]}).set_index("site_id")
    site_corridors = pd.DataFrame({"site_id": ["a", "a", "b", "c"], "corridor_id": ["t1", "t2", "t1", "t2"],
                                   "distance_km": [40.0, 300.0, 120.0, 80.0]})
    site_access = pd.DataFrame({"site_id": ["a", "b", "c"], "nearest_corridor": ["t1", "t1", "t2"],
                                "nearest_corridor_any": ["t1", "t1", "t2"],
                                "corridor_distance_km": [40.0, 120.0, 80.0]})
    return FilterContext(sites, table, coverage, site_corridors, site_access)


@pytest.mark.parametrize(("fields", "expected"), [
    ({}, ["a", "b", "c", "d"]),
    ({"countries": ("KZ",)}, ["a", "b"]),
    ({"commodities": ("W",)}, ["a", "c"]),
    ({"commodities": ("rare metals",)}, ["b"]),
    ({"deposit_types": ("skarn",)}, ["a", "c"]),
    ({"statuses": ("operating",)}, ["a"]),
    ({"partners": ("China",)}, ["c"]),
    ({"partners_any": ("China",)}, ["a", "c"]),
    ({"licensed": True}, ["a", "c"]),
    ({"licensed": False}, ["b", "d"]),
    ({"holder_unknown": True}, ["b", "d"]),
    ({"corridor": "t1", "max_corridor_km": 100.0}, ["a"]),
    ({"max_corridor_km": 100.0}, ["a", "c"]),
    ({"mapped_only": True}, ["a", "b", "c"]),
    ({"countries": ("KZ",), "partners_any": ("USA",)}, ["a"]),
    ({"countries": ("UZ",), "licensed": True}, []),
    ({"countries": ("TM",), "deposit_types": ("skarn",)}, []),  # no rows left before the type filter
])
def test_apply_filter(fields, expected):
    assert list(apply_filter(_context(), SiteFilter(as_of=DAY, **fields))["site_id"]) == expected


def test_each_facet_counts_with_its_own_filter_cleared():
    counts = facet_counts(_context(), SiteFilter(as_of=DAY, countries=("KZ",), commodities=("W",)))
    assert counts["total"] == {"matched": 1}
    assert counts["countries"] == {"KZ": 1, "KG": 1}  # W sites by country
    assert counts["commodities"] == {"W": 1, "battery and alloy metals": 1, "REE": 1, "Nb": 1, "rare metals": 1}
    assert counts["partners"] == {"USA": 1}
    assert counts["licensed"] == {"yes": 1, "no": 0}
    assert counts["holder_unknown"] == {"yes": 0, "no": 1}
    assert counts["corridor"] == {"t1": 1}


def test_corridor_counts_keep_the_distance():
    counts = facet_counts(_context(), SiteFilter(as_of=DAY, max_corridor_km=100.0))
    assert counts["corridor"] == {"t1": 1, "t2": 1}
    assert counts["total"] == {"matched": 2}
