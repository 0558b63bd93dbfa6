"""/api/basemap: the offline base map's towns, lakes and country labels in English or Russian, cached and gzipped."""

from __future__ import annotations

import gzip
import json

import pytest

pytestmark = pytest.mark.integration


def _features(body: dict, layer: str) -> dict[str, dict]:
    return {f["properties"]["label"]: f for f in body[layer]["features"]}


def test_towns_carry_their_zoom_and_english_labels(client):
    response = client.get("/api/basemap")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["lang"] == "en" and body["attribution"] == "Made with Natural Earth"
    towns = _features(body, "places")
    assert towns["Bishkek"] == {"type": "Feature", "geometry": towns["Bishkek"]["geometry"], "properties": {
        "label": "Bishkek", "min_zoom": 5.0, "scalerank": 3, "population": towns["Bishkek"]["properties"]["population"],
        "capital": True, "country": "KG"}}
    assert towns["Naryn"]["properties"]["min_zoom"] == 7.0 and not towns["Naryn"]["properties"]["capital"]
    assert len(body["places"]["features"]) == 488 and len(body["lakes"]["features"]) == 125
    assert "Issyk-Kul" in _features(body, "lakes")


def test_russian_labels_where_natural_earth_has_them(client):
    body = client.get("/api/basemap?lang=ru").get_json()
    towns = _features(body, "places")
    assert {"Бишкек", "Алма-Ата", "Ташкент", "Нарын", "Каракол"} <= set(towns)
    assert "Otar" in towns  # no NAME_RU in Natural Earth: the English name stands
    countries = _features(body, "country_labels")
    assert countries["Киргизия"]["properties"] == {"label": "Киргизия", "country": "KG", "atlas": True,
                                                  "min_zoom": 3.0}
    assert countries["Казахстан"]["properties"]["atlas"] and not countries["Россия"]["properties"]["atlas"]


def test_country_labels_lie_inside_their_country(client):
    body = client.get("/api/basemap").get_json()
    lon, lat = _features(body, "country_labels")["Kyrgyzstan"]["geometry"]["coordinates"]
    assert 69.2 < lon < 80.3 and 39.1 < lat < 43.3
    assert "Baikonur" not in _features(body, "country_labels")


def test_the_answer_is_gzipped_cached_and_revalidated(client):
    plain = client.get("/api/basemap")
    packed = client.get("/api/basemap", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.data)) == plain.get_json()
    assert len(packed.data) < 80_000 < len(plain.data)
    assert plain.headers["Cache-Control"] == "public, max-age=3600"
    again = client.get("/api/basemap", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/api/basemap?lang=ru").headers["ETag"] != plain.headers["ETag"]


def test_an_unknown_language_is_a_400_naming_the_parameter(client):
    response = client.get("/api/basemap?lang=de")
    assert response.status_code == 400
    assert response.get_json() == {"error": {"status": 400, "title": "Bad request", "parameter": "lang",
                                             "message": "lang must be one of en, ru; got 'de'"}}
