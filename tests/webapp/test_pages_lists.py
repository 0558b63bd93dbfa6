"""The list pages (/sites, /countries, /companies), readable site pages and the charts, on the real store."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from xml.etree import ElementTree as ET

import pytest

from webapp.pages.charts import timeline_years

KUTESSAI = "national:kg-kutessai-2"


@pytest.mark.parametrize("path", ["/sites", "/countries", "/companies", "/charts", "/changes"])
def test_list_pages_exist_and_are_linked_from_every_page(client, path):
    assert client.get(path).status_code == 200
    assert f'<a href="{path}">' in client.get("/partners").get_data(as_text=True)


def test_site_list_filters_by_country_and_group_and_links_each_site(client):
    html = client.get("/sites?country=KG&commodity=rare%20metals").get_data(as_text=True)
    assert f'href="/sites/{KUTESSAI}?as_of=' in html and "Kyrgyzstan" in html
    assert "Kazakhstan</td>" not in html


def test_tungsten_deposits_count_as_rare_metals(client):
    html = client.get("/sites?country=KZ&commodity=rare%20metals&q=katpar").get_data(as_text=True)
    assert "Northern Katpar" in html and "tungsten" in html


def test_country_list_links_to_its_sites(client):
    html = client.get("/countries").get_data(as_text=True)
    body = client.get("/api/sites?country=KG&limit=10000").get_json()
    assert f'<a href="/sites?country=KG">{body["numberMatched"]}</a>' in html


def test_country_page_links_to_its_sites(client):
    html = client.get("/countries/KG").get_data(as_text=True)
    assert 'href="/sites?country=KG"' in html and " sites in the atlas</a>" in html


def test_company_list_links_each_company(client):
    html = client.get("/companies").get_data(as_text=True)
    assert '<a href="/companies/cove-capital">Cove Capital LLC</a>' in html


def test_site_page_reads_like_a_page_not_a_dump(client):
    html = client.get(f"/sites/{KUTESSAI}").get_data(as_text=True)
    assert "<p>Kyrgyzstan ·" in html  # a country name, not "KG"
    assert "rare earth elements (REE): lanthanum (La)" in html and "tungsten" not in html
    assert "Corridors and access" in html and "China - Central Asia (Khorgos - Tashkent): 86.6 km ± 15 km" in html
    assert "367.7958892694997" not in client.get("/sites/jowitt-ree:kutessay-ii__169").get_data(as_text=True)


def test_grades_are_rounded_and_seed_files_are_named(client):
    html = client.get("/sites/mrdata-ree:211").get_data(as_text=True) + \
        client.get("/sites/national:kz-kuirektykol").get_data(as_text=True)
    assert not any(len(token) > 12 and token.replace(".", "").isdigit() for token in html.split())
    assert "002_3bc0e5584da11cc3.txt" not in html
    assert "Russian-language source article no. 2 (atlas research file)" in html


def test_gangue_minerals_are_shown_apart_from_commodities(client):
    site_id = next(f["properties"]["site_id"] for f in client.get("/api/sites?limit=10000").get_json()["features"]
                   if "quartz" in (f["properties"]["commodities"] or []))
    html = client.get(f"/sites/{site_id}").get_data(as_text=True)
    commodities, rest = html.split('<h2 id="commodities">', 1)[1].split("</ul>", 1)
    assert "quartz" not in commodities and "not commodities):" in rest.split("<h2", 1)[0]


@pytest.mark.parametrize("name", ["partners-by-country", "partners-by-commodity-group", "corridor-bands",
                                  "partner-timeline"])
def test_each_chart_is_svg_with_its_data_as_csv(client, name):
    svg = client.get(f"/charts/{name}.svg?as_of=2025-12-01")
    assert svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("aria-label")
    data = client.get(f"/charts/{name}.csv?as_of=2025-12-01")
    rows = list(csv.DictReader(io.StringIO(data.get_data(as_text=True))))
    assert data.mimetype == "text/csv" and rows and set(rows[0]) == {"category", "series", "value"}


def test_corridor_band_csv_counts_every_mapped_site_once(client):
    rows = list(csv.DictReader(io.StringIO(client.get("/charts/corridor-bands.csv").get_data(as_text=True))))
    mapped = client.get("/api/sites?mapped=true&limit=10000").get_json()["numberMatched"]
    assert sum(float(r["value"]) for r in rows) == mapped


def test_partner_chart_data_matches_the_partner_matrix(client):
    rows = list(csv.DictReader(io.StringIO(
        client.get("/charts/partners-by-country.csv?as_of=2025-12-01").get_data(as_text=True))))
    text = client.get("/api/partners/matrix?as_of=2025-12-01&by=country&f=csv").get_data(as_text=True)
    matrix = list(csv.DictReader(io.StringIO(text.split("\n", 1)[1])))  # after the attribution comment line
    expected = {(r["country"], r["partner"]): float(r["share_site_equivalents"]) for r in matrix
                if float(r["share_site_equivalents"])}
    assert {(r["category"], r["series"]): float(r["value"]) for r in rows} == expected


def test_partners_page_shows_the_timeline_with_its_csv(client):
    html = client.get("/partners?as_of=2025-12-01").get_data(as_text=True)
    assert '<img class="chart" src="/charts/partner-timeline.svg?as_of=2025-12-01"' in html
    assert 'href="/charts/partner-timeline.csv?as_of=2025-12-01"' in html


def test_timeline_runs_from_2000_to_the_date(client):
    rows = list(csv.DictReader(io.StringIO(
        client.get("/charts/partner-timeline.csv?as_of=2025-12-01").get_data(as_text=True))))
    years = sorted({int(r["category"]) for r in rows})
    assert set(years) <= {2000, 2005, 2010, *range(2011, 2026)} and years[-1] == 2025


@pytest.mark.parametrize(("as_of", "expected"), [
    (date(2025, 12, 1), [2000, 2005, 2010, *range(2011, 2026)]),
    (date(2011, 3, 1), [2000, 2005, 2010, 2011]),
    (date(2007, 1, 1), [2000, 2005]),
])
def test_timeline_samples_2000_2005_2010_then_every_year(as_of, expected):
    assert timeline_years(as_of) == expected


def test_timeline_chart_draws_one_point_per_sampled_year(client):
    svg = client.get("/charts/partner-timeline.svg?as_of=2025-12-01").get_data(as_text=True)
    lines = ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}polyline")
    assert {len(line.get("points").split()) for line in lines} == {18}


def test_the_site_list_says_what_each_group_holds(client):
    html = client.get("/sites").get_data(as_text=True)
    rare = html.split("<dt>Rare metals", 1)[1].split("</dd>", 1)[0]
    assert "tungsten (W)" in rare and "molybdenum (Mo)" in rare and "lithium (Li)" in rare
    battery = html.split("<dt>Battery and alloy metals", 1)[1].split("</dd>", 1)[0]
    assert "tungsten" not in battery and "cobalt (Co)" in battery


@pytest.mark.parametrize(("list_id", "included"), [
    ("eu-crma-2024", "Northern Katpar"), ("china-2016", "Northern Katpar"), ("korea-2023", "Kutessai-II"),
    ("us-2025", "Kutessai-II"), ("japan-rare-metals", "Northern Katpar")])
def test_a_partner_critical_list_selects_sites_and_cites_its_source(client, list_id, included):
    html = client.get(f"/sites?critical={list_id}&q={included.split()[-1]}").get_data(as_text=True)
    assert included in html and "Read from" in html and 'rel="noopener"' in html


def test_the_uk_top_ten_does_not_take_a_copper_only_site(client):
    body = client.get("/api/sites?limit=10000").get_json()
    copper_only = next(f["properties"]["name"] for f in body["features"] if f["properties"]["commodities"] == ["Cu"])
    everyone = client.get(f"/sites?q={copper_only}").get_data(as_text=True)
    uk = client.get(f"/sites?critical=uk-2024-top10&q={copper_only}").get_data(as_text=True)
    assert f">{copper_only}</a>" in everyone and f">{copper_only}</a>" not in uk


def test_an_unknown_critical_list_is_400_naming_the_parameter(client):
    response = client.get("/sites?critical=mars-2030")
    assert response.status_code == 400 and "critical must be one of eu-crma-2024" in response.get_data(as_text=True)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_partner_badges_meet_wcag_aa_contrast(client):
    css = client.get("/colours.css").get_data(as_text=True)
    badges = re.findall(r"\.partner-([a-z-]+) \{ background: (#[0-9A-Fa-f]{6}); color: (#[0-9a-f]{6}); \}",
                        css)
    assert len(badges) == 12
    for name, fill, text in badges:
        light, dark = sorted([_luminance(fill), _luminance(text)], reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, name


@pytest.mark.parametrize("path", [f"/sites/{KUTESSAI}?as_of=2025-12-01", "/sites/national:kz-northern-katpar",
                                  "/partners", "/companies/cove-capital", "/countries/KZ", "/sites"])
def test_content_pages_carry_no_inline_style_or_script(client, path):
    html = client.get(path).get_data(as_text=True)
    assert " style=" not in html and "<style" not in html and "<script" not in html
