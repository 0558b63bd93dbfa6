"""Tests for the curated gateways loader (data/curated/nodes.csv)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point

from layers.errors import ColumnMappingError, SourceFormatError
from layers.manifest import Source
from layers.schema import STORE_CRS
from layers.transport.gateways import load_gateways

SOURCE = Source(id="gateways", title="t", publisher="p", licence="l", attribution="a", url="u", root="data",
                files=("curated/nodes.csv",), loader="gateways_table")

HEADER = "node_id,name,name_ru,kind,country,lon,lat,location_precision,notes,source\n"
DOSTYK = "dostyk,Dostyk / Alashankou,Достык,border_crossing,KZ,82.4793,45.2493,rail vertex,KZ-CN,NE vertex\n"
POTI = "poti_port,Poti port,Поти,sea_port,ge,41.679,42.151,OSM station,,\n"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "nodes.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_gateways_load_as_points_with_any_iso_country(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + DOSTYK + POTI)
    expected = gpd.GeoDataFrame(
        {"node_id": ["dostyk", "poti_port"], "name": ["Dostyk / Alashankou", "Poti port"],
         "name_ru": ["Достык", "Поти"], "kind": ["border_crossing", "sea_port"], "country": ["KZ", "GE"],
         "location_precision": ["rail vertex", "OSM station"], "notes": ["KZ-CN", ""], "source": ["NE vertex", ""]},
        geometry=gpd.GeoSeries([Point(82.4793, 45.2493), Point(41.679, 42.151)], crs=STORE_CRS), crs=STORE_CRS)
    assert_geodataframe_equal(load_gateways([path], SOURCE), expected)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("dostyk,Again,,border_crossing,KZ,1,1,,,\n",
         "row 3, column 'node_id': duplicate id 'dostyk'; expected unique values (first given in nodes.csv row 2)"),
        ("x,X,,border_crossing,KZ,,45,,,\n", "row 3, column 'lon': is empty; a value is required"),
        ("x,X,,border_crossing,KZ,82,,,,\n", "row 3, column 'lat': is empty; a value is required"),
        ("x,X,,border_crossing,KZ,182,45,,,\n", "row 3, column 'lon': '182' is not a number in -180..180"),
        ("x,X,,border_crossing,KZ,82,north,,,\n", "row 3, column 'lat': 'north' is not a number in -90..90"),
        ("x,X,,border_crossing,ZZ,82,45,,,\n",
         "row 3, column 'country': unknown country code 'ZZ'; expected an ISO 3166-1 alpha-2 code"),
        ("x,X,,border_crossing,EU,82,45,,,\n",
         "row 3, column 'country': unknown country code 'EU'; expected an ISO 3166-1 alpha-2 code"),
        ("x,X,,airport,KZ,82,45,,,\n",
         "row 3, column 'kind': unknown kind 'airport'; expected one of border_crossing, sea_port, rail_junction"),
        ("x,,,sea_port,KZ,82,45,,,\n", "row 3, column 'name': is empty; a value is required"),
    ],
    ids=["duplicate-id", "no-lon", "no-lat", "lon-range", "lat-text", "country-zz", "country-eu", "kind", "no-name"],
)
def test_bad_rows_are_refused_naming_file_row_and_column(tmp_path: Path, row: str, message: str) -> None:
    path = _write(tmp_path, HEADER + DOSTYK + row)
    with pytest.raises(SourceFormatError) as exc_info:
        load_gateways([path], SOURCE)
    assert str(exc_info.value) == f"{path}: {message}"


def test_a_table_without_coordinates_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "node_id,name,kind,country\ndostyk,Dostyk,border_crossing,KZ\n")
    with pytest.raises(ColumnMappingError, match=r"nodes.csv: missing required gateways columns \['lon', 'lat'\]"):
        load_gateways([path], SOURCE)


# --- integration: the curated table ------------------------------------------------------------------------

@pytest.mark.integration
def test_the_curated_gateways_load(source_settings) -> None:
    gateways = load_gateways([source_settings.data_dir / "curated" / "nodes.csv"], SOURCE)
    assert (len(gateways), gateways["kind"].value_counts().to_dict()) == (
        16, {"border_crossing": 10, "sea_port": 5, "rail_junction": 1})
    dostyk = gateways.set_index("node_id").loc["dostyk"]
    assert (dostyk["name"], dostyk["country"], dostyk.geometry.x, dostyk.geometry.y) == (
        "Dostyk / Alashankou", "KZ", 82.4793, 45.2493)
