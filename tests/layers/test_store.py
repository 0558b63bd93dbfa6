"""Tests for the built store: round trip, atomic writes, and refusing stores it cannot read."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import MultiPolygon, Point, box

import layers.store
from layers.deposits.records import make_quarantine, make_records
from layers.errors import SchemaError, StoreError
from layers.schema import SITES, STORE_CRS, validate
from layers.store import STORE_FORMAT, read_store, write_store

SOURCES = pd.DataFrame({"id": ["minmod"], "title": ["MinMod"], "rows": [2]})
BUILD_INFO = {"records_in": 2, "skipped": {"usgs_tienshan_ree": "no file"}, "notes": ["Кутессай"]}


def _record(record_id: str, point: Point | None, precision_km: float) -> dict:
    return {
        "record_id": record_id, "source": "minmod", "dataset": "mrdata-ree", "name": "Кутессай-II",
        "aliases": ["Kutessay II"], "country": "KG", "commodities": ["La", "Be"],
        "commodity_groups": ["REE", "rare metals"], "deposit_types": [], "status": "",
        "grade_tonnage": [{"commodity": "Beryllium", "ore_tonnes": None, "grade": 0.1, "category": "Indicated"}],
        "references": ["https://mrdata.usgs.gov/ree"], "upstream_url": "https://mrdata.usgs.gov/ree",
        "location_precision_km": precision_km, "location_status": "exact" if point else "missing",
        "location_raw": "", "country_check": "", "same_as": [], "geometry": point,
    }


def _sites() -> gpd.GeoDataFrame:
    frame = pd.DataFrame({
        "site_id": ["mrdata-ree:211", "jowitt-ree:x"], "name": ["Kutessai-II", "X"],
        "names": [["Kutessai-II", "Кутессай-II"], ["X"]], "country": ["KG", "KG"],
        "commodities": [["La"], []], "commodity_groups": [["REE"], []], "primary_group": ["REE", "other"],
        "deposit_types": [[], []], "status": ["", ""], "source_record_ids": [["mrdata-ree:211"], ["jowitt-ree:x"]],
        "n_sources": [1, 1], "location_precision_km": [15.0, math.nan],
        "location_record_id": ["mrdata-ree:211", ""],
        "provenance": [{"name": [{"value": "Kutessai-II", "record_id": "mrdata-ree:211"}]}, {}],
        "search_keys": [["kutesai 2"], ["x"]], "link_reason": ["", ""],
    })
    sites = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([Point(76.166667, 42.666667), None], crs=STORE_CRS),
                             crs=STORE_CRS)
    validate(sites, SITES, what="test sites")
    return sites


def _layers() -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
    return {
        "sites": _sites(),
        "source_records": make_records(
            [_record("mrdata-ree:211", Point(76.166667, 42.666667), 15.0), _record("jowitt-ree:x", None, math.nan)],
            "test",
        ),
        "quarantine": make_quarantine([{"source": "minmod", "record_id": "mrdata-ree:1", "name": "", "country": "KG",
                                        "location_raw": "POINT(0 0)", "reason": "no name"}], "test"),
        "countries": gpd.GeoDataFrame(
            {"iso_a2": ["KG", ""], "name": ["Kyrgyzstan", "Nowhere"], "name_ru": ["Киргизия", ""]},
            geometry=[MultiPolygon([box(69, 39, 80, 43)]), MultiPolygon([box(60, 30, 61, 31)])], crs=STORE_CRS,
        ),
    }


def _as_stored(frame: pd.DataFrame) -> pd.DataFrame:
    """The store gives text columns back as object dtype; the loaders build them as pandas strings."""
    return frame.astype({c: object for c, dtype in frame.dtypes.items() if isinstance(dtype, pd.StringDtype)})


@pytest.fixture()
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store" / "atlas.gpkg"
    write_store(path, _layers(), SOURCES, BUILD_INFO)
    return path


@pytest.mark.parametrize("name", ["sites", "source_records", "countries"])
def test_spatial_layers_round_trip(store_path: Path, name: str) -> None:
    assert_geodataframe_equal(read_store(store_path).layer(name), _as_stored(_layers()[name]))


def test_the_quarantine_table_round_trips(store_path: Path) -> None:
    pd.testing.assert_frame_equal(read_store(store_path).quarantine, _as_stored(_layers()["quarantine"]))


def test_lists_dicts_nan_and_missing_geometry_survive(store_path: Path) -> None:
    records = read_store(store_path).source_records
    assert (records["aliases"].tolist(), records["grade_tonnage"].tolist()[0], records.geometry.tolist()[1],
            math.isnan(records["location_precision_km"].tolist()[1])) == (
        [["Kutessay II"], ["Kutessay II"]],
        [{"commodity": "Beryllium", "ore_tonnes": None, "grade": 0.1, "category": "Indicated"}],
        None,
        True,
    )


def test_sources_and_build_info_round_trip(store_path: Path) -> None:
    store = read_store(store_path)
    pd.testing.assert_frame_equal(store.sources, SOURCES.astype(str))
    assert store.build_info == {**BUILD_INFO, "store_format": STORE_FORMAT}


def test_reading_a_missing_store_says_to_run_make_build(tmp_path: Path) -> None:
    path = tmp_path / "atlas.gpkg"
    with pytest.raises(StoreError) as exc_info:
        read_store(path)
    assert str(exc_info.value) == f"no store at {path}: run `make build` (or `make run`) first"


def test_reading_a_file_that_is_not_a_geopackage_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "atlas.gpkg"
    path.write_bytes(b"not a geopackage")
    with pytest.raises(StoreError) as exc_info:
        read_store(path)
    assert str(exc_info.value).startswith(f"cannot read the store {path}: ")


def test_a_store_of_another_format_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "atlas.gpkg"
    with monkeypatch.context() as patch:
        patch.setattr(layers.store, "STORE_FORMAT", "2")
        write_store(path, _layers(), SOURCES, BUILD_INFO)
    with pytest.raises(StoreError) as exc_info:
        read_store(path)
    assert str(exc_info.value) == (
        f"{path} has store format '2', expected {STORE_FORMAT}: rebuild it with `make build`"
    )


def _break_sites(layers: dict) -> None:
    layers["sites"] = layers["sites"].assign(colour="red")


def _break_countries(layers: dict) -> None:
    layers["countries"] = layers["countries"].set_crs("EPSG:3857", allow_override=True)


@pytest.mark.parametrize("breaker", [_break_sites, _break_countries], ids=["first-layer", "last-layer"])
def test_a_failed_write_leaves_the_previous_store_and_no_temporary_file(store_path: Path, breaker) -> None:
    before = store_path.read_bytes()
    broken = _layers()
    breaker(broken)
    with pytest.raises(SchemaError):
        write_store(store_path, broken, SOURCES, {"records_in": 99})
    assert (store_path.read_bytes() == before, sorted(p.name for p in store_path.parent.iterdir())) == (
        True, ["atlas.gpkg"]
    )


def test_a_write_missing_a_layer_is_refused_and_leaves_the_store(store_path: Path) -> None:
    before = store_path.read_bytes()
    layers_without_countries = {k: v for k, v in _layers().items() if k != "countries"}
    with pytest.raises(StoreError) as exc_info:
        write_store(store_path, layers_without_countries, SOURCES, BUILD_INFO)
    assert (str(exc_info.value), store_path.read_bytes() == before) == (
        f"cannot write {store_path}: layers ['countries'] are missing", True
    )


def test_a_store_path_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the store's folder should be", encoding="utf-8")
    path = tmp_path / "data" / "atlas.gpkg"
    with pytest.raises(StoreError) as exc_info:
        write_store(path, _layers(), SOURCES, BUILD_INFO)
    assert str(exc_info.value).startswith(f"cannot write the store {path}: ")
