"""/api/coverage, and coverage on /sources, /partners: on the real store, checked against partner_table."""

import csv
import io
from datetime import date

import pytest

from geo.coverage import coverage_totals
from geo.site_ownership import licence_roles

DAY = "2025-12-01"


def _licensed_today(real_app, day):
    # Sites of partner_table with a licence in force on the day that counts or is shown (not a state relation).
    state = real_app.extensions["atlas"]
    table = state.partners_at(date.fromisoformat(day))
    return {s for s in table.index
            if any(r.in_force and r.role == "holder"
                   for r in licence_roles(state.licences_of(s), date.fromisoformat(day)))}


@pytest.mark.parametrize("by", ["country", "commodity_group"])
def test_coverage_json_is_consistent_with_partner_table(client, real_app, by):
    body = client.get(f"/api/coverage?as_of={DAY}&by={by}").get_json()
    assert (body["as_of"], body["by"]) == (DAY, by)
    state = real_app.extensions["atlas"]
    assert body["totals"]["sites"] == len(state.sites)
    assert body["totals"]["sites_with_holder"] == len(_licensed_today(real_app, DAY))
    assert body["totals"] == coverage_totals(state.coverage_at(date.fromisoformat(DAY)))
    for row in body["rows"]:
        assert row["sites"] >= row["sites_with_holder"] >= row["sites_with_known_share"] >= row[
            "sites_with_known_owner"] >= 0
        assert row["pct_with_holder"] == round(100 * row["sites_with_holder"] / row["sites"], 1)
    if by == "country":
        assert sum(r["sites_with_holder"] for r in body["rows"]) == body["totals"]["sites_with_holder"]
        assert sum(r["sites"] for r in body["rows"]) == body["totals"]["sites"]
        kz = next(r for r in body["rows"] if r["country"] == "KZ")
        assert kz["sites_with_holder"] >= 1  # Northern Katpar's licence is in force


def test_coverage_csv_download(client):
    response = client.get(f"/api/coverage?as_of={DAY}&by=commodity_group&f=csv")
    assert response.mimetype == "text/csv"
    assert f'filename="atlas-coverage-by-commodity_group-{DAY}.csv"' in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith(f"# Ownership coverage of sites by commodity_group, as of {DAY}")
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[1:]))))
    json_rows = client.get(f"/api/coverage?as_of={DAY}&by=commodity_group").get_json()["rows"]
    assert [r["commodity_group"] for r in rows] == [r["commodity_group"] for r in json_rows]
    assert [int(r["sites_with_holder"]) for r in rows] == [r["sites_with_holder"] for r in json_rows]


@pytest.mark.parametrize(("query", "parameter"), [
    ("by=planet", "by"), ("f=xml", "f"), ("as_of=yesterday", "as_of")])
def test_bad_coverage_parameters_are_400(client, query, parameter):
    response = client.get(f"/api/coverage?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["status"], error["parameter"]) == (400, parameter)


@pytest.mark.parametrize("path", ["/sources", "/partners"])
def test_pages_show_the_coverage_table(client, path):
    html = client.get(f"{path}?as_of={DAY}").get_data(as_text=True)
    body = client.get(f"/api/coverage?as_of={DAY}").get_json()
    assert "Ownership coverage" in html
    assert f"/api/coverage?as_of={DAY}&amp;by=country&amp;f=csv" in html
    assert f"/api/coverage?as_of={DAY}&amp;by=commodity_group&amp;f=csv" in html
    kz = next(r for r in body["rows"] if r["country"] == "KZ")
    assert (f'<td>KZ</td><td>{kz["sites"]}</td><td>{kz["sites_with_holder"]} ({kz["pct_with_holder"]} %)</td>'
            in html.replace("\n", ""))


def test_sites_carry_their_ownership_coverage(client, real_app):
    body = client.get(f"/api/sites?as_of={DAY}&mapped=true&limit=5000").get_json()
    by_id = {f["properties"]["site_id"]: f["properties"]["ownership_coverage"] for f in body["features"]}
    assert by_id["national:kz-northern-katpar"] == "share known"
    flags = real_app.extensions["atlas"].coverage_at(date.fromisoformat(DAY))
    held = {s for s, v in by_id.items() if v != "holder unknown"}
    assert held == set(flags.index[flags["has_holder"]]) & set(by_id)
    assert set(by_id.values()) <= {"holder unknown", "share unknown", "share known"}
    assert "holder unknown" in by_id.values()
