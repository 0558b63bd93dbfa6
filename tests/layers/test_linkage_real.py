"""Linkage on the real staged data: each class of issue 10 on real records, and the labelled evaluation set."""

from pathlib import Path

import pytest
from pyproj import Geod

from layers.linkage.evaluation import evaluate, load_pairs
from layers.linkage.location import max_link_km, record_sigma_km
from layers.linkage.scoring import MERGE_MIN, REVIEW_MIN
from layers.settings import PROJECT_ROOT
from layers.store import Store, read_store

GEOD = Geod(ellps="WGS84")
LABELLED = PROJECT_ROOT / "tests" / "data" / "link_pairs.csv"

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def store(real_store: Path) -> Store:
    return read_store(real_store)


def site_with(store: Store, record_id: str):
    sites = store.sites
    rows = sites[[record_id in ids for ids in sites["source_record_ids"]]]
    assert len(rows) == 1, f"{record_id} is in {len(rows)} sites"
    return rows.iloc[0]


def together(store: Store, *record_ids: str) -> bool:
    return len({site_with(store, r)["site_id"] for r in record_ids}) == 1


def test_labelled_pairs_file_holds_enough_positives_and_near_negatives():
    pairs = load_pairs(LABELLED)
    assert len(pairs) >= 150
    assert {p["class"] for p in pairs} == {"distance", "names", "unlocated", "country"}
    assert sum(p["same"] == "yes" for p in pairs) >= 100 and sum(p["same"] == "no" for p in pairs) >= 50
    assert all(p["reason"] for p in pairs)


def test_precision_and_recall_on_the_labelled_pairs(store: Store):
    scores = {score.label: score for score in evaluate(store.sites, load_pairs(LABELLED))}
    assert scores["all"].missing == 0
    assert (scores["all"].precision >= 0.97, scores["all"].recall >= 0.9) == (True, True), scores["all"].line()
    for label in ("distance", "names", "unlocated", "country"):
        assert scores[label].precision >= 0.97, scores[label].line()
        assert scores[label].recall >= 0.9, scores[label].line()


def test_build_report_gives_the_linkage_counts_and_the_evaluation(store: Store):
    info = store.build_info
    assert info["link_pairs_scored"] > info["link_pairs_merged"] > 200
    assert info["link_pairs_queued"] == len(store.link_candidates)
    assert sum(info["sites_by_sources"].values()) == info["sites_out"]
    assert [line.split(":")[0] for line in info["linkage_evaluation"]] == [
        "country", "distance", "names", "unlocated", "all"]


# class 1: one name, two datasets, 5-20 km apart
def test_ingichke_of_the_tin_tungsten_database_and_major_deposits_5_km_apart_is_one_site(store: Store):
    a, b = "mrdata-major-deposits:1885", "world-tin-tungsten-deposit:981"
    assert together(store, a, b)
    site = site_with(store, a)
    assert (site["name"], site["country"], site["n_sources"]) == ("Ingichke", "UZ", 3)  # + the REE record


def test_kounrad_of_nicrpge_and_porcu_12_km_apart_is_one_site(store: Store):
    assert together(store, "mrdata-nicrpge:208129", "mrdata-porcu:332")


def test_northern_katpar_and_qatpar_6_km_apart_stay_two_sites(store: Store):
    assert not together(store, "national:kz-northern-katpar", "world-tin-tungsten-deposit:470")


def test_kempirsai_nickel_laterite_and_the_chromite_district_stay_apart(store: Store):
    assert not together(store, "mrdata-laterite:65", "mrdata-major-deposits:1435")


# class 2: Kazakh, Russian and English forms, generic words, hyphens, aliases
@pytest.mark.parametrize(("a", "b"), [
    ("mrdata-major-deposits:1421", "mrdata-porcu:324"),  # Bozshakol / Boshchekul
    ("mrdata-major-deposits:1403", "mrdata-porcu:317"),  # Aqtogai / Aktogai
    ("mrdata-major-deposits:1969", "mrdata-phosphate:736"),  # Chulaktau-I / Chulak Tau Mine
    ("mrdata-sedcu:180", "mrdata-sedznpb:292"),  # Mirgalim-Sai / Mirgalimsay
    ("mrdata-major-deposits:1895", "world-tin-tungsten-deposit:987"),  # Zarmitan / Zarmitan; Charmitan
])
def test_name_forms_of_one_deposit_are_one_site(store: Store, a: str, b: str):
    assert together(store, a, b)


def test_orebodies_of_the_kempirsai_group_are_not_the_district(store: Store):
    group = ["mrdata-nicrpge:12148798", "mrdata-nicrpge:12148799", "mrdata-nicrpge:12148804"]
    assert len({site_with(store, r)["site_id"] for r in [*group, "mrdata-major-deposits:1435"]}) == 4


# class 3: records without coordinates cascade into the site of their name
@pytest.mark.parametrize(("unlocated", "located"), [
    ("mudd-jowitt-copper:aktogay-aktogai__1224", "mrdata-major-deposits:1403"),
    ("mudd-jowitt-copper:bozshakol-boshekul__1229", "mrdata-porcu:324"),
    ("mudd-jowitt-2017-zinc-lead:khandiza__846", "national:uz-khandiza"),
    ("jowitt-ree:kutessay-ii__169", "mrdata-ree:211"),
])
def test_unlocated_records_join_the_site_of_their_name(store: Store, unlocated: str, located: str):
    assert together(store, unlocated, located)
    assert site_with(store, unlocated).geometry is not None


# class 4: a country label that disagrees with the point
def test_lyangar_is_kept_under_uzbekistan_and_joins_the_gsc_record(store: Store):
    site = site_with(store, "mrdata-major-deposits:1506")
    assert together(store, "mrdata-major-deposits:1506", "world-tin-tungsten-deposit:983")
    assert site["country"] == "UZ"
    assert [p["record_id"] for p in site["provenance"]["country_check"]] == ["mrdata-major-deposits:1506"]


def test_curated_decisions_are_honoured(store: Store):
    assert together(store, "mrdata-nicrpge:207593", "world-tin-tungsten-deposit:984")
    assert not together(store, "mrdata-sir20105090z:10154", "mrdata-sir20105090z:10157")


def test_no_site_holds_two_records_of_one_dataset_unless_both_are_placed_close(store: Store):
    records = store.source_records.set_index("record_id")
    for ids, reason in zip(store.sites["source_record_ids"], store.sites["link_reason"], strict=True):
        if "explicit link" in reason or "curated" in reason:
            continue
        by_dataset: dict[str, list[str]] = {}
        for record_id in ids:
            by_dataset.setdefault(records.at[record_id, "dataset"], []).append(record_id)
        for dataset, members in by_dataset.items():
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    pa, pb = records.at[a, "geometry"], records.at[b, "geometry"]
                    assert pa is not None and pb is not None, (a, b)
                    _, _, metres = GEOD.inv(pa.x, pa.y, pb.x, pb.y)
                    sigma_a = record_sigma_km(dataset, records.at[a, "location_precision_km"])
                    sigma_b = record_sigma_km(dataset, records.at[b, "location_precision_km"])
                    assert metres / 1000 <= max_link_km(sigma_a, sigma_b), (a, b)


def test_every_record_is_in_exactly_one_site(store: Store):
    listed = [r for ids in store.sites["source_record_ids"] for r in ids]
    assert sorted(listed) == sorted(store.source_records["record_id"])


def test_review_queue_is_sorted_and_holds_pairs_still_apart(store: Store):
    queue = store.link_candidates
    assert len(queue) > 50
    assert queue["score"].tolist() == sorted(queue["score"], reverse=True)
    site_of = {r: s for s, ids in zip(store.sites["site_id"], store.sites["source_record_ids"], strict=True)
               for r in ids}
    assert all(site_of[a] != site_of[b] for a, b in zip(queue["record_a"], queue["record_b"], strict=True))
    banded = queue[queue["queue_reason"] == "score between the review and merge thresholds"]
    assert banded["score"].between(REVIEW_MIN, MERGE_MIN).all()
    assert all(line.startswith(f"{a},{b},") for a, b, line in
               zip(queue["record_a"], queue["record_b"], queue["links_line"], strict=True))
