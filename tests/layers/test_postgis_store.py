"""The PostGIS store: a build writes every layer in one transaction; a failed one leaves the old data serving."""

from __future__ import annotations

import geopandas as gpd
import geopandas.testing
import pandas.testing
import psycopg
import pytest

from layers.build import build_store
from layers.errors import StoreError
from layers.postgis import META_TABLE, PG_FORMAT, PG_TYPES, read_postgis_store, write_postgis
from layers.schema import SITES
from layers.settings import StoreSettings
from layers.store import STORE_FORMAT, STORE_LAYERS, read_store


def _layers(store) -> dict:
    return {name: store.layer(name) for name in STORE_LAYERS}


def _assert_same_store(left, right) -> None:
    for name in STORE_LAYERS:
        a, b = left.layer(name), right.layer(name)
        if isinstance(a, gpd.GeoDataFrame):
            geopandas.testing.assert_geodataframe_equal(a, b, check_dtype=True)
        else:
            pandas.testing.assert_frame_equal(a, b)
    assert left.build_info == right.build_info


def _schemas(url: str, prefix: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s ORDER BY 1",
                                           (prefix + "%",)).fetchall()]


@pytest.fixture()
def schema(pg_url: str, request):
    """A schema name for one test, dropped after it."""
    name = f"t_{request.node.name.split('[')[0][-30:]}".lower()
    yield name
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def test_every_layer_reads_back_as_the_geopackage_has_it(pg_url, pg_schema, real_store):
    _assert_same_store(read_store(real_store), read_postgis_store(pg_url, pg_schema))


def test_the_build_writes_postgis_beside_the_geopackage(pg_url, schema, source_settings, tmp_path):
    settings = StoreSettings(store_path=tmp_path / "atlas.gpkg", database_url=pg_url, database_schema=schema)
    build_store(source_settings, settings)
    from_gpkg, from_pg = read_store(settings.store_path), read_postgis_store(pg_url, schema)
    _assert_same_store(from_gpkg, from_pg)
    assert len(from_pg.sites) == from_pg.build_info["sites_out"] > 1000


def test_a_build_that_fails_part_way_leaves_the_previous_data_serving(pg_url, pg_schema, schema, real_store):
    store = read_store(real_store)
    write_postgis(pg_url, _layers(store), store.sources, store.build_info, schema_name=schema)
    # A late layer holds a NUL, which PostgreSQL text refuses: sites and every layer before it are already copied.
    waypoints = store.corridor_waypoints.copy()
    waypoints.loc[waypoints.index[-1], "notes"] = "bad\x00note"
    poisoned = {**_layers(store), "sites": store.sites.iloc[:10], "corridor_waypoints": waypoints}
    assert list(STORE_LAYERS).index("corridor_waypoints") > len(STORE_LAYERS) // 2
    with pytest.raises(StoreError, match=rf"schema '{schema}' is unchanged\): layer corridor_waypoints: .*0x00"):
        write_postgis(pg_url, poisoned, store.sources, {**store.build_info, "built_at": "later"},
                      schema_name=schema)
    served = read_postgis_store(pg_url, schema)
    _assert_same_store(store, served)
    assert _schemas(pg_url, "atlas_build_") == []


def test_a_second_build_replaces_the_first_whole(pg_url, schema, real_store):
    store = read_store(real_store)
    write_postgis(pg_url, _layers(store), store.sources, store.build_info, schema_name=schema)
    fewer = {**_layers(store), "sites": store.sites.iloc[:100]}
    write_postgis(pg_url, fewer, store.sources, {**store.build_info, "sites_out": 100}, schema_name=schema)
    served = read_postgis_store(pg_url, schema)
    geopandas.testing.assert_geodataframe_equal(served.sites, store.sites.iloc[:100])
    assert served.build_info["sites_out"] == 100
    assert _schemas(pg_url, "atlas_build_") == []


@pytest.mark.parametrize(("key", "value", "named"), [
    ("store_format", "0", "store format '0'"),
    ("pg_format", "99", "PostGIS format '99'"),
])
def test_a_store_of_another_format_is_refused_naming_both(pg_url, schema, real_store, key, value, named):
    store = read_store(real_store)
    write_postgis(pg_url, _layers(store), store.sources, store.build_info, schema_name=schema)
    with psycopg.connect(pg_url) as conn:
        conn.execute(f'UPDATE "{schema}".{META_TABLE} SET value = to_json(%s::text) WHERE key = %s', (value, key))
    message = (f"the PostGIS store in schema '{schema}' has .*{named}.*this code reads store format "
               f"'{STORE_FORMAT}' and PostGIS format '{PG_FORMAT}': rebuild it")
    with pytest.raises(StoreError, match=message):
        read_postgis_store(pg_url, schema)


def test_a_missing_schema_is_a_clear_error(pg_url):
    with pytest.raises(StoreError, match="no PostGIS store in schema 'nowhere' of ATLAS_DATABASE_URL: build it"):
        read_postgis_store(pg_url, "nowhere")


def test_columns_are_typed_from_the_layer_schema(pg_url, pg_schema):
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT column_name, format_type(atttypid, atttypmod), attnotnull FROM "
                            "information_schema.columns c JOIN pg_attribute a ON a.attrelid = %s::regclass "
                            "AND a.attname = c.column_name WHERE table_schema = %s AND table_name = 'sites' "
                            "ORDER BY ordinal_position", (f'"{pg_schema}".sites', pg_schema)).fetchall()
    expected = [("_ord", "bigint", True)]
    expected += [(c.name, PG_TYPES[c.kind], not c.nullable) for c in SITES.columns]
    expected += [("geometry", "geometry(Point,4326)", False)]
    assert rows == expected


def test_every_geometry_has_a_gist_index_and_ids_a_btree(pg_url, pg_schema):
    with psycopg.connect(pg_url) as conn:
        indexes = conn.execute("SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = %s",
                               (pg_schema,)).fetchall()
    gist = {table for table, definition in indexes if "USING gist (geometry)" in definition}
    spatial = {name for name, schema in STORE_LAYERS.items() if schema.geometry_type is not None}
    assert gist == spatial
    btree = {(table, definition.rsplit("(", 1)[1].rstrip(")")) for table, definition in indexes
             if "USING btree" in definition}
    assert {("sites", "site_id"), ("sites", "country"), ("source_records", "record_id"),
            ("licence_sites", "site_id"), ("railways", "rail_id")} <= btree
