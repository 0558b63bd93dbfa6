"""What the app keeps between requests: the store read once at start-up, and lookups made from it."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import pandas as pd
from flask import current_app

from geo.analyze import Analysis, read_analysis
from geo.coverage import site_coverage
from geo.ownership import OwnershipGraph
from geo.site_ownership import partner_table
from layers.postgis import read_postgis_store
from layers.store import Store, read_store
from webapp.errors import NotFound
from webapp.settings import WebSettings

#: How many dates' partner tables are kept.
PARTNER_CACHE_SIZE = 16


@dataclass
class AtlasState:
    """The store and its lookups; built by ``create_app``, read by views."""

    settings: WebSettings
    store: Store
    site_index: dict[str, int] = field(default_factory=dict)
    record_index: dict[str, int] = field(default_factory=dict)
    graph: OwnershipGraph | None = None
    analysis: Analysis | None = None
    access_by_site: dict[str, dict] = field(default_factory=dict)
    countries_outline: dict | None = None
    map_html: str | None = None
    map_scripts: dict[str, str] = field(default_factory=dict)  # the map page's scripts by digest
    map_parts: object | None = None  # webapp.maps.MapParts of the map page, rendered once
    #: Where /api/sites and the OGC items fetch rows (webapp.backends.SiteSource); set by ``create_app``.
    site_source: object | None = None
    _partner_tables: dict[date, pd.DataFrame] = field(default_factory=dict)
    _coverage: dict[date, pd.DataFrame] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, settings: WebSettings) -> AtlasState:
        """Read the store (raising StoreError if it is missing or stale) and index it: from PostGIS when
        ``ATLAS_DATABASE_URL`` is set (the app keeps the same frames in memory; sites queries then run in SQL),
        else from the GeoPackage."""
        if settings.store.database_url:
            store = read_postgis_store(settings.store.database_url, settings.store.database_schema)
        else:
            store = read_store(settings.store.store_path)
        analysis = read_analysis(settings.analysis)
        return cls(
            settings=settings,
            store=store,
            site_index={sid: i for i, sid in enumerate(store.sites["site_id"])},
            record_index={rid: i for i, rid in enumerate(store.source_records["record_id"])},
            graph=OwnershipGraph(store.companies, store.ownership),
            analysis=analysis,
            access_by_site=access_properties(analysis, store),
        )

    @property
    def sites(self) -> gpd.GeoDataFrame:
        """The sites layer."""
        return self.store.sites

    def partners_at(self, as_of: date) -> pd.DataFrame:
        """Partner attribution of every licensed site on ``as_of`` (computed once per date, a few kept)."""
        with self._lock:
            if as_of not in self._partner_tables:
                if len(self._partner_tables) >= PARTNER_CACHE_SIZE:
                    self._partner_tables.pop(next(iter(self._partner_tables)))
                self._partner_tables[as_of] = partner_table(
                    self.sites, self.store.licences, self.store.licence_sites, self.graph, as_of)
            return self._partner_tables[as_of]

    def coverage_at(self, as_of: date) -> pd.DataFrame:
        """Ownership coverage of every site on ``as_of`` (:func:`geo.coverage.site_coverage`, a few dates kept)."""
        table = self.partners_at(as_of)  # the date's partner table, computed once for both (outside the lock)
        with self._lock:
            if as_of not in self._coverage:
                if len(self._coverage) >= PARTNER_CACHE_SIZE:
                    self._coverage.pop(next(iter(self._coverage)))
                self._coverage[as_of] = site_coverage(
                    self.sites, self.store.licences, self.store.licence_sites, self.graph, as_of, table=table)
            return self._coverage[as_of]

    def licences_of(self, site_id: str) -> list[dict]:
        """Licence rows joined to a site."""
        ids = self.store.licence_sites.loc[self.store.licence_sites["site_id"] == site_id, "licence_id"]
        rows = self.store.licences.drop(columns="geometry", errors="ignore")
        return rows[rows["licence_id"].isin(set(ids))].to_dict("records")

    def site_with_records(self, site_id: str) -> tuple[pd.Series, list[pd.Series]]:
        """Return a site's row and its source records (primary first); raise NotFound if absent."""
        if site_id not in self.site_index:
            raise NotFound(f"no site {site_id!r}")
        row = self.sites.iloc[self.site_index[site_id]]
        records = [self.store.source_records.iloc[self.record_index[r]] for r in row["source_record_ids"]]
        return row, records


def access_properties(analysis: Analysis, store: Store) -> dict[str, dict]:
    """Per site: the corridor and gateway properties ``/api/sites`` adds, names included."""
    corridor_names = dict(zip(store.corridors["corridor_id"], store.corridors["name"], strict=True))
    gateway_names = dict(zip(store.gateways["node_id"], store.gateways["name"], strict=True))
    result = {}
    for row in analysis.layer("site_access").to_dict("records"):
        result[row["site_id"]] = {
            "nearest_corridor": row["nearest_corridor"] or None,
            "nearest_corridor_name": corridor_names.get(row["nearest_corridor"]),
            "corridor_distance_km": _round(row["corridor_distance_km"]),
            "nearest_corridor_any": row["nearest_corridor_any"] or None,
            "nearest_corridor_any_name": corridor_names.get(row["nearest_corridor_any"]),
            "corridor_distance_any_km": _round(row["corridor_distance_any_km"]),
            "nearest_gateway": row["nearest_gateway"] or None,
            "nearest_gateway_name": gateway_names.get(row["nearest_gateway"]),
            "gateway_distance_km": _round(row["gateway_distance_km"]),
            "access_km": _round(row["access_km"]),
            "access_cost": _round(row["access_cost"]),
        }
    return result


#: Property names ``access_properties`` gives every site (None where a site is unmapped).
ACCESS_PROPERTIES = ("nearest_corridor", "nearest_corridor_name", "corridor_distance_km", "nearest_corridor_any",
                     "nearest_corridor_any_name", "corridor_distance_any_km", "nearest_gateway",
                     "nearest_gateway_name", "gateway_distance_km", "access_km", "access_cost")


def _round(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 3)


def get_state() -> AtlasState:
    """Return the state of the running app."""
    return current_app.extensions["atlas"]
