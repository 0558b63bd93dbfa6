"""Tests for the national-template loader: small CSV and XLSX files, and the curated deposits table."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from openpyxl import Workbook
from shapely.geometry import Point

from layers.deposits.national import load_national_deposits, split_list
from layers.deposits.records import LoadResult, make_quarantine, make_records
from layers.errors import ColumnMappingError, SourceFormatError
from layers.manifest import Source, load_manifest
from layers.settings import SourceSettings

KUTESSAI = {
    "deposit_id": "kg-kutessai-2", "name": "Kutessai-II", "name_ru": "Кутессай-II",
    "aliases": "Kutessay II; Kutesay-2 (Aktyuz; Kemin); Kutessaj-2 (?)", "country": "Kyrgyzstan",
    "lon": "76.166667", "lat": "42.666667", "location_precision": "source record (10 arc-minutes)",
    "precision_km": "15", "commodities": "REE; Be; Mo", "deposit_kind": "deposit",
    "status": "national project 2024", "linked_records": "mrdata-ree:211; jowitt-ree:kutessay-ii__169",
    "notes": "Aktyuz ore field", "source": "002_3bc0e5584da11cc3.txt; https://example.org/kutessai",
    "confidence": "reported",
}


def _source(columns: dict[str, str] | None = None) -> Source:
    return Source(
        id="national_registry", title="t", publisher="p", licence="l", attribution="a", url="docs/template.md",
        root="raw", files=("national/*.csv",), loader="national_deposits", columns=columns or {},
    )


def _write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    header = header or list(rows[0])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _row(**cells: str) -> dict[str, str]:
    return {"name": "Kutessai-II", "country": "KG", "lon": "76.166667", "lat": "42.666667", **cells}


def _load(tmp_path: Path, *rows: dict[str, str], name: str = "deposits.csv", **kwargs: object) -> LoadResult:
    return load_national_deposits([_write_csv(tmp_path / name, list(rows))], _source(**kwargs))


def _record(**changes: object) -> dict:
    record = {
        "record_id": "national:2", "source": "national_registry", "dataset": "national", "name": "Kutessai-II",
        "aliases": [], "country": "KG", "commodities": [], "commodity_groups": [], "deposit_types": [],
        "status": "", "grade_tonnage": [], "references": [], "upstream_url": "docs/template.md",
        "location_precision_km": 10.0, "location_status": "exact", "location_raw": "lon=76.166667, lat=42.666667",
        "country_check": "", "same_as": [], "geometry": Point(76.166667, 42.666667),
    }
    record.update(changes)
    return record


def test_a_full_template_row_becomes_one_record(tmp_path: Path) -> None:
    result = _load(tmp_path, KUTESSAI)
    expected = make_records([_record(
        record_id="national:kg-kutessai-2", aliases=["Кутессай-II", "Kutessay II", "Kutesay-2 (Aktyuz; Kemin)"],
        commodities=["REE", "Be", "Mo"], commodity_groups=["REE", "rare metals"],
        deposit_types=["deposit"], status="national project 2024",
        references=["002_3bc0e5584da11cc3.txt", "https://example.org/kutessai"], location_precision_km=15.0,
        location_raw="lon=76.166667, lat=42.666667; source record (10 arc-minutes)",
        same_as=["mrdata-ree:211", "jowitt-ree:kutessay-ii__169"],
    )], "expected")
    assert_geodataframe_equal(result.records, expected)
    assert (len(result.quarantine), result.notes) == (0, [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("A", ["A"]),
        ("A; B (c; d); E", ["A", "B (c; d)", "E"]),
        (" A ;; B; ", ["A", "B"]),
        ("Zhana Kazakhstan area (Irgiz; Dos-2)", ["Zhana Kazakhstan area (Irgiz; Dos-2)"]),
    ],
)
def test_split_list_keeps_semicolons_inside_parentheses(text: str, expected: list[str]) -> None:
    assert split_list(text) == expected


@pytest.mark.parametrize(
    ("cells", "aliases"),
    [
        ({"aliases": "Kutessay II; Kutesay-2 (Aktyuz; Kemin)"}, ["Kutessay II", "Kutesay-2 (Aktyuz; Kemin)"]),
        ({"aliases": "Babatag (?); Kutessay II"}, ["Kutessay II"]),
        ({"aliases": "Kutessay II", "name_ru": "Кутессай-II"}, ["Кутессай-II", "Kutessay II"]),
        ({"aliases": "", "name_ru": "Кутессай-II"}, ["Кутессай-II"]),
        ({"aliases": ""}, []),
    ],
    ids=["split", "doubtful-dropped", "name-ru-first", "name-ru-only", "none"],
)
def test_aliases(tmp_path: Path, cells: dict[str, str], aliases: list[str]) -> None:
    assert _load(tmp_path, _row(**cells)).records["aliases"].tolist() == [aliases]


@pytest.mark.parametrize(
    ("linked", "same_as"),
    [("", []), ("mrdata-ree:211", ["mrdata-ree:211"]),
     ("mrdata-ree:211; jowitt-ree:kutessay-ii__169;", ["mrdata-ree:211", "jowitt-ree:kutessay-ii__169"])],
)
def test_linked_records_become_same_as(tmp_path: Path, linked: str, same_as: list[str]) -> None:
    assert _load(tmp_path, _row(linked_records=linked)).records["same_as"].tolist() == [same_as]


@pytest.mark.parametrize(
    ("wording", "precision_text", "status", "precision_km"),
    [
        ("source record", "5", "exact", 5.0),
        ("approximate (district)", "40", "approximate", 40.0),
        ("", "", "exact", 10.0),
    ],
)
def test_location_status_and_precision(tmp_path: Path, wording: str, precision_text: str, status: str,
                                       precision_km: float) -> None:
    result = _load(tmp_path, _row(location_precision=wording, precision_km=precision_text))
    assert result.records[["location_status", "location_precision_km"]].values.tolist() == [[status, precision_km]]


def test_a_row_without_coordinates_is_kept_unmapped(tmp_path: Path) -> None:
    result = _load(tmp_path, _row(lon="", lat="", location_precision="unknown", precision_km=""))
    expected = make_records([_record(location_precision_km=math.nan, location_status="missing",
                                     location_raw="lon=, lat=; unknown", geometry=None)], "expected")
    assert_geodataframe_equal(result.records, expected)


@pytest.mark.parametrize(
    ("cells", "name", "country", "location_raw", "reason"),
    [
        ({"name": ""}, "", "KG", "lon=76.166667, lat=42.666667", "no name"),
        ({"country": "Russia"}, "Kutessai-II", "Russia", "lon=76.166667, lat=42.666667",
         "unknown country 'Russia' (expected one of KZ, KG, TJ, UZ, TM)"),
        ({"lat": "42°40'N"}, "Kutessai-II", "KG", "lon=76.166667, lat=42°40'N",
         "coordinates are not decimal degrees (lon '76.166667', lat \"42°40'N\")"),
        ({"lat": ""}, "Kutessai-II", "KG", "lon=76.166667, lat=",
         "coordinates are not decimal degrees (lon '76.166667', lat '')"),
        ({"lat": "142.6"}, "Kutessai-II", "KG", "lon=76.166667, lat=142.6",
         "coordinates out of range (lon 76.166667, lat 142.6; expected lon -180..180, lat -90..90)"),
        ({"lon": "0", "lat": "0"}, "Kutessai-II", "KG", "lon=0, lat=0", "placeholder point (0, 0)"),
    ],
    ids=["no-name", "unknown-country", "dms", "half-pair", "out-of-range", "zero-point"],
)
def test_bad_rows_are_quarantined_naming_file_and_row(tmp_path: Path, cells: dict[str, str], name: str,
                                                      country: str, location_raw: str, reason: str) -> None:
    result = _load(tmp_path, _row(name="Aktyuz"), _row(**cells), name="registry.csv")
    expected = make_quarantine([{"source": "national_registry", "record_id": "registry.csv:3", "name": name,
                                 "country": country, "location_raw": location_raw,
                                 "reason": f"registry.csv row 3: {reason}"}], "expected")
    pd.testing.assert_frame_equal(result.quarantine, expected)
    assert result.records["record_id"].tolist() == ["national-registry:2"]


def test_a_quarantined_row_with_a_deposit_id_keeps_its_record_id(tmp_path: Path) -> None:
    result = _load(tmp_path, _row(deposit_id="kg-x", name=""))
    assert result.quarantine[["record_id", "reason"]].values.tolist() == [
        ["national:kg-x", "deposits.csv row 2: no name"]
    ]


def test_a_non_numeric_precision_quarantines_the_row(tmp_path: Path) -> None:
    # A typo in an optional column must not abort the whole build with a bare ValueError.
    result = _load(tmp_path, _row(precision_km="about 5"), name="registry.csv")
    assert (len(result.records), result.quarantine["reason"].str.startswith("registry.csv row 2: ").tolist()) == (
        0, [True]
    )


def test_a_missing_required_column_names_the_columns(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "registry.csv", [{"Name": "Kutessai-II", "longitude": "76.1", "lat": "42.6"}])
    with pytest.raises(ColumnMappingError) as exc_info:
        load_national_deposits([path], _source())
    assert str(exc_info.value) == (
        f"{path}: missing required national template columns ['country', 'lon']; "
        "the file has 3 columns, of the expected names ['name', 'lat']; "
        "see docs/NATIONAL_TEMPLATE.md or map them in data/sources.toml [source.columns]"
    )


def test_source_columns_map_a_russian_header_onto_name(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "registry.csv", [{"Наименование": "Кутессай-II", "country": "Кыргызстан",
                                                   "lon": "76.166667", "lat": "42.666667"}])
    result = load_national_deposits([path], _source(columns={"name": "Наименование"}))
    expected = make_records([_record(record_id="national-registry:2", dataset="national-registry",
                                     name="Кутессай-II")], "expected")
    assert_geodataframe_equal(result.records, expected)


def test_source_columns_naming_an_absent_column_is_refused(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "registry.csv", [_row()])
    with pytest.raises(ColumnMappingError) as exc_info:
        load_national_deposits([path], _source(columns={"name": "Наименование"}))
    assert str(exc_info.value) == f"{path}: [source.columns] names columns not in the file: ['Наименование']"


def test_an_xlsx_file_on_the_template_is_read(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    for row in (["name", "country", "lon", "lat", "aliases", "precision_km"],
                ["Kutessai-II", "KG", 76.166667, 42.666667, "Kutessay II; Kutesay-2", 15],
                ["Karajal", "Kazakhstan", None, None, None, None]):
        sheet.append(row)
    path = tmp_path / "Registry KG 2024.xlsx"
    book.save(path)
    result = load_national_deposits([path], _source())
    expected = make_records([
        _record(record_id="national-registry-kg-2024:2", dataset="national-registry-kg-2024",
                aliases=["Kutessay II", "Kutesay-2"], location_precision_km=15.0),
        _record(record_id="national-registry-kg-2024:3", dataset="national-registry-kg-2024", name="Karajal",
                country="KZ", location_precision_km=math.nan, location_status="missing", location_raw="lon=, lat=",
                geometry=None),
    ], "expected")
    assert_geodataframe_equal(result.records, expected)


@pytest.mark.parametrize(
    ("name", "content"),
    [("registry.csv", b'name,country,lon,lat\n"Kutessai,KG\n'), ("registry.csv", b"\xff\xfename\n"),
     ("registry.xlsx", b"not a zip file")],
    ids=["unclosed-quote", "not-utf8", "corrupt-xlsx"],
)
def test_an_unreadable_file_is_a_source_format_error_naming_it(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceFormatError) as exc_info:
        load_national_deposits([path], _source())
    assert str(exc_info.value).startswith(f"{path}: cannot read the national template table: ")


# --- integration: the curated table --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def curated(source_settings: SourceSettings) -> LoadResult:
    source = next(s for s in load_manifest(source_settings.manifest_path) if s.id == "national_curated")
    return load_national_deposits(source.resolve(source_settings), source)


@pytest.mark.integration
def test_curated_table_has_25_records_17_mapped(curated: LoadResult) -> None:
    assert (len(curated.records), int(curated.records.geometry.notna().sum()), len(curated.quarantine)) == (25, 17, 0)


@pytest.mark.integration
def test_curated_northern_katpar(curated: LoadResult) -> None:
    row = curated.records.set_index("record_id").loc["national:kz-northern-katpar"]
    assert (row["name"], row["country"], (row.geometry.x, row.geometry.y), row["location_precision_km"],
            row["location_status"], row["same_as"]) == (
        "Northern Katpar", "KZ", (72.95, 48.733333), 5.0, "exact", ["mrdata-major-deposits:1434"]
    )
