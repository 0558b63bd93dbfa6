import json

import pyogrio
import pytest


@pytest.fixture()
def client(backend_app):
    """A test client of the app on the real store, once per backend (GeoPackage and PostGIS): a contract test."""
    return backend_app.test_client()


# --- error shape: one body for every API error ----------------------------------------------------------

#: The start of the message of a bad ``limit``.
LIMIT = "limit must be a whole number of at least 1 (above 10000 it is capped to 10000); got "

@pytest.mark.parametrize(("url", "status", "parameter", "message"), [
    ("/api/sites?limit=abc", 400, "limit", LIMIT + "'abc'"),
    ("/api/sites?limit=0", 400, "limit", LIMIT + "'0'"),
    ("/api/sites?offset=-1", 400, "offset", "offset must be between 0 and 1000000000; got -1"),
    ("/api/sites?bbox=1,2,3", 400, "bbox",
     "bbox must be minlon,minlat,maxlon,maxlat (or six numbers with heights); got '1,2,3'"),
    ("/api/sites?bbox=a,b,c,d", 400, "bbox", "bbox values must be numbers; got 'a,b,c,d'"),
    ("/api/sites?bbox=70,40,190,45", 400, "bbox",
     "bbox longitudes must lie in -180..180 and latitudes in -90..90"),
    ("/api/sites?bbox=70,45,72,40", 400, "bbox", "bbox minimum latitude must not exceed its maximum"),
    ("/api/sites?bbox=nan,40,70,45", 400, "bbox", "bbox values must be finite numbers"),
    ("/api/sites?country=RU", 400, "country",
     "country must be ISO 3166-1 alpha-2 codes among KZ, KG, TJ, UZ, TM; got 'RU'"),
    ("/api/sites?mapped=maybe", 400, "mapped", "mapped must be one of any, true; got 'maybe'"),
    ("/api/sites?q=" + "x" * 201, 400, "q", "q is longer than 200 characters"),
])
def test_bad_parameters_get_one_error_shape(client, url, status, parameter, message):
    response = client.get(url)
    assert (response.status_code, response.get_json()) == (status, {
        "error": {"status": status, "title": "Bad request", "message": message, "parameter": parameter}})


def test_unknown_site_is_a_404_in_the_error_shape(client):
    response = client.get("/api/sites/nope:1")
    assert (response.status_code, response.get_json()) == (404, {
        "error": {"status": 404, "title": "Not found", "message": "no site 'nope:1'"}})


def test_unknown_api_path_is_a_404_in_the_error_shape(client):
    response = client.get("/api/nothing")
    body = response.get_json()
    assert response.status_code == 404
    assert set(body) == {"error"} and body["error"]["status"] == 404 and body["error"]["title"] == "Not Found"


def test_unknown_page_is_an_html_error_page(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert b"404" in response.data and b"Back to the map" in response.data


# --- /api/sites on the real store -------------------------------------------------------------------------

def test_sites_is_rfc7946_geojson_with_paging_members(client):
    response = client.get("/api/sites?limit=5")
    body = response.get_json()
    assert response.mimetype == "application/geo+json"
    assert body["type"] == "FeatureCollection" and "crs" not in body
    assert body["numberReturned"] == 5 and body["numberMatched"] >= 1100  # 1,117 since issue 10 merged duplicates
    assert [link["rel"] for link in body["links"]] == ["self", "next"]
    feature = body["features"][0]
    assert set(feature["properties"]) >= {"site_id", "name", "country", "commodities", "source_record_ids",
                                          "location_precision_km", "url"}


def test_sites_pages_cover_every_site_once(client):
    first = client.get("/api/sites?limit=10000").get_json()
    ids = []
    offset = 0
    while True:
        page = client.get(f"/api/sites?limit=400&offset={offset}").get_json()
        ids += [f["properties"]["site_id"] for f in page["features"]]
        if not any(link["rel"] == "next" for link in page["links"]):
            break
        offset += 400
    assert ids == [f["properties"]["site_id"] for f in first["features"]]
    assert len(ids) == first["numberMatched"] == len(set(ids))


def test_mapped_sites_are_at_least_1080(client):
    body = client.get("/api/sites?mapped=true&limit=10000").get_json()
    assert body["numberMatched"] >= 1080  # 1,083 since issue 10 (1,223 before)
    assert all(f["geometry"]["type"] == "Point" for f in body["features"])


def test_query_in_cyrillic_finds_kutessai(client):
    body = client.get("/api/sites?q=Кутессай").get_json()
    # Kutessai-I is named only by its licence (KG-KUTESSAI1-STATE): an unmapped site of its own.
    assert [f["properties"]["name"] for f in body["features"]] == ["Kutessai-I", "Kutessai-II"]


@pytest.mark.parametrize(("query", "check"), [
    ("country=KG", lambda p: p["country"] == "KG"),
    ("commodity=REE", lambda p: "REE" in p["commodity_groups"]),
    ("commodity=W,Mo", lambda p: {"W", "Mo"} & set(p["commodities"])),
    ("country=UZ&commodity=Cu", lambda p: p["country"] == "UZ" and "Cu" in p["commodities"]),
])
def test_filters_return_only_matching_sites(client, query, check):
    body = client.get(f"/api/sites?limit=10000&{query}").get_json()
    assert body["numberMatched"] > 0
    assert all(check(f["properties"]) for f in body["features"])


def test_bbox_returns_only_points_inside(client):
    body = client.get("/api/sites?bbox=69,40,71,42&limit=10000").get_json()
    coords = [f["geometry"]["coordinates"] for f in body["features"]]
    assert coords and all(69 <= x <= 71 and 40 <= y <= 42 for x, y in coords)


def test_sites_geojson_opens_in_gdal_with_the_same_count(client, tmp_path):
    body = client.get("/api/sites?limit=10000").get_json()
    path = tmp_path / "sites.geojson"
    path.write_text(json.dumps(body), encoding="utf-8")
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == body["numberMatched"] == len(body["features"])
    assert frame.crs == "EPSG:4326"
    kutessai = frame[frame["site_id"] == "national:kg-kutessai-2"]
    assert kutessai["name"].tolist() == ["Kutessai-II"]


def test_one_site_with_its_source_records(client):
    response = client.get("/api/sites/national:kg-kutessai-2")
    body = response.get_json()
    assert response.status_code == 200 and body["type"] == "Feature"
    assert body["properties"]["country"] == "KG"
    records = {r["properties"]["record_id"]: r for r in body["properties"]["source_records"]}
    assert {"mrdata-ree:211", "jowitt-ree:kutessay-ii__169", "national:kg-kutessai-2"} <= set(records)
    assert records["jowitt-ree:kutessay-ii__169"]["geometry"] is None
    assert records["mrdata-ree:211"]["geometry"] == {"type": "Point", "coordinates": [76.166667, 42.666667]}
    first_name = body["properties"]["provenance"]["name"][0]
    assert first_name == {"value": "Kutessai-II", "record_id": "national:kg-kutessai-2"}


def test_countries_outline_layer(client):
    body = client.get("/api/countries").get_json()
    names = {f["properties"]["iso_a2"] for f in body["features"]}
    assert {"KZ", "KG", "TJ", "UZ", "TM", "CN", "RU"} <= names
