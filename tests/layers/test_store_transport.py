"""Tests that the store round-trips the transport layers and lets analyses find the rasters through build_info."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import LineString, Point

from layers.errors import StoreError
from layers.schema import COUNTRIES, QUARANTINE, SITES, SOURCE_RECORDS, STORE_CRS
from layers.store import STORE_LAYERS, read_store, write_store

SOURCES = pd.DataFrame({"id": ["railways_ne10m"], "status": ["used"]})
TRANSPORT = ("railways", "stations", "gateways", "corridors", "corridor_waypoints")


def _spatial(columns: dict, geometries: list) -> gpd.GeoDataFrame:
    # Text columns as object: the store gives text back that way.
    return gpd.GeoDataFrame(pd.DataFrame(columns).astype({k: object for k, v in columns.items() if k != "seq"}),
                            geometry=gpd.GeoSeries(geometries, crs=STORE_CRS), crs=STORE_CRS)


def _transport() -> dict[str, pd.DataFrame]:
    return {
        "railways": _spatial({"rail_id": ["ne10m:0", "osm:7:1"], "source": ["ne", "osm"], "kind": ["rail"] * 2,
                              "name": ["", "Amudaryo-Talimarjon"]},
                             [LineString([(60, 40), (61, 41)]), LineString([(66.5, 38.3), (66.6, 38.2)])]),
        "stations": _spatial({"station_id": ["osm:7066119030"], "name": ["Ersai"], "name_local": ["Ерсай"],
                              "kind": ["station"]}, [Point(51.58324, 43.19527)]),
        "gateways": _spatial({"node_id": ["dostyk"], "name": ["Dostyk"], "name_ru": ["Достык"],
                              "kind": ["border_crossing"], "country": ["KZ"], "location_precision": ["rail vertex"],
                              "notes": [""], "source": [""]}, [Point(82.4793, 45.2493)]),
        "corridors": pd.DataFrame({"corridor_id": ["titr"], "name": ["Middle Corridor"], "name_ru": [""],
                                   "status": ["existing"], "opened_or_planned": [""], "orientation": ["west"],
                                   "notes": [""], "source": [""]}, dtype=object),
        "corridor_waypoints": _spatial({"corridor_id": ["titr", "titr"], "seq": [1, 2],
                                        "node_or_place": ["Aktau port", "Alat port"], "mode_to_next": ["sea", ""],
                                        "notes": ["", ""]}, [Point(51.223, 43.6), Point(49.408, 39.977)]),
    }


def _base() -> dict[str, pd.DataFrame]:
    return {"sites": SITES.empty(), "source_records": SOURCE_RECORDS.empty(), "quarantine": QUARANTINE.empty(),
            "countries": COUNTRIES.empty()}


def _write(path: Path, layers: dict, build_info: dict | None = None) -> Path:
    write_store(path, layers, SOURCES, build_info or {"built_at": "now"})
    return path


@pytest.mark.parametrize("name", ["railways", "stations", "gateways", "corridor_waypoints"])
def test_spatial_transport_layers_round_trip(tmp_path: Path, name: str) -> None:
    built = read_store(_write(tmp_path / "atlas.gpkg", {**_base(), **_transport()}))
    assert_geodataframe_equal(built.layer(name), _transport()[name])


def test_corridors_round_trip(tmp_path: Path) -> None:
    built = read_store(_write(tmp_path / "atlas.gpkg", {**_base(), **_transport()}))
    pd.testing.assert_frame_equal(built.corridors, _transport()["corridors"])


@pytest.mark.parametrize("name", TRANSPORT)
def test_a_store_written_without_transport_layers_holds_them_empty(tmp_path: Path, name: str) -> None:
    layer = read_store(_write(tmp_path / "atlas.gpkg", _base())).layer(name)
    assert (len(layer), list(layer.columns)) == (
        0, STORE_LAYERS[name].column_names + (["geometry"] if STORE_LAYERS[name].geometry_type else []))


def test_a_raster_the_build_found_is_given_by_path(tmp_path: Path) -> None:
    dem = tmp_path / "dem.tif"
    dem.write_bytes(b"II*\x00")
    built = read_store(_write(tmp_path / "atlas.gpkg", _base(), {"rasters": {"dem_pvlib_5min": str(dem)}}))
    assert built.raster_path("dem_pvlib_5min") == dem


@pytest.mark.parametrize(
    ("rasters", "message"),
    [({}, "raster 'dem_pvlib_5min' was not present when the store was built; present: []"),
     ({"dem_pvlib_5min": "/nowhere/dem.tif"},
      "raster 'dem_pvlib_5min' was at /nowhere/dem.tif when the store was built but is gone: rebuild")],
    ids=["not-built", "gone"],
)
def test_a_raster_that_is_not_there_is_a_store_error(tmp_path: Path, rasters: dict, message: str) -> None:
    built = read_store(_write(tmp_path / "atlas.gpkg", _base(), {"rasters": rasters}))
    with pytest.raises(StoreError) as exc_info:
        built.raster_path("dem_pvlib_5min")
    assert str(exc_info.value) == message
