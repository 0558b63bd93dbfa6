"""The store in PostGIS: every layer written in one transaction into a fresh schema swapped in as the serving one.

Each layer of :data:`layers.store.STORE_LAYERS` becomes a table of its declared columns (types from the layer's
:class:`~layers.schema.LayerSchema`, :data:`PG_TYPES`), a typed ``geometry`` column (``geometry(Point,4326)``...)
with a GiST index, and ``_ord``, the row's position in the layer (its primary key: every read is in layer order).
Id and country columns get a btree. ``atlas_meta`` holds the build facts, the store format and the PostGIS layout
version, and each table's row count (so an unfiltered count needs no scan). A build that fails part-way rolls back
and leaves the previous schema serving.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Iterable, Sequence

import geopandas as gpd
import pandas as pd
import psycopg
import shapely
from psycopg import sql
from psycopg.types.json import Json

from layers.errors import StoreError
from layers.schema import STORE_CRS, LayerSchema, validate
from layers.store import OPTIONAL_LAYERS, STORE_FORMAT, STORE_LAYERS, Store

log = logging.getLogger(__name__)

#: Bumped when the PostGIS layout (tables, types, meta keys) changes; the reader refuses another.
PG_FORMAT = "1"

#: The key/value table of the build facts in each schema.
META_TABLE = "atlas_meta"

#: PostgreSQL type of each column kind of layers.schema (``json`` keeps key order, which ``jsonb`` would not).
PG_TYPES = {"str": "text", "float": "double precision", "int": "bigint", "bool": "boolean", "list": "text[]",
            "json": "json"}

#: SRID of :data:`layers.schema.STORE_CRS`.
SRID = 4326

#: Builds of one database take this advisory lock for their swap, so two never rename at once.
_SWAP_LOCK = 0x61746C61  # "atla"


def table_sql(schema_name: str, table: str, schema: LayerSchema) -> sql.Composed:
    """Return the ``CREATE TABLE`` of a layer: ``_ord``, the declared columns, then the typed geometry."""
    columns = [sql.SQL("_ord bigint PRIMARY KEY")]
    columns += [sql.SQL("{} {}{}").format(sql.Identifier(c.name), sql.SQL(PG_TYPES[c.kind]),
                                          sql.SQL("" if c.nullable else " NOT NULL"))
                for c in schema.columns]
    if schema.geometry_type is not None:
        columns.append(sql.SQL("geometry geometry({}, {}){}").format(
            sql.SQL(schema.geometry_type), sql.Literal(SRID), sql.SQL("" if schema.geometry_nullable else " NOT NULL")))
    return sql.SQL("CREATE TABLE {}.{} ({})").format(sql.Identifier(schema_name), sql.Identifier(table),
                                                     sql.SQL(", ").join(columns))


def indexed_columns(schema: LayerSchema) -> list[str]:
    """The columns that get a btree: ids (``*_id``, ``record_id``) and ``country``."""
    return [c.name for c in schema.columns if c.name.endswith("_id") or c.name == "country"]


def write_postgis(url: str, layers: dict[str, gpd.GeoDataFrame | pd.DataFrame], sources: pd.DataFrame,
                  build_info: dict, *, schema_name: str = "atlas") -> None:
    """Write the store into PostGIS in one transaction and swap it in as ``schema_name``.

    Parameters
    ----------
    url : str
        A libpq URL (``ATLAS_DATABASE_URL``) of a database with the ``postgis`` extension.
    layers : dict
        Every layer of :data:`layers.store.STORE_LAYERS`, each meeting its contract (EPSG:4326); a layer of
        :data:`layers.store.OPTIONAL_LAYERS` that is not given is written empty.
    sources : DataFrame
        The manifest's sources with their status (text columns).
    build_info : dict
        JSON-serialisable build facts, written to ``atlas_meta`` with the formats and row counts.
    schema_name : str
        The serving schema; the new data is written into ``atlas_build_<pid>_<time>`` and renamed to it.

    Raises
    ------
    StoreError
        If the database cannot be reached or a layer cannot be written (naming the layer); the transaction is
        rolled back and the previous ``schema_name`` keeps serving.
    SchemaError
        If a layer breaks its contract (nothing is written).
    """
    missing = [name for name in STORE_LAYERS if name not in layers and name not in OPTIONAL_LAYERS]
    if missing:
        raise StoreError(f"cannot write the PostGIS store: layers {missing} are missing")
    layers = {**{name: STORE_LAYERS[name].empty() for name in OPTIONAL_LAYERS}, **layers}
    for name, schema in STORE_LAYERS.items():
        validate(layers[name], schema, what=f"layer {name} for PostGIS")
    build = f"atlas_build_{os.getpid()}_{time.time_ns() // 1000}"
    started = time.perf_counter()
    try:
        with psycopg.connect(url) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(build)))
            counts = {}
            for name, schema in STORE_LAYERS.items():
                counts[name] = _write_table(conn, build, name, layers[name], schema)
            _write_plain(conn, build, "sources", sources.astype(str))
            info = {**build_info, "store_format": STORE_FORMAT, "pg_format": PG_FORMAT, "row_counts": counts}
            _write_meta(conn, build, info)
            _swap(conn, build, schema_name)
    except psycopg.Error as exc:
        raise StoreError(f"cannot write the PostGIS store (schema {schema_name!r} is unchanged): "
                         f"{_one_line(exc)}") from exc
    log.info("wrote PostGIS schema %s (%d tables) in %.1f s", schema_name, len(STORE_LAYERS),
             time.perf_counter() - started)


def _one_line(exc: psycopg.Error) -> str:
    text = str(exc).strip().splitlines()
    return "; ".join(line.strip() for line in text if line.strip())


def _write_table(conn: psycopg.Connection, build: str, name: str, frame: pd.DataFrame, schema: LayerSchema) -> int:
    target = sql.SQL("{}.{}").format(sql.Identifier(build), sql.Identifier(name))
    conn.execute(table_sql(build, name, schema))
    columns = ["_ord", *schema.column_names, *(["geometry"] if schema.geometry_type else [])]
    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(target, sql.SQL(", ").join(map(sql.Identifier, columns)))
    try:
        with conn.cursor() as cur, cur.copy(copy) as out:
            for row in _rows(frame, schema):
                out.write_row(row)
    except psycopg.Error as exc:
        raise psycopg.DataError(f"layer {name}: {_one_line(exc)}") from exc
    if schema.geometry_type is not None:
        conn.execute(sql.SQL("CREATE INDEX ON {} USING gist (geometry)").format(target))
    for column in indexed_columns(schema):
        conn.execute(sql.SQL("CREATE INDEX ON {} ({})").format(target, sql.Identifier(column)))
    conn.execute(sql.SQL("ANALYZE {}").format(target))
    return len(frame)


def _rows(frame: pd.DataFrame, schema: LayerSchema) -> Iterable[tuple]:
    values = [_column_values(frame[c.name], c.kind) for c in schema.columns]
    if schema.geometry_type is not None:
        values.append(_ewkb(frame.geometry))
    return zip(range(len(frame)), *values, strict=True)


def _column_values(series: pd.Series, kind: str) -> list:
    items = series.tolist()
    if kind == "json":
        return [Json(v) for v in items]
    if kind == "float":
        return [None if isinstance(v, float) and math.isnan(v) else float(v) for v in items]
    return items


def _ewkb(geometries: gpd.GeoSeries) -> list[str | None]:
    values = geometries.array.to_numpy() if hasattr(geometries.array, "to_numpy") else geometries.to_numpy()
    missing = shapely.is_missing(values) | shapely.is_empty(values)
    texts = shapely.to_wkb(shapely.set_srid(values, SRID), hex=True, include_srid=True)
    return [None if absent else text for absent, text in zip(missing, texts, strict=True)]


def _write_plain(conn: psycopg.Connection, build: str, name: str, table: pd.DataFrame) -> None:
    target = sql.SQL("{}.{}").format(sql.Identifier(build), sql.Identifier(name))
    columns = [sql.SQL("{} text").format(sql.Identifier(c)) for c in table.columns]
    conn.execute(sql.SQL("CREATE TABLE {} (_ord bigint PRIMARY KEY, {})").format(target, sql.SQL(", ").join(columns)))
    copy = sql.SQL("COPY {} (_ord, {}) FROM STDIN").format(
        target, sql.SQL(", ").join(map(sql.Identifier, table.columns)))
    with conn.cursor() as cur, cur.copy(copy) as out:
        for position, row in enumerate(table.itertuples(index=False)):
            out.write_row((position, *row))


def _write_meta(conn: psycopg.Connection, build: str, info: dict) -> None:
    target = sql.SQL("{}.{}").format(sql.Identifier(build), sql.Identifier(META_TABLE))
    conn.execute(sql.SQL("CREATE TABLE {} (key text PRIMARY KEY, value json NOT NULL)").format(target))
    with conn.cursor() as cur:
        cur.executemany(sql.SQL("INSERT INTO {} (key, value) VALUES (%s, %s)").format(target),
                        [(k, Json(v)) for k, v in info.items()])


def _swap(conn: psycopg.Connection, build: str, serving: str) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SWAP_LOCK,))
    exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (serving,)).fetchone()
    if exists:
        retired = f"{build}_old"
        conn.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(serving), sql.Identifier(retired)))
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(retired)))
    conn.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(build), sql.Identifier(serving)))


# --- reading ----------------------------------------------------------------------------------------------------


def read_meta(conn: psycopg.Connection, schema_name: str) -> dict:
    """Return the ``atlas_meta`` of a serving schema, checked to be of this code's formats.

    Raises
    ------
    StoreError
        If the schema or its meta table is missing, or its store or PostGIS format is not this code's.
    """
    exists = conn.execute("SELECT to_regclass(%s)", (f'"{schema_name}".{META_TABLE}',)).fetchone()[0]
    if exists is None:
        raise StoreError(f"no PostGIS store in schema {schema_name!r} of ATLAS_DATABASE_URL: build it with "
                         "`ATLAS_DATABASE_URL=... python -m layers.build`")
    rows = conn.execute(sql.SQL("SELECT key, value FROM {}.{}").format(
        sql.Identifier(schema_name), sql.Identifier(META_TABLE))).fetchall()
    meta = dict(rows)
    got = (meta.get("store_format"), meta.get("pg_format"))
    if got != (STORE_FORMAT, PG_FORMAT):
        raise StoreError(f"the PostGIS store in schema {schema_name!r} has store format {got[0]!r} and PostGIS "
                         f"format {got[1]!r}, this code reads store format {STORE_FORMAT!r} and PostGIS format "
                         f"{PG_FORMAT!r}: rebuild it with `ATLAS_DATABASE_URL=... python -m layers.build`")
    return meta


def select_list(schema: LayerSchema, alias: str = "") -> sql.Composed:
    """The select list of a layer's declared columns and its geometry as WKB, in :func:`decode_rows` order."""
    prefix = sql.SQL(f"{alias}.") if alias else sql.SQL("")
    parts = [sql.Composed([prefix, sql.Identifier(c)]) for c in schema.column_names]
    if schema.geometry_type is not None:
        parts.append(sql.SQL("ST_AsBinary({}geometry)").format(prefix))
    return sql.SQL(", ").join(parts)


def decode_rows(rows: Sequence[tuple], schema: LayerSchema) -> gpd.GeoDataFrame | pd.DataFrame:
    """Turn rows selected with :func:`select_list` into a frame meeting ``schema`` (as the GeoPackage reader does).

    Parameters
    ----------
    rows : sequence of tuple
        The declared columns in order, then the geometry as WKB bytes (or None) for a spatial layer.
    schema : LayerSchema
        The layer's contract.

    Returns
    -------
    GeoDataFrame or DataFrame
        Strings as Python ``str`` (object dtype), floats ``float64`` with NaN for NULL, lists as lists; a
        spatial layer in EPSG:4326 with None where a row has no geometry.
    """
    names = schema.column_names
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in range(len(names) + bool(schema.geometry_type))]
    data = {}
    for column, values in zip(schema.columns, columns, strict=False):
        if column.kind == "float":
            data[column.name] = pd.Series([math.nan if v is None else v for v in values], dtype="float64")
        elif column.kind == "int":
            data[column.name] = pd.Series(list(values), dtype="int64")
        elif column.kind == "bool":
            data[column.name] = pd.Series(list(values), dtype=bool)
        else:
            data[column.name] = pd.Series(list(values), dtype=object)
    frame = pd.DataFrame(data, columns=names)
    if schema.geometry_type is None:
        return frame
    wkb = [bytes(v) if v is not None else None for v in columns[len(names)]]
    geometry = gpd.GeoSeries(shapely.from_wkb(wkb) if wkb else [], crs=STORE_CRS)
    return gpd.GeoDataFrame(frame, geometry=geometry.to_numpy() if len(wkb) else geometry, crs=STORE_CRS)


def read_table(conn: psycopg.Connection, schema_name: str, name: str, schema: LayerSchema) -> pd.DataFrame:
    """Read one layer table whole, in layer order, decoded to its contract."""
    query = sql.SQL("SELECT {} FROM {}.{} ORDER BY _ord").format(
        select_list(schema), sql.Identifier(schema_name), sql.Identifier(name))
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(query).fetchall()
    return decode_rows(rows, schema)


def read_postgis_store(url: str, schema_name: str = "atlas") -> Store:
    """Read every layer of the PostGIS store (what the app keeps in memory beside the SQL queries).

    Parameters
    ----------
    url : str
        ``ATLAS_DATABASE_URL``.
    schema_name : str
        The serving schema.

    Returns
    -------
    Store
        The same layers, columns and order :func:`layers.store.read_store` gives for the GeoPackage.

    Raises
    ------
    StoreError
        If the database cannot be reached, holds no store, or one of another format.
    """
    try:
        with psycopg.connect(url) as conn:
            meta = read_meta(conn, schema_name)
            layers = {name: read_table(conn, schema_name, name, schema) for name, schema in STORE_LAYERS.items()}
            columns = [r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = "
                "'sources' AND column_name <> '_ord' ORDER BY ordinal_position", (schema_name,)).fetchall()]
            rows = conn.execute(sql.SQL("SELECT {} FROM {}.sources ORDER BY _ord").format(
                sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(schema_name))).fetchall()
    except psycopg.Error as exc:
        raise StoreError(f"cannot read the PostGIS store (schema {schema_name!r}): {_one_line(exc)}") from exc
    for name, schema in STORE_LAYERS.items():
        validate(layers[name], schema, what=f"layer {name} in PostGIS schema {schema_name}")
    sources = pd.DataFrame(rows, columns=columns).astype(object)
    info = {k: v for k, v in meta.items() if k not in ("pg_format", "row_counts")}
    return Store(sources=sources, build_info=json.loads(json.dumps(info)), **layers)
