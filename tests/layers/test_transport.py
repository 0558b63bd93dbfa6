"""Tests for the build's transport stage: one railways layer from several sources, checks, rasters, the build."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import LineString, Point

from layers.build import build_store
from layers.errors import SourceFormatError
from layers.rasters import RasterInfo
from layers.schema import CORRIDOR_WAYPOINTS, CORRIDORS, GATEWAYS, RAILWAYS, STATIONS, STORE_CRS
from layers.settings import SourceSettings, StoreSettings
from layers.store import read_store
from layers.transport.railways import RailwayLoad
from layers.transport.transport import TRANSPORT_LAYERS, RailSourceCounts, build_transport

A = LineString([(60.0, 40.0), (60.5, 40.5)])
B = LineString([(61.0, 41.0), (61.5, 41.0)])
C = LineString([(62.0, 42.0), (62.0, 42.5)])


def _rails(source: str, rail_ids: list[str], geometries: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"rail_id": rail_ids, "source": source, "kind": "rail", "name": ""},
                            geometry=gpd.GeoSeries(geometries, crs=STORE_CRS), crs=STORE_CRS)


def _load(source: str, rail_ids: list[str], geometries: list, dropped: dict | None = None) -> RailwayLoad:
    dropped = dropped or {}
    return RailwayLoad(railways=_rails(source, rail_ids, geometries), features_kept=len(rail_ids),
                       features_read=len(rail_ids) + sum(dropped.values()), dropped_kinds=dropped)


def _corridors(*ids: str) -> pd.DataFrame:
    return pd.DataFrame({c: list(ids) if c == "corridor_id" else "" for c in CORRIDORS.column_names} | {
        "status": "existing"}, columns=CORRIDORS.column_names)


def _waypoints(corridor: str, n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"corridor_id": corridor, "seq": list(range(1, n + 1)), "node_or_place": "P",
         "mode_to_next": ["rail"] * (n - 1) + [""], "notes": ""},
        geometry=gpd.GeoSeries([Point(60 + i, 40) for i in range(n)], crs=STORE_CRS), crs=STORE_CRS)


def test_an_osm_way_given_by_two_sources_is_kept_once_from_the_first() -> None:
    rails = {"ne": _load("ne", ["ne10m:0"], [A]),
             "osm_a": _load("osm_a", ["osm:7:0", "osm:7:1", "osm:8"], [A, B, C], {"construction": 2}),
             "osm_b": _load("osm_b", ["osm:7", "osm:9"], [B, C], {"light_rail": 1})}
    layers, report = build_transport({}, rails, {})
    expected = pd.concat([_rails("ne", ["ne10m:0"], [A]), _rails("osm_a", ["osm:7:0", "osm:7:1", "osm:8"], [A, B, C]),
                          _rails("osm_b", ["osm:9"], [C])], ignore_index=True)
    assert_geodataframe_equal(layers["railways"], gpd.GeoDataFrame(expected, geometry="geometry", crs=STORE_CRS))
    assert report.rail_sources == {
        "ne": RailSourceCounts(1, 1, {}, lines=1, duplicates=0),
        "osm_a": RailSourceCounts(5, 3, {"construction": 2}, lines=3, duplicates=0),
        "osm_b": RailSourceCounts(3, 2, {"light_rail": 1}, lines=1, duplicates=1),
    }
    assert report.lines() == [
        "railways: 5 lines in the store: 1 from ne (1 features read); 3 from osm_a (5 features read, 2 OSM ways of "
        "other types dropped); 1 from osm_b (3 features read, 1 OSM ways of other types dropped, 1 OSM ways already "
        "given by an earlier source left out)"]


def test_natural_earth_ids_from_two_sources_are_an_error() -> None:
    rails = {"ne": _load("ne", ["ne10m:0"], [A]), "ne_again": _load("ne_again", ["ne10m:0"], [B])}
    with pytest.raises(SourceFormatError) as exc_info:
        build_transport({}, rails, {})
    assert str(exc_info.value) == "railways: rail_id values given by more than one source: ['ne10m:0']"


def test_nothing_present_gives_every_layer_empty_with_its_schema() -> None:
    layers, report = build_transport({}, {}, {})
    assert list(layers) == ["stations", "gateways", "corridors", "corridor_waypoints", "railways"]
    for name, (schema, _) in TRANSPORT_LAYERS.items():
        assert list(layers[name].columns) == list(schema.empty().columns)
        assert len(layers[name]) == 0
    assert (report.lines(), report.info()) == ([], {"rasters": {}, "raster_metadata": {}, "railway_lines": 0,
                                                    "railway_sources": {}})


def test_waypoints_of_a_missing_corridor_fail_the_stage() -> None:
    tables = {"corridors": [_corridors("titr")], "corridor_waypoints": [_waypoints("titr", 2), _waypoints("cku", 3)]}
    with pytest.raises(SourceFormatError) as exc_info:
        build_transport(tables, {}, {})
    assert str(exc_info.value) == ("corridor_waypoints: 3 waypoints name a corridor_id that is not in corridors: "
                                   "'cku' (seq 1, 2, 3)")


def test_a_waypoint_given_by_two_sources_is_an_error() -> None:
    tables = {"corridors": [_corridors("titr")], "corridor_waypoints": [_waypoints("titr", 2), _waypoints("titr", 2)]}
    with pytest.raises(SourceFormatError) as exc_info:
        build_transport(tables, {}, {})
    assert str(exc_info.value) == ("corridor_waypoints: (corridor_id, seq) values given by more than one source: "
                                   "[('titr', 1), ('titr', 2)]")


def test_corridors_without_waypoints_are_noted() -> None:
    tables = {"corridors": [_corridors("titr", "cku")], "corridor_waypoints": [_waypoints("titr", 2)]}
    _, report = build_transport(tables, {}, {})
    assert report.notes == ["corridors without waypoints (not routable): cku"]


def test_rasters_are_reported_and_recorded_by_path(tmp_path: Path) -> None:
    info = RasterInfo(path=tmp_path / "dem.tif", crs="EPSG:4326", width=4, height=3, bounds=(40.0, 56.5, 42.0, 58.0),
                      resolution=(0.5, 0.5), dtype="int16", nodata=None)
    _, report = build_transport({}, {}, {"dem": info})
    assert report.lines() == [f"raster dem: present at {tmp_path / 'dem.tif'} (4 x 3 cells, 1 band, EPSG:4326)"]
    assert (report.info()["rasters"], report.info()["raster_metadata"]) == (
        {"dem": str(tmp_path / "dem.tif")}, {"dem": info.metadata()})


# --- through the build -------------------------------------------------------------------------------------

def _entry(source_id: str, root: str, files: str, loader: str) -> str:
    return (f'[[source]]\nid = "{source_id}"\ntitle = "t"\npublisher = "p"\nlicence = "l"\nattribution = "a"\n'
            f'url = "u"\nroot = "{root}"\nfiles = ["{files}"]\nloader = "{loader}"\n\n')


MANIFEST = "".join([
    _entry("national", "raw", "national/*.csv", "national_deposits"),
    _entry("rails_osm", "raw", "geo/rails.geojson", "railways"),
    _entry("stations_osm", "raw", "geo/stations.geojson", "stations"),
    _entry("gateways", "data", "curated/nodes.csv", "gateways_table"),
    _entry("corridors", "data", "curated/corridors.csv", "corridors_table"),
    _entry("corridor_waypoints", "data", "curated/corridor_waypoints.csv", "corridor_waypoints_table"),
    _entry("dem", "raw", "geo/dem.tif", "raster"),
])


@pytest.fixture()
def settings(tmp_path: Path) -> tuple[SourceSettings, StoreSettings]:
    raw, data = tmp_path / "raw", tmp_path / "data"
    for folder in (raw / "national", raw / "geo", data / "curated"):
        folder.mkdir(parents=True)
    (raw / "national" / "registry.csv").write_text("name,country,lon,lat\nAktyuz,KG,76.18,42.88\n", encoding="utf-8")
    rails = gpd.GeoDataFrame({"id": [1, 2], "type": ["rail", "proposed"], "extract": ["x", "x"]},
                             geometry=gpd.GeoSeries([A, B], crs=STORE_CRS), crs=STORE_CRS)
    rails.to_file(raw / "geo" / "rails.geojson")
    (data / "curated" / "corridors.csv").write_text(
        "corridor_id,name,status\ntitr,Middle Corridor,existing\n", encoding="utf-8")
    (data / "curated" / "corridor_waypoints.csv").write_text(
        "corridor_id,seq,node_or_place,lon,lat,mode_to_next\ntitr,1,Aktau,51.2,43.6,sea\ntitr,2,Alat,49.4,40.0,\n",
        encoding="utf-8")
    profile = {"driver": "GTiff", "width": 2, "height": 2, "count": 1, "dtype": "int16", "crs": "EPSG:4326",
               "transform": Affine(1.0, 0.0, 40.0, 0.0, -1.0, 58.0)}
    with rasterio.open(raw / "geo" / "dem.tif", "w", **profile) as dataset:
        dataset.write(np.zeros((1, 2, 2), dtype="int16"))
    manifest = tmp_path / "sources.toml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    return (SourceSettings(raw_dir=raw, data_dir=data, manifest_path=manifest),
            StoreSettings(store_path=tmp_path / "atlas.gpkg"))


def test_the_build_stores_present_transport_layers_and_writes_absent_ones_empty(settings) -> None:
    sources, store = settings
    report = build_store(sources, store)
    built = read_store(store.store_path)
    stored = _rails("rails_osm", ["osm:1"], [A]).astype({c: object for c in RAILWAYS.column_names})  # text as read
    assert_geodataframe_equal(built.railways, stored)
    assert (len(built.corridors), len(built.corridor_waypoints), len(built.stations), len(built.gateways)) == (
        1, 2, 0, 0)
    assert (list(built.stations.columns), list(built.gateways.columns)) == (
        list(STATIONS.empty().columns), list(GATEWAYS.empty().columns))
    assert set(report.skipped) == {"stations_osm", "gateways"}
    assert built.build_info["rasters"] == {"dem": str(sources.raw_dir / "geo" / "dem.tif")}
    assert built.raster_path("dem") == sources.raw_dir / "geo" / "dem.tif"
    assert built.sources.set_index("id")["status"].to_dict() == {
        "national": "used", "rails_osm": "used", "stations_osm": "skipped", "gateways": "skipped",
        "corridors": "used", "corridor_waypoints": "used", "dem": "present"}
    assert [line for line in report.lines() if line.startswith(("railways:", "raster", "note: rails"))] == [
        "note: rails_osm: dropped 1 of 2 OSM ways whose type is not rail or narrow_gauge: proposed 1",
        "railways: 1 lines in the store: 1 from rails_osm (2 features read, 1 OSM ways of other types dropped)",
        f"raster dem: present at {sources.raw_dir / 'geo' / 'dem.tif'} (2 x 2 cells, 1 band, EPSG:4326)",
    ]


def test_the_build_fails_on_waypoints_of_an_unknown_corridor(settings) -> None:
    sources, store = settings
    (sources.data_dir / "curated" / "corridors.csv").write_text("corridor_id,name,status\ncku,CKU,planned\n",
                                                                encoding="utf-8")
    with pytest.raises(SourceFormatError, match="2 waypoints name a corridor_id that is not in corridors: 'titr'"):
        build_store(sources, store)
    assert not store.store_path.exists()


# --- integration: the real store ---------------------------------------------------------------------------

@pytest.mark.integration
def test_the_real_store_holds_the_railways_of_all_three_sources(real_store: Path) -> None:
    built = read_store(real_store)
    railways = built.railways
    assert railways["rail_id"].is_unique
    # Uzbekistan: 8,692 line parts of kept ways, less the 2,484 parts of the 2,482 ways the TKM/AFG/AZE extract has.
    assert railways.groupby("source").size().to_dict() == {
        "railways_ne10m": 3289, "railways_osm_tkm_afg_aze": 18959, "railways_osm_uzbekistan": 6208}
    sources = built.build_info["railway_sources"]
    assert {sid: (s["features_read"], s["features_kept"], s["duplicate_osm_ways_left_out"])
            for sid, s in sources.items()} == {
        "railways_ne10m": (3285, 3285, 0), "railways_osm_tkm_afg_aze": (19367, 18948, 0),
        "railways_osm_uzbekistan": (8746, 8688, 2482)}


@pytest.mark.integration
def test_the_real_store_holds_gateways_corridors_stations_and_finds_the_dems(real_store: Path, raw_dir: Path) -> None:
    built = read_store(real_store)
    assert (len(built.gateways), len(built.corridors), len(built.corridor_waypoints), len(built.stations)) == (
        16, 7, 51, 7307)
    dostyk = built.gateways.set_index("node_id").geometry["dostyk"]
    assert (dostyk.x, dostyk.y) == (82.4793, 45.2493)
    assert built.build_info["rasters"] == {
        "dem_globe_30s": str(raw_dir / "geo" / "dem_globe_30s_40-90E_25-50N.tif"),
        "dem_pvlib_5min": str(raw_dir / "geo" / "dem_pvlib_5min_40-95E_25-58N.tif")}
    assert [built.layer(name).crs for name in ("railways", "stations", "gateways", "corridor_waypoints")] == [
        STORE_CRS] * 4
    assert list(built.corridors.columns) == CORRIDORS.column_names
    assert list(built.corridor_waypoints.columns) == [*CORRIDOR_WAYPOINTS.column_names, "geometry"]
    assert list(built.railways.columns) == [*RAILWAYS.column_names, "geometry"]
