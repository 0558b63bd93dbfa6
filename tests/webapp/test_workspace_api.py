"""The workspace's API on the real store: facet counts agree with /api/sites, the grouped search, the changes
between two dates, and badge contrast."""

from __future__ import annotations

import re
from datetime import date

import pytest

from geo.partners import PARTNER_COLOURS
from layers.dates import period_start
from layers.deposits.records import ATLAS_COUNTRIES
from webapp.contrast import contrast_ratio, text_colour

pytestmark = pytest.mark.integration

KATPAR = "national:kz-northern-katpar"


def matched(client, **params) -> int:
    response = client.get("/api/sites", query_string={"limit": 1, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["numberMatched"]


def facets(client, **params) -> dict:
    response = client.get("/api/facets", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["counts"]


def test_country_counts_are_what_choosing_each_country_shows(client):
    counts = facets(client, commodity="REE", country="KZ")
    assert counts["total"] == {"matched": matched(client, commodity="REE", country="KZ")}
    for code in ATLAS_COUNTRIES:  # each count keeps the commodity and drops the country chosen
        assert counts["countries"].get(code, 0) == matched(client, commodity="REE", country=code), code


@pytest.mark.parametrize(("facet", "parameter", "value"), [
    ("partners", "partner", "USA"), ("partners", "partner", "China"), ("partners_any", "partner_any", "China"),
    ("licensed", "licensed", "yes"), ("licensed", "licensed", "no"), ("holder_unknown", "holder_unknown", "yes"),
    ("corridor", "corridor", "titr_south"),
])
def test_partner_licence_and_corridor_counts_match_the_sites_filter(client, facet, parameter, value):
    day = {"as_of": "2025-12-01", "country": "KZ", "max_corridor_km": "250"}
    counts = facets(client, **day)
    assert counts[facet].get(value, 0) == matched(client, **day, **{parameter: value})


def test_licensed_and_holder_unknown_split_every_site(client):
    total = matched(client, as_of="2025-12-01")
    assert matched(client, as_of="2025-12-01", licensed="yes") + matched(client, as_of="2025-12-01",
                                                                          licensed="no") == total
    known = matched(client, as_of="2025-12-01", holder_unknown="no")
    assert 0 < known < total
    assert known + matched(client, as_of="2025-12-01", holder_unknown="yes") == total


def test_northern_katpar_is_us_controlled_in_december_2025_only(client):
    assert KATPAR in {f["id"] for f in client.get("/api/sites?partner=USA&as_of=2025-12-01").get_json()["features"]}
    assert KATPAR not in {f["id"] for f in client.get("/api/sites?partner=USA&as_of=2025-01-01").get_json()["features"]}


@pytest.mark.parametrize(("parameter", "value"), [("licensed", "maybe"), ("holder_unknown", "1"),
                                                   ("partner_any", "Mars")])
def test_a_bad_filter_value_is_400_naming_it(client, parameter, value):
    for path in ("/api/sites", "/api/facets"):
        response = client.get(path, query_string={parameter: value})
        body = response.get_json()
        assert (response.status_code, body["error"]["parameter"]) == (400, parameter)
        assert repr(value) in body["error"]["message"]


def search(client, q, **params) -> dict:
    response = client.get("/api/search", query_string={"q": q, **params})
    assert response.status_code == 200, response.get_json()
    return {group["kind"]: group["items"] for group in response.get_json()["groups"]}


@pytest.mark.parametrize("query", ["вольфрам", "Вольфрам", "tungsten", "W", "w", "wolfram"])
def test_tungsten_is_found_by_symbol_english_and_russian_name(client, query):
    hits = search(client, query)
    assert hits["commodities"][0]["value"] == "W"
    assert hits["commodities"][0]["sites"] == matched(client, commodity="W")


def test_a_one_letter_typo_finds_the_deposit(client):
    sites = {s["properties"]["name"]: s["properties"]["match"] for s in search(client, "Kutassai")["sites"]}
    assert sites["Kutessai-II"] == "typo"
    assert set(sites.values()) == {"typo"}  # nothing contains the misspelt name itself


def test_a_one_letter_symbol_finds_no_names(client):
    assert "sites" not in search(client, "W")


def test_site_results_carry_the_partner_and_link_of_the_date(client):
    for day, partner in (("2025-01-01", "domestic state"), ("2025-12-01", "USA")):
        hit = search(client, "Northern Katpar", as_of=day)["sites"][0]
        assert (hit["id"], hit["properties"]["controlling_partner"]) == (KATPAR, partner)
        assert hit["properties"]["url"].endswith(f"?as_of={day}")


def test_companies_and_countries_are_found_in_either_script(client):
    assert "National Mining Company Tau-Ken Samruk JSC" in [c["name"] for c in search(client, "Tau-Ken")["companies"]]
    assert search(client, "Казахстан")["countries"][0]["country"] == "KZ"
    assert search(client, "KZ")["countries"][0] == {"country": "KZ", "name": "Kazakhstan", "name_ru": "Казахстан",
                                                    "match": "code"}


def test_changes_between_two_dates(client):
    body = client.get("/api/between?from=2020-01-01&to=2025-12-01").get_json()
    kutessai = next(s for s in body["sites"] if s["site_id"] == "national:kg-kutessai-2")
    assert (kutessai["kind"], kutessai["partner_before"], kutessai["partner_after"]) == (
        "control changed", "other foreign", "China")
    signed = [period_start(a["signed"]) for a in body["agreements"]]
    assert signed and all(date(2020, 1, 1) < day <= date(2025, 12, 1) for day in signed)
    katpar = next(s for s in client.get("/api/between?from=2025-01-01&to=2025-12-01").get_json()["sites"]
                  if s["site_id"] == KATPAR)
    assert (katpar["partner_before"], katpar["partner_after"]) == ("domestic state", "USA")
    page = client.get("/between?from=2025-01-01&to=2025-12-01")
    assert page.status_code == 200 and "Northern Katpar" in page.get_data(as_text=True)


def test_a_window_that_ends_before_it_starts_is_400(client):
    response = client.get("/api/between?from=2025-12-01&to=2025-01-01")
    assert (response.status_code, response.get_json()["error"]["parameter"]) == (400, "from")


@pytest.mark.parametrize("partner", sorted(PARTNER_COLOURS))
def test_every_badge_text_reaches_wcag_aa(partner):
    fill = PARTNER_COLOURS[partner]
    assert contrast_ratio(fill, text_colour(fill)) >= 4.5


def test_the_china_and_korea_badges_use_dark_text(client):
    css = client.get("/colours.css").get_data(as_text=True)
    styles = set(re.findall(r"\.partner-[\w-]+ \{ background: (#\w+); color: (#\w+); \}", css))
    assert 'class="partner partner-china"' in client.get("/partners?as_of=2025-12-01").get_data(as_text=True)
    assert ("#D55E00", "#000000") in styles  # white on China's orange was 3.87:1
    assert all(contrast_ratio(fill, text) >= 4.5 for fill, text in styles)
    assert contrast_ratio("#009E73", text_colour("#009E73")) >= 4.5  # Korea (white was 3.42:1)


def test_sites_name_the_holders_of_their_licences(client):
    body = client.get("/api/sites", query_string={"q": "Northern Katpar", "country": "KZ"}).get_json()
    katpar = next(f for f in body["features"] if f["id"] == KATPAR)
    assert katpar["properties"]["holders"][0] == "Severniy Katpar LLP (Northern Katpar LLP)"
    assert "Xiamen Tungsten Co. Ltd" in katpar["properties"]["holders"]  # the withdrawn 2018 agreement's holder
