"""``sortby`` on OGC items (OGC API – Records "Sorting"; draft Features Part 8), on the real store."""

from __future__ import annotations

import pytest


def _items(client, query: str) -> list[dict]:
    response = client.get(f"/ogc/collections/sites/items?f=json&{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [f["properties"] for f in response.get_json()["features"]]


def test_sortby_descending_number_then_ascending_name(client):
    rows = _items(client, "sortby=-n_sources,+name&limit=200")
    keys = [(-r["n_sources"], r["name"].casefold()) for r in rows]
    assert keys == sorted(keys) and rows[0]["n_sources"] > 1


def test_sortby_name_is_case_insensitive_and_pages_continue_the_order(client):
    first = _items(client, "sortby=name&limit=50")
    second = _items(client, "sortby=name&limit=50&offset=50")
    names = [r["name"].casefold() for r in first + second]
    assert names == sorted(names)
    whole = [r["name"] for r in _items(client, "sortby=name&limit=100")]
    assert whole == [r["name"] for r in first + second]


def test_missing_values_come_last_either_way(client):
    for sign in ("+", "-"):
        rows = _items(client, f"sortby={sign}location_precision_km&limit=10000")
        values = [r["location_precision_km"] for r in rows]
        present = [v for v in values if v is not None]
        assert values[:len(present)] == present and None in values
        assert present == sorted(present, reverse=sign == "-")


def test_sortby_keeps_filters_and_links(client):
    body = client.get("/ogc/collections/sites/items?f=json&country=KG&sortby=-name&limit=5").get_json()
    assert {f["properties"]["country"] for f in body["features"]} == {"KG"}
    next_link = next(link["href"] for link in body["links"] if link["rel"] == "next")
    assert "sortby=-name" in next_link and "offset=5" in next_link


@pytest.mark.parametrize(("value", "bad"), [("commodities", "commodities"), ("nonsense", "nonsense"),
                                            ("-name,+zzz", "zzz")])
def test_unknown_or_list_fields_are_a_400_naming_them(client, value, bad):
    response = client.get(f"/ogc/collections/sites/items?f=json&sortby={value}")
    body = response.get_json()
    assert response.status_code == 400
    assert f"sortby: {bad!r} is not a sortable field" in str(body) and "n_sources" in str(body)


def test_the_openapi_document_offers_sortby_on_items(client):
    doc = client.get("/ogc/api?f=json").get_json()
    refs = [p.get("$ref") for p in doc["paths"]["/collections/sites/items"]["get"]["parameters"]]
    assert "#/components/parameters/sortby" in refs
    assert "sortby" in doc["components"]["parameters"]
