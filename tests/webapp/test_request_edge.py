"""Every date and number parser on the request edge answers junk with a 400 in the one error shape, never a 500."""

from __future__ import annotations

from datetime import date

import pytest

from webapp.ogc.routes import parse_datetime

KATPAR = "national:kz-northern-katpar"
#: The start of the message of a bad ``limit``.
LIMIT = "limit must be a whole number of at least 1 (above 10000 it is capped to 10000); got "
HUGE = "9" * 5000  # past int()'s 4300-digit limit, where it raises ValueError of its own
DT_REAL = ("datetime must be a real instant (hours 00-23, minutes and seconds 00-59, offset within ±23:59); "
           "got {!r}")
DT_FORM = ("datetime must be YYYY-MM-DD or an RFC 3339 date-time such as 2025-12-01T00:00:00Z, or an interval of "
           "them; got {!r}")


@pytest.mark.parametrize(("value", "message"), [
    ("2025-01-01T25:00:00Z", DT_REAL),
    ("2025-01-01T00:00:00+99:00", DT_REAL),
    ("2025-01-01T23:60:00Z", DT_REAL),
    ("2025-02-30T00:00:00Z", DT_REAL),
    # A real instant whose UTC day leaves the calendar: OverflowError, not ValueError.
    ("9999-12-31T23:00:00-05:00", DT_REAL),
    ("0001-01-01T00:00:00+01:00", DT_REAL),
    ("٢٠٢٥-01-01T00:00:00Z", DT_FORM),  # Arabic-Indic digits match \d without re.ASCII
    ("2025-01-01T00:00:00", DT_FORM),
])
@pytest.mark.parametrize("url", ["/ogc/collections/sites/items", f"/ogc/collections/sites/items/{KATPAR}"])
def test_ogc_datetime_that_names_no_instant_is_400(client, url, value, message):
    response = client.get(url, query_string={"datetime": value})
    assert (response.status_code, response.get_json()) == (400, {"error": {
        "status": 400, "title": "Bad request", "message": message.format(value), "parameter": "datetime"}})


@pytest.mark.parametrize(("value", "day"), [
    ("2025-01-01T23:30:00-05:00", date(2025, 1, 2)),
    ("2025-01-01T00:30:00+05:00", date(2024, 12, 31)),
    ("2025-01-01T12:00:00.5z", date(2025, 1, 1)),
])
def test_ogc_datetime_with_an_offset_is_its_utc_day(value, day):
    assert parse_datetime(value) == day


AS_OF_ROUTES = ["/api/sites", "/api/countries", f"/api/sites/{KATPAR}/ownership", "/api/partners/matrix"]


@pytest.mark.parametrize(("value", "message"), [
    ("2025-13-01", "as_of must be a date YYYY-MM-DD; got '2025-13-01'"),
    ("2025-02-30", "as_of must be a date YYYY-MM-DD; got '2025-02-30'"),
    ("2025-01-01T25:00:00Z", "as_of must be a date YYYY-MM-DD; got '2025-01-01T25:00:00Z'"),
    ("99999", "as_of must be a date YYYY-MM-DD; got '99999'"),
    ("0000", "as_of must be a date YYYY-MM-DD; got '0000'"),
    ("1899-12-31", "as_of must lie between 1900-01-01 and 2100-12-31; got '1899-12-31'"),
])
@pytest.mark.parametrize("url", AS_OF_ROUTES)
def test_api_as_of_junk_is_400(client, url, value, message):
    response = client.get(url, query_string={"as_of": value})
    assert (response.status_code, response.get_json()) == (400, {"error": {
        "status": 400, "title": "Bad request", "message": message, "parameter": "as_of"}})


@pytest.mark.parametrize(("query", "parameter", "message"), [
    ({"from": HUGE}, "from", f"from must be between 1990 and 2100; got {HUGE[:40]}…"),
    ({"from": "2020.5"}, "from", "from must be a whole number; got '2020.5'"),
    ({"from": "2_020"}, "from", "from must be a whole number; got '2_020'"),
    ({"from": "２０２０"}, "from", "from must be a whole number; got '２０２０'"),
    ({"from": "1e3"}, "from", "from must be a whole number; got '1e3'"),
    ({"from": "nan"}, "from", "from must be a whole number; got 'nan'"),
    ({"from": "2020", "to": "2019"}, "to", "to must be between 2020 and 2100; got 2019"),
    ({"from": "2020", "to": "-" + HUGE}, "to", f"to must be between 2020 and 2100; got -{HUGE[:39]}…"),
])
def test_timeline_years_junk_is_400(client, query, parameter, message):
    response = client.get("/api/partners/timeline", query_string=query)
    assert (response.status_code, response.get_json()) == (400, {"error": {
        "status": 400, "title": "Bad request", "message": message, "parameter": parameter}})


@pytest.mark.parametrize("url", ["/api/sites", "/ogc/collections/sites/items"])
@pytest.mark.parametrize(("query", "parameter", "message"), [
    ({"limit": "-" + HUGE}, "limit", LIMIT + f"'-{HUGE[:39]}…'"),
    ({"limit": "1e3"}, "limit", LIMIT + "'1e3'"),
    ({"offset": "99999999999999999999"}, "offset", "offset must be between 0 and 1000000000; got 99999999999999999999"),
    ({"offset": "10000000000"}, "offset", "offset must be between 0 and 1000000000; got 10000000000"),
    ({"offset": "inf"}, "offset", "offset must be a whole number; got 'inf'"),
    ({"offset": " 5"}, "offset", "offset must be a whole number; got ' 5'"),
    ({"bbox": "nan,40,70,44"}, "bbox", "bbox values must be finite numbers"),
    ({"bbox": "60,40,inf,44"}, "bbox", "bbox values must be finite numbers"),
    ({"bbox": "-infinity,40,70,44"}, "bbox", "bbox values must be finite numbers"),
    ({"bbox": "60,40,1e999,44"}, "bbox", "bbox values must be finite numbers"),
    ({"bbox": "60,40,70,1e308"}, "bbox", "bbox longitudes must lie in -180..180 and latitudes in -90..90"),
])
def test_paging_and_bbox_junk_is_400(client, url, query, parameter, message):
    response = client.get(url, query_string=query)
    assert (response.status_code, response.get_json()) == (400, {"error": {
        "status": 400, "title": "Bad request", "message": message, "parameter": parameter}})


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999", "-0x1p3"])
def test_max_corridor_km_non_finite_is_400(client, value):
    response = client.get("/api/sites", query_string={"max_corridor_km": value})
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == "max_corridor_km"
