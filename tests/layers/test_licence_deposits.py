"""Unmapped deposit records for licensed deposits that no deposit source names (layers/deposits/licence_deposits.py)."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import MultiPolygon, Point, box

from layers.deposits.licence_deposits import DATASET, licence_deposit_records
from layers.schema import LICENCES, SOURCE_RECORDS, STORE_CRS, validate
from layers.store import read_store


def _licences(*rows: tuple[str, str, str, str, list[str]], polygon: bool = False) -> pd.DataFrame:
    records = [{c: "" for c in LICENCES.column_names}
               | {"licence_id": lid, "deposit_name": name, "deposit_name_ru": name_ru, "deposit_country": country,
                  "commodities": commodities, "references": f"https://example.org/{lid}", "stage": "producing"}
               for lid, name, name_ru, country, commodities in rows]
    frame = pd.DataFrame(records, columns=LICENCES.column_names)
    geometry = [MultiPolygon([box(0, 0, 1, 1)]) if polygon else None] * len(rows)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=STORE_CRS), crs=STORE_CRS)


def _records(*rows: tuple[str, str, list[str]]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame([{c: "" for c in SOURCE_RECORDS.column_names}
                          | {"record_id": f"usgs:{n}", "name": name, "country": country, "aliases": aliases}
                          for n, (name, country, aliases) in enumerate(rows)], columns=SOURCE_RECORDS.column_names)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([Point(70, 45)] * len(rows), crs=STORE_CRS))


RECORDS = _records(("Kumtor", "KG", []), ("Kounrad", "KZ", ["Qonyrat"]))


def test_a_deposit_no_source_names_becomes_one_unmapped_record():
    got = licence_deposit_records([("curated_licences", _licences(
        ("L2", "Inkai (blocks 1-3)", "Инкай", "KZ", ["U"]), ("L1", "Inkai", "", "KZ", ["U", "Mo"])))], RECORDS)
    validate(got, SOURCE_RECORDS, what="licence deposits")
    row = got.iloc[0]
    assert (len(got), row["record_id"], row["name"], row["aliases"], row["commodities"], row["source"],
            row["dataset"], row["location_status"], math.isnan(row["location_precision_km"]), row.geometry) == (
        1, f"{DATASET}:kz-inkai", "Inkai", ["Инкай"], ["Mo", "U"], "curated_licences", DATASET, "missing", True,
        None)
    assert row["references"] == ["https://example.org/L1", "https://example.org/L2"]
    assert row["location_raw"] == "not located: named only by licence(s) L1, L2"


def test_a_deposit_a_source_names_in_any_form_gives_no_record():
    licences = _licences(("L1", "Qonyrat (Kounrad)", "", "KZ", ["Cu"]), ("L2", "Кумтор", "", "KG", ["Au"]))
    assert licence_deposit_records([("curated_licences", licences)], RECORDS).empty


def test_the_same_name_in_another_country_is_another_deposit():
    got = licence_deposit_records([("c", _licences(("L1", "Kumtor", "", "KZ", ["Au"])))], RECORDS)
    assert got["record_id"].tolist() == [f"{DATASET}:kz-kumtor"]


def test_placeholder_names_and_licences_with_polygons_give_no_record():
    placeholders = _licences(("L1", "Two uranium exploration blocks", "", "UZ", ["U"]),
                             ("L2", "Unnamed gold deposits, Surkhandarya region", "", "UZ", ["Au"]),
                             ("L3", "Lithium deposit", "без названия", "KZ", ["Li"]))
    polygons = _licences(("P1", "Tokhtar", "", "KZ", ["Au"]), polygon=True)
    assert licence_deposit_records([("c", placeholders), ("cadastre", polygons)], RECORDS).empty


def test_distinct_blocks_stay_distinct_deposits():
    got = licence_deposit_records([("c", _licences(("L1", "South Inkai (block 4)", "", "KZ", ["U"]),
                                                   ("L2", "Inkai", "", "KZ", ["U"])))], RECORDS)
    assert got["record_id"].tolist() == [f"{DATASET}:kz-inkai", f"{DATASET}:kz-south-inkai"]


def test_the_real_build_gives_licensed_sites_in_all_five_countries(real_store: Path):
    store = read_store(real_store)
    sites = store.sites
    made = sites[sites["site_id"].str.startswith(f"{DATASET}:")]
    linked = store.licence_sites.merge(sites[["site_id", "country"]], on="site_id")
    assert made.geometry.isna().all() and len(made) > 100
    assert set(linked["country"]) == {"KZ", "KG", "TJ", "TM", "UZ"}
    assert linked["site_id"].nunique() >= 200
    assert "Kumtor" not in set(made["name"])  # USGS names it: joined, never duplicated
