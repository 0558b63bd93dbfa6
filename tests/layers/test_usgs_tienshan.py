"""Tests for the USGS Tien Shan REE occurrence loader and the coordinate parser."""

from __future__ import annotations

import math
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal, assert_geoseries_equal
from openpyxl import Workbook
from shapely.geometry import Point, box

from layers.deposits.coordinates import parse_coordinate
from layers.deposits.records import make_records
from layers.deposits.usgs_tienshan import load_usgs_tienshan
from layers.errors import ColumnMappingError, SourceFormatError
from layers.manifest import Source
from layers.schema import SOURCE_RECORDS, validate

CSV_HEADER = (
    "REC_ID,DEP_NAME,OTHER_NAME,LATITUDE,LONGITUDE,COUNTRY,COMMODITY,DEP_GROUP,DEP_TYPE,DEV_STATUS,REFERENCE"
)
CSV_ROW = (
    '7,Kutessay II,Kutessai; Kuttisai,42.6667,75.8,Kyrgyzstan,"REE, Be, Nb",'
    "Carbonatite and alkaline igneous rock-related,Alkaline granite,Past producer,Smith 2001; Jones 2010"
)
SHORT_CSV = "DEP_NAME,LATITUDE,LONGITUDE,COUNTRY\n{}\n"


def _source(columns: dict[str, str] | None = None) -> Source:
    return Source(
        id="usgs_tienshan_ree", title="t", publisher="p", licence="l", attribution="a",
        url="https://example.org", root="raw", files=("x",), loader="usgs_tienshan", columns=columns or {},
    )


def _expected(**changes: object) -> dict:
    row = {
        "record_id": "usgs-tienshan-ree:1", "source": "usgs_tienshan_ree", "dataset": "usgs-tienshan-ree",
        "name": "", "aliases": [], "country": "", "commodities": [], "commodity_groups": [],
        "deposit_types": [], "status": "", "grade_tonnage": [], "references": [],
        "upstream_url": "https://example.org", "location_precision_km": 2.0, "location_status": "exact",
        "location_raw": "", "country_check": "", "geometry": None,
    }
    row.update(changes)
    return row


def _write_csv(tmp_path: Path, text: str, name: str = "deposits.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _point_layer(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"SITE_NAME": ["Aktyuz"], "CNTRY": ["KG"], "COMMOD1": ["REE"], "COMMOD2": ["Be"],
         "DEPTYPE": ["Pegmatite"], "STATUS": ["Occurrence"]},
        geometry=[Point(76.125, 42.75)], crs="EPSG:4326",
    )
    return frame.to_crs(crs)


def _write_shp(tmp_path: Path) -> list[Path]:
    _point_layer().to_file(tmp_path / "usgs_tienshan_ree.shp")
    return sorted(tmp_path.glob("usgs_tienshan_ree.*"))


def _write_zip(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "shp"
    folder.mkdir()
    parts = _write_shp(folder)
    archive = tmp_path / "usgs_tienshan_ree.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for part in parts:
            handle.write(part, arcname=part.name)
    return [archive]


def _write_zipped_gdb(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "gdb"
    folder.mkdir()
    _point_layer().to_file(folder / "REE.gdb", driver="OpenFileGDB", layer="ree_occurrences")
    archive = tmp_path / "usgs_tienshan_ree.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for part in (folder / "REE.gdb").iterdir():
            handle.write(part, arcname=f"REE.gdb/{part.name}")
    return [archive]


def _write_with(suffix: str, driver: str):
    def write(tmp_path: Path) -> list[Path]:
        path = tmp_path / f"usgs_tienshan_ree{suffix}"
        _point_layer().to_file(path, driver=driver, layer="ree_occurrences")
        return sorted(tmp_path.glob("usgs_tienshan_ree.*"))

    return write


def test_loads_csv_with_usgs_names(tmp_path: Path) -> None:
    path = _write_csv(tmp_path, f"{CSV_HEADER}\n{CSV_ROW}\n")
    result = load_usgs_tienshan([path], _source())
    expected = _expected(
        record_id="usgs-tienshan-ree:7", name="Kutessay II", aliases=["Kutessai", "Kuttisai"], country="KG",
        commodities=["REE", "Be", "Nb"], commodity_groups=["REE", "rare metals"],
        deposit_types=["Carbonatite and alkaline igneous rock-related", "Alkaline granite"],
        status="Past producer", references=["Smith 2001", "Jones 2010"],
        location_raw="lat=42.6667, lon=75.8", geometry=Point(75.8, 42.6667),
    )
    assert_geodataframe_equal(result.records, make_records([expected], "expected"))


def test_loads_xlsx_with_dms_text(tmp_path: Path) -> None:
    rows = [["Occurrence_Name", "Lat", "Long", "Country", "Commodities"],
            ["Kutessay II", "42°40'00\"N", "75°48'00\"E", "Kyrgyz Republic", "Ta; Nb; REE"]]
    path = _write_xlsx(tmp_path / "usgs_tienshan_ree.xlsx", {"Occurrences": rows})
    result = load_usgs_tienshan([path], _source())
    expected = _expected(
        name="Kutessay II", country="KG", commodities=["Ta", "Nb", "REE"],
        commodity_groups=["REE", "rare metals"], location_raw="lat=42°40'00\"N, lon=75°48'00\"E",
        geometry=Point(75 + 48 / 60, 42 + 40 / 60),
    )
    assert_geodataframe_equal(result.records, make_records([expected], "expected"))


@pytest.mark.parametrize("wanted", ["REE occurrences", "Data"])
def test_xlsx_reads_the_occurrence_or_data_sheet(tmp_path: Path, wanted: str) -> None:
    readme = [["About"], ["Compiled by USGS"]]
    rows = [["DEP_NAME", "LATITUDE", "LONGITUDE", "COUNTRY"], ["Aktyuz", 42.75, 76.125, "KG"]]
    path = _write_xlsx(tmp_path / "usgs_tienshan_ree.xlsx", {"Read me": readme, wanted: rows})
    result = load_usgs_tienshan([path], _source())
    assert result.records["name"].tolist() == ["Aktyuz"]


@pytest.mark.parametrize(
    "write",
    [_write_shp, _write_zip, _write_with(".gpkg", "GPKG"), _write_with(".geojson", "GeoJSON"),
     _write_with(".gdb", "OpenFileGDB"), _write_zipped_gdb],
    ids=["shapefile", "zipped-shapefile", "geopackage", "geojson", "file-geodatabase", "zipped-geodatabase"],
)
def test_loads_point_layer_with_short_names(tmp_path: Path, write) -> None:
    result = load_usgs_tienshan(write(tmp_path), _source())
    expected = _expected(
        name="Aktyuz", country="KG", commodities=["REE", "Be"], commodity_groups=["REE", "rare metals"],
        deposit_types=["Pegmatite"], status="Occurrence", location_raw="lat=42.75, lon=76.125",
        geometry=Point(76.125, 42.75),
    )
    assert_geodataframe_equal(result.records, make_records([expected], "expected"))


def test_point_layer_in_another_crs_is_reprojected(tmp_path: Path) -> None:
    _point_layer("EPSG:32643").to_file(tmp_path / "usgs_tienshan_ree.gpkg", driver="GPKG")
    result = load_usgs_tienshan([tmp_path / "usgs_tienshan_ree.gpkg"], _source())
    assert_geoseries_equal(
        result.records.geometry, gpd.GeoSeries([Point(76.125, 42.75)], crs="EPSG:4326", name="geometry"),
        check_less_precise=True,
    )


@pytest.mark.parametrize(
    ("layers", "expected"),
    [({"boundaries": 3, "ree_occurrences": 1}, ["site 0"]),
     ({"points_a": 1, "points_b": 2}, ["site 0", "site 1"])],
    ids=["by-name", "by-row-count"],
)
def test_multi_layer_source_picks_the_occurrence_layer(tmp_path: Path, layers: dict, expected: list) -> None:
    path = tmp_path / "usgs_tienshan_ree.gpkg"
    for layer, count in layers.items():
        frame = gpd.GeoDataFrame(
            {"SITE_NAME": [f"site {i}" for i in range(count)], "CNTRY": ["KZ"] * count},
            geometry=[Point(70.5 + i, 45.5) for i in range(count)], crs="EPSG:4326",
        )
        frame.to_file(path, driver="GPKG", layer=layer)
    result = load_usgs_tienshan([path], _source())
    assert result.records["name"].tolist() == expected


def test_zip_holding_a_csv(tmp_path: Path) -> None:
    archive = tmp_path / "usgs_tienshan_ree.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("release/occurrences.csv", SHORT_CSV.format("Aktyuz,42.75,76.125,KG"))
    result = load_usgs_tienshan([archive], _source())
    assert (result.records["name"].tolist(), result.notes) == (
        ["Aktyuz"],
        ["usgs_tienshan_ree.zip/release/occurrences.csv: name <- DEP_NAME, latitude <- LATITUDE, "
         "longitude <- LONGITUDE, country <- COUNTRY; location from columns"],
    )


def test_non_point_geometry_is_quarantined(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"SITE_NAME": ["Aktyuz"], "CNTRY": ["KG"]}, geometry=[box(76, 42, 77, 43)],
                             crs="EPSG:4326")
    frame.to_file(tmp_path / "usgs_tienshan_ree.gpkg", driver="GPKG")
    result = load_usgs_tienshan([tmp_path / "usgs_tienshan_ree.gpkg"], _source())
    assert result.quarantine["reason"].tolist() == [
        "usgs_tienshan_ree.gpkg row 1: unparseable coordinates: geometry is a Polygon, not a point"
    ]


def test_separate_degree_minute_second_columns(tmp_path: Path) -> None:
    text = (
        "DEP_NAME,LAT_DEG,LAT_MIN,LAT_SEC,LONG_DEG,LONG_MIN,LONG_SEC,COUNTRY\n"
        "Aktyuz,42,40,00,76,10,30,KG\n"
    )
    result = load_usgs_tienshan([_write_csv(tmp_path, text)], _source())
    assert (result.records.loc[0, "location_raw"], result.records.geometry[0]) == (
        "lat=42 40 00, lon=76 10 30", Point(76 + 10 / 60 + 30 / 3600, 42 + 40 / 60)
    )


@pytest.mark.parametrize(
    ("text", "encoding"),
    [("DEP_NAME;LATITUDE;LONGITUDE;COUNTRY\nКутессай II;42,6667;75,8;Кыргызстан\n", "cp1251"),
     ("DEP_NAME\tLATITUDE\tLONGITUDE\tCOUNTRY\nКутессай II\t42.6667\t75.8\tКыргызстан\n", "utf-8-sig")],
    ids=["cp1251-semicolon-decimal-comma", "utf8-bom-tab"],
)
def test_csv_encodings_and_delimiters(tmp_path: Path, text: str, encoding: str) -> None:
    result = load_usgs_tienshan([_write_csv(tmp_path, text, encoding=encoding)], _source())
    assert (result.records.loc[0, "name"], result.records.loc[0, "country"], result.records.geometry[0]) == (
        "Кутессай II", "KG", Point(75.8, 42.6667)
    )


def test_manifest_override_wins_over_candidates(tmp_path: Path) -> None:
    text = "DEP_NAME,Local_Name,LATITUDE,LONGITUDE,COUNTRY\nKutessay II,Кутессай II,42.6667,75.8,KG\n"
    result = load_usgs_tienshan([_write_csv(tmp_path, text)], _source({"name": "Local_Name"}))
    assert result.records["name"].tolist() == ["Кутессай II"]


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"name": "NO_SUCH"},
         "deposits.csv: [source.columns] names columns not in the file (name = 'NO_SUCH'); "
         "the file has 4 columns, of the expected names ['DEP_NAME', 'LATITUDE', 'LONGITUDE', 'COUNTRY']"),
        ({"elevation": "DEP_NAME"},
         "deposits.csv: [source.columns] names unknown targets ['elevation']; known: "
         "['name', 'latitude', 'longitude', 'country', 'commodities', 'deposit_type_group', 'deposit_type', "
         "'status', 'record_id', 'aliases', 'references', 'location_precision_km', 'lat_deg', 'lat_min', "
         "'lat_sec', 'lat_hem', 'lon_deg', 'lon_min', 'lon_sec', 'lon_hem']"),
    ],
    ids=["missing-column", "unknown-target"],
)
def test_bad_override_raises(tmp_path: Path, columns: dict, message: str) -> None:
    path = _write_csv(tmp_path, SHORT_CSV.format("Aktyuz,42.75,76.125,KG"))
    with pytest.raises(ColumnMappingError) as caught:
        load_usgs_tienshan([path], _source(columns))
    assert str(caught.value) == message


def test_unmappable_file_raises_naming_file_targets_candidates_and_columns(tmp_path: Path) -> None:
    path = _write_csv(tmp_path, "foo,bar\n1,2\n", name="usgs_tienshan_ree.csv")
    with pytest.raises(ColumnMappingError) as caught:
        load_usgs_tienshan([path], _source())
    assert str(caught.value) == (
        "usgs_tienshan_ree.csv: cannot map required fields ['name', 'latitude', 'longitude', 'country']; "
        "candidate names tried: "
        "name: DEP_NAME, SITE_NAME, NAME, DEPOSIT, OCCURRENCE, Occurrence_Name, Deposit_Name, Site; "
        "latitude: LATITUDE, LAT, LAT_DD, Lat_WGS84, DEC_LAT, Y (or LAT_DEG, LAT_D, LATDEG with minutes "
        "and seconds); "
        "longitude: LONGITUDE, LONG, LON, LON_DD, Long_WGS84, DEC_LONG, X (or LONG_DEG, LON_DEG, LONG_D, "
        "LON_D with minutes and seconds); "
        "country: COUNTRY, CNTRY, Country_Name; "
        "the file has 2 columns, none of the expected names; map them in data/sources.toml [source.columns] "
        "(see docs/USGS_TIENSHAN.md)"
    )


def test_point_geometry_stands_in_for_coordinate_columns(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"label": ["Aktyuz"]}, geometry=[Point(76.125, 42.75)], crs="EPSG:4326")
    frame.to_file(tmp_path / "usgs_tienshan_ree.geojson", driver="GeoJSON")
    with pytest.raises(ColumnMappingError, match=r"cannot map required fields \['name', 'country'\];"):
        load_usgs_tienshan([tmp_path / "usgs_tienshan_ree.geojson"], _source())


@pytest.mark.parametrize(
    ("row", "record_id", "reason"),
    [
        (",42.5,76.5,Kazakhstan", "deposits.csv:1", "no name"),
        ("Tsagaan,42.5,76.5,Mongolia", "deposits.csv:1",
         "unknown country 'Mongolia' (expected one of KZ, KG, TJ, UZ, TM)"),
        ("Aktyuz,142.5,76.5,KG", "deposits.csv:1",
         "coordinates out of range (lon 76.5, lat 142.5; expected lon -180..180, lat -90..90)"),
        ("Aktyuz,abc,76.5,KG", "deposits.csv:1",
         "unparseable coordinates: lat 'abc' is not decimal degrees or degrees-minutes-seconds"),
        ("Aktyuz,0,0,KG", "deposits.csv:1", "placeholder point (0, 0)"),
        ("Aktyuz,42.5,,KG", "deposits.csv:1", "unparseable coordinates: lon is empty"),
    ],
    ids=["no-name", "unknown-country", "out-of-range", "unparseable", "zero-point", "half-pair"],
)
def test_bad_rows_are_quarantined(tmp_path: Path, row: str, record_id: str, reason: str) -> None:
    result = load_usgs_tienshan([_write_csv(tmp_path, SHORT_CSV.format(row))], _source())
    name, lat, lon, country = row.split(",")
    expected = {
        "source": "usgs_tienshan_ree", "record_id": record_id, "name": name, "country": country,
        "location_raw": f"lat={lat}, lon={lon}", "reason": f"deposits.csv row 1: {reason}",
    }
    assert (len(result.records), result.quarantine.to_dict("records")) == (0, [expected])


def test_quarantined_row_with_an_id_keeps_it(tmp_path: Path) -> None:
    text = "REC_ID,DEP_NAME,LATITUDE,LONGITUDE,COUNTRY\n12,Aktyuz,42.75,76.125,Mongolia\n"
    result = load_usgs_tienshan([_write_csv(tmp_path, text)], _source())
    assert result.quarantine["record_id"].tolist() == ["usgs-tienshan-ree:12"]


def test_repeated_record_id_is_quarantined(tmp_path: Path) -> None:
    text = "REC_ID,DEP_NAME,LATITUDE,LONGITUDE,COUNTRY\n5,Aktyuz,42.75,76.125,KG\n5,Kutessay,42.5,75.5,KG\n"
    result = load_usgs_tienshan([_write_csv(tmp_path, text)], _source())
    assert (result.records["name"].tolist(), result.quarantine["reason"].tolist()) == (
        ["Aktyuz"], ["deposits.csv row 2: record id '5' repeats row 1"]
    )


def test_row_without_coordinates_is_kept_unmapped(tmp_path: Path) -> None:
    result = load_usgs_tienshan([_write_csv(tmp_path, SHORT_CSV.format("Aktyuz,,,KG"))], _source())
    expected = _expected(
        name="Aktyuz", country="KG", location_precision_km=math.nan, location_status="missing",
        location_raw="lat=, lon=",
    )
    assert_geodataframe_equal(result.records, make_records([expected], "expected"))


@pytest.mark.parametrize(
    ("precision", "expected"), [("0.5", 0.5), ("", 8.0), ("about 1 km", 8.0)], ids=["given", "blank", "text"]
)
def test_precision_column_or_rounding(tmp_path: Path, precision: str, expected: float) -> None:
    text = f"DEP_NAME,LATITUDE,LONGITUDE,COUNTRY,LOC_PREC_KM\nAktyuz,42.8,76.1,KG,{precision}\n"
    result = load_usgs_tienshan([_write_csv(tmp_path, text)], _source())
    assert result.records["location_precision_km"].tolist() == [expected]


def test_notes_give_the_mapping_and_each_unmapped_commodity_once(tmp_path: Path) -> None:
    text = (
        "DEP_NAME,LATITUDE,LONGITUDE,COUNTRY,COMMODITY\n"
        "A,42.8,76.1,KG,REE; kimberlite\nB,42.9,76.1,KG,kimberlite\n"
    )
    result = load_usgs_tienshan([_write_csv(tmp_path, text)], _source())
    assert result.notes == [
        "deposits.csv: name <- DEP_NAME, latitude <- LATITUDE, longitude <- LONGITUDE, country <- COUNTRY, "
        "commodities <- COMMODITY; location from columns",
        "deposits.csv: unmapped commodity 'kimberlite' (first at row 1)",
    ]


def test_records_meet_the_schema_in_epsg_4326(tmp_path: Path) -> None:
    result = load_usgs_tienshan([_write_csv(tmp_path, f"{CSV_HEADER}\n{CSV_ROW}\n")], _source())
    validate(result.records, SOURCE_RECORDS, what="test")
    assert result.records.crs == "EPSG:4326"


@pytest.mark.parametrize(
    ("name", "content"),
    [("usgs_tienshan_ree.xlsx", b"not a workbook"), ("usgs_tienshan_ree.gpkg", b"not a geopackage"),
     ("usgs_tienshan_ree.zip", b"not a zip")],
    ids=["xlsx", "geopackage", "zip"],
)
def test_unreadable_file_raises_naming_it(tmp_path: Path, name: str, content: bytes) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(SourceFormatError, match=f"^{re.escape(name)}: "):
        load_usgs_tienshan([tmp_path / name], _source())


@pytest.mark.parametrize(
    ("text", "axis", "expected"),
    [
        ("42°40'00\"N", "lat", 42 + 40 / 60),
        ("42 40 00 N", "lat", 42 + 40 / 60),
        ("42-40-00", "lat", 42 + 40 / 60),
        ("42°40.5'", "lat", 42 + 40.5 / 60),
        ("76d10m", "lon", 76 + 10 / 60),
        ("76d10m30s E", "lon", 76 + 10 / 60 + 30 / 3600),
        ("N42.6667", "lat", 42.6667),
        ("42,6667", "lat", 42.6667),
        ("42.6667", "lat", 42.6667),
        (42.6667, "lat", 42.6667),
        ("42° 40′ 30″ N", "lat", 42 + 40 / 60 + 30 / 3600),
        ("42°40'00\"S", "lat", -(42 + 40 / 60)),
        ("S 42.5", "lat", -42.5),
        ("76 10 00 W", "lon", -(76 + 10 / 60)),
        ("-76.5", "lon", -76.5),
    ],
)
def test_parse_coordinate_forms(text: str | float, axis: str, expected: float) -> None:
    assert parse_coordinate(text, axis) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("text", "axis", "message"),
    [
        ("abc", "lat", "lat 'abc' is not decimal degrees or degrees-minutes-seconds"),
        ("", "lon", "lon is empty"),
        ("42E", "lat", "lat '42E' has hemisphere 'E', which belongs to lon"),
        ("42 70", "lat", "lat '42 70': minutes 70 are not below 60"),
        ("42.5 30", "lat", "lat '42.5 30': fractional degrees cannot be followed by minutes"),
        ("-42 S", "lat", "lat '-42 S' has both a minus sign and a hemisphere letter"),
        (math.nan, "lat", "lat nan is not a finite number"),
        ("42", "z", "axis must be 'lat' or 'lon', got 'z'"),
    ],
)
def test_parse_coordinate_refuses_garbage(text: str | float, axis: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_coordinate(text, axis)


def test_empty_file_keeps_the_schema(tmp_path: Path) -> None:
    result = load_usgs_tienshan([_write_csv(tmp_path, "DEP_NAME,LATITUDE,LONGITUDE,COUNTRY\n")], _source())
    assert_geodataframe_equal(result.records, SOURCE_RECORDS.empty())
    pd.testing.assert_frame_equal(result.quarantine, pd.DataFrame(columns=list(result.quarantine.columns)))
