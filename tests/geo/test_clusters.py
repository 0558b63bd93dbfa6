"""Server-side clustering of site points (geo.clusters) on points made in code: exact counts, points, boxes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.clusters import (
    CELL_PX,
    HOLDER_UNKNOWN,
    MAX_VIEW_PX,
    NO_STATUS,
    POINT_ZOOM,
    SHARE_UNKNOWN,
    ClusterError,
    cluster_sites,
    cluster_zoom,
    in_bbox,
    mercator_pixels,
    site_categories,
)
from layers.types import BBox

CENTRAL_ASIA = BBox(46.0, 35.0, 88.0, 56.0)


def _random_sites(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    # Crowded: a quarter of the sites in one small district, the rest over the region, some unmapped (NaN).
    lon = np.concatenate([rng.uniform(46, 88, n - n // 4), rng.normal(69.3, 0.05, n // 4)])
    lat = np.concatenate([rng.uniform(35, 56, n - n // 4), rng.normal(41.3, 0.05, n // 4)])
    lon[::97] = np.nan
    lat[::97] = np.nan
    categories = rng.choice(["REE", "base metals", "precious metals", "rare metals"], n)
    return lon, lat, categories


@pytest.mark.parametrize("zoom", [0, 3, 5, 6, 9, 12])
@pytest.mark.parametrize("bbox", [None, CENTRAL_ASIA, BBox(60.0, 38.0, 72.0, 44.0), BBox(69.0, 41.0, 69.6, 41.6)])
def test_cluster_and_point_counts_add_up_to_the_sites_in_the_box(zoom, bbox):
    lon, lat, categories = _random_sites(20_000)
    result = cluster_sites(lon, lat, categories, zoom=zoom, bbox=bbox, points_below=50)
    inside = in_bbox(lon, lat, bbox)
    assert result.total == int(inside.sum())
    # Every site is in exactly one cluster or is a point; each cluster's categories add up to its count.
    assert (result.category_counts.sum(axis=1) == result.count).all()
    per_category = result.category_counts.sum(axis=0) + np.bincount(result.point_categories,
                                                                    minlength=len(result.categories))
    expected = pd.Series(categories[inside]).value_counts()
    assert dict(zip(result.categories, per_category.tolist(), strict=True)) == expected.to_dict()
    assert (result.count >= 2).all()
    assert list(result.count) == sorted(result.count, reverse=True)


def test_a_cluster_sits_at_the_mean_of_its_members_and_a_lone_site_is_a_point():
    lon = np.array([69.20, 69.21, 69.23, 75.0])
    lat = np.array([41.30, 41.31, 41.29, 43.0])
    result = cluster_sites(lon, lat, np.array(["REE", "REE", "base metals", "REE"]), zoom=5, points_below=0)
    assert result.count.tolist() == [3]
    assert result.lon[0] == pytest.approx(lon[:3].mean()) and result.lat[0] == pytest.approx(lat[:3].mean())
    assert result.bounds[0].tolist() == [69.20, 41.29, 69.23, 41.31]
    assert dict(zip(result.categories, result.category_counts[0].tolist(), strict=True)) == {
        "REE": 2, "base metals": 1}
    assert result.points.tolist() == [3]


def test_cells_are_the_web_mercator_pixel_grid_of_the_zoom():
    # Two sites one cell apart (on either side of a cell edge) are two points; moved into one cell, one cluster.
    edge_x = 40 * CELL_PX
    lon_edge = edge_x / (256 * 2**6) * 360 - 180
    lat = np.array([41.0, 41.0])
    apart = cluster_sites(np.array([lon_edge - 0.01, lon_edge + 0.01]), lat, np.array(["a", "a"]), zoom=6,
                          points_below=0)
    together = cluster_sites(np.array([lon_edge + 0.01, lon_edge + 0.02]), lat, np.array(["a", "a"]), zoom=6,
                             points_below=0)
    assert (len(apart.count), apart.points.tolist()) == (0, [0, 1])
    assert (together.count.tolist(), len(together.points)) == ([2], 0)


def test_mercator_pixels_match_the_tile_pyramid():
    x, y = mercator_pixels(np.array([-180.0, 0.0, 180.0]), np.array([85.0511287798066, 0.0, -85.0511287798066]), 1)
    assert x.tolist() == [0.0, 256.0, 512.0]
    assert y == pytest.approx([0.0, 256.0, 512.0])


def test_every_site_is_a_point_from_the_point_zoom():
    lon, lat, categories = _random_sites(5_000)
    box = BBox(69.25, 41.25, 69.35, 41.35)
    result = cluster_sites(lon, lat, categories, zoom=POINT_ZOOM, bbox=box, points_below=0)
    assert len(result.count) == 0 and len(result.points) == int(in_bbox(lon, lat, box).sum()) > 100


def test_a_box_with_few_sites_answers_with_the_sites():
    lon, lat, categories = _random_sites(5_000)
    result = cluster_sites(lon, lat, categories, zoom=4, bbox=CENTRAL_ASIA, points_below=5_000)
    assert len(result.count) == 0
    assert result.points.tolist() == np.flatnonzero(in_bbox(lon, lat, CENTRAL_ASIA)).tolist()


def test_a_box_across_the_antimeridian_keeps_both_sides():
    lon = np.array([179.5, 179.6, -179.5, -179.6, 0.0, 170.0])
    lat = np.array([65.0, 65.0, 65.0, 65.0, 65.0, 65.0])
    box = BBox(175.0, 60.0, -175.0, 70.0)
    assert in_bbox(lon, lat, box).tolist() == [True, True, True, True, False, False]
    result = cluster_sites(lon, lat, np.array(["a"] * 6), zoom=1, bbox=box, points_below=0)
    # At zoom 1 the four sites share a cell on each side of the antimeridian: two clusters of two.
    assert result.count.tolist() == [2, 2] and result.total == 4
    assert sorted(np.sign(result.lon).tolist()) == [-1.0, 1.0]


def test_no_cluster_straddles_the_antimeridian():
    # Cells start at the world's west edge: sites either side of 180 degrees are never averaged across the globe.
    lon = np.array([179.0, -179.0, 179.5, -179.5])
    result = cluster_sites(lon, np.zeros(4), np.array(["a"] * 4), zoom=0, points_below=0)
    assert result.count.tolist() == [2, 2]
    assert sorted(result.lon.tolist()) == [-179.25, 179.25]


def test_box_edges_are_inclusive_as_in_the_sites_filter():
    lon = np.array([46.0, 88.0, 45.999, 70.0])
    lat = np.array([35.0, 56.0, 40.0, np.nan])
    assert in_bbox(lon, lat, CENTRAL_ASIA).tolist() == [True, True, False, False]


@pytest.mark.parametrize("zoom", [-1, 23, 2.5, True, "5"])
def test_a_bad_zoom_is_refused_naming_it(zoom):
    with pytest.raises(ClusterError, match="zoom must be a whole number from 0 to 22") as caught:
        cluster_sites(np.array([70.0]), np.array([40.0]), np.array(["a"]), zoom=zoom)
    assert caught.value.parameter == "zoom"


@pytest.mark.parametrize(("zoom", "bbox", "expected"), [
    (5, CENTRAL_ASIA, 5), (9, CENTRAL_ASIA, 7), (22, None, 4), (3, None, 3), (12, BBox(69.0, 41.0, 69.2, 41.2), 12),
    (12, BBox(170.0, 60.0, -170.0, 70.0), 7),
])
def test_a_box_too_large_for_its_zoom_is_clustered_at_a_smaller_zoom(zoom, bbox, expected):
    assert cluster_zoom(zoom, bbox) == expected
    width = 360.0 if bbox is None else (bbox.maxx - bbox.minx) % 360
    assert width / 360 * 256 * 2**expected <= MAX_VIEW_PX


def test_a_huge_box_at_a_high_zoom_never_returns_every_site_as_a_point():
    lon, lat, categories = _random_sites(20_000)
    result = cluster_sites(lon, lat, categories, zoom=18, bbox=CENTRAL_ASIA, points_below=100)
    assert 0 < len(result.count) + len(result.points) <= (MAX_VIEW_PX // CELL_PX) ** 2
    assert result.total == int(in_bbox(lon, lat, CENTRAL_ASIA).sum())


def test_no_sites_gives_an_empty_answer():
    result = cluster_sites(np.array([]), np.array([]), np.array([], dtype=object), zoom=5)
    assert (result.total, len(result.count), len(result.points), result.categories) == (0, 0, 0, ())


def _category_frames():
    site_ids = pd.Series(["a", "b", "c", "d", "e"])
    partner_table = pd.DataFrame({"controlling_partner": ["USA", None, "unknown", "China"]},
                                 index=pd.Index(["a", "b", "c", "e"], name="site_id"))
    coverage = pd.DataFrame({"has_holder": [True, True, True, False, False]},
                            index=pd.Index(["a", "b", "c", "d", "e"], name="site_id"))
    return site_ids, partner_table, coverage


def test_partner_categories_follow_the_map_colours():
    site_ids, partner_table, coverage = _category_frames()
    got = site_categories(site_ids, pd.Series(["REE"] * 5), pd.Series([""] * 5), "partner", partner_table, coverage,
                          ("USA", "China"))
    # e has a controlling partner in the table but no sourced holder on the day: a hollow ring, as on the map.
    assert got.tolist() == ["USA", SHARE_UNKNOWN, SHARE_UNKNOWN, HOLDER_UNKNOWN, HOLDER_UNKNOWN]


def test_group_and_status_categories():
    site_ids, partner_table, coverage = _category_frames()
    groups = pd.Series(["REE", "base metals", "other", "REE", "energy"])
    statuses = pd.Series(["operating", "", None, "exploration", "operating"])
    assert site_categories(site_ids, groups, statuses, "group", partner_table, coverage, ()).tolist() == groups.tolist()
    assert site_categories(site_ids, groups, statuses, "status", partner_table, coverage, ()).tolist() == [
        "operating", NO_STATUS, NO_STATUS, "exploration", "operating"]
    with pytest.raises(ValueError, match="by must be one of group, partner, status"):
        site_categories(site_ids, groups, statuses, "colour", partner_table, coverage, ())
