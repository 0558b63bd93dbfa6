"""Ownership on the real curated data, through the API and pages (values a person can check in the sources)."""

import csv
import io

import pytest

KATPAR = "national:kz-northern-katpar"
KUTESSAI = "national:kg-kutessai-2"
SARYTOGAN = "national:kz-sarytogan"


def ownership(client, site_id: str, as_of: str) -> dict:
    response = client.get(f"/api/sites/{site_id}/ownership?as_of={as_of}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_northern_katpar_end_of_2025_is_70_usa_30_kazakh_state(client):
    body = ownership(client, KATPAR, "2025-12-01")
    assert body["partners"] == [
        {"partner": "USA", "share_pct": 70.0, "unknown_part": False, "controls": True},
        {"partner": "domestic state", "share_pct": 30.0, "unknown_part": False, "controls": False},
    ]
    assert (body["controlling_partner"], body["dominant_partner"]) == ("USA", "USA")
    [chain] = body["chains"]
    assert chain["controller_chain"] == ["severniy-katpar-llp", "cove-kaz-capital-group", "cove-capital"]
    owners = {(p["partner"], p["ultimate_owner"], p["share_pct"]) for p in chain["paths"]}
    assert owners == {("USA", "cove-capital", 70.0), ("domestic state", "samruk-kazyna", 30.0)}
    tks = next(p for p in chain["paths"] if p["partner"] == "domestic state")
    assert [e["owner_id"] for e in tks["edges"]] == ["tau-ken-samruk", "samruk-kazyna"]


def test_northern_katpar_start_of_2025_is_state_controlled_with_the_share_unknown(client):
    body = ownership(client, KATPAR, "2025-01-01")
    assert body["partners"] == [
        {"partner": "domestic state", "share_pct": None, "unknown_part": True, "controls": True}]
    assert body["controlling_partner"] == "domestic state"
    assert body["dominant_partner"] is None


def test_the_withdrawn_xiamen_agreement_is_shown_but_never_counted(client):
    body = ownership(client, KATPAR, "2025-12-01")
    xiamen = next(lic for lic in body["licences"] if lic["licence_id"] == "KZ-NKATPAR-UKAIRAKTY-XIAMEN")
    assert (xiamen["counted"], xiamen["holder_company_id"]) == (False, "xiamen-tungsten")
    assert xiamen["reason"].startswith("status: withdrawn")


def test_kutessai_in_2012_is_stans_energy_of_canada_through_kutisay_mining(client):
    body = ownership(client, KUTESSAI, "2012-06-01")
    assert body["partners"] == [
        {"partner": "other foreign", "share_pct": 100.0, "unknown_part": False, "controls": True}]
    [chain] = body["chains"]
    assert (chain["licence_id"], chain["holder_company_id"]) == ("KG-KUTESSAI2-STANS", "kutisay-mining")
    assert [(e["owner_id"], e["owned_id"], e["share_pct"]) for e in chain["paths"][0]["edges"]] == [
        ("stans-energy", "kutisay-mining", 100.0)]


def test_kutessai_mid_2025_is_the_chinese_developer_beside_the_contested_stans_licence(client):
    body = ownership(client, KUTESSAI, "2025-07-01")
    assert body["controlling_partner"] == "China"
    roles = {lic["licence_id"]: (lic["counted"], lic["role"], lic["holder_company_id"]) for lic in body["licences"]}
    assert roles == {
        "KG-KUTESSAI2-CN": (True, "holder", "unnamed-cn-kutessai-developer"),
        "KG-KUTESSAI2-STANS": (False, "holder", "kutisay-mining"),
        "KG-KUTESSAI2-NATPROJ": (False, "state relation", "gov-kg"),
    }
    stans = next(lic for lic in body["licences"] if lic["licence_id"] == "KG-KUTESSAI2-STANS")
    assert stans["status"].startswith("historical/contested") and stans["in_force"]
    assert "placeholder (unnamed) owner: unnamed-cn-kutessai-developer" in body["flags"]


def test_sarytogan_counts_the_ebrd_and_not_its_pending_top_up(client):
    body = ownership(client, SARYTOGAN, "2026-01-01")
    assert body["partners"] == [
        {"partner": "multilateral", "share_pct": 17.36, "unknown_part": False, "controls": False},
        {"partner": "unknown", "share_pct": 82.64, "unknown_part": False, "controls": False},
    ]
    pending = [r for r in body["relations"] if r["relation"] == "pending equity"]
    assert [(r["owner_id"], r["share_pct"]) for r in pending] == [("ebrd", 19.99)]


def test_ulba_plant_resolves_to_kazakh_state_control_through_kazatomprom_share_unknown(client):
    body = client.get("/api/companies/ulba-metallurgical-plant?as_of=2026-01-01").get_json()
    assert body["controller_chain"] == ["ulba-metallurgical-plant", "kazatomprom", "samruk-kazyna"]
    assert body["controlling_partner"] == "domestic state"
    assert body["partners"] == [{"partner": "domestic state", "share_pct": None, "ultimate_owner": "kazatomprom",
                                 "via_control": True}]


@pytest.mark.parametrize("as_of", ["2012-06-01", "2025-01-01", "2025-12-01", "2026-06-01"])
def test_no_non_equity_edge_ever_adds_to_a_share(client, as_of):
    sites = client.get(f"/api/sites?limit=10000&as_of={as_of}").get_json()["features"]
    licensed = [f["properties"]["site_id"] for f in sites if f["properties"]["controlling_partner"]]
    assert licensed
    for site_id in licensed:
        for chain in ownership(client, site_id, as_of)["chains"]:
            for path in chain["paths"]:
                assert all(e["relation"] in ("equity", "joint venture", "control") for e in path["edges"])


def test_sites_api_carries_partner_properties_for_its_as_of(client):
    def props(as_of):
        body = client.get(f"/api/sites?q=Northern%20Katpar&as_of={as_of}").get_json()
        return body["features"][0]["properties"]
    late, early = props("2025-12-01"), props("2025-01-01")
    assert (late["controlling_partner"], late["share_usa"], late["share_domestic_state"]) == ("USA", 70.0, 30.0)
    assert (early["controlling_partner"], early["share_usa"], early["share_domestic_state"]) == (
        "domestic state", None, None)


def test_sites_can_be_filtered_by_controlling_partner(client):
    # Akbulak: the JV Akbulak REE Ltd. is 75 % Cove (Astana Times, July 2024); Dzhizhikrut (TJ): Anzob LLC has
    # been Comsup Commodities Inc.'s (USA) alone since 2006 (Tajikistan News Gazette, 2023).
    body = client.get("/api/sites?partner=USA&as_of=2025-12-01&limit=100").get_json()
    assert sorted(f["properties"]["site_id"] for f in body["features"]) == [
        "mrdata-major-deposits:1848", "national:kz-akbulak", "national:kz-gremyachinsky", KATPAR,
        "national:kz-upper-kairakty"]


def test_partner_matrix_csv_download(client):
    response = client.get("/api/partners/matrix?as_of=2025-12-01&f=csv")
    assert response.mimetype == "text/csv"
    assert 'filename="atlas-partner-matrix-by-country-2025-12-01.csv"' in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("# Partner attribution of licensed deposits by country, as of 2025-12-01")
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[1:]))))
    kz_usa = next(r for r in rows if r["country"] == "KZ" and r["partner"] == "USA")
    assert kz_usa["sites_controlled"] == "4"  # Katpar, Upper Kairakty, Gremyachinsky, Akbulak


def test_partner_matrix_by_commodity_group(client):
    rows = client.get("/api/partners/matrix?as_of=2025-12-01&by=commodity_group").get_json()["rows"]
    assert {"commodity_group", "partner", "sites_controlled"} <= set(rows[0])
    assert any(r["commodity_group"] == "REE" and r["partner"] == "China" for r in rows)


def test_timeline_shows_kutessai_changing_hands(client):
    rows = client.get("/api/partners/timeline?from=2012&to=2026").get_json()["rows"]
    kg = {(r["date"], r["partner"]): r["sites_controlled"] for r in rows if r["country"] == "KG"}
    assert kg[("2012-01-01", "other foreign")] >= 1
    assert kg[("2026-01-01", "China")] >= 1


def test_agreements_per_country_never_carry_shares(client):
    body = client.get("/api/agreements?country=UZ").get_json()
    assert body["numberMatched"] == len(body["agreements"]) > 0
    assert {a["country"] for a in body["agreements"]} == {"UZ"}
    assert all("share_pct" not in a for a in body["agreements"])


@pytest.mark.parametrize(("url", "parameter"), [
    ("/api/sites/national:kz-sarytogan/ownership?as_of=2025-13-01", "as_of"),
    ("/api/sites?as_of=yesterday", "as_of"),
    ("/api/sites?partner=Mars", "partner"),
    ("/api/partners/matrix?by=planet", "by"),
    ("/api/partners/timeline?from=1900&to=2000", "from"),
    ("/api/companies/NOT%20A%20SLUG", "company_id"),
])
def test_bad_ownership_parameters_are_400(client, url, parameter):
    response = client.get(url)
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == parameter


def test_unknown_company_is_404(client):
    assert client.get("/api/companies/nobody").get_json() == {
        "error": {"status": 404, "title": "Not found", "message": "no company 'nobody'"}}


def test_site_page_shows_the_chain_with_sources(client):
    html = client.get(f"/sites/{KATPAR}?as_of=2025-12-01").get_data(as_text=True)
    assert "Who holds it, for which partner" in html
    assert "Cove Kaz Capital Group LLC" in html and "National Mining Company Tau-Ken Samruk JSC" in html
    assert "70.00 %" in html and "30.00 %" in html
    assert 'href="https://aijourn.com/' in html


@pytest.mark.parametrize(("path", "text"), [
    ("/companies/cove-capital?as_of=2025-12-01", "Cove Kaz Capital Group LLC"),
    ("/countries/KG", "State agreements timeline"),
    ("/countries/UZ", "balance between power centres"),
    ("/partners?as_of=2025-12-01", "/api/partners/matrix?as_of=2025-12-01&amp;by=country&amp;f=csv"),
])
def test_ownership_pages_render(client, path, text):
    response = client.get(path)
    assert response.status_code == 200
    assert text in response.get_data(as_text=True)


def test_countries_layer_carries_partner_shares(client):
    body = client.get("/api/countries?as_of=2025-12-01").get_json()
    kz = next(f for f in body["features"] if f["properties"]["iso_a2"] == "KZ")
    assert kz["properties"]["licensed_sites"] >= 3 and kz["properties"]["partner_shares"]["USA"] > 0


def test_timeline_starting_in_the_future_ends_where_it_starts(client):
    body = client.get("/api/partners/timeline?from=2050").get_json()
    assert (body["from"], body["to"]) == (2050, 2050)
