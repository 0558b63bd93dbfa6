"""Tests for the OSM stations loader."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import LineString, Point

from layers.errors import ColumnMappingError, SourceFormatError
from layers.manifest import Source
from layers.schema import STATIONS, STORE_CRS
from layers.transport.stations import load_stations

SOURCE = Source(id="stations", title="t", publisher="p", licence="l", attribution="a", url="u", root="raw",
                files=("geo/stations.geojson",), loader="stations")

KHORGOS, ERSAI = Point(80.4543, 44.15619), Point(51.58324, 43.19527)


def _write(path: Path, columns: dict, geometries: list) -> Path:
    gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(geometries, crs=STORE_CRS), crs=STORE_CRS).to_file(path)
    return path


def test_stations_load_with_osm_ids_and_local_names(tmp_path: Path) -> None:
    path = _write(tmp_path / "stations.geojson",
                  {"id": [6316474613, 7066119030], "name": ["Khorgos", "Ersai"], "type": ["station", "halt"],
                   "extract": ["kazakhstan", "kazakhstan"], "nameLocal": ["霍尔果斯", None]}, [KHORGOS, ERSAI])
    expected = gpd.GeoDataFrame(
        {"station_id": ["osm:6316474613", "osm:7066119030"], "name": ["Khorgos", "Ersai"],
         "name_local": ["霍尔果斯", ""], "kind": ["station", "halt"]},
        geometry=gpd.GeoSeries([KHORGOS, ERSAI], crs=STORE_CRS), crs=STORE_CRS)
    assert_geodataframe_equal(load_stations([path], SOURCE), expected)


def test_a_file_without_stations_keeps_the_schema(tmp_path: Path) -> None:
    path = _write(tmp_path / "stations.gpkg", {"id": [], "name": [], "type": []}, [])
    assert_geodataframe_equal(load_stations([path], SOURCE), STATIONS.empty())


def test_a_file_without_the_station_columns_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "stations.geojson", {"osm_id": [1], "name": ["Khorgos"]}, [KHORGOS])
    with pytest.raises(ColumnMappingError) as exc_info:
        load_stations([path], SOURCE)
    assert str(exc_info.value) == (f"{path}: missing station columns ['id', 'type']; "
                                   "the file has 2 columns, of the expected names ['name']")


@pytest.mark.parametrize(
    ("ids", "geometries", "message"),
    [
        ([1, 2], [KHORGOS, LineString([(80, 44), (81, 44)])],
         "row 2, column 'geometry': a LineString; expected a Point"),
        ([1, 2], [KHORGOS, None], "row 2, column 'geometry': no geometry; expected a Point"),
        ([3, 3], [KHORGOS, ERSAI],
         "row 2, column 'id': duplicate id 3 (first given in stations.gpkg row 1); expected each feature once"),
        ([0, 4], [KHORGOS, ERSAI], "row 1, column 'id': 0 is not an OSM id; expected a positive whole number"),
    ],
    ids=["line", "no-geometry", "duplicate-id", "zero-id"],
)
def test_bad_features_are_refused_naming_file_row_and_column(tmp_path: Path, ids: list, geometries: list,
                                                             message: str) -> None:
    path = _write(tmp_path / "stations.gpkg", {"id": ids, "name": ["a", "b"], "type": ["station"] * 2}, geometries)
    with pytest.raises(SourceFormatError) as exc_info:
        load_stations([path], SOURCE)
    assert str(exc_info.value) == f"{path}: {message}"


# --- integration: the staged stations ----------------------------------------------------------------------

@pytest.mark.integration
def test_the_staged_stations_load(raw_dir: Path) -> None:
    stations = load_stations([raw_dir / "geo" / "railway_stations_osm.geojson"], SOURCE)
    assert (len(stations), stations["kind"].value_counts().to_dict()) == (
        7307, {"station": 7078, "halt": 223, "yard": 3, "abandoned": 2, "stop": 1})
    ersai = stations[stations["name"] == "Ersai"]
    # Ersai is the rail station of Kuryk port (data/curated/nodes.csv: 51.583, 43.195).
    assert ersai[["station_id", "name_local"]].to_dict("records") == [{"station_id": "osm:7066119030",
                                                                      "name_local": "Ерсай"}]
    assert (round(ersai.geometry.iloc[0].x, 3), round(ersai.geometry.iloc[0].y, 3)) == (51.583, 43.195)
