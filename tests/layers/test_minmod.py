"""Tests for the MinMod mineral-site loader: tiny sites in MinMod's schema, and the real staged extract."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point

from layers.deposits.minmod import load_minmod_sites
from layers.deposits.records import LoadResult, make_quarantine, make_records
from layers.errors import SourceFormatError
from layers.manifest import Source, load_manifest
from layers.registry import LOADERS
from layers.settings import SourceSettings

MINMOD = "https://minmod.isi.edu/resource/"
REE_SOURCE = "https://mrdata.usgs.gov/ree"
KUTESSAI_WKT = "POINT (76.166666666667 42.666666666667)"


def _source() -> Source:
    return Source(
        id="minmod", title="t", publisher="p", licence="l", attribution="a", url="https://example.org",
        root="raw", files=("deposits/minmod.json",), loader="minmod_sites",
    )


def _country(observed: str, uri: str | None) -> dict:
    entry = {"source": "UMN Matching System v1", "confidence": 1.0, "observed_name": observed}
    if uri is not None:
        entry["normalized_uri"] = uri
    return entry


def _item(observed: str, uri: str | None = None, ore: dict | None = None, grade: dict | None = None,
          category: tuple[str, ...] = (), document: str = REE_SOURCE) -> dict:
    commodity = {"source": "UMN Matching System v1", "confidence": 1.0, "observed_name": observed}
    if uri is not None:
        commodity["normalized_uri"] = MINMOD + uri
    item: dict = {"reference": {"document": {"uri": document}}, "commodity": commodity}
    if ore is not None:
        item["ore"] = ore
    if grade is not None:
        item["grade"] = grade
    if category:
        item["category"] = [{"observed_name": c.lower(), "normalized_uri": MINMOD + c} for c in category]
    return item


def _site(record_id: str = "211", name: str | None = "Kutessai-II", source_id: str = REE_SOURCE,
          countries: list[dict] | None = None, location: str | None = KUTESSAI_WKT, **extra: object) -> dict:
    location_info: dict = {
        "country": countries if countries is not None else [_country("Kyrgyzstan", MINMOD + "Q1117")],
        "crs": {"observed_name": "EPSG:4326", "normalized_uri": MINMOD + "Q701"},
    }
    if location is not None:
        location_info["location"] = location
    site: dict = {"source_id": source_id, "record_id": record_id, "location_info": location_info,
                  "reference": [{"document": {"uri": source_id}}], "created_by": "https://minmod.isi.edu/users/s/umn",
                  "modified_at": "2024-10-01T00:00:00Z", "mineral_inventory": [_item("Lanthanum", "Q686")]}
    if name is not None:
        site["name"] = name
    site.update(extra)
    return site


def _write(path: Path, document: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _load(tmp_path: Path, *sites: dict) -> LoadResult:
    return load_minmod_sites([_write(tmp_path / "minmod.json", list(sites))], _source())


def _row(**changes: object) -> dict:
    row = {
        "record_id": "mrdata-ree:211", "source": "minmod", "dataset": "mrdata-ree", "name": "Kutessai-II",
        "aliases": [], "country": "KG", "commodities": ["La"], "commodity_groups": ["REE"], "deposit_types": [],
        "status": "", "grade_tonnage": [], "references": [REE_SOURCE], "upstream_url": REE_SOURCE,
        "location_precision_km": 15.0, "location_status": "exact", "location_raw": KUTESSAI_WKT,
        "country_check": "", "same_as": [], "geometry": Point(76.166666666667, 42.666666666667),
    }
    row.update(changes)
    return row


def _quarantine_row(reason: str, **changes: object) -> dict:
    row = {"source": "minmod", "record_id": "mrdata-ree:211", "name": "Kutessai-II", "country": "KG",
           "location_raw": KUTESSAI_WKT, "reason": reason}
    row.update(changes)
    return row


def test_a_site_becomes_one_record(tmp_path: Path) -> None:
    site = _site(
        aliases=["Kutessay II", " ", "Kutesai-2"],
        mineral_inventory=[
            _item("Lanthanum", "Q686"),
            _item("Beryllium", "Q512x", ore={"value": 2.5, "unit": {"normalized_uri": MINMOD + "Q202"}},
                  grade={"value": 0.1, "unit": {"observed_name": "percent"}}, category=("Indicated", "Measured"),
                  document="https://doi.org/10.1/abc"),
        ],
        deposit_type_candidate=[
            {"observed_name": "Carbonatite", "normalized_uri": MINMOD + "Q380"},
            {"normalized_uri": MINMOD + "Q381"},
            {"observed_name": "Carbonatite"},
        ],
    )
    result = _load(tmp_path, site)
    expected = make_records([_row(
        aliases=["Kutessay II", "Kutesai-2"], commodities=["La", "Be"], commodity_groups=["REE", "rare metals"],
        deposit_types=["Carbonatite", "Q381"],
        grade_tonnage=[{"commodity": "Beryllium", "ore_tonnes": 2_500_000.0, "grade": 0.1, "grade_unit": "percent",
                        "category": "Indicated+Measured", "zone": None, "date": None}],
        references=[REE_SOURCE, "https://doi.org/10.1/abc"],
    )], "expected")
    assert_geodataframe_equal(result.records, expected)
    assert (len(result.quarantine), result.notes) == (0, [])


def test_record_id_uses_the_dataset_table(tmp_path: Path) -> None:
    result = _load(tmp_path, _site(record_id="kutessay-ii__169", source_id="https://doi.org/10.2113/econgeo.110.8.1925"))
    assert result.records[["record_id", "dataset"]].values.tolist() == [
        ["jowitt-ree:kutessay-ii__169", "jowitt-ree"]
    ]


def test_record_id_of_an_unknown_source_uses_the_upstream_folder_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "data" / "mineral-sites" / "usc" / "Some_New Dataset" / "b000.json",
                  [_site(record_id="7", source_id="https://example.org/new")])
    result = load_minmod_sites([path], _source())
    assert result.records[["record_id", "dataset", "upstream_url"]].values.tolist() == [
        ["some-new-dataset:7", "some-new-dataset", "https://example.org/new"]
    ]


@pytest.mark.parametrize(
    ("countries", "expected"),
    [
        ([_country("Kazakhstan", MINMOD + "Q1112")], "KZ"),
        ([_country("", MINMOD + "Q1238")], "UZ"),
        ([_country("Kazakstan", None)], "KZ"),
        ([_country("Tajikistan", "")], "TJ"),
        ([_country("Russia", MINMOD + "Q1123"), _country("Turkmenistan", MINMOD + "Q1228")], "TM"),
    ],
    ids=["uri-and-name", "uri-only", "observed-kazakstan", "observed-empty-uri", "second-entry"],
)
def test_country_from_uri_or_observed_name(tmp_path: Path, countries: list[dict], expected: str) -> None:
    assert _load(tmp_path, _site(countries=countries)).records["country"].tolist() == [expected]


def test_records_outside_the_five_countries_are_skipped_and_counted(tmp_path: Path) -> None:
    result = _load(
        tmp_path,
        _site(record_id="1", countries=[_country("Russia", MINMOD + "Q1123")]),
        _site(record_id="2"),
        _site(record_id="3", countries=[]),
    )
    assert (result.records["record_id"].tolist(), len(result.quarantine), result.notes) == (
        ["mrdata-ree:2"], 0, ["2 records outside KZ, KG, TJ, UZ, TM were not read"]
    )


@pytest.mark.parametrize(
    ("inventory", "commodities"),
    [
        ([_item("Tant.", "Q610")], ["Ta"]),
        ([_item("Lithium")], ["Li"]),
        ([_item("Copper", "Q99999")], ["Cu"]),
        ([_item("Magnesium", "Q698")], ["Mg"]),
        ([_item("Thulium", "Q698")], ["Tm"]),
        ([_item("Sodium, Halite"), _item("HAL  K  BR")], ["salt", "K", "Br"]),
        ([_item("Goethite")], []),
        ([], []),
    ],
    ids=["qid-wins", "observed-only", "unknown-qid", "q698-magnesium", "q698-thulium", "codes", "mineral", "none"],
)
def test_commodities_from_qid_or_observed_name(tmp_path: Path, inventory: list[dict],
                                               commodities: list[str]) -> None:
    result = _load(tmp_path, _site(mineral_inventory=inventory))
    assert (result.records["commodities"].tolist(), result.notes) == ([commodities], [])


def test_unmapped_commodity_names_are_counted_in_the_notes(tmp_path: Path) -> None:
    result = _load(
        tmp_path,
        _site(record_id="1", mineral_inventory=[_item("Unobtainium"), _item("T")]),
        _site(record_id="2", mineral_inventory=[_item("Unobtainium")]),
    )
    assert (result.records["commodities"].tolist(), result.notes) == (
        [[], []], ["commodity names not mapped: 'T' (1), 'Unobtainium' (2)"]
    )


@pytest.mark.parametrize(
    ("unit", "ore_tonnes"),
    [({"normalized_uri": MINMOD + "Q200"}, 3715.0), ({"normalized_uri": MINMOD + "Q202"}, 3_715_000_000.0),
     (None, None), ({"observed_name": "Kt"}, None)],
    ids=["tonnes", "million-tonnes", "no-unit", "unnormalised-unit"],
)
def test_ore_tonnes_apply_the_unit_factor(tmp_path: Path, unit: dict | None, ore_tonnes: float | None) -> None:
    ore = {"value": 3715.0, **({"unit": unit} if unit is not None else {})}
    inventory = [_item("Nickel", "Q578", ore=ore, grade={"value": 1.19, "unit": {"observed_name": "percent"}},
                       category=("Measured",))]
    result = _load(tmp_path, _site(mineral_inventory=inventory))
    assert result.records["grade_tonnage"].tolist() == [[
        {"commodity": "Nickel", "ore_tonnes": ore_tonnes, "grade": 1.19, "grade_unit": "percent",
         "category": "Measured", "zone": None, "date": None}
    ]]


@pytest.mark.parametrize(
    ("location", "precision_km", "status", "point"),
    [
        ("POINT (76 42)", 75.0, "coarse", Point(76, 42)),
        ("POINT(70.0 45.0)", 75.0, "coarse", Point(70, 45)),
        (KUTESSAI_WKT, 15.0, "exact", Point(76.166666666667, 42.666666666667)),
        ("POINT (65.9 40.4)", 8.0, "exact", Point(65.9, 40.4)),
        ("point (63.38 40.81)", 2.0, "exact", Point(63.38, 40.81)),
        ("POINT (69.596667 40.629722)", 2.0, "exact", Point(69.596667, 40.629722)),
    ],
    ids=["whole-degrees", "whole-degrees-decimal", "ten-arc-minutes", "tenth-degree", "hundredth", "fine"],
)
def test_precision_and_status_follow_the_coordinates(tmp_path: Path, location: str, precision_km: float,
                                                     status: str, point: Point) -> None:
    result = _load(tmp_path, _site(location=location))
    expected = make_records([_row(location_precision_km=precision_km, location_status=status, location_raw=location,
                                  geometry=point)], "expected")
    assert_geodataframe_equal(result.records, expected)


@pytest.mark.parametrize(
    ("changes", "quarantined"),
    [
        ({"name": None}, _quarantine_row("no name", name="")),
        ({"name": "   "}, _quarantine_row("no name", name="")),
        ({"name": None, "location": None}, _quarantine_row("no name", name="", location_raw="")),
        ({"location": "POINT(0 0)"}, _quarantine_row("placeholder point (0, 0)", location_raw="POINT(0 0)")),
        ({"location": "POINT(50 -90)"},
         _quarantine_row("placeholder point at a pole (lat -90.0)", location_raw="POINT(50 -90)")),
        ({"location": "POINT (76.1 142.6)"},
         _quarantine_row("coordinates out of range (lon 76.1, lat 142.6; expected lon -180..180, lat -90..90)",
                         location_raw="POINT (76.1 142.6)")),
        ({"location": "76.1 42.6"},
         _quarantine_row("location is not a WKT point: '76.1 42.6'", location_raw="76.1 42.6")),
        ({"location": "POLYGON ((76 42, 77 42, 77 43, 76 42))"},
         _quarantine_row("location is not a WKT point: 'POLYGON ((76 42, 77 42, 77 43, 76 42))'",
                         location_raw="POLYGON ((76 42, 77 42, 77 43, 76 42))")),
    ],
    ids=["no-name", "blank-name", "no-name-no-location", "zero-point", "pole", "out-of-range", "bare-numbers",
         "polygon"],
)
def test_unusable_sites_are_quarantined_with_a_reason(tmp_path: Path, changes: dict, quarantined: dict) -> None:
    result = _load(tmp_path, _site(**changes))
    pd.testing.assert_frame_equal(result.quarantine, make_quarantine([quarantined], "expected"))
    assert len(result.records) == 0


@pytest.mark.parametrize("location", [None, ""], ids=["absent", "empty"])
def test_a_site_without_location_is_kept_unmapped(tmp_path: Path, location: str | None) -> None:
    result = _load(tmp_path, _site(location=location))
    expected = make_records([_row(location_precision_km=math.nan, location_status="missing", location_raw="",
                                  geometry=None)], "expected")
    assert_geodataframe_equal(result.records, expected)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"source_id": "x", "record_id": "1"}', "expected a JSON list of MinMod mineral sites, got dict"),
        ('["Kutessai-II"]', "no item is a MinMod mineral site (each needs source_id and record_id); item 0 is str"),
        ('[{"name": "b"}, 3]',
         "no item is a MinMod mineral site (each needs source_id and record_id); item 0 is dict"),
    ],
    ids=["dict", "string-item", "no-item-with-ids"],
)
def test_a_file_that_is_not_a_list_of_sites_is_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "minmod.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceFormatError) as exc_info:
        load_minmod_sites([path], _source())
    assert str(exc_info.value) == f"{path}: {message}"


def test_a_file_that_is_not_json_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "minmod.json"
    path.write_text("[{not json", encoding="utf-8")
    with pytest.raises(SourceFormatError) as exc_info:
        load_minmod_sites([path], _source())
    assert str(exc_info.value).startswith(f"{path}: not a readable JSON file: ")


# --- integration: the real staged extract -------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_minmod(raw_dir: Path, source_settings: SourceSettings) -> LoadResult:
    manifest = load_manifest(source_settings.manifest_path, set(LOADERS))
    source = next(s for s in manifest if s.id == "minmod")
    return load_minmod_sites([raw_dir / "deposits" / "minmod_central_asia_sites.json"], source)


@pytest.mark.integration
def test_real_extract_reads_every_record_of_the_csv_once(real_minmod: LoadResult, raw_dir: Path) -> None:
    with (raw_dir / "deposits" / "minmod_central_asia.csv").open(encoding="utf-8", newline="") as handle:
        csv_ids = [row["id"] for row in csv.DictReader(handle)]
    read_ids = [*real_minmod.records["record_id"], *real_minmod.quarantine["record_id"]]
    assert (len(read_ids), len(set(read_ids)), set(read_ids)) == (1387, 1387, set(csv_ids))


@pytest.mark.integration
def test_real_extract_places_kutessai_ii_in_kyrgyzstan(real_minmod: LoadResult) -> None:
    records = real_minmod.records.set_index("record_id")
    row = records.loc["mrdata-ree:211"]
    assert (row["name"], row["country"], row["source"], row["location_status"]) == (
        "Kutessai-II", "KG", "minmod", "exact"
    )
    kutessai = gpd.GeoSeries([row.geometry], crs=records.crs)
    assert kutessai.geom_equals_exact(Point(76.166667, 42.666667), tolerance=1e-6).tolist() == [True]


@pytest.mark.integration
def test_real_extract_counts_per_country_match_provenance(real_minmod: LoadResult) -> None:
    countries = pd.concat([real_minmod.records["country"], real_minmod.quarantine["country"]])
    assert countries.value_counts().to_dict() == {"KZ": 1000, "UZ": 213, "KG": 75, "TJ": 55, "TM": 44}


@pytest.mark.integration
def test_real_extract_quarantines_the_13_sites_without_name(real_minmod: LoadResult) -> None:
    no_name = real_minmod.quarantine[real_minmod.quarantine["reason"] == "no name"]
    assert (len(no_name), set(no_name["name"])) == (13, {""})
