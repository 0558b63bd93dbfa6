import math

import pytest
from pyproj import Geod
from shapely.geometry import Point

from layers.linkage import MIN_LINK_KM, link_distance_km, link_sites
from layers.records import make_records
from layers.store import read_store

GEOD = Geod(ellps="WGS84")


def record(record_id: str, name: str, lon: float | None = None, lat: float | None = None, *, precision: float = 2.0,
           country: str = "KZ", aliases: list[str] | None = None, same_as: list[str] | None = None,
           commodities: list[str] | None = None, status: str = "") -> dict:
    located = lon is not None
    return {
        "record_id": record_id, "source": "test", "dataset": record_id.split(":")[0], "name": name,
        "aliases": aliases or [], "country": country, "commodities": commodities or ["Cu"],
        "commodity_groups": ["base metals"], "deposit_types": [], "status": status, "grade_tonnage": [],
        "references": [], "upstream_url": "", "location_precision_km": precision if located else math.nan,
        "location_status": "exact" if located else "missing", "location_raw": "", "country_check": "",
        "same_as": same_as or [], "geometry": Point(lon, lat) if located else None,
    }


def members(sites) -> list[list[str]]:
    return sorted(sorted(ids) for ids in sites["source_record_ids"])


def east_of(lon: float, lat: float, km: float) -> float:
    new_lon, _, _ = GEOD.fwd(lon, lat, 90.0, km * 1000.0)
    return new_lon


def test_same_name_close_points_of_two_datasets_join():
    near = east_of(74.0, 46.0, 3)
    records = make_records([record("a:1", "Kounrad", 74.0, 46.0), record("b:7", "Коунрад", near, 46.0)], "test")
    sites, report = link_sites(records)
    assert members(sites) == [["a:1", "b:7"]]
    assert (report.records_in, report.sites_out, report.multi_source_sites) == (2, 1, 1)


def test_same_name_beyond_the_precision_stays_apart():
    far = east_of(74.0, 46.0, 12)
    records = make_records([record("a:1", "Kounrad", 74.0, 46.0), record("b:7", "Kounrad", far, 46.0)], "test")
    sites, _ = link_sites(records)
    assert members(sites) == [["a:1"], ["b:7"]]


def test_coarse_precision_widens_the_link_distance():
    far = east_of(74.0, 46.0, 40)
    records = make_records([record("a:1", "Kounrad", 74.0, 46.0),
                            record("b:7", "Kounrad", far, 46.0, precision=75.0)], "test")
    sites, _ = link_sites(records)
    assert members(sites) == [["a:1", "b:7"]]


def test_two_records_of_one_dataset_never_join():
    records = make_records([record("a:1", "Akchatau", 74.0, 46.0), record("a:2", "Aqchatau", 74.0, 46.001)], "test")
    sites, _ = link_sites(records)
    assert members(sites) == [["a:1"], ["a:2"]]


def test_a_chain_does_not_pull_two_records_of_one_dataset_together():
    # a:1 and a:2 both match b:1; the closer one wins, the other stays alone.
    records = make_records([
        record("a:1", "Kounrad", 74.0, 46.0),
        record("b:1", "Kounrad", east_of(74.0, 46.0, 1), 46.0),
        record("a:2", "Kounrad", east_of(74.0, 46.0, 3), 46.0),
    ], "test")
    sites, _ = link_sites(records)
    assert members(sites) == [["a:1", "b:1"], ["a:2"]]


def test_different_names_at_one_point_stay_apart():
    records = make_records([record("a:1", "Kalmakyr", 69.6, 40.8), record("b:1", "Kyzata", 69.6, 40.8)], "test")
    sites, _ = link_sites(records)
    assert members(sites) == [["a:1"], ["b:1"]]


def test_different_countries_stay_apart():
    records = make_records([record("a:1", "Tashbulak", 70.0, 41.0, country="UZ"),
                            record("b:1", "Tashbulak", 70.0, 41.0, country="KG")], "test")
    sites, _ = link_sites(records)
    assert members(sites) == [["a:1"], ["b:1"]]


def test_explicit_link_joins_whatever_the_names_and_datasets():
    records = make_records([
        record("national:x", "Upper Kairakty", 73.2, 48.6, same_as=["a:1", "a:2"]),
        record("a:1", "Verkhnee Qairaqty", 73.21, 48.65), record("a:2", "Verkhnekajraktinskoe", 73.25, 48.62),
    ], "test")
    sites, report = link_sites(records)
    assert members(sites) == [["a:1", "a:2", "national:x"]]
    assert sites.iloc[0]["link_reason"] == "explicit link"
    assert report.explicit_links == 2


def test_explicit_link_to_an_absent_record_is_reported():
    records = make_records([record("national:x", "Aktyuz", 76.2, 42.9, same_as=["a:404"])], "test")
    _, report = link_sites(records)
    assert report.unknown_same_as == ("national:x -> a:404",)


def test_unlocated_record_joins_the_unique_site_with_its_name():
    records = make_records([record("a:1", "Koksai", 78.0, 44.5), record("b:1", "Koksay")], "test")
    sites, _ = link_sites(records)
    assert members(sites) == [["a:1", "b:1"]]
    assert sites.iloc[0]["link_reason"] == "name and country (no location)"


def test_unlocated_record_with_two_candidate_sites_stays_alone_and_unmapped():
    records = make_records([
        record("a:1", "Tashbulak", 70.0, 41.0, country="UZ"), record("c:1", "Tashbulak", 66.0, 39.0, country="UZ"),
        record("b:1", "Tashbulak", country="UZ"),
    ], "test")
    sites, report = link_sites(records)
    assert members(sites) == [["a:1"], ["b:1"], ["c:1"]]
    unmapped = sites[sites["site_id"] == "b:1"]
    assert unmapped.geometry.isna().tolist() == [True]
    assert report.mapped_sites == 2


def test_site_takes_name_from_the_national_record_and_location_from_the_most_precise():
    records = make_records([
        record("national:k", "Kutessai-II", 76.17, 42.67, precision=15.0, same_as=["mrdata-ree:211"],
               status="national project"),
        record("mrdata-ree:211", "Kutessai-II", 76.2, 42.7, precision=2.0, commodities=["La", "Be"]),
    ], "test")
    sites, _ = link_sites(records)
    site = sites.iloc[0]
    assert (site["site_id"], site["name"], site["location_record_id"], site["location_precision_km"]) == (
        "national:k", "Kutessai-II", "mrdata-ree:211", 2.0)
    assert (site.geometry.x, site.geometry.y) == (76.2, 42.7)
    assert site["commodities"] == ["Cu", "La", "Be"]
    assert site["status"] == "national project"
    assert site["provenance"]["location"] == [
        {"value": [76.17, 42.67], "record_id": "national:k", "precision_km": 15.0, "chosen": False},
        {"value": [76.2, 42.7], "record_id": "mrdata-ree:211", "precision_km": 2.0, "chosen": True},
    ]
    assert site["provenance"]["status"] == [{"value": "national project", "record_id": "national:k"}]


def test_empty_input_gives_empty_sites_with_the_schema():
    sites, report = link_sites(make_records([], "test"))
    assert len(sites) == 0 and "site_id" in sites.columns and sites.crs == "EPSG:4326"
    assert report.sites_out == 0


@pytest.mark.parametrize(("a", "b", "expected"), [(2.0, 2.0, MIN_LINK_KM), (15.0, 15.0, 30.0), (75.0, 2.0, 77.0)])
def test_link_distance(a, b, expected):
    assert link_distance_km(a, b) == expected


# --- integration: the real staged data -------------------------------------------------------------

@pytest.fixture(scope="module")
def real_sites(real_store):
    return read_store(real_store).sites


def site_with(sites, record_id: str):
    rows = sites[[record_id in ids for ids in sites["source_record_ids"]]]
    assert len(rows) == 1, f"{record_id} is in {len(rows)} sites"
    return rows.iloc[0]


def test_kutessai_ii_unites_usgs_ree_jowitt_and_the_national_row(real_sites):
    site = site_with(real_sites, "mrdata-ree:211")
    assert site["country"] == "KG"
    assert {"mrdata-ree:211", "jowitt-ree:kutessay-ii__169", "national:kg-kutessai-2"} <= set(site["source_record_ids"])
    assert site["name"] == "Kutessai-II"
    assert (round(site.geometry.x, 4), round(site.geometry.y, 4)) == (76.1667, 42.6667)


def test_northern_katpar_and_upper_kairakty_stay_two_sites_22_km_apart(real_sites):
    katpar = site_with(real_sites, "national:kz-northern-katpar")
    kairakty = site_with(real_sites, "national:kz-upper-kairakty")
    assert katpar["site_id"] != kairakty["site_id"]
    _, _, metres = GEOD.inv(katpar.geometry.x, katpar.geometry.y, kairakty.geometry.x, kairakty.geometry.y)
    assert 20.0 < metres / 1000 < 24.0


def test_kalmakyr_kyzata_and_sarycheku_stay_distinct(real_sites):
    ids = {site_with(real_sites, r)["site_id"] for r in ("mrdata-porcu:686", "mrdata-porcu:687", "mrdata-porcu:688")}
    assert len(ids) == 3


def test_no_site_holds_two_records_of_one_dataset_without_an_explicit_link(real_sites):
    for ids, reason in zip(real_sites["source_record_ids"], real_sites["link_reason"], strict=True):
        datasets = [i.split(":")[0] for i in ids]
        if "explicit link" not in reason:
            assert len(datasets) == len(set(datasets)), ids


def test_every_record_is_in_exactly_one_site(real_store):
    store = read_store(real_store)
    listed = [r for ids in store.sites["source_record_ids"] for r in ids]
    assert sorted(listed) == sorted(store.source_records["record_id"])
