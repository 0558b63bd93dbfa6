"""The corridor analysis on the real staged data, each distance checked with an independent pyproj.Geod computation."""

import numpy as np
import pytest
import rasterio
from pyproj import Geod
from shapely.geometry import Point

from geo.analyze import read_analysis
from layers.store import read_store

GEOD = Geod(ellps="WGS84")
KUTESSAI = "national:kg-kutessai-2"
KATPAR = "national:kz-northern-katpar"
ALMALYK = "national:uz-almalyk"


@pytest.fixture(scope="module")
def analysis(real_analysis):
    return read_analysis(real_analysis)


@pytest.fixture(scope="module")
def store(real_store):
    return read_store(real_store)


def legs(analysis, corridor_id: str) -> list[tuple[str, str, bool, str]]:
    frame = analysis.layer("corridor_segments")
    rows = frame[frame["corridor_id"] == corridor_id].sort_values("seq")
    return [(r["from_name"], r["to_name"], r["on_track"], r["reason"]) for r in rows.to_dict("records")]


def test_middle_corridor_south_is_schematic_exactly_on_the_missing_lines_and_at_sea(analysis):
    off_track = [(a, b, reason) for a, b, on, reason in legs(analysis, "titr_south") if not on]
    assert off_track == [("Khorgos / Altynkol", "Zhetygen", "missing_in_data"),
                         ("Shalkar", "Beyneu", "missing_in_data"),
                         ("Aktau port", "Alat port (Baku)", "sea")]


def test_northern_route_follows_real_track_end_to_end(analysis):
    assert all(on for _, _, on, _ in legs(analysis, "northern"))
    lines = analysis.layer("corridor_lines").set_index("corridor_id")
    assert (lines.loc["northern", "track_share"], lines.loc["northern", "schematic_share"]) == (1.0, 0.0)


def test_china_kyrgyzstan_uzbekistan_is_schematic_except_jalal_abad_andijan(analysis):
    assert legs(analysis, "cku") == [("Kashgar", "Torugart pass", False, "planned"),
                                     ("Torugart pass", "Jalal-Abad", False, "planned"),
                                     ("Jalal-Abad", "Andijan", True, "")]


def test_corridor_lengths_are_geodesic_lengths_of_the_drawn_lines(analysis):
    lines = analysis.layer("corridor_lines")
    for row in lines.to_dict("records"):
        assert row["length_km"] == pytest.approx(GEOD.geometry_length(row["geometry"]) / 1000.0, rel=1e-6)
        assert row["track_share"] + row["schematic_share"] == pytest.approx(1.0)


@pytest.mark.parametrize("site_id", [KUTESSAI, KATPAR, ALMALYK])
def test_site_distance_to_each_corridor_agrees_with_pyproj_geod(analysis, store, site_id):
    site = store.sites.set_index("site_id").loc[site_id]
    table = analysis.layer("site_corridors")
    rows = table[table["site_id"] == site_id]
    assert len(rows) == 7
    for row in rows.to_dict("records"):
        _, _, metres = GEOD.inv(site.geometry.x, site.geometry.y, row["nearest_lon"], row["nearest_lat"])
        assert row["distance_km"] == pytest.approx(metres / 1000.0, rel=1e-3)
        assert row["precision_km"] == site["location_precision_km"]


@pytest.mark.parametrize("site_id", [KUTESSAI, KATPAR, ALMALYK])
def test_reported_distance_is_the_minimum_over_the_corridor_land_legs(analysis, store, site_id):
    # Independent check: densify each land leg every ~1 km along geodesics and take the minimum distance.
    site = store.sites.set_index("site_id").loc[site_id].geometry
    legs_ = analysis.layer("corridor_segments")
    land = legs_[legs_["mode"] != "sea"]
    table = analysis.layer("site_corridors").set_index(["site_id", "corridor_id"])
    for corridor_id, group in land.groupby("corridor_id"):
        best = np.inf
        for line in group.geometry:
            coords = np.asarray(line.coords)
            for (x0, y0), (x1, y1) in zip(coords[:-1], coords[1:], strict=True):
                n = max(int(GEOD.inv(x0, y0, x1, y1)[2] // 1000), 0)
                middle = GEOD.npts(x0, y0, x1, y1, n) if n else []
                pts = np.array([(x0, y0), *middle, (x1, y1)])
                distances = GEOD.inv(np.full(len(pts), site.x), np.full(len(pts), site.y), pts[:, 0], pts[:, 1])[2]
                best = min(best, distances.min())
        reported = table.loc[(site_id, corridor_id), "distance_km"]
        assert reported == pytest.approx(best / 1000.0, rel=0.005, abs=1.0)


def test_kutessai_is_nearest_to_the_china_central_asia_line(analysis):
    access = analysis.layer("site_access").set_index("site_id").loc[KUTESSAI]
    # Kutessai-II lies in the Kemin district, east of Bishkek; the southern Kazakh main line runs ~110 km north.
    assert access["nearest_corridor"] in ("china_central_asia", "titr_south")
    assert 60.0 < access["corridor_distance_km"] < 160.0
    assert access["corridor_distance_any_km"] <= access["corridor_distance_km"]


def test_almalyk_gains_from_the_planned_lines_or_not_with_the_sign_right(analysis):
    access = analysis.layer("site_access")
    assert (access["planned_change_km"] <= 1e-9).all()
    almalyk = access.set_index("site_id").loc[ALMALYK]
    assert almalyk["nearest_gateway"] == "keles"
    assert almalyk["gateway_distance_km"] == pytest.approx(
        GEOD.inv(69.666667, 40.8, 69.206, 41.407)[2] / 1000.0, rel=0.02)


def test_rail_km_from_northern_katpar_to_dostyk_exceeds_the_straight_line(analysis, store):
    rail = analysis.layer("site_gateway_rail")
    row = rail[(rail["site_id"] == KATPAR) & (rail["gateway_id"] == "dostyk")].iloc[0]
    straight = GEOD.inv(72.95, 48.733333, 82.4793, 45.2493)[2] / 1000.0
    assert straight < row["rail_km"] < 2.5 * straight
    access = analysis.layer("site_access").set_index("site_id").loc[KATPAR]
    assert row["access_km"] == pytest.approx(access["access_km"])
    _, _, metres = GEOD.inv(72.95, 48.733333, access["railhead_lon"], access["railhead_lat"])
    assert access["access_km"] == pytest.approx(metres / 1000.0, rel=1e-6)


def test_gateways_without_track_are_reported(analysis):
    notes = analysis.info["notes"]
    assert any(n.startswith("gateway khorgos has no rail distances") for n in notes)
    assert any(n.startswith("gateway torugart has no rail distances") for n in notes)


def test_catchments_count_sites_per_corridor_and_country(analysis):
    frame = analysis.layer("catchments")
    assert (frame["within_50_km"] <= frame["within_100_km"]).all()
    assert (frame["within_100_km"] <= frame["within_250_km"]).all()
    kz = frame[(frame["corridor_id"] == "northern") & (frame["country"] == "KZ")].iloc[0]
    assert kz["within_250_km"] > 100


@pytest.mark.parametrize(("name", "units"), [("distance_to_corridor", "km"), ("access_cost", "effort-km")])
def test_rasters_open_in_rasterio_with_crs_and_units(real_analysis, name, units):
    with rasterio.open(real_analysis.rasters_dir / f"{name}.tif") as src:
        assert src.crs is not None and src.count == 1 and src.nodata == -1.0
        assert src.tags()["units"] == units
        assert 500 <= src.res[0] <= 5000
        band = src.read(1, out_shape=(1, 200, 200))
        assert np.nanmax(band) > 0


def test_distance_raster_agrees_with_the_site_table_within_its_stated_error(analysis, real_analysis, store):
    with rasterio.open(real_analysis.rasters_dir / "distance_to_corridor.tif") as src:
        access = analysis.layer("site_access").set_index("site_id")
        for site_id in (KUTESSAI, KATPAR, ALMALYK):
            point = store.sites.set_index("site_id").loc[site_id].geometry
            x, y = rasterio.warp.transform("EPSG:4326", src.crs, [point.x], [point.y])
            value = next(src.sample([(x[0], y[0])]))[0]
            # Planar distance in the equal-area grid: within 4 % and 2 cells of the geodesic distance.
            assert value == pytest.approx(access.loc[site_id, "corridor_distance_km"], rel=0.04, abs=2.0)


def test_buffers_nest(analysis):
    buffers = analysis.layer("corridor_buffers").set_index("distance_km")
    assert list(buffers.index) == [50, 100, 250]
    assert buffers.loc[50].geometry.area < buffers.loc[100].geometry.area < buffers.loc[250].geometry.area
    assert buffers.loc[50].geometry.contains(Point(73.1, 49.9))  # Karaganda, on the northern route
