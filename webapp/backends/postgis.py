"""The PostGIS source: ``/api/sites`` and the OGC ``sites`` items filtered, counted and paged in SQL.

The stored columns are filtered in SQL: bbox with ``ST_Intersects`` on the GiST-indexed geometry (a box across
the antimeridian as its two parts, ``webapp.params.bbox_parts``), country and status by equality (btree on
country), commodities, deposit types and names over their arrays. What depends on the as-of date or on the
corridor analysis (controlling partner, shares, licensed, holder known, corridor distance) is small and stays
computed in process; it reaches SQL as ``site_id = ANY(%s)`` over the ids it keeps. Rows come back in layer order
(``_ord``), so pages equal the in-memory source's. ``numberMatched`` is ``count(*)`` of the filtered query; an
unfiltered one is the row count the build stored in ``atlas_meta`` (exact, and no scan). Other collections, and
``sortby``, are served by the in-memory source.

The app keeps the build's other frames in memory (read from the same schema at start-up); a query that finds the
schema rebuilt since is refused (503, logged) until the workers are reloaded, rather than mix two builds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolTimeout

from geo.site_filters import FilterContext, SiteFilter, _with_any_share
from geo.sites import filter_by_controlling_partner, filter_by_corridor
from layers.deposits.names import search_key
from layers.errors import StoreError
from layers.postgis import META_TABLE, SRID, decode_rows, read_meta, select_list
from layers.schema import SITES
from layers.types import BBox
from webapp.backends import SitePage
from webapp.backends.memory import MemorySource
from webapp.ogc.collections import FEATURE_TEXT, PARTNER_PROPERTIES, sites_at
from webapp.ogc.geojson import feature_texts
from webapp.params import bbox_parts, parse_query, parse_terms


@dataclass
class Where:
    """The conditions of one sites query, ANDed, with their parameters."""

    parts: list[sql.Composable] = field(default_factory=list)
    params: list = field(default_factory=list)

    def add(self, condition: str, *params) -> None:
        """Add a condition with ``%s`` placeholders."""
        self.parts.append(sql.SQL(condition))
        self.params.extend(params)

    def ids(self, site_ids, *, keep: bool = True) -> None:
        """Keep (or drop) the sites whose id is among ``site_ids``."""
        self.add("site_id = ANY(%s)" if keep else "NOT (site_id = ANY(%s))", list(site_ids))

    def any_lower(self, array: str, values) -> None:
        """Keep rows where a value of ``array`` (a text[] expression) equals one of ``values`` case-insensitively."""
        self.add(f"EXISTS (SELECT 1 FROM unnest({array}) AS v WHERE lower(v) = ANY(%s))",
                 sorted({v.lower() for v in values}))

    def commodities(self, values) -> None:
        """Any of ``values`` among the commodities or their groups (as ``geo.sites.filter_sites``)."""
        self.any_lower("commodities || commodity_groups", values)

    def name(self, text: str) -> None:
        """The normalised ``text`` as a substring of a search key (as ``geo.sites.filter_sites``)."""
        needle = search_key(text)
        if needle:
            self.add("EXISTS (SELECT 1 FROM unnest(search_keys) AS k WHERE strpos(k, %s) > 0)", needle)

    def bbox(self, box: BBox) -> None:
        """Points inside ``box`` or on its edge; across the antimeridian, in either part."""
        parts = bbox_parts(box)
        self.add("(" + " OR ".join(["ST_Intersects(geometry, ST_MakeEnvelope(%s, %s, %s, %s, %s))"] * len(parts))
                 + ")", *[v for p in parts for v in (p.minx, p.miny, p.maxx, p.maxy, SRID)])

    def sql(self) -> sql.Composable:
        """``WHERE ...`` or nothing."""
        if not self.parts:
            return sql.SQL("")
        return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(sql.SQL("({})").format(p) for p in self.parts)


#: OGC ``sites`` filters on stored columns, by parameter: (Where, the parameter's value) -> None.
_STORED_OGC = {
    "country": lambda where, value: where.add("country = ANY(%s)", parse_terms(value, "country") or []),
    "primary_group": lambda where, value: where.add("primary_group = ANY(%s)",
                                                    parse_terms(value, "primary_group") or []),
    "status": lambda where, value: where.add("status = ANY(%s)", parse_terms(value, "status") or []),
    "commodity": lambda where, value: _commodity(where, parse_terms(value, "commodity")),
    "q": lambda where, value: _name(where, parse_query(value)),
}


def _commodity(where: Where, values: list[str] | None) -> None:
    if values:
        where.commodities(values)


def _name(where: Where, text: str | None) -> None:
    if text:
        where.name(text)


class PostgisSource:
    """Sites from the serving schema of ``ATLAS_DATABASE_URL``, through a small pool of connections."""

    name = "postgis"

    def __init__(self, url: str, schema_name: str, *, max_connections: int = 4) -> None:
        self.schema_name = schema_name
        self.pool = ConnectionPool(url, min_size=1, max_size=max_connections, kwargs={"autocommit": True},
                                   open=False, name="atlas-postgis")
        try:
            self.pool.open(wait=True, timeout=30)
            with self.pool.connection() as conn:
                self.meta = read_meta(conn, schema_name)
        except (psycopg.Error, PoolTimeout) as exc:
            self.pool.close()
            raise StoreError(f"cannot reach the PostGIS store of ATLAS_DATABASE_URL (schema {schema_name!r}): "
                             f"{exc}") from exc
        except StoreError:
            self.pool.close()
            raise
        self.memory = MemorySource()
        self._table = sql.SQL("{}.sites").format(sql.Identifier(schema_name))
        self._built_at = sql.SQL("SELECT value #>> '{{}}' FROM {}.{} WHERE key = 'built_at'").format(
            sql.Identifier(schema_name), sql.Identifier(META_TABLE))

    def close(self) -> None:
        """Close the pool's connections."""
        self.pool.close()

    def sites(self, context: FilterContext, site_filter: SiteFilter, *, limit: int | None,
              offset: int) -> SitePage:
        """See :meth:`webapp.backends.SiteSource.sites`."""
        f, where = site_filter, Where()
        if f.countries:
            where.add("country = ANY(%s)", list(f.countries))
        if f.commodities:
            where.commodities(f.commodities)
        if f.mapped_only:
            where.add("geometry IS NOT NULL")
        if f.bbox is not None:
            where.bbox(f.bbox)
        if f.q:
            where.name(f.q)
        if f.deposit_types:
            where.any_lower("deposit_types", f.deposit_types)
        if f.statuses:
            where.add("status = ANY(%s)", list(f.statuses))
        _dated_conditions(where, context, f)
        return self._page(where, limit, offset)

    def items(self, collection, state, cache, args: Mapping[str, str], *, bbox: BBox | None, as_of: date,
              order: list[tuple[str, bool]], limit: int, offset: int) -> SitePage:
        """See :meth:`webapp.backends.SiteSource.items`: ``sites`` without ``sortby`` in SQL, the rest in memory."""
        if collection.id != "sites" or order:
            return self.memory.items(collection, state, cache, args, bbox=bbox, as_of=as_of, order=order,
                                     limit=limit, offset=offset)
        where, in_process = Where(), []
        for flt in collection.filters:
            if not any(args.get(p.name) not in (None, "") for p in flt.parameters):
                continue
            stored = _STORED_OGC.get(flt.parameters[0].name)
            if stored is not None:
                stored(where, args[flt.parameters[0].name])
            else:
                in_process.append(flt)
        if in_process:
            # Partner and corridor filters read the date's partner table and the analysis: run the collection's
            # own filter functions on the site ids with the partner properties, and keep the ids they leave.
            slim = _partner_frame(state, as_of)
            for flt in in_process:
                slim = flt.apply(slim, args, state)
            where.ids(slim["site_id"])
        if bbox is not None:
            where.bbox(bbox)
        found = self._page(where, limit, offset)
        rows = sites_at(state, as_of, found.rows)
        rows = rows.assign(**{FEATURE_TEXT: feature_texts(rows, collection.id_column, collection.fields)})
        return SitePage(rows, found.matched)

    def _page(self, where: Where, limit: int | None, offset: int) -> SitePage:
        try:
            return self._query(where, limit, offset)
        except (psycopg.Error, PoolTimeout) as exc:
            raise StoreError(f"PostGIS query on schema {self.schema_name!r} failed: {exc}") from exc

    def _query(self, where: Where, limit: int | None, offset: int) -> SitePage:
        clause = where.sql()
        with self.pool.connection() as conn:
            built = conn.execute(self._built_at).fetchone()
            if built is None or built[0] != self.meta.get("built_at"):
                # The schema was swapped by a rebuild: this worker's in-memory frames (partners, pages) are of
                # the old build, so answering would mix two builds. Reload the workers (kill -HUP the master).
                raise StoreError(f"the PostGIS store in schema {self.schema_name!r} was rebuilt (built at "
                                 f"{built[0] if built else None}) since this worker loaded the build of "
                                 f"{self.meta.get('built_at')}: reload the app")
            if where.parts:
                matched = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(self._table) + clause,
                                       where.params).fetchone()[0]
            else:
                matched = int(self.meta["row_counts"]["sites"])
            rows = []
            if offset < matched:
                query = (sql.SQL("SELECT {} FROM {}").format(select_list(SITES), self._table) + clause
                         + sql.SQL(" ORDER BY _ord LIMIT %s OFFSET %s"))
                with conn.cursor(binary=True) as cur:
                    rows = cur.execute(query, [*where.params, limit, offset]).fetchall()
        return SitePage(decode_rows(rows, SITES), int(matched))


def _dated_conditions(where: Where, context: FilterContext, f: SiteFilter) -> None:
    """The filters on the date's partner table, coverage and the corridor analysis, as id conditions."""
    table, ids = context.partner_table, context.sites[["site_id"]]
    if f.partners:
        where.ids(filter_by_controlling_partner(ids, table, list(f.partners))["site_id"])
    if f.partners_any:
        where.ids(_with_any_share(table, f.partners_any))
    if f.licensed is not None:
        where.ids(table.index[table["licence_ids"].map(bool)], keep=f.licensed)
    if f.holder_unknown is not None:
        known = context.coverage.index[context.coverage["has_holder"].astype(bool)]
        where.ids(known, keep=not f.holder_unknown)
    if f.corridor is not None or f.max_corridor_km is not None:
        where.ids(filter_by_corridor(ids, context.site_corridors, context.site_access, f.corridor,
                                     f.max_corridor_km)["site_id"])


def _partner_frame(state, as_of: date) -> pd.DataFrame:
    ids = state.sites["site_id"]
    partners = state.partners_at(as_of).reindex(columns=list(PARTNER_PROPERTIES)).reindex(ids)
    return pd.DataFrame({"site_id": ids.to_numpy(), **{c: partners[c].to_numpy() for c in PARTNER_PROPERTIES}})
