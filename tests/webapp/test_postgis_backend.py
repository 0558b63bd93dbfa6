"""The PostGIS backend answers exactly as the GeoPackage one, from SQL that uses the GiST index."""

from __future__ import annotations

import pandas as pd
import pandas.testing
import psycopg
import pyogrio
import pytest
from psycopg import sql

from layers.types import BBox
from webapp.backends.postgis import Where

#: /api/sites queries: bbox (one across the antimeridian, whose eastern part holds the region), every filter of
#: the stored columns and of the date's ownership and the corridor analysis, and pages.
API_QUERIES = [
    "", "limit=7", "limit=50&offset=1200", "offset=1239", "offset=5000", "bbox=66,40,72,44",
    "bbox=60,30,-179,50&limit=20&offset=100", "bbox=170,-10,-170,10", "country=KZ,UZ&limit=300&offset=20",
    "commodity=REE", "commodity=cu,graphite", "q=Кутессай", "q=katpar", "deposit_type=Igneous,sedimentary",
    "status=producing,exploration", "mapped=true&limit=100&offset=900", "partner=China", "partner_any=USA",
    "licensed=yes", "licensed=no&country=KZ", "holder_unknown=no", "holder_unknown=yes&limit=10&offset=10",
    "corridor=titr_central", "corridor=titr_central&max_corridor_km=50", "max_corridor_km=20",
    "as_of=2015-01-01&licensed=yes", "country=KG&commodity=Au&bbox=70,39,80,44&mapped=true",
]

#: OGC sites items queries, the same kinds, plus sortby (served in memory by both) and the HTML page.
OGC_QUERIES = [
    "", "limit=10000", "limit=25&offset=1230", "offset=99999", "bbox=66,40,72,44&limit=500",
    "bbox=60,30,-179,50&limit=100", "country=KZ&limit=1000", "country=kz", "country= ", "commodity=W&limit=500",
    "q=Кутессай", "primary_group=base metals&limit=300", "status=producing", "controlling_partner=China",
    "partner=domestic state&limit=1000", "corridor=titr_central&max_corridor_km=50&limit=1000", "corridor=nowhere",
    "datetime=2015-01-01&partner=usa", "sortby=-n_sources,name&limit=30", "country=KG&limit=5&f=html",
    "bbox=70,39,80,44&commodity=Au&country=KG,TJ&limit=200",
]


def _body(response) -> dict:
    body = response.get_json()
    body.pop("timeStamp", None)
    return body


def test_the_postgis_app_serves_sites_from_postgis(real_pg_app, real_app):
    assert real_pg_app.extensions["atlas"].site_source.name == "postgis"
    assert real_app.extensions["atlas"].site_source.name == "gpkg"


@pytest.mark.parametrize("query", API_QUERIES)
def test_api_sites_are_identical_on_both_backends(real_app, real_pg_app, query):
    gpkg = real_app.test_client().get(f"/api/sites?{query}")
    postgis = real_pg_app.test_client().get(f"/api/sites?{query}")
    assert (postgis.status_code, postgis.headers.get("Link")) == (gpkg.status_code, gpkg.headers.get("Link"))
    assert postgis.get_data() == gpkg.get_data()


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg"])
def test_api_downloads_are_identical_on_both_backends(real_app, real_pg_app, fmt, tmp_path):
    query = f"/api/sites?country=KG&commodity=Au&f={fmt}&as_of=2025-12-01"
    gpkg, postgis = real_app.test_client().get(query), real_pg_app.test_client().get(query)
    assert gpkg.status_code == postgis.status_code == 200
    if fmt != "gpkg":
        assert postgis.get_data() == gpkg.get_data()
        return
    # A GeoPackage carries its write time: compare every layer GDAL reads from the two files.
    frames = []
    for name, response in (("gpkg", gpkg), ("postgis", postgis)):
        path = tmp_path / f"{name}.gpkg"
        path.write_bytes(response.get_data())
        frames.append({layer: pyogrio.read_dataframe(path, layer=layer) for layer, _ in pyogrio.list_layers(path)})
    assert frames[0].keys() == frames[1].keys() and len(frames[0]["sites"]) > 10
    for layer in frames[0]:
        pandas.testing.assert_frame_equal(pd.DataFrame(frames[0][layer]), pd.DataFrame(frames[1][layer]))


@pytest.mark.parametrize("query", OGC_QUERIES)
def test_ogc_site_items_are_identical_on_both_backends(real_app, real_pg_app, query):
    gpkg = real_app.test_client().get(f"/ogc/collections/sites/items?{query}")
    postgis = real_pg_app.test_client().get(f"/ogc/collections/sites/items?{query}")
    assert postgis.status_code == gpkg.status_code == 200
    if "f=html" in query:
        assert postgis.get_data() == gpkg.get_data()
    else:
        assert _body(postgis) == _body(gpkg)
        assert postgis.get_data(as_text=True).split('"features":')[1] == gpkg.get_data(as_text=True).split(
            '"features":')[1]


def test_numbers_matched_are_exact(real_pg_app, real_app):
    client = real_pg_app.test_client()
    sites = real_app.extensions["atlas"].sites
    assert client.get("/api/sites?limit=1").get_json()["numberMatched"] == len(sites)
    assert client.get("/api/sites?limit=1&country=KZ").get_json()["numberMatched"] == int(
        (sites["country"] == "KZ").sum())


def _plan(url: str, schema: str, table: str, box: BBox, *, seqscan: bool = True) -> str:
    where = Where()
    where.bbox(box)
    query = sql.SQL("EXPLAIN SELECT site_id FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    with psycopg.connect(url) as conn:
        if not seqscan:
            conn.execute("SET enable_seqscan = off")
        rows = conn.execute(query + where.sql(), where.params).fetchall()
    return "\n".join(r[0] for r in rows)


def test_the_bbox_query_can_use_the_gist_index(pg_url, pg_schema):
    plan = _plan(pg_url, pg_schema, "sites", BBox(66, 40, 72, 44), seqscan=False)
    assert "sites_geometry_idx" in plan


def test_the_planner_picks_the_gist_index_for_a_small_box_on_a_large_table(pg_url, pg_schema):
    with psycopg.connect(pg_url) as conn:
        conn.execute(sql.SQL(
            "CREATE TABLE {}.big AS SELECT 's' || n AS site_id, ST_SetSRID(ST_MakePoint(46 + 42 * random(), "
            "35 + 20 * random()), 4326)::geometry(Point, 4326) AS geometry FROM generate_series(1, 200000) AS n"
        ).format(sql.Identifier(pg_schema)))
        conn.execute(sql.SQL("CREATE INDEX big_geometry_idx ON {}.big USING gist (geometry)").format(
            sql.Identifier(pg_schema)))
        conn.execute(sql.SQL("ANALYZE {}.big").format(sql.Identifier(pg_schema)))
    try:
        plan = _plan(pg_url, pg_schema, "big", BBox(70.0, 40.0, 70.5, 40.5))
        assert "big_geometry_idx" in plan and "Seq Scan" not in plan
    finally:
        with psycopg.connect(pg_url) as conn:
            conn.execute(sql.SQL("DROP TABLE {}.big").format(sql.Identifier(pg_schema)))


def test_a_worker_refuses_to_mix_builds_after_a_rebuild(pg_url, real_store, real_analysis):
    from layers.postgis import write_postgis
    from layers.settings import StoreSettings
    from layers.store import STORE_LAYERS, read_store
    from webapp import create_app
    from webapp.settings import MapSettings, WebSettings

    schema = "t_rebuilt_under_a_worker"
    store = read_store(real_store)
    layers = {name: store.layer(name) for name in STORE_LAYERS}
    write_postgis(pg_url, layers, store.sources, store.build_info, schema_name=schema)
    settings = WebSettings(store=StoreSettings(store_path=real_store, database_url=pg_url, database_schema=schema),
                           analysis=real_analysis, map=MapSettings(tile_url=""))
    app = create_app(settings)
    try:
        assert app.test_client().get("/api/sites?limit=1").status_code == 200
        write_postgis(pg_url, layers, store.sources, {**store.build_info, "built_at": "2099-01-01T00:00:00+00:00"},
                      schema_name=schema)
        response = app.test_client().get("/api/sites?limit=1")
        assert response.status_code == 503
        assert response.get_json()["error"]["title"] == "Service unavailable"
    finally:
        app.extensions["atlas"].site_source.close()
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
