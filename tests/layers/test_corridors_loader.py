"""Tests for the curated corridors and corridor waypoints loaders and the waypoint → corridor check."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point

from layers.errors import ColumnMappingError, SourceFormatError
from layers.manifest import Source
from layers.schema import CORRIDOR_STATUSES, STORE_CRS
from layers.transport.corridors import check_waypoint_corridors, load_corridor_waypoints, load_corridors

CORRIDORS_SOURCE = Source(id="corridors", title="t", publisher="p", licence="l", attribution="a", url="u",
                          root="data", files=("curated/corridors.csv",), loader="corridors_table")
WAYPOINTS_SOURCE = Source(id="corridor_waypoints", title="t", publisher="p", licence="l", attribution="a", url="u",
                          root="data", files=("curated/corridor_waypoints.csv",), loader="corridor_waypoints_table")

CORRIDOR_HEADER = "corridor_id,name,name_ru,status,opened_or_planned,orientation,notes,source\n"
WAYPOINT_HEADER = "corridor_id,seq,node_or_place,lon,lat,mode_to_next,notes\n"
TITR = "titr,Middle Corridor,Средний коридор,existing,,west,ferry,seed\n"
CKU = "cku,China-Kyrgyzstan-Uzbekistan,,Under_Construction,2025 start,east,,\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_corridors_load_with_their_status(tmp_path: Path) -> None:
    path = _write(tmp_path, "corridors.csv", CORRIDOR_HEADER + TITR + CKU)
    expected = pd.DataFrame({
        "corridor_id": ["titr", "cku"], "name": ["Middle Corridor", "China-Kyrgyzstan-Uzbekistan"],
        "name_ru": ["Средний коридор", ""], "status": ["existing", "under_construction"],
        "opened_or_planned": ["", "2025 start"], "orientation": ["west", "east"], "notes": ["ferry", ""],
        "source": ["seed", ""],
    })
    pd.testing.assert_frame_equal(load_corridors([path], CORRIDORS_SOURCE), expected)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("x,X,,abandoned,,,,\n",
         f"row 3, column 'status': unknown status 'abandoned'; expected one of {', '.join(CORRIDOR_STATUSES)}"),
        ("x,X,,,,,,\n", "row 3, column 'status': is empty; a value is required"),
        ("titr,Again,,planned,,,,\n",
         "row 3, column 'corridor_id': duplicate id 'titr'; expected unique values (first given in corridors.csv "
         "row 2)"),
        ("x,,,planned,,,,\n", "row 3, column 'name': is empty; a value is required"),
    ],
    ids=["unknown-status", "no-status", "duplicate-id", "no-name"],
)
def test_bad_corridor_rows_are_refused(tmp_path: Path, row: str, message: str) -> None:
    path = _write(tmp_path, "corridors.csv", CORRIDOR_HEADER + TITR + row)
    with pytest.raises(SourceFormatError) as exc_info:
        load_corridors([path], CORRIDORS_SOURCE)
    assert str(exc_info.value) == f"{path}: {message}"


def _waypoint(corridor: str, seq: int | str, mode: str, lon: float = 51.0) -> str:
    return f"{corridor},{seq},Place {seq},{lon},43.0,{mode},\n"


def test_waypoints_load_ordered_by_corridor_and_seq(tmp_path: Path) -> None:
    rows = [_waypoint("titr", 2, "", 49.4), _waypoint("cku", 1, "rail", 75.99), _waypoint("titr", 1, "SEA", 51.2),
            _waypoint("cku", 2, "", 75.39)]
    path = _write(tmp_path, "corridor_waypoints.csv", WAYPOINT_HEADER + "".join(rows))
    expected = gpd.GeoDataFrame(
        {"corridor_id": ["titr", "titr", "cku", "cku"], "seq": [1, 2, 1, 2],
         "node_or_place": ["Place 1", "Place 2", "Place 1", "Place 2"], "mode_to_next": ["sea", "", "rail", ""],
         "notes": ["", "", "", ""]},
        geometry=gpd.GeoSeries([Point(51.2, 43), Point(49.4, 43), Point(75.99, 43), Point(75.39, 43)], crs=STORE_CRS),
        crs=STORE_CRS)
    assert_geodataframe_equal(load_corridor_waypoints([path], WAYPOINTS_SOURCE), expected)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([_waypoint("t", 1, "rail"), _waypoint("t", 3, "")],
         "row 3, column 'seq': seq 3 of corridor 't' leaves a gap (no seq 2); expected each corridor's seq to run "
         "1, 2, 3, ..."),
        ([_waypoint("t", 2, "rail"), _waypoint("t", 3, "")],
         "row 2, column 'seq': seq 2 of corridor 't' leaves a gap (no seq 1); expected each corridor's seq to run "
         "1, 2, 3, ..."),
        ([_waypoint("t", 1, "rail"), _waypoint("t", 2, "rail"), _waypoint("t", 2, "")],
         "row 4, column 'seq': seq 2 of corridor 't' is given twice; expected each corridor's seq to run 1, 2, 3, ..."),
        ([_waypoint("t", 0, "rail"), _waypoint("t", 1, "")],
         "row 2, column 'seq': seq 0 of corridor 't' is below 1; expected each corridor's seq to run 1, 2, 3, ..."),
        ([_waypoint("t", "first", "rail")], "row 2, column 'seq': 'first' is not a whole number >= 0"),
        ([_waypoint("t", 1, "rail"), _waypoint("t", 2, "sea")],
         "row 3, column 'mode_to_next': 'sea' on the last waypoint of corridor 't'; expected it empty (there is no "
         "next waypoint)"),
        ([_waypoint("t", 1, ""), _waypoint("t", 2, "")],
         "row 2, column 'mode_to_next': is empty on waypoint 1 of 2 of corridor 't'; expected one of rail, sea"),
        ([_waypoint("t", 1, "road"), _waypoint("t", 2, "")],
         "row 2, column 'mode_to_next': unknown mode_to_next 'road'; expected one of rail, sea"),
        (["t,1,Place,,43.0,,\n"], "row 2, column 'lon': is empty; a value is required"),
        (["t,1,Place,51,95,,\n"], "row 2, column 'lat': '95' is not a number in -90..90"),
        ([",1,Place,51,43,,\n"], "row 2, column 'corridor_id': is empty; a value is required"),
    ],
    ids=["gap", "no-first", "repeated", "zero", "not-a-number", "mode-on-last", "no-mode", "unknown-mode", "no-lon",
         "lat-range", "no-corridor"],
)
def test_bad_waypoints_are_refused_naming_file_row_and_column(tmp_path: Path, rows: list[str], message: str) -> None:
    path = _write(tmp_path, "corridor_waypoints.csv", WAYPOINT_HEADER + "".join(rows))
    with pytest.raises(SourceFormatError) as exc_info:
        load_corridor_waypoints([path], WAYPOINTS_SOURCE)
    assert str(exc_info.value) == f"{path}: {message}"


def test_a_waypoint_table_without_mode_to_next_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "corridor_waypoints.csv", "corridor_id,seq,node_or_place,lon,lat\nt,1,P,51,43\n")
    with pytest.raises(ColumnMappingError, match=r"missing required corridor_waypoints columns \['mode_to_next'\]"):
        load_corridor_waypoints([path], WAYPOINTS_SOURCE)


def test_waypoints_of_an_unknown_corridor_are_refused(tmp_path: Path) -> None:
    corridors = load_corridors([_write(tmp_path, "corridors.csv", CORRIDOR_HEADER + TITR)], CORRIDORS_SOURCE)
    rows = [_waypoint("titr", 1, ""), _waypoint("ghost", 1, "rail"), _waypoint("ghost", 2, "")]
    waypoints = load_corridor_waypoints([_write(tmp_path, "corridor_waypoints.csv", WAYPOINT_HEADER + "".join(rows))],
                                        WAYPOINTS_SOURCE)
    with pytest.raises(SourceFormatError) as exc_info:
        check_waypoint_corridors(corridors, waypoints)
    assert str(exc_info.value) == ("corridor_waypoints: 2 waypoints name a corridor_id that is not in corridors: "
                                   "'ghost' (seq 1, 2)")


# --- integration: the curated tables -----------------------------------------------------------------------

@pytest.mark.integration
def test_the_curated_corridors_and_waypoints_load_and_agree(source_settings) -> None:
    curated = source_settings.data_dir / "curated"
    corridors = load_corridors([curated / "corridors.csv"], CORRIDORS_SOURCE)
    waypoints = load_corridor_waypoints([curated / "corridor_waypoints.csv"], WAYPOINTS_SOURCE)
    check_waypoint_corridors(corridors, waypoints)
    assert (len(corridors), len(waypoints)) == (7, 51)
    assert waypoints.groupby("corridor_id", sort=False).size().to_dict() == {
        "titr_south": 13, "titr_central": 11, "northern": 6, "china_central_asia": 8, "north_south_east": 5,
        "cku": 4, "trans_afghan": 4}
    assert corridors.set_index("corridor_id")["status"].to_dict() == {
        "titr_south": "existing", "titr_central": "existing", "northern": "existing",
        "china_central_asia": "existing", "north_south_east": "existing", "cku": "under_construction",
        "trans_afghan": "planned"}
    # The Middle Corridor's southern route crosses the Caspian by ferry from Aktau to Alat.
    ferry = waypoints[(waypoints["corridor_id"] == "titr_south") & (waypoints["mode_to_next"] == "sea")]
    assert ferry[["seq", "node_or_place"]].to_dict("records") == [{"seq": 10, "node_or_place": "Aktau port"}]
