"""Downloads: the exporters on tiny frames made here, and every format of every layer endpoint read back with GDAL."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import threading
import zipfile
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from playwright.sync_api import expect, sync_playwright
from shapely.geometry import MultiPolygon, Point, Polygon
from werkzeug.serving import make_server

from layers.errors import CRSMismatchError
from webapp.exports import (
    EXPORTERS,
    ODBL_NOTICE,
    SHAPEFILE_FIELD_NAMES,
    Credit,
    ExportError,
    export_filename,
    layer_credit,
    shapefile_field_names,
)

FORMATS = tuple(EXPORTERS)
TODAY = date.today().isoformat()
CREDIT = {"attribution": "© OpenStreetMap contributors; Made with Natural Earth", "licence": "ODbL 1.0"}

#: A square wound clockwise with a counter-clockwise hole: the opposite of RFC 7946's right-hand rule.
LEFT_HANDED = Polygon([(60, 40), (60, 41), (61, 41), (61, 40), (60, 40)],
                      [[(60.2, 40.2), (60.8, 40.2), (60.8, 40.8), (60.2, 40.8), (60.2, 40.2)]])


def tiny_sites() -> gpd.GeoDataFrame:
    """Three sites: one with a long Cyrillic name, one without a location, list and dict columns."""
    return gpd.GeoDataFrame({
        "site_id": ["kg:1", "kg:2", "uz:3"],
        "name": ["Кутессай-II", "Aitym", "Kalmakyr"],
        "commodities": [["REE", "Mo"], [], ["Cu", "Au"]],
        "partner_shares": [{"China": 50.0}, {}, {}],
        "corridor_distance_km": [12.5, float("nan"), 3.25],
        "n_sources": [3, 1, 2],
    }, geometry=[Point(76.16666666, 42.66666666), None, Point(69.6, 40.9)], crs="EPSG:4326")


def export(frame: gpd.GeoDataFrame, fmt: str, tmp_path: Path, layer: str = "sites") -> Path:
    exporter = EXPORTERS[fmt]
    path = tmp_path / f"{layer}.{exporter.extension}"
    path.write_bytes(exporter.function(frame, layer=layer, **CREDIT))
    return path


def read_back(path: Path, fmt: str, layer: str) -> gpd.GeoDataFrame:
    """Every row of a download, through GDAL: shapefile rows without geometry come from the .dbf beside it."""
    if fmt == "shp":
        names = zipfile.ZipFile(path).namelist()
        parts = [pyogrio.read_dataframe(f"/vsizip/{path}/{name}") for name in (f"{layer}.shp", f"{layer}_unlocated.dbf")
                 if name in names]
        parts = [p if isinstance(p, gpd.GeoDataFrame) else gpd.GeoDataFrame(p, geometry=[None] * len(p),
                                                                             crs="EPSG:4326") for p in parts]
        return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")
    if fmt in ("gpkg", "kml"):
        return pyogrio.read_dataframe(path, layer=layer)
    return pyogrio.read_dataframe(path)


def xy(geometry) -> tuple[float, float] | None:
    return None if geometry is None or geometry.is_empty else (geometry.x, geometry.y)


# --- exporters on tiny frames ---------------------------------------------------------------------------

def test_geojson_is_right_hand_without_crs_and_rounded():
    shifted = shapely.transform(LEFT_HANDED, lambda xy: xy + 1.23456789e-5)  # more than 7 decimals
    frame = gpd.GeoDataFrame({"k": [1]}, geometry=[shifted], crs="EPSG:4326")
    body = json.loads(EXPORTERS["geojson"].function(frame, layer="areas", **CREDIT))
    assert body == {"type": "FeatureCollection", **CREDIT, "features": [{
        "type": "Feature", "properties": {"k": 1}, "geometry": {"type": "Polygon", "coordinates": [
            [[60.0000123, 40.0000123], [61.0000123, 40.0000123], [61.0000123, 41.0000123],
             [60.0000123, 41.0000123], [60.0000123, 40.0000123]],
            [[60.2000123, 40.2000123], [60.2000123, 40.8000123], [60.8000123, 40.8000123],
             [60.8000123, 40.2000123], [60.2000123, 40.2000123]]]}}]}


def test_geojson_keeps_lists_and_null_geometry():
    body = json.loads(EXPORTERS["geojson"].function(tiny_sites(), layer="sites", **CREDIT))
    assert [f["geometry"] for f in body["features"]] == [
        {"type": "Point", "coordinates": [76.1666667, 42.6666667]}, None,
        {"type": "Point", "coordinates": [69.6, 40.9]}]
    assert body["features"][1]["properties"] == {"site_id": "kg:2", "name": "Aitym", "commodities": [],
                                                 "partner_shares": {}, "corridor_distance_km": None, "n_sources": 1}
    assert body["features"][0]["properties"]["commodities"] == ["REE", "Mo"]


def test_csv_has_lon_lat_wkt_and_joined_lists():
    text = EXPORTERS["csv"].function(tiny_sites(), layer="sites", **CREDIT).decode("utf-8")
    assert text == (
        "site_id,name,commodities,partner_shares,corridor_distance_km,n_sources,lon,lat,wkt\n"
        'kg:1,Кутессай-II,REE; Mo,"{""China"": 50.0}",12.5,3,76.1666667,42.6666667,POINT (76.1666667 42.6666667)\n'
        "kg:2,Aitym,,{},,1,,,\n"
        "uz:3,Kalmakyr,Cu; Au,{},3.25,2,69.6,40.9,POINT (69.6 40.9)\n")


def test_csv_of_polygons_has_only_wkt():
    frame = gpd.GeoDataFrame({"k": [1]}, geometry=[LEFT_HANDED], crs="EPSG:4326")
    header = EXPORTERS["csv"].function(frame, layer="areas", **CREDIT).decode("utf-8").splitlines()[0]
    assert header == "k,wkt"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reads_back_with_gdal(tmp_path, fmt):
    frame = read_back(export(tiny_sites(), fmt, tmp_path), fmt, "sites")
    assert sorted(frame["site_id"]) == ["kg:1", "kg:2", "uz:3"]
    located = {row.site_id: xy(row.geometry) for row in frame.itertuples()}
    assert located["kg:2"] is None
    assert located["kg:1"] == pytest.approx((76.16666666, 42.66666666), abs=1e-6)
    commodities = "commods" if fmt == "shp" else "commodities"
    listed = dict(zip(frame["site_id"], frame[commodities], strict=True))["uz:3"]
    if fmt == "geojson":  # GDAL reads a JSON array of strings as a string list
        listed = list(listed)
    assert listed == ('["Cu", "Au"]' if fmt == "gpkg" else ["Cu", "Au"] if fmt == "geojson" else "Cu; Au")


def test_gpkg_carries_licence_and_attribution(tmp_path):
    related = {"source_records": gpd.GeoDataFrame({"site_id": ["kg:1"], "record_id": ["mrdata:1"]},
                                                  geometry=[Point(76.2, 42.7)], crs="EPSG:4326")}
    path = tmp_path / "sites.gpkg"
    path.write_bytes(EXPORTERS["gpkg"].function(tiny_sites(), layer="sites", related=related, **CREDIT))
    info = pyogrio.read_info(path, layer="sites")
    assert info["layer_metadata"] == {
        "ATTRIBUTION": CREDIT["attribution"], "LICENCE": CREDIT["licence"],
        "DESCRIPTION": f"{CREDIT['attribution']}. Licence: {CREDIT['licence']}"}
    assert info["dataset_metadata"] == {"TITLE": "Central Asia Critical Minerals Atlas export",
                                        "ATTRIBUTION": CREDIT["attribution"], "LICENCE": CREDIT["licence"]}
    assert [list(layer) for layer in pyogrio.list_layers(path)] == [
        ["sites", "Point"], ["source_records", "Point"], ["attribution", None]]
    credits = pyogrio.read_dataframe(path, layer="attribution")
    assert credits.to_dict("records") == [{"layer": "sites", **CREDIT}, {"layer": "source_records", **CREDIT}]
    db = sqlite3.connect(path)
    try:
        contents = db.execute("SELECT identifier, description FROM gpkg_contents WHERE table_name = 'sites'").fetchone()
    finally:
        db.close()
    assert contents == ("sites", f"{CREDIT['attribution']}. Licence: {CREDIT['licence']}")


def test_kml_names_placemarks_and_describes_the_document(tmp_path):
    path = export(tiny_sites(), "kml", tmp_path)
    document = ElementTree.parse(path).getroot()[0]
    kml = "{http://www.opengis.net/kml/2.2}"
    assert (document.findtext(f"{kml}name"), document.findtext(f"{kml}description")) == (
        "Central Asia Critical Minerals Atlas: sites", f"{CREDIT['attribution']}\nLicence: {CREDIT['licence']}")
    assert pyogrio.read_dataframe(path, layer="sites")["Name"].tolist() == ["Кутессай-II", "Aitym", "Kalmakyr"]


def test_shapefile_zip_members_fields_and_unlocated_rows(tmp_path):
    path = export(tiny_sites(), "shp", tmp_path)
    archive = zipfile.ZipFile(path)
    assert sorted(archive.namelist()) == sorted([
        "sites.shp", "sites.shx", "sites.dbf", "sites.prj", "sites.cpg", "sites_unlocated.dbf",
        "sites_unlocated.cpg", "FIELDS.txt", "ATTRIBUTION.txt"])
    assert archive.read("FIELDS.txt").decode("utf-8") == (
        "Field names of sites.shp and sites_unlocated.dbf (dBASE field names have at most 10 characters).\n\n"
        "column -> field\nsite_id -> site_id\nname -> name\ncommodities -> commods\n"
        "partner_shares -> prt_shares\ncorridor_distance_km -> corr_km\nn_sources -> n_sources\n\n"
        'Lists are written as text joined with "; ", other structured values as JSON text.\n'
        "1 of 3 rows have no location: they are in sites_unlocated.dbf, a table without geometry (a shapefile "
        "holds one geometry type and no empty geometries).\n")
    assert archive.read("ATTRIBUTION.txt").decode("utf-8") == (
        f"sites\n\nAttribution: {CREDIT['attribution']}\n\nLicence: {CREDIT['licence']}\n\n"
        "Coordinates: WGS84 longitude/latitude (EPSG:4326).\n")
    shapes = pyogrio.read_dataframe(f"/vsizip/{path}/sites.shp")
    assert list(shapes.columns) == ["site_id", "name", "commods", "prt_shares", "corr_km", "n_sources", "geometry"]
    assert pyogrio.read_info(f"/vsizip/{path}/sites.shp")["crs"] == "EPSG:4326"


def test_shapefile_cuts_text_to_254_bytes_and_says_so(tmp_path):
    frame = gpd.GeoDataFrame({"names": ["Кутессай" * 40]}, geometry=[Point(76, 42)], crs="EPSG:4326")
    path = export(frame, "shp", tmp_path, layer="long")
    value = pyogrio.read_dataframe(f"/vsizip/{path}/long.shp")["names"][0]
    assert value == ("Кутессай" * 40)[:127]
    assert "Text longer than 254 bytes (the dBASE limit) was cut: names (1 rows)." in (
        zipfile.ZipFile(path).read("FIELDS.txt").decode("utf-8"))


def test_shapefile_of_rows_without_geometry_is_a_table(tmp_path):
    frame = gpd.GeoDataFrame({"licence_id": ["L1", "L2"]}, geometry=[None, None], crs="EPSG:4326")
    path = export(frame, "shp", tmp_path, layer="licences")
    assert "licences.shp" not in zipfile.ZipFile(path).namelist()
    assert pyogrio.read_dataframe(f"/vsizip/{path}/licences_unlocated.dbf")["licence_id"].tolist() == ["L1", "L2"]


def test_shapefile_promotes_polygons_to_one_type(tmp_path):
    frame = gpd.GeoDataFrame({"k": [1, 2]}, geometry=[LEFT_HANDED, MultiPolygon([LEFT_HANDED])], crs="EPSG:4326")
    path = export(frame, "shp", tmp_path, layer="areas")
    assert pyogrio.read_info(f"/vsizip/{path}/areas.shp")["features"] == 2


def test_shapefile_refuses_mixed_geometry_types():
    frame = gpd.GeoDataFrame({"k": [1, 2]}, geometry=[Point(60, 40), LEFT_HANDED], crs="EPSG:4326")
    with pytest.raises(ExportError, match="mixes geometry types"):
        EXPORTERS["shp"].function(frame, layer="mixed", **CREDIT)


@pytest.mark.parametrize("fmt", FORMATS)
def test_exporters_refuse_another_crs(fmt):
    with pytest.raises(CRSMismatchError):
        EXPORTERS[fmt].function(tiny_sites().to_crs("EPSG:3857"), layer="sites", **CREDIT)


@pytest.mark.parametrize(("columns", "expected"), [
    (["site_id", "corridor_distance_km", "location_precision_km"], ["site_id", "corr_km", "prec_km"]),
    (["abcdefghijk", "abcdefghijz", "abcdefghijq"], ["abcdefghij", "abcdefgh_2", "abcdefgh_3"]),
    (["nearest_corridor", "corr_id"], ["corr_id", "corr_id_2"]),
    (["NAME", "name"], ["NAME", "name_2"]),
])
def test_shapefile_field_names_are_unique_and_deterministic(columns, expected):
    assert list(shapefile_field_names(columns).values()) == expected


def test_fixed_shapefile_names_fit_in_ten_characters():
    assert [name for name in SHAPEFILE_FIELD_NAMES.values() if len(name) > 10] == []


def test_layer_credit_from_the_sources_table():
    sources = pd.DataFrame({
        "id": ["railways_ne10m", "railways_osm_uzbekistan", "corridors", "gateways"],
        "licence": ["Public domain", "ODbL 1.0", "MIT", "MIT"],
        "attribution": ["Made with Natural Earth", "© OpenStreetMap contributors", "Atlas corridors", "Atlas nodes"],
        "status": ["used", "used", "used", "skipped"],
    })
    assert layer_credit(sources, "corridors") == Credit(
        attribution="Made with Natural Earth; © OpenStreetMap contributors; Atlas corridors",
        licence=f"{ODBL_NOTICE} | railways_ne10m: Public domain | railways_osm_uzbekistan: ODbL 1.0 | corridors: MIT")


def test_export_filename():
    assert export_filename("corridor_segments", date(2026, 11, 21), EXPORTERS["shp"]) == (
        "atlas-corridor-segments-2026-11-21.shp.zip")


# --- the API on the real store ----------------------------------------------------------------------------

SITE_QUERIES = ("country=KG&commodity=REE", "bbox=68,38,72,42")


def download(client, url: str, tmp_path: Path) -> tuple[Path, object]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    filename = re.fullmatch(r'attachment; filename="([^"]+)"', response.headers["Content-Disposition"]).group(1)
    path = tmp_path / filename
    path.write_bytes(response.data)
    return path, response


@pytest.mark.parametrize("query", SITE_QUERIES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_site_downloads_hold_exactly_the_filtered_view(client, tmp_path, fmt, query):
    view = client.get(f"/api/sites?{query}&limit=10000").get_json()
    expected = {f["properties"]["site_id"]: f["geometry"]["coordinates"] if f["geometry"] else None
                for f in view["features"]}
    path, _ = download(client, f"/api/sites?{query}&f={fmt}", tmp_path)
    frame = read_back(path, fmt, "sites")
    got = {row.site_id: xy(row.geometry) for row in frame.itertuples()}
    assert sorted(got) == sorted(expected) and len(frame) == view["numberMatched"] > 0
    for site_id, coordinates in expected.items():
        assert got[site_id] == (None if coordinates is None else pytest.approx(tuple(coordinates), abs=1e-6))


def test_kg_ree_download_includes_the_unmapped_site(client, tmp_path):
    path, _ = download(client, "/api/sites?country=KG&commodity=REE&f=shp", tmp_path)
    unlocated = pyogrio.read_dataframe(f"/vsizip/{path}/sites_unlocated.dbf")
    view = client.get("/api/sites?country=KG&commodity=REE").get_json()
    assert unlocated["site_id"].tolist() == [f["id"] for f in view["features"] if f["geometry"] is None]


def test_shapefile_fields_follow_the_mapping(client, tmp_path):
    columns = list(client.get("/api/sites?bbox=68,38,72,42&f=geojson").get_json()["features"][0]["properties"])
    path, _ = download(client, "/api/sites?bbox=68,38,72,42&f=shp", tmp_path)
    shapes = pyogrio.read_dataframe(f"/vsizip/{path}/sites.shp")
    mapping = shapefile_field_names(columns)
    assert list(shapes.columns) == [*mapping.values(), "geometry"]
    fields = zipfile.ZipFile(path).read("FIELDS.txt").decode("utf-8")
    assert all(f"\n{column} -> {field}\n" in fields for column, field in mapping.items())
    assert mapping["corridor_distance_km"] == "corr_km" and mapping["controlling_partner"] == "ctrl_prtnr"


def test_site_geojson_download_keeps_the_view_members(client):
    response = client.get("/api/sites?country=KG&commodity=REE&as_of=2025-06-01&f=geojson")
    body = response.get_json()
    view = client.get("/api/sites?country=KG&commodity=REE&as_of=2025-06-01").get_json()
    assert response.mimetype == "application/geo+json" and "crs" not in body
    assert (body["numberMatched"], body["numberReturned"], [link["rel"] for link in body["links"]]) == (
        view["numberMatched"], view["numberMatched"], ["self"])
    assert [f["id"] for f in body["features"]] == [f["id"] for f in view["features"]]
    assert body["as_of"] == "2025-06-01" and "OpenStreetMap contributors" in body["attribution"]
    assert response.headers["Content-Disposition"] == 'attachment; filename="atlas-sites-2025-06-01.geojson"'


def test_download_applies_limit_and_offset_when_given(client, tmp_path):
    view = client.get("/api/sites?country=KZ&limit=5&offset=2").get_json()
    path, _ = download(client, "/api/sites?country=KZ&limit=5&offset=2&f=csv", tmp_path)
    assert pyogrio.read_dataframe(path)["site_id"].tolist() == [f["id"] for f in view["features"]]


def test_site_gpkg_has_the_source_records_and_credits(client, tmp_path):
    path, response = download(client, "/api/sites?country=KG&commodity=REE&f=gpkg", tmp_path)
    view = client.get("/api/sites?country=KG&commodity=REE").get_json()
    records = pyogrio.read_dataframe(path, layer="source_records")
    assert sorted(zip(records["site_id"], records["record_id"], strict=True)) == sorted(
        (f["id"], r) for f in view["features"] for r in f["properties"]["source_record_ids"])
    metadata = pyogrio.read_info(path, layer="sites")["layer_metadata"]
    assert metadata["ATTRIBUTION"] == response.headers["X-Atlas-Attribution"]
    assert metadata["LICENCE"] == response.headers["X-Atlas-Licence"]
    assert "MinMod" in metadata["ATTRIBUTION"] and "© OpenStreetMap contributors" in metadata["ATTRIBUTION"]
    assert metadata["LICENCE"].startswith(ODBL_NOTICE)
    credits = pyogrio.read_dataframe(path, layer="attribution")
    assert credits["layer"].tolist() == ["sites", "source_records"]


#: Every layer endpoint: URL, layer name in the file name, id column (None: compare counts), date in the name.
LAYER_ENDPOINTS = [
    ("/api/countries?as_of=2025-01-01", "countries", "name", "2025-01-01"),
    ("/api/corridors", "corridors", "corridor_id", TODAY),
    ("/api/corridors/segments", "corridor_segments", None, TODAY),
    ("/api/corridors/buffers", "corridor_buffers", "distance_km", TODAY),
    ("/api/gateways", "gateways", "node_id", TODAY),
    ("/api/licences", "licences", "licence_id", TODAY),
    ("/api/facilities", "facilities", "facility_id", TODAY),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("url", "layer", "id_column", "day"), LAYER_ENDPOINTS)
def test_every_layer_downloads_in_every_format(client, tmp_path, url, layer, id_column, day, fmt):
    view = client.get(url).get_json()
    path, response = download(client, f"{url}{'&' if '?' in url else '?'}f={fmt}", tmp_path)
    assert path.name == f"atlas-{layer.replace('_', '-')}-{day}.{EXPORTERS[fmt].extension}"
    assert response.mimetype == EXPORTERS[fmt].media_type
    frame = read_back(path, fmt, layer)
    assert len(frame) == len(view["features"])
    if id_column is not None:
        field = {"shp": shapefile_field_names([id_column])[id_column], "kml": "Name" if id_column == "name" else
                 id_column}.get(fmt, id_column)
        assert sorted(map(str, frame[field])) == sorted(str(f["properties"][id_column]) for f in view["features"])


@pytest.mark.parametrize("url", ["/api/corridors", "/api/corridors/segments", "/api/corridors/buffers",
                                 "/api/gateways", "/api/sites?q=Katpar", "/downloads/distance_to_corridor.tif",
                                 "/downloads/access_cost.tif"])
def test_rail_derived_downloads_credit_openstreetmap(client, url):
    with client.get((url + ("&" if "?" in url else "?") + "f=csv") if url.startswith("/api/") else url) as response:
        assert response.status_code == 200
        assert "© OpenStreetMap contributors" in response.headers["X-Atlas-Attribution"]
        assert response.headers["X-Atlas-Licence"].startswith(ODBL_NOTICE)


def test_country_download_credits_natural_earth(client):
    response = client.get("/api/countries?f=gpkg")
    assert "Made with Natural Earth" in response.headers["X-Atlas-Attribution"]


@pytest.mark.parametrize("url", ["/api/countries?f=geojson", "/api/corridors/buffers?f=geojson",
                                 "/api/corridors/buffers"])
def test_polygon_geojson_is_rfc7946(client, url):
    body = client.get(url).get_json()
    assert "crs" not in body
    rings = [(ring, position == 0) for feature in body["features"]
             for polygon in ([feature["geometry"]["coordinates"]] if feature["geometry"]["type"] == "Polygon"
                             else feature["geometry"]["coordinates"])
             for position, ring in enumerate(polygon)]
    assert rings and all(shapely.is_ccw(shapely.LinearRing(ring)) == exterior for ring, exterior in rings)
    numbers = re.findall(r"-?\d+\.(\d+)", json.dumps([f["geometry"] for f in body["features"]]))
    assert max(len(decimals) for decimals in numbers) <= 7


@pytest.mark.parametrize("url", ["/api/sites", "/api/countries", "/api/corridors", "/api/corridors/segments",
                                 "/api/corridors/buffers", "/api/gateways", "/api/licences", "/api/facilities"])
def test_bad_format_is_a_400_in_the_error_shape(client, url):
    response = client.get(f"{url}?f=xlsx")
    assert (response.status_code, response.get_json()) == (400, {"error": {
        "status": 400, "title": "Bad request", "parameter": "f",
        "message": "f must be one of geojson, gpkg, csv, kml, shp; got 'xlsx'"}})


def test_licences_list_the_sites_they_cover(client):
    body = client.get("/api/licences?country=KG").get_json()
    licences = {f["id"]: f["properties"] for f in body["features"]}
    assert body["numberMatched"] == len(licences) and {p["deposit_country"] for p in licences.values()} == {"KG"}
    assert licences["KG-KUTESSAI2-STANS"]["site_ids"] == ["national:kg-kutessai-2"]


def test_facilities_have_points_where_known(client):
    body = client.get("/api/facilities?country=KZ").get_json()
    ulba = next(f for f in body["features"] if f["id"] == "FAC-KZ-ULBA")
    assert ulba["geometry"] == {"type": "Point", "coordinates": [82.615, 49.99]}
    assert {f["properties"]["country"] for f in body["features"]} == {"KZ"}


def test_map_page_offers_the_download_panel(client):
    html = client.get("/").get_data(as_text=True)
    options = json.loads(re.search(r'<script type="application/json" id="atlas-options">(.*?)</script>', html).group(1))
    assert options["download"]["sites"] == "/api/sites"
    assert [f[0] for f in options["download"]["formats"]] == list(FORMATS)
    assert [c[0] for c in options["download"]["countries"]] == ["KZ", "KG", "TJ", "UZ", "TM"]
    assert [r["href"] for r in options["download"]["rasters"]] == [
        "/downloads/distance_to_corridor.tif", "/downloads/access_cost.tif"]


# --- the workspace's downloads in headless Chromium ---------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.integration
def test_workspace_filters_the_map_and_its_downloads_link_the_view(real_app):
    server = make_server("127.0.0.1", 0, real_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as playwright:
            chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{base}/")
            status = page.locator(".atlas-status")
            expect(status).to_have_attribute("data-sites", re.compile(r"^\d{4,}$"), timeout=15_000)
            # The filters sit in the workspace's panel (no longer in the Download panel) and filter the map.
            page.locator("select[name=country]").select_option("KG")
            page.locator("select[name=commodity]").select_option("REE")
            expect(status).to_have_attribute("data-filter", "?country=KG&commodity=REE", timeout=15_000)
            matched = real_app.test_client().get("/api/sites?mapped=true&country=KG&commodity=REE").get_json()
            assert status.get_attribute("data-sites") == str(matched["numberMatched"])
            page.locator("#atlas-table-box > summary").click()
            link = page.locator("#atlas-downloads a[data-format=gpkg]")
            assert re.fullmatch(r"/api/sites\?f=gpkg&country=KG&commodity=REE&as_of=\d{4}-\d{2}-\d{2}",
                                link.get_attribute("href")), link.get_attribute("href")
            page.locator("#atlas-inview").check()
            assert re.search(r"&bbox=[-\d.]+%2C[-\d.]+%2C[-\d.]+%2C[-\d.]+$", link.get_attribute("href"))
            page.locator("#atlas-inview").uncheck()
            assert "bbox" not in link.get_attribute("href")
            with page.expect_download() as started:
                link.click()
            assert started.value.suggested_filename == f"atlas-sites-{TODAY}.gpkg"
            assert errors == []
            browser.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
