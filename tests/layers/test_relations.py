"""Tests for the build's relation stage: combining sources, holder text, references, licence → site join."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import MultiPolygon, Point, box

from layers.build import build_store
from layers.errors import SourceFormatError
from layers.ownership.relations import RELATION_LAYERS, build_relations
from layers.schema import COMPANIES, LICENCE_SITES, LICENCES, OWNERSHIP, SITES, STORE_CRS
from layers.settings import SourceSettings, StoreSettings
from layers.store import read_store

AREA = box(76.1, 42.6, 76.2, 42.7)


def _companies(*ids: str) -> pd.DataFrame:
    return pd.DataFrame([{c: "" for c in COMPANIES.column_names} | {"company_id": cid, "name": f"{cid} LLP"}
                         for cid in ids], columns=COMPANIES.column_names)


def _licence(licence_id: str, source: str, holder_id: str = "", holder_text: str = "", name: str = "",
             area=None) -> gpd.GeoDataFrame:
    row = {c: "" for c in LICENCES.column_names} | {
        "licence_id": licence_id, "source": source, "deposit_name": name, "deposit_country": "KG",
        "holder_company_id": holder_id, "holder_text": holder_text, "commodities": [], "confidence": "reported"}
    return gpd.GeoDataFrame(pd.DataFrame([row], columns=LICENCES.column_names),
                            geometry=gpd.GeoSeries([area], crs=STORE_CRS), crs=STORE_CRS)


def _sites() -> gpd.GeoDataFrame:
    rows = [{c: "" for c in SITES.column_names}
            | {"site_id": sid, "country": "KG", "names": [], "commodities": [], "commodity_groups": [],
               "deposit_types": [], "source_record_ids": [sid], "n_sources": 1, "location_precision_km": 5.0,
               "provenance": {}, "search_keys": keys} for sid, keys in (("s1", ["kutesai 2"]), ("s2", ["kalesai"]))]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=SITES.column_names),
                            geometry=gpd.GeoSeries([Point(76.15, 42.65), Point(76.15, 42.85)], crs=STORE_CRS),
                            crs=STORE_CRS)


def test_no_relation_source_gives_every_layer_empty_with_its_schema() -> None:
    layers, report = build_relations({}, _sites())
    assert ({name: len(frame) for name, frame in layers.items()}, list(layers["licences"].columns),
            report.licences) == (
        {**dict.fromkeys(RELATION_LAYERS, 0), "licence_sites": 0}, [*LICENCES.column_names, "geometry"], 0)


def test_sources_are_combined_holders_resolved_and_licences_joined() -> None:
    tables = {
        "companies": [_companies("a", "b")],
        "licences": [_licence("L1", "curated", holder_id="a", name="Kalesay"),
                     _licence("L2", "cadastre", holder_text="a LLP (50%), New Co (50%)",
                              area=MultiPolygon([AREA]))],
    }
    layers, report = build_relations(tables, _sites())
    pd.testing.assert_frame_equal(layers["licence_sites"], pd.DataFrame(
        [("L1", "s2", "name", "kalesai"), ("L2", "s1", "polygon", "0.0 km")], columns=LICENCE_SITES.column_names))
    assert (layers["companies"]["company_id"].tolist(), layers["licences"]["holder_company_id"].tolist(),
            layers["ownership"][["edge_id", "share_pct"]].values.tolist()) == (
        ["a", "b", "new-co", "licence-l2"], ["a", "licence-l2"],
        [["a>licence-l2#1", 50.0], ["new-co>licence-l2#2", 50.0]])
    assert (report.licences, report.licences_joined, report.licence_links, report.companies_added,
            report.licences_unjoined, report.holder_problems) == (2, 2, 2, 2, [], [])


def test_one_licence_id_from_two_sources_is_an_error() -> None:
    tables = {"licences": [_licence("L1", "curated"), _licence("L1", "cadastre", area=MultiPolygon([AREA]))]}
    with pytest.raises(SourceFormatError) as exc_info:
        build_relations(tables, _sites())
    assert str(exc_info.value) == "licences: licence_id values given by more than one source: ['L1']"


def test_a_reference_to_an_unknown_company_fails_the_stage() -> None:
    tables = {"companies": [_companies("a")], "licences": [_licence("L1", "curated", holder_id="ghost")]}
    with pytest.raises(SourceFormatError) as exc_info:
        build_relations(tables, _sites())
    assert str(exc_info.value) == ("1 references to unknown companies: licences row 1 (L1): holder_company_id "
                                   "'ghost' is not a company_id in companies")


# --- through the build ------------------------------------------------------------------------------------

def _entry(source_id: str, root: str, files: str, loader: str) -> str:
    return (f'[[source]]\nid = "{source_id}"\ntitle = "t"\npublisher = "p"\nlicence = "l"\nattribution = "a"\n'
            f'url = "https://example.org"\nroot = "{root}"\nfiles = ["{files}"]\nloader = "{loader}"\n')


@pytest.fixture()
def cadastre_build(tmp_path: Path) -> tuple[SourceSettings, StoreSettings]:
    raw = tmp_path / "raw"
    (raw / "national").mkdir(parents=True)
    (raw / "licences").mkdir()
    (raw / "national" / "registry.csv").write_text(
        "deposit_id,name,country,lon,lat,precision_km\nkg-a,Kutessai-II,KG,76.15,42.65,5\n", encoding="utf-8")
    (tmp_path / "companies.csv").write_text("company_id,name\nkutisay-mining,Kutisay Mining LLC\n",
                                            encoding="utf-8")
    areas = gpd.GeoDataFrame(pd.DataFrame([{"LICENCE_ID": "KG-1", "HOLDER": "Kutisay Mining (60%), Other Co 40%)"}]),
                             geometry=[AREA], crs=STORE_CRS)
    pyogrio.write_dataframe(areas, raw / "licences" / "areas.geojson")
    manifest = tmp_path / "sources.toml"
    manifest.write_text("\n".join([
        _entry("national_test", "raw", "national/*.csv", "national_deposits"),
        _entry("companies_test", "data", "companies.csv", "companies_table"),
        _entry("ownership_test", "data", "ownership.csv", "ownership_table"),
        _entry("areas_test", "raw", "licences/*.geojson", "licence_areas"),
    ]), encoding="utf-8")
    return (SourceSettings(raw_dir=raw, manifest_path=manifest, data_dir=tmp_path),
            StoreSettings(store_path=tmp_path / "out" / "atlas.gpkg"))


def test_the_build_reports_holder_text_it_could_not_parse(cadastre_build) -> None:
    sources, store = cadastre_build
    lines = build_store(sources, store).lines()
    assert lines[-2].startswith("stages: loading sources ")
    assert lines[:-2] == [
        "source national_test: 1 rows read",
        "source companies_test: 1 rows read",
        "source areas_test: 1 rows read",
        f"source ownership_test: SKIPPED: no file at {sources.data_dir / 'ownership.csv'}",
        "note: country check skipped: no countries source present",
        "linkage: candidate pairs scored: 0; merged: 0; queued for review: 0; curated decisions honoured: 0 same, "
        "0 different",
        "linkage: sites per number of sources: 1: 1",
        "licences: 1; joined to sites: 1 (1 links); unjoined: 0; ambiguous: 0; companies added from holder text: 1; "
        "holder text problems: 1; import conflicts: 0",
        "holder text: licence KG-1: could not parse holder text part 'Other Co 40%)'",
    ]


def test_the_build_writes_holder_entities_and_skipped_tables_empty(cadastre_build) -> None:
    sources, store = cadastre_build
    build_store(sources, store)
    built = read_store(store.store_path)
    assert (built.companies["company_id"].tolist(), built.ownership["edge_id"].tolist(),
            built.licence_sites.values.tolist(), len(built.agreements), built.build_info["holder_text_problems"]) == (
        ["kutisay-mining", "licence-kg-1"], ["kutisay-mining>licence-kg-1#1"],
        [["KG-1", "national-registry:kg-a", "polygon", "0.0 km"]], 0,
        ["licence KG-1: could not parse holder text part 'Other Co 40%)'"])


# --- integration: the real staged data --------------------------------------------------------------------

REAL_JOINS = {
    "KZ-NKATPAR": ["national:kz-northern-katpar"],
    "KZ-UKAIRAKTY": ["national:kz-upper-kairakty"],
    "KZ-NKATPAR-UKAIRAKTY-XIAMEN": ["national:kz-northern-katpar", "national:kz-upper-kairakty"],
    "KG-KUTESSAI2-STANS": ["national:kg-kutessai-2"],
    "KG-KUTESSAI2-NATPROJ": ["national:kg-kutessai-2"],
    "KG-KUTESSAI2-CN": ["national:kg-kutessai-2"],
    "KZ-SARYTOGAN": ["national:kz-sarytogan"],
    "KG-KALESAY-STANS": ["national:kg-kalesay"],
    "KZ-KUIREKTYKOL-STATE": ["national:kz-kuirektykol"],
    "KZ-KUIREKTYKOL-TKS": ["national:kz-kuirektykol"],
    "KZ-KUIREKTYKOL-HMS": ["national:kz-kuirektykol"],
    "KZ-KUIREKTYKOL-COVE": ["national:kz-kuirektykol"],
    "KZ-EKZ-LITHIUM-HMS51": [],
}


@pytest.mark.parametrize(("licence_id", "site_ids"), REAL_JOINS.items(), ids=REAL_JOINS)
def test_real_licences_join_their_named_sites(real_store: Path, licence_id: str, site_ids: list[str]) -> None:
    links = read_store(real_store).licence_sites
    assert links[links["licence_id"] == licence_id]["site_id"].tolist() == site_ids


def test_the_real_build_reports_the_unnamed_and_ambiguous_licences(real_store: Path) -> None:
    info = read_store(real_store).build_info
    assert (info["licences"], info["licences_joined"], info["licences_unjoined"], info["licences_ambiguous"],
            info["holder_text_problems"], info["companies_added_from_holder_text"]) == (
        288, 280, ["KZ-EKZ-LITHIUM-HMS51: no site of KZ carries the name 'Two East Kazakhstan lithium deposits "
                   "(unnamed)'", "UZ-NAVOI-AGROFOS: no site of UZ carries the name 'Navoi Agrofos phosphorite area "
                   "(unnamed)' / 'участок Navoi Agrofos'", "UZ-SURKHANDARYA-JDB: no site of UZ carries the name "
                   "'Unnamed gold deposits, Surkhandarya region' / 'золоторудные месторождения Сурхандарьи'",
                   "UZ-SURKHANDARYA-CU-BEDLEY: no site of UZ carries the name 'Unnamed copper deposit, Surkhandarya "
                   "region (auction)' / 'медное месторождение в Сурхандарьинской области'",
                   "UZ-NAVOI-UBLOCKS-JOGMEC: no site of UZ carries the name 'Two uranium exploration blocks, Navoi "
                   "region (black shale)' / 'два участка в Навоийской области'"],
        ["KZ-SYRYMBET-TINONE: name 'Syrymbet' matches sites mrdata-major-deposits:1476, "
         "world-tin-tungsten-deposit:471; name 'Сырымбет' matches sites mrdata-major-deposits:1476, "
         "world-tin-tungsten-deposit:471",
         "KZ-AKSU-ALTYNALMAS: name 'Aksu (gold)' matches sites mrdata-nicrpge:207835, mrdata-sir20105090z:10065; "
         "name 'Аксу' matches sites mrdata-nicrpge:207835, mrdata-sir20105090z:10065",
         # Dalnee of major-deposits counts as UZ since issue 10 (its point lies in Uzbekistan's Almalyk district).
         "UZ-DALNEYE-AGMK: name 'Dalnee (Dalneye)' matches sites mrdata-major-deposits:1847, mrdata-nicrpge:12162970, "
         "mrdata-nicrpge:208123, mudd-jowitt-copper:dalnee-uzbekistan__2247; name 'Дальнее' matches sites "
         "mrdata-major-deposits:1847, mrdata-nicrpge:12162970, mrdata-nicrpge:208123, "
         "mudd-jowitt-copper:dalnee-uzbekistan__2247"], [], 0)


def test_the_real_store_holds_every_curated_table(real_store: Path) -> None:
    built = read_store(real_store)
    assert {name: len(built.layer(name)) for name in (*RELATION_LAYERS, "licence_sites")} == {
        "companies": 349 + 18, "ownership": 351 + 5, "licences": 288, "agreements": 82, "country_profiles": 5,
        "facilities": 13, "licence_sites": 307}  # + the GEM imports: 14 + 4 companies, 3 + 2 edges
    # licence_sites: 352 before issue 10; a licence that named duplicate sites of one deposit now names one site
    assert built.build_info["import_conflicts"] == []


def test_the_real_store_gives_known_relation_values_back(real_store: Path) -> None:
    built = read_store(real_store)
    jv = built.ownership.set_index("edge_id").loc["cove-kaz-capital-group>severniy-katpar-llp#6"]
    ulba = built.facilities.set_index("facility_id").loc["FAC-KZ-ULBA"]
    kazakhstan = built.country_profiles.set_index("country").loc["KZ"]
    assert (jv["share_pct"], jv["valid_from"], jv["relation"], (ulba.geometry.x, ulba.geometry.y),
            kazakhstan["key_partners"], math.isnan(built.ownership.set_index("edge_id").loc[
                "cove-capital>cove-kaz-capital-group#2", "share_pct"])) == (
        70.0, "2025-11-06", "joint venture", (82.615, 49.99), ["GB", "DE", "KR", "SG", "US", "FR"], True)


def test_the_real_store_keeps_licence_commodities_as_lists(real_store: Path) -> None:
    licences = read_store(real_store).licences.set_index("licence_id")
    assert (licences.loc["KZ-BAKENNOYE-KIGAM", "commodities"], licences.geometry.isna().all(),
            str(licences.crs)) == (["Li", "Ta", "Cs"], True, "EPSG:4326")


def test_ownership_edges_of_the_real_store_meet_their_contract(real_store: Path) -> None:
    ownership = read_store(real_store).ownership
    assert (list(ownership.columns), ownership["edge_id"].is_unique) == (OWNERSHIP.column_names, True)
