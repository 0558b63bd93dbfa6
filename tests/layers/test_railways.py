"""Tests for the railway loader: the three rail file shapes, the OSM type filter, exploding, and refused files."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import LineString, MultiLineString, Point

from layers.errors import SourceFormatError
from layers.manifest import Source
from layers.schema import METRIC_CRS, RAILWAYS, STORE_CRS
from layers.transport.railways import load_railways

SOURCE = Source(id="rails", title="t", publisher="p", licence="l", attribution="a", url="u", root="raw",
                files=("geo/rails.geojson",), loader="railways")

A = LineString([(60.0, 40.0), (60.5, 40.5)])
B = LineString([(61.0, 41.0), (61.5, 41.0)])
C = LineString([(62.0, 42.0), (62.0, 42.5)])
NE = {"scalerank": [4, 7], "featurecla": ["Railroad", "Railroad"], "rwdb_rr_id": [22317, 22436]}


def _write(path: Path, columns: dict, geometries: list, crs: str | None = STORE_CRS) -> Path:
    gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(geometries, crs=crs), crs=crs).to_file(path)
    return path


def _expected(rail_ids: list[str], kinds: list[str], names: list[str], geometries: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"rail_id": rail_ids, "source": "rails", "kind": kinds, "name": names},
                            geometry=gpd.GeoSeries(geometries, crs=STORE_CRS), crs=STORE_CRS)


@pytest.mark.parametrize(
    ("columns", "geometries", "expected"),
    [
        (NE, [A, MultiLineString([B, C])],
         _expected(["ne10m:0", "ne10m:1:0", "ne10m:1:1"], ["rail"] * 3, [""] * 3, [A, B, C])),
        ({"id": [11, 12, 13], "type": ["rail", "narrow_gauge", "construction"], "extract": ["turkmenistan"] * 3},
         [A, MultiLineString([B, C]), C],
         _expected(["osm:11", "osm:12:0", "osm:12:1"], ["rail", "narrow_gauge", "narrow_gauge"], [""] * 3,
                   [A, B, C])),
        ({"osm_id": ["21", "22", None], "fclass": ["rail", "light_rail", "rail"], "name": ["Amudaryo", None, "Man"]},
         [A, B, C],
         _expected(["osm:21", "rails:row3"], ["rail", "rail"], ["Amudaryo", "Man"], [A, C])),
    ],
    ids=["natural-earth", "osm-overpass", "osm-geofabrik"],
)
def test_each_rail_file_shape_is_recognised_by_its_columns(tmp_path: Path, columns: dict, geometries: list,
                                                           expected: gpd.GeoDataFrame) -> None:
    path = _write(tmp_path / "rails.geojson", columns, geometries)
    assert_geodataframe_equal(load_railways([path], SOURCE).railways, expected)


def test_only_rail_and_narrow_gauge_ways_are_kept_and_the_rest_counted(tmp_path: Path) -> None:
    kinds = ["rail", "construction", "proposed", "light_rail", "monorail", "disused", "abandoned", "narrow_gauge",
             "construction", "subway", "tram", "preserved"]
    path = _write(tmp_path / "rails.geojson", {"id": list(range(1, 13)), "type": kinds, "extract": ["x"] * 12},
                  [A] * 12)
    load = load_railways([path], SOURCE)
    assert (list(load.railways["rail_id"]), load.features_read, load.features_kept, load.dropped_kinds,
            load.notes) == (
        ["osm:1", "osm:8"], 12, 2,
        {"construction": 2, "abandoned": 1, "disused": 1, "light_rail": 1, "monorail": 1, "preserved": 1,
         "proposed": 1, "subway": 1, "tram": 1},
        ["dropped 10 of 12 OSM ways whose type is not rail or narrow_gauge: construction 2, abandoned 1, disused 1, "
         "light_rail 1, monorail 1, preserved 1, proposed 1, subway 1, tram 1"],
    )


def test_empty_and_zero_length_parts_are_dropped_and_parts_keep_their_numbers(tmp_path: Path) -> None:
    zero = LineString([(63.0, 43.0), (63.0, 43.0)])
    path = _write(tmp_path / "rails.geojson", {"id": [1, 2, 3, 4], "type": ["rail"] * 4, "extract": ["x"] * 4},
                  [MultiLineString([zero, B]), zero, None, A])
    load = load_railways([path], SOURCE)
    assert_geodataframe_equal(load.railways, _expected(["osm:1:1", "osm:4"], ["rail"] * 2, [""] * 2, [B, A]))
    assert (load.features_kept, load.parts_dropped, load.notes) == (
        4, 3, ["dropped 3 empty or zero-length line parts"])


def test_a_file_in_another_crs_is_reprojected(tmp_path: Path) -> None:
    metric = gpd.GeoSeries([A], crs=STORE_CRS).to_crs("EPSG:3857")
    path = _write(tmp_path / "rails.gpkg", {k: v[:1] for k, v in NE.items()}, list(metric), crs="EPSG:3857")
    assert_geodataframe_equal(load_railways([path], SOURCE).railways,
                              _expected(["ne10m:0"], ["rail"], [""], [A]), check_less_precise=True)


def test_railways_from_several_files_are_one_frame_and_nothing_present_keeps_the_schema(tmp_path: Path) -> None:
    first = _write(tmp_path / "a.geojson", {"id": [1], "type": ["rail"], "extract": ["x"]}, [A])
    second = _write(tmp_path / "b.geojson", {"osm_id": ["2"], "fclass": ["rail"], "name": ["N"]}, [B])
    dropped = _write(tmp_path / "c.geojson", {"osm_id": ["3"], "fclass": ["tram"], "name": [""]}, [C])
    assert_geodataframe_equal(load_railways([first, second], SOURCE).railways,
                              _expected(["osm:1", "osm:2"], ["rail", "rail"], ["", "N"], [A, B]))
    assert_geodataframe_equal(load_railways([dropped], SOURCE).railways, RAILWAYS.empty())


def test_a_file_of_another_shape_is_refused_naming_its_columns(tmp_path: Path) -> None:
    path = _write(tmp_path / "roads.geojson", {"name": ["M39"], "highway": ["trunk"]}, [A])
    with pytest.raises(SourceFormatError) as exc_info:
        load_railways([path], SOURCE)
    assert str(exc_info.value) == (
        f"{path}: not a railway file this loader knows: the file has 2 columns, of the expected names ['name']; "
        "expected the columns "
        "of one of: Natural Earth railroads (scalerank, featurecla, rwdb_rr_id); OSM Overpass extract (id, type, "
        "extract); OSM Geofabrik railways layer (osm_id, fclass, name)"
    )


@pytest.mark.parametrize(
    ("columns", "geometries", "message"),
    [
        ({"id": [1, 2], "type": ["rail", "rail"], "extract": ["x", "x"]}, [A, Point(60, 40)],
         "row 2, column 'geometry': Point is not a line; expected LineString or MultiLineString"),
        ({"osm_id": ["5", "5"], "fclass": ["rail", "rail"], "name": ["", ""]}, [A, B],
         "row 2, column 'osm_id': duplicate id 5 (first given in rails.geojson row 1); expected each feature once"),
        ({"osm_id": ["w12", "13"], "fclass": ["rail", "rail"], "name": ["", ""]}, [A, B],
         "row 1, column 'osm_id': 'w12' is not an OSM id; expected a positive whole number"),
    ],
    ids=["point", "duplicate-id", "malformed-id"],
)
def test_bad_features_are_refused_naming_file_row_and_column(tmp_path: Path, columns: dict, geometries: list,
                                                             message: str) -> None:
    path = _write(tmp_path / "rails.geojson", columns, geometries)
    with pytest.raises(SourceFormatError) as exc_info:
        load_railways([path], SOURCE)
    assert str(exc_info.value) == f"{path}: {message}"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("rails.geojson", "not json", "cannot read railways: "),
     ("rails.gpkg", None, "no CRS; the railways file must declare one (GeoJSON is always EPSG:4326)")],
    ids=["unreadable", "no-crs"],
)
def test_a_file_that_cannot_be_read_or_has_no_crs_is_refused(tmp_path: Path, name: str, content: str | None,
                                                             message: str) -> None:
    path = tmp_path / name
    if content is None:
        with pytest.warns(UserWarning, match="'crs' was not provided"):
            _write(path, NE, [A, B], crs=None)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceFormatError) as exc_info:
        load_railways([path], SOURCE)
    assert str(exc_info.value).startswith(f"{path}: {message}")


# --- integration: the staged rail files --------------------------------------------------------------------

def _staged(raw_dir: Path, name: str, source_id: str):
    return load_railways([raw_dir / "geo" / name], Source(
        id=source_id, title="t", publisher="p", licence="l", attribution="a", url="u", root="raw", files=(name,),
        loader="railways"))


@pytest.mark.integration
@pytest.mark.parametrize(
    ("name", "read", "kept", "dropped", "lines"),
    [
        ("railways_ne10m.geojson", 3285, 3285, {}, 3289),
        ("railways_osm_tkm_afg_aze_bbox.geojson", 19367, 18931 + 17,
         {"construction": 300, "light_rail": 85, "proposed": 28, "monorail": 6}, 18959),
        ("railways_osm_uzbekistan.geojson", 8746, 8655 + 33, {"light_rail": 56, "miniature_railway": 2}, 8692),
    ],
    ids=["natural-earth", "osm-tkm-afg-aze", "osm-uzbekistan"],
)
def test_the_staged_rail_files_load(raw_dir: Path, name: str, read: int, kept: int, dropped: dict,
                                    lines: int) -> None:
    load = _staged(raw_dir, name, "staged")
    railways = load.railways
    assert (load.features_read, load.features_kept, load.dropped_kinds, len(railways), load.parts_dropped) == (
        read, kept, dropped, lines, 0)
    assert railways["rail_id"].is_unique and set(railways["kind"]) <= {"rail", "narrow_gauge"}


@pytest.mark.integration
def test_the_natural_earth_network_passes_through_dostyk(raw_dir: Path) -> None:
    railways = _staged(raw_dir, "railways_ne10m.geojson", "railways_ne10m").railways.to_crs(METRIC_CRS)
    dostyk = gpd.GeoSeries([Point(82.4793, 45.2493)], crs=STORE_CRS).to_crs(METRIC_CRS).iloc[0]
    # nodes.csv places the Dostyk gateway on a Natural Earth rail vertex (rounded to 4 decimals, about 10 m).
    assert railways.geometry.distance(dostyk).min() < 10.0


@pytest.mark.integration
def test_the_hand_added_uzbek_line_keeps_a_row_id(raw_dir: Path) -> None:
    railways = _staged(raw_dir, "railways_osm_uzbekistan.geojson", "railways_osm_uzbekistan").railways
    added = railways[~railways["rail_id"].str.startswith("osm:")]
    assert added[["rail_id", "kind", "name"]].to_dict("records") == [
        {"rail_id": "railways_osm_uzbekistan:row8063", "kind": "rail", "name": "Jumurtau-Gubadag (Manual addition)"}]

