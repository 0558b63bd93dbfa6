"""Corridor endpoints on the real data."""

import csv
import io
import json

import pyogrio
import pytest
import rasterio
from pyproj import Geod

GEOD = Geod(ellps="WGS84")
KATPAR = "national:kz-northern-katpar"


def test_corridors_geojson_has_the_contract_properties(client, tmp_path):
    response = client.get("/api/corridors")
    body = response.get_json()
    assert response.mimetype == "application/geo+json"
    assert {f["properties"]["corridor_id"] for f in body["features"]} == {
        "titr_south", "titr_central", "northern", "china_central_asia", "north_south_east", "cku", "trans_afghan"}
    props = body["features"][0]["properties"]
    assert {"corridor_id", "status", "length_km", "schematic_share"} <= set(props)
    assert "OpenStreetMap contributors" in body["attribution"]
    path = tmp_path / "corridors.geojson"
    path.write_text(json.dumps(body), encoding="utf-8")
    assert len(pyogrio.read_dataframe(path)) == 7


def test_segments_carry_reasons(client):
    body = client.get("/api/corridors/segments").get_json()
    reasons = {f["properties"]["reason"] for f in body["features"]}
    assert reasons == {"", "missing_in_data", "planned", "sea"}
    sea = [f for f in body["features"] if f["properties"]["reason"] == "sea"]
    assert all(f["properties"]["mode"] == "sea" and not f["properties"]["on_track"] for f in sea)


def test_sites_carry_corridor_properties(client):
    body = client.get("/api/sites?q=Northern%20Katpar").get_json()
    props = body["features"][0]["properties"]
    for key in ("nearest_corridor", "corridor_distance_km", "nearest_corridor_any", "corridor_distance_any_km",
                "nearest_gateway", "gateway_distance_km"):
        assert props[key] is not None, key
    assert props["corridor_distance_any_km"] <= props["corridor_distance_km"]


def test_unmapped_sites_have_no_corridor_properties(client):
    body = client.get("/api/sites?q=Aitym").get_json()
    props = body["features"][0]["properties"]
    assert body["features"][0]["geometry"] is None
    assert (props["nearest_corridor"], props["corridor_distance_km"]) == (None, None)


def test_max_corridor_km_filter(client):
    body = client.get("/api/sites?max_corridor_km=25&limit=10000").get_json()
    distances = [f["properties"]["corridor_distance_km"] for f in body["features"]]
    assert distances and all(d <= 25 for d in distances)


def test_corridor_filter_with_and_without_distance(client):
    near = client.get("/api/sites?corridor=northern&max_corridor_km=50&limit=10000").get_json()
    assert near["numberMatched"] > 0
    nearest = client.get("/api/sites?corridor=cku&limit=10000").get_json()
    assert all("cku" in (f["properties"]["nearest_corridor"], f["properties"]["nearest_corridor_any"])
               for f in nearest["features"])


@pytest.mark.parametrize(("url", "parameter"), [("/api/sites?corridor=silk_road", "corridor"),
                                                ("/api/sites?max_corridor_km=-3", "max_corridor_km"),
                                                ("/api/sites?max_corridor_km=far", "max_corridor_km")])
def test_bad_corridor_parameters(client, url, parameter):
    response = client.get(url)
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == parameter


def test_site_access_endpoint(client):
    body = client.get(f"/api/sites/{KATPAR}/access").get_json()
    assert [c["corridor_id"] for c in body["corridors"]][0] == body["access"]["nearest_corridor_any"]
    assert body["location_precision_km"] == 2.0
    first = body["corridors"][0]
    metres = GEOD.inv(72.95, 48.733333, first["nearest_lon"], first["nearest_lat"])[2]
    assert first["distance_km"] == pytest.approx(metres / 1000.0, rel=1e-3)
    gateways = {r["gateway_id"]: r for r in body["rail_to_gateways"]}
    assert "dostyk" in gateways and gateways["dostyk"]["gateway_name"] == "Dostyk / Alashankou"


def test_access_of_an_unmapped_site_is_404(client):
    response = client.get("/api/sites/national:uz-aitym/access")
    assert response.status_code == 404
    message = response.get_json()["error"]["message"]
    assert message == "site 'national:uz-aitym' has no location, so no corridor distances"


def test_access_csv(client):
    response = client.get("/api/access.csv")
    lines = response.get_data(as_text=True).splitlines()
    assert "OpenStreetMap contributors" in lines[0]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[1:]))))
    assert len(rows) >= 1080  # mapped sites: 1,083 since issue 10
    assert {"site_id", "name", "country", "nearest_corridor", "corridor_distance_km"} <= set(rows[0])


@pytest.mark.parametrize("name", ["distance_to_corridor", "access_cost"])
def test_geotiff_downloads_open_in_rasterio(client, tmp_path, name):
    with client.get(f"/downloads/{name}.tif") as response:
        assert response.status_code == 200
        assert f"atlas-{name}.tif" in response.headers["Content-Disposition"]
        path = tmp_path / f"{name}.tif"
        path.write_bytes(response.data)
    with rasterio.open(path) as src:
        assert src.crs is not None and src.count == 1


def test_overlay_png_and_unknown_raster(client):
    with client.get("/overlays/access_cost.png") as response:
        assert response.status_code == 200 and response.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/downloads/elevation.tif").status_code == 404


def test_gateways_and_buffers(client):
    gateways = client.get("/api/gateways").get_json()
    assert len(gateways["features"]) == 16
    buffers = client.get("/api/corridors/buffers").get_json()
    assert [f["properties"]["distance_km"] for f in buffers["features"]] == [50, 100, 250]


def test_map_page_offers_the_transport_layers(client):
    html = client.get("/").get_data(as_text=True)
    assert "/api/corridors/segments" in html and "/overlays/distance_to_corridor.png" in html


def test_catchments_endpoint(client):
    rows = client.get("/api/corridors/catchments").get_json()["rows"]
    northern_kz = next(r for r in rows if r["corridor_id"] == "northern" and r["country"] == "KZ")
    assert northern_kz["within_50_km"] <= northern_kz["within_100_km"] <= northern_kz["within_250_km"]
