"""What the app keeps between requests: the store read once at start-up, and lookups made from it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import pandas as pd
from flask import current_app

from geo.ownership import OwnershipGraph
from geo.site_ownership import partner_table
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
    countries_outline: dict | None = None
    map_html: str | None = None
    _partner_tables: dict[date, pd.DataFrame] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, settings: WebSettings) -> AtlasState:
        """Read the store (raising StoreError if it is missing or stale) and index it."""
        store = read_store(settings.store.store_path)
        return cls(
            settings=settings,
            store=store,
            site_index={sid: i for i, sid in enumerate(store.sites["site_id"])},
            record_index={rid: i for i, rid in enumerate(store.source_records["record_id"])},
            graph=OwnershipGraph(store.companies, store.ownership),
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


def get_state() -> AtlasState:
    """Return the state of the running app."""
    return current_app.extensions["atlas"]
