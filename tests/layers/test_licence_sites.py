"""Tests for the licence → site join: polygons widened by each site's precision, and deposit names."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Point, box

from layers.errors import CRSMismatchError
from layers.ownership.licence_sites import join_licences_to_sites, match_licences_to_sites
from layers.schema import LICENCE_SITES, LICENCES, METRIC_CRS, SITES, STORE_CRS


def _to_wgs84(geometry):
    """A geometry given in METRIC_CRS metres, in EPSG:4326, so distances in the test are exact."""
    return gpd.GeoSeries([geometry], crs=METRIC_CRS).to_crs(STORE_CRS).iloc[0]


def _sites(*rows: tuple[str, str, list[str], Point | None, float]) -> gpd.GeoDataFrame:
    records = [{c: "" for c in SITES.column_names}
               | {"site_id": sid, "country": country, "names": [], "commodities": [], "commodity_groups": [],
                  "deposit_types": [], "source_record_ids": [sid], "n_sources": 1, "location_precision_km": km,
                  "provenance": {}, "search_keys": keys} for sid, country, keys, _, km in rows]
    frame = pd.DataFrame(records, columns=SITES.column_names)
    points = [None if p is None else _to_wgs84(p) for *_, p, _ in rows]
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(points, crs=STORE_CRS), crs=STORE_CRS)


def _licences(*rows: tuple[str, str, str, str, object]) -> gpd.GeoDataFrame:
    records = [{c: "" for c in LICENCES.column_names}
               | {"licence_id": lid, "deposit_name": name, "deposit_name_ru": name_ru, "deposit_country": country,
                  "commodities": []} for lid, name, name_ru, country, _ in rows]
    frame = pd.DataFrame(records, columns=LICENCES.column_names)
    areas = [None if a is None else MultiPolygon([_to_wgs84(a)]) for *_, a in rows]
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(areas, crs=STORE_CRS), crs=STORE_CRS)


def _links(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    if not rows:
        return LICENCE_SITES.empty()
    return pd.DataFrame([dict(zip(LICENCE_SITES.column_names, row, strict=True)) for row in rows])


SQUARE = box(0, 0, 10_000, 10_000)  # 10 km square, metres in METRIC_CRS


@pytest.mark.parametrize(("point", "precision_km", "expected"), [
    (Point(5_000, 5_000), 2.0, _links(("L1", "s1", "polygon", "0.0 km"))),
    (Point(15_000, 5_000), 6.0, _links(("L1", "s1", "polygon", "5.0 km"))),
    (Point(15_000, 5_000), 4.0, _links()),
    (Point(10_000, 12_400), 2.5, _links(("L1", "s1", "polygon", "2.4 km"))),
    (Point(5_000, 5_000), math.nan, _links(("L1", "s1", "polygon", "0.0 km"))),
], ids=["inside", "outside-within-precision", "outside-beyond-precision", "just-within-precision",
        "inside-without-precision"])
def test_a_polygon_covers_sites_within_their_precision(point: Point, precision_km: float,
                                                       expected: pd.DataFrame) -> None:
    sites = _sites(("s1", "KZ", ["other"], point, precision_km))
    links = join_licences_to_sites(_licences(("L1", "", "", "KZ", SQUARE)), sites)
    pd.testing.assert_frame_equal(links, expected)


def test_a_polygon_licence_that_covers_no_site_is_reported_unjoined() -> None:
    result = match_licences_to_sites(_licences(("L1", "Katpar", "", "KZ", SQUARE)),
                                     _sites(("s1", "KZ", ["katpar"], Point(50_000, 0), 5.0)))
    assert (result.joined, result.unjoined, len(result.links)) == (
        [], ["L1: no mapped site lies in or near its polygon"], 0)


def test_a_polygon_licence_is_not_joined_by_name_nor_to_unmapped_sites() -> None:
    sites = _sites(("s1", "KZ", ["katpar"], None, math.nan), ("s2", "KZ", ["katpar"], Point(1_000, 1_000), 1.0))
    links = join_licences_to_sites(_licences(("L1", "Katpar", "", "KZ", SQUARE)), sites)
    pd.testing.assert_frame_equal(links, _links(("L1", "s2", "polygon", "0.0 km")))


NAMED_SITES = _sites(
    ("kz-katpar", "KZ", ["north katpar", "katpar"], Point(0, 0), 5.0),
    ("kz-kairakty", "KZ", ["upper kairakti"], None, math.nan),
    ("kz-akbulak-1", "KZ", ["akbulak"], Point(0, 0), 5.0),
    ("kz-akbulak-2", "KZ", ["akbulak"], Point(90_000, 0), 5.0),
    ("kg-kairakty", "KG", ["upper kairakti"], None, math.nan),
    ("kz-unnamed", "KZ", ["unamed"], Point(0, 0), 5.0),
)


@pytest.mark.parametrize(("licence", "links", "unjoined", "ambiguous", "partial"), [
    (("L1", "Northern Katpar", "Северный Катпар", "KZ", None),
     _links(("L1", "kz-katpar", "name", "north katpar")), [], [], []),
    (("L1", "Northern Katpar; Upper Kairakty", "", "KZ", None),
     _links(("L1", "kz-kairakty", "name", "upper kairakti"), ("L1", "kz-katpar", "name", "north katpar")),
     [], [], []),
    (("L1", "Upper Kairakty", "", "KG", None), _links(("L1", "kg-kairakty", "name", "upper kairakti")), [], [], []),
    (("L1", "Akbulak site", "", "KZ", None), _links(), [],
     ["L1: name 'Akbulak site' matches sites kz-akbulak-1, kz-akbulak-2"], []),
    (("L1", "Two lithium deposits (unnamed)", "", "KZ", None), _links(),
     ["L1: no site of KZ carries the name 'Two lithium deposits (unnamed)'"], [], []),
    (("L1", "Katpar; Nowhere", "", "KZ", None), _links(("L1", "kz-katpar", "name", "katpar")), [], [],
     ["L1: name 'Nowhere' matches no site"]),
    (("L1", "Katpar", "", "UZ", None), _links(), ["L1: no site of UZ carries the name 'Katpar'"], [], []),
], ids=["english-and-russian", "two-deposits", "same-name-other-country", "ambiguous", "placeholder-word",
        "one-name-unmatched", "other-country"])
def test_a_licence_without_polygon_joins_by_name(licence: tuple, links: pd.DataFrame, unjoined: list,
                                                 ambiguous: list, partial: list) -> None:
    result = match_licences_to_sites(_licences(licence), NAMED_SITES)
    pd.testing.assert_frame_equal(result.links, links)
    assert (result.joined, result.unjoined, result.ambiguous, result.partial) == (
        ["L1"] if len(links) else [], unjoined, ambiguous, partial)


def test_no_licences_give_an_empty_table_with_the_schema() -> None:
    result = match_licences_to_sites(LICENCES.empty(), NAMED_SITES)
    pd.testing.assert_frame_equal(result.links, LICENCE_SITES.empty())


def test_layers_in_different_crs_are_refused() -> None:
    sites = NAMED_SITES.to_crs(METRIC_CRS)
    with pytest.raises(CRSMismatchError, match="licences are in EPSG:4326, sites in"):
        join_licences_to_sites(_licences(("L1", "Katpar", "", "KZ", None)), sites)


def _site(site_id: str, keys: list[str], point: Point | None, commodities: list[str] = (),
          records: list[str] | None = None) -> dict:
    return {"site_id": site_id, "keys": keys, "point": point, "commodities": list(commodities),
            "records": records or [site_id]}


def _sites_of(*specs: dict) -> gpd.GeoDataFrame:
    sites = _sites(*[(s["site_id"], "KZ", s["keys"], s["point"], 2.0) for s in specs])
    sites["commodities"] = [s["commodities"] for s in specs]
    sites["source_record_ids"] = [s["records"] for s in specs]
    return sites


def _licence(name: str, commodities: list[str] = (), record_ids: str = "") -> gpd.GeoDataFrame:
    licences = _licences(("L1", name, "", "KZ", None))
    licences["commodities"] = [list(commodities)]
    licences["record_ids"] = [record_ids]
    return licences


def test_the_bare_name_is_tried_before_its_bracketed_parts() -> None:
    sites = _sites_of(_site("aksu", ["aksu"], Point(0, 0)), _site("gold", ["gold"], Point(500_000, 0)))
    result = match_licences_to_sites(_licence("Aksu (gold)"), sites)
    assert result.links[["site_id", "detail"]].values.tolist() == [["aksu", "aksu"]]


def test_a_bracketed_part_is_used_when_the_bare_name_reaches_no_site() -> None:
    sites = _sites_of(_site("bakyrchik", ["bakirchik"], Point(0, 0)))
    result = match_licences_to_sites(_licence("Kyzyl (Bakyrchik)"), sites)
    assert result.links["site_id"].tolist() == ["bakyrchik"]


@pytest.mark.parametrize(("xs_km", "joined"), [
    ([0, 20], True),          # one deposit given by two datasets 20 km apart
    ([0, 35, 70], True),      # a chain of 35 km steps, 70 km end to end
    ([0, 45], False),         # a step longer than SAME_DEPOSIT_KM
    ([0, 40, 80, 120], False),  # steps within the limit, but ends 120 km apart
], ids=["pair-20km", "chain-within-limits", "step-too-long", "ends-too-far"])
def test_sites_of_one_name_are_covered_together_only_when_they_form_one_cluster(xs_km: list[int],
                                                                                joined: bool) -> None:
    sites = _sites_of(*[_site(f"s{i}", ["muruntau"], Point(x * 1000, 0)) for i, x in enumerate(xs_km)])
    result = match_licences_to_sites(_licence("Muruntau"), sites)
    assert result.links["site_id"].tolist() == ([f"s{i}" for i in range(len(xs_km))] if joined else [])
    assert bool(result.ambiguous) is not joined


def test_sites_that_share_a_commodity_with_the_licence_are_preferred() -> None:
    sites = _sites_of(_site("gold-mine", ["muruntau"], Point(0, 0), ["Au"]),
                      _site("tungsten-occurrence", ["muruntau"], Point(300_000, 0), ["W"]))
    result = match_licences_to_sites(_licence("Muruntau", ["Au", "Ag"]), sites)
    assert result.links["site_id"].tolist() == ["gold-mine"]
    assert result.ambiguous == []


def test_record_ids_override_an_ambiguous_name() -> None:
    sites = _sites_of(_site("a", ["muruntau"], Point(0, 0), records=["usgs:1", "mudd:2"]),
                      _site("b", ["muruntau"], Point(300_000, 0), records=["nicrpge:3"]))
    result = match_licences_to_sites(_licence("Muruntau", record_ids="usgs:1; mudd:2"), sites)
    assert result.links.values.tolist() == [["L1", "a", "record", "usgs:1"]]
    assert (result.ambiguous, result.partial) == ([], [])


def test_record_ids_not_in_the_store_fall_back_to_the_name_and_are_reported() -> None:
    sites = _sites_of(_site("a", ["muruntau"], Point(0, 0)))
    result = match_licences_to_sites(_licence("Muruntau", record_ids="usgs:404"), sites)
    assert result.links[["site_id", "method"]].values.tolist() == [["a", "name"]]
    assert result.partial == ["L1: record_ids usgs:404 not in the store; joined by name instead"]
