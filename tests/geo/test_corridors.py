import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import LineString, Point

from geo.corridors import MAX_DETOUR, SNAP_MAX_M, route_corridors
from geo.railgraph import JOIN_TOLERANCE_M, build_rail_graph
from layers.errors import CRSMismatchError

GEOD = Geod(ellps="WGS84")
LAT = 43.0


def east(lon: float, km: float, lat: float = LAT) -> float:
    return GEOD.fwd(lon, lat, 90.0, km * 1000.0)[0]


def north(lat: float, km: float, lon: float = 65.0) -> float:
    return GEOD.fwd(lon, lat, 0.0, km * 1000.0)[1]


def rails(*lines: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"rail_id": [f"r{i}" for i in range(len(lines))]},
                            geometry=[LineString(line) for line in lines], crs="EPSG:4326")


def corridor(status: str, *points: tuple[str, float, float, str]):
    corridors = pd.DataFrame([{"corridor_id": "c", "name": "C", "status": status}])
    rows = [{"corridor_id": "c", "seq": i + 1, "node_or_place": name, "mode_to_next": mode,
             "geometry": Point(lon, lat)} for i, (name, lon, lat, mode) in enumerate(points)]
    return corridors, gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def legs(segments) -> list[tuple[str, str, bool, str]]:
    return [(r["from_name"], r["to_name"], r["on_track"], r["reason"]) for r in segments.to_dict("records")]


def test_straight_track_is_followed():
    line = [(65.0, LAT), (east(65.0, 50), LAT), (east(65.0, 100), LAT)]
    graph = build_rail_graph(rails(line))
    segments, lines = route_corridors(*corridor("existing", ("A", 65.0, LAT, "rail"), ("B", line[-1][0], LAT, "")),
                                      graph)
    assert legs(segments) == [("A", "B", True, "")]
    assert segments["length_km"].iloc[0] == pytest.approx(100.0, rel=1e-3)
    assert (lines["track_share"].iloc[0], lines["schematic_share"].iloc[0]) == (1.0, 0.0)


def test_a_gap_in_the_track_is_schematic_missing_in_data():
    west_part = [(65.0, LAT), (east(65.0, 40), LAT)]
    east_part = [(east(65.0, 60), LAT), (east(65.0, 100), LAT)]  # 20 km gap, beyond the join tolerance
    graph = build_rail_graph(rails(west_part, east_part))
    segments, _ = route_corridors(*corridor("existing", ("A", 65.0, LAT, "rail"), ("B", east_part[-1][0], LAT, "")),
                                  graph)
    assert legs(segments) == [("A", "B", False, "missing_in_data")]
    assert segments["detail"].iloc[0] == "no connected track between the waypoints"


def test_loose_ends_within_the_join_tolerance_are_connected():
    gap_km = JOIN_TOLERANCE_M / 1000 / 2
    a = [(65.0, LAT), (east(65.0, 40), LAT)]
    b = [(east(65.0, 40 + gap_km), LAT), (east(65.0, 100), LAT)]
    graph = build_rail_graph(rails(a, b))
    segments, _ = route_corridors(*corridor("existing", ("A", 65.0, LAT, "rail"), ("B", b[-1][0], LAT, "")), graph)
    assert legs(segments) == [("A", "B", True, "")]
    assert graph.joins >= 1


def test_a_long_detour_is_refused_and_drawn_straight():
    # The only track from A to B goes 300 km north and back: the direct line is missing from the data.
    top = north(LAT, 300)
    b_lon = east(65.0, 100)
    graph = build_rail_graph(rails([(65.0, LAT), (65.0, top), (b_lon, top), (b_lon, LAT)]))
    segments, _ = route_corridors(*corridor("existing", ("A", 65.0, LAT, "rail"), ("B", b_lon, LAT, "")), graph)
    assert legs(segments) == [("A", "B", False, "missing_in_data")]
    assert f"> {MAX_DETOUR:g}" in segments["detail"].iloc[0]
    assert segments["length_km"].iloc[0] == pytest.approx(100.0, rel=1e-3)


def test_a_loop_takes_the_shorter_side():
    b_lon = east(65.0, 100)
    top, bottom = north(LAT, 20), north(LAT, -200)
    graph = build_rail_graph(rails([(65.0, LAT), (65.0, top), (b_lon, top), (b_lon, LAT)],
                                   [(65.0, LAT), (65.0, bottom), (b_lon, bottom), (b_lon, LAT)]))
    segments, _ = route_corridors(*corridor("existing", ("A", 65.0, LAT, "rail"), ("B", b_lon, LAT, "")), graph)
    assert legs(segments) == [("A", "B", True, "")]
    assert segments["length_km"].iloc[0] == pytest.approx(140.0, rel=0.01)


@pytest.mark.parametrize(("status", "reason"), [("existing", "missing_in_data"), ("planned", "planned"),
                                                ("under_construction", "planned")])
def test_a_waypoint_too_far_from_any_track(status, reason):
    graph = build_rail_graph(rails([(65.0, LAT), (east(65.0, 100), LAT)]))
    off = north(LAT, SNAP_MAX_M / 1000 + 3)
    segments, _ = route_corridors(*corridor(status, ("A", 65.0, off, "rail"), ("B", east(65.0, 100), LAT, "")), graph)
    assert legs(segments) == [("A", "B", False, reason)]
    assert segments["detail"].iloc[0] == f"A is {SNAP_MAX_M / 1000 + 3:.1f} km from track (snap limit 5 km)"


def test_sea_legs_are_never_routed_over_land():
    graph = build_rail_graph(rails([(65.0, LAT), (east(65.0, 100), LAT)]))
    segments, lines = route_corridors(*corridor("existing", ("Port A", 65.0, LAT, "sea"),
                                                ("Port B", east(65.0, 100), LAT, "")), graph)
    assert legs(segments) == [("Port A", "Port B", False, "sea")]
    assert lines["schematic_share"].iloc[0] == 1.0


def test_graph_needs_geographic_lines():
    with pytest.raises(CRSMismatchError, match="expected EPSG:4326"):
        build_rail_graph(rails([(65.0, LAT), (66.0, LAT)]).to_crs(3857))


def test_graph_needs_lines():
    with pytest.raises(ValueError, match="no rail lines"):
        build_rail_graph(rails())
