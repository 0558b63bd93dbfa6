"""Tests for licence areas: cadastre polygon exports in GeoJSON, shapefile, zipped shapefile and GeoPackage."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import MultiPolygon, Point, Polygon, box

from layers.errors import ColumnMappingError, SourceFormatError
from layers.manifest import Source
from layers.ownership.licence_areas import load_licence_areas
from layers.schema import LICENCES, STORE_CRS

AREA = box(76.1, 42.6, 76.2, 42.7)
FIELDS = {"LICENCE_ID": "MP-1", "HOLDER": "Company A (60%), Company B (40%)", "TYPE": "mining",
          "STATUS": "active", "GRANTED": "12.05.2019", "EXPIRY": "2039-05-12", "DEPOSIT": "Kutessai-II",
          "COUNTRY": "Kyrgyzstan", "COMMODITY": "REE; Be"}


def _source(columns: dict[str, str] | None = None) -> Source:
    return Source(id="cadastre_test", title="t", publisher="p", licence="l", attribution="a",
                  url="https://cadastre.example", root="raw", files=("licences/*",), loader="licence_areas",
                  columns=columns or {})


def _write(path: Path, rows: list[dict], geometries: list, crs: str | None = STORE_CRS, **kwargs) -> Path:
    frame = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=gpd.GeoSeries(geometries), crs=crs)
    pyogrio.write_dataframe(frame, path, **kwargs)
    return path


def _expected(**changes) -> gpd.GeoDataFrame:
    row = {"licence_id": "MP-1", "source": "cadastre_test", "deposit_name": "Kutessai-II", "deposit_name_ru": "",
           "deposit_country": "KG", "holder_company_id": "", "holder_text": "Company A (60%), Company B (40%)",
           "licence_kind": "mining", "commodities": ["REE", "Be"], "granted": "2019-05-12",
           "valid_to": "2039-05-12", "status": "active", "references": "https://cadastre.example",
           "stage": "", "record_ids": "", "source_date": "", "source_quote": "", "confidence": "reported", "notes": ""}
    geometry = changes.pop("geometry", MultiPolygon([AREA]))
    frame = pd.DataFrame([row | changes], columns=LICENCES.column_names)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([geometry], crs=STORE_CRS), crs=STORE_CRS)


def _zipped_shapefile(tmp_path: Path) -> Path:
    folder = tmp_path / "shp"
    folder.mkdir()
    _write(folder / "areas.shp", [FIELDS], [AREA])
    archive = tmp_path / "areas.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for part in folder.iterdir():
            handle.write(part, f"export/{part.name}")
    return archive


@pytest.mark.parametrize("make", [
    lambda tmp: _write(tmp / "areas.geojson", [FIELDS], [AREA]),
    lambda tmp: _write(tmp / "areas.shp", [FIELDS], [AREA]),
    lambda tmp: _write(tmp / "areas.gpkg", [FIELDS], [AREA]),
    _zipped_shapefile,
], ids=["geojson", "shapefile", "geopackage", "zipped-shapefile"])
def test_every_format_loads_into_the_licences_contract(tmp_path: Path, make) -> None:
    # A shapefile turns rings clockwise: compare normalised geometries.
    assert_geodataframe_equal(load_licence_areas([make(tmp_path)], _source()), _expected(), normalize=True)


def test_a_projected_file_is_reprojected_to_wgs84(tmp_path: Path) -> None:
    utm = gpd.GeoSeries([AREA], crs=STORE_CRS).to_crs("EPSG:32643").iloc[0]
    path = _write(tmp_path / "areas.gpkg", [FIELDS], [utm], crs="EPSG:32643")
    loaded = load_licence_areas([path], _source())
    assert (loaded.crs.to_epsg(), loaded.geometry.iloc[0].geom_type,
            [round(v, 6) for v in loaded.total_bounds]) == (4326, "MultiPolygon", [76.1, 42.6, 76.2, 42.7])


def test_a_self_intersecting_polygon_is_repaired_into_a_multipolygon(tmp_path: Path) -> None:
    bowtie = Polygon([(76.0, 42.0), (76.2, 42.2), (76.2, 42.0), (76.0, 42.2)])
    path = _write(tmp_path / "areas.geojson", [FIELDS], [bowtie])
    geometry = load_licence_areas([path], _source()).geometry.iloc[0]
    assert (geometry.geom_type, len(geometry.geoms), geometry.is_valid, round(geometry.area, 6)) == (
        "MultiPolygon", 2, True, 0.02)


def test_a_feature_without_geometry_is_kept_without_polygon(tmp_path: Path) -> None:
    path = _write(tmp_path / "areas.geojson", [FIELDS], [None])
    loaded = load_licence_areas([path], _source())
    assert (loaded.geometry.iloc[0], loaded["notes"].iloc[0]) == (None, "no polygon in the source")


def test_fields_can_be_named_in_the_manifest(tmp_path: Path) -> None:
    path = _write(tmp_path / "areas.geojson", [{"Code": "MP-1", "Parties": "Company A", "Ore": "Kutessai-II"}],
                  [AREA])
    loaded = load_licence_areas([path], _source({"holder_text": "Parties", "deposit_name": "Ore"}))
    expected = _expected(holder_text="Company A", licence_kind="", status="", granted="", valid_to="",
                         deposit_country="", commodities=[])
    assert_geodataframe_equal(loaded, expected)


@pytest.mark.parametrize(("value", "expected"), [
    ("2019-05-12T00:00:00", "2019-05-12"), ("12/05/2019", "2019-05-12"), ("2019", "2019"),
    ("1557619200000", "2019-05-12"), ("", ""),
], ids=["timestamp", "day-first-slashes", "year", "epoch-milliseconds", "empty"])
def test_cadastre_date_forms_become_iso(tmp_path: Path, value: str, expected: str) -> None:
    path = _write(tmp_path / "areas.geojson", [FIELDS | {"GRANTED": value}], [AREA])
    assert load_licence_areas([path], _source())["granted"].tolist() == [expected]


def test_a_date_field_is_read_as_a_day(tmp_path: Path) -> None:
    path = _write(tmp_path / "areas.gpkg", [FIELDS | {"GRANTED": pd.Timestamp("2019-05-12")}], [AREA])
    assert load_licence_areas([path], _source())["granted"].tolist() == ["2019-05-12"]


@pytest.mark.parametrize(("rows", "geometries", "message"), [
    ([FIELDS, FIELDS | {"LICENCE_ID": "MP-2"}], [AREA, Point(76.1, 42.6)],
     "feature 2, field 'geometry' (geometry): is a Point; expected a Polygon or MultiPolygon"),
    ([FIELDS | {"GRANTED": "May 2019"}], [AREA],
     "feature 1, field 'GRANTED' (granted): bad date 'May 2019'; expected YYYY, YYYY-MM or YYYY-MM-DD (not a date "
     "of the form YYYY, YYYY-MM or YYYY-MM-DD: 'May 2019')"),
    ([FIELDS | {"COUNTRY": "Mongolia"}], [AREA],
     "feature 1, field 'COUNTRY' (deposit_country): unknown country code 'Mongolia'; expected one of KZ, KG, TJ, "
     "UZ, TM"),
    ([FIELDS, FIELDS], [AREA, AREA],
     "feature 2, field 'LICENCE_ID' (licence_id): duplicate id 'MP-1'; expected unique values (first given in "
     "areas.geojson feature 1)"),
    ([FIELDS | {"LICENCE_ID": ""}], [AREA], "feature 1, field 'LICENCE_ID' (licence_id): is empty; a value is "
                                            "required"),
], ids=["point-among-polygons", "bad-date", "unknown-country", "duplicate-id", "empty-id"])
def test_a_bad_feature_names_file_feature_and_field(tmp_path: Path, rows: list, geometries: list,
                                                    message: str) -> None:
    path = _write(tmp_path / "areas.geojson", rows, geometries)
    with pytest.raises(SourceFormatError) as exc_info:
        load_licence_areas([path], _source())
    assert str(exc_info.value) == f"{path}: {message}"


def test_a_file_without_licence_id_field_is_a_mapping_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "areas.geojson", [{"HOLDER": "Company A"}], [AREA])
    with pytest.raises(ColumnMappingError) as exc_info:
        load_licence_areas([path], _source())
    assert str(exc_info.value) == (
        f"{path}: no licence id field; looked for LICENCE_ID, LICENSE_ID, LICENCE_NO, LICENSE_NO, LICENCE_NUMBER, "
        "LICENSE_NUMBER, LIC_NO, LIC_ID, LICENCE_CODE, LICENSE_CODE, CODE; "
        "the file has 1 column, of the expected names ['HOLDER']; map one in "
        'data/sources.toml [source.columns] (licence_id = "...")'
    )


def test_a_shapefile_without_prj_is_refused(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        path = _write(tmp_path / "areas.shp", [FIELDS], [AREA], crs=None)
    with pytest.raises(SourceFormatError) as exc_info:
        load_licence_areas([path], _source())
    assert str(exc_info.value) == f"{path}: no CRS; a shapefile needs its .prj beside it"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("areas.zip", b"not a zip", "cannot open the zip archive: File is not a zip file"),
    ("areas.geojson", b"{not json", "cannot read licence areas: "),
], ids=["broken-zip", "broken-geojson"])
def test_an_unreadable_file_is_a_format_error(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceFormatError) as exc_info:
        load_licence_areas([path], _source())
    assert str(exc_info.value).startswith(f"{path}: {message}")


def test_a_zip_without_a_spatial_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "areas.zip"
    with zipfile.ZipFile(path, "w") as handle:
        handle.writestr("readme.txt", "nothing here")
    with pytest.raises(SourceFormatError) as exc_info:
        load_licence_areas([path], _source())
    assert str(exc_info.value) == f"{path}: the archive holds no .shp, .gpkg or .geojson file"


def test_a_geopackage_without_polygon_layers_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "areas.gpkg", [FIELDS], [Point(76.1, 42.6)])
    with pytest.raises(SourceFormatError) as exc_info:
        load_licence_areas([path], _source())
    assert str(exc_info.value) == f"{path}: no polygon layer; expected licence areas as polygons"
