"""What the app keeps between requests: the store read once at start-up, and lookups made from it."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
from flask import current_app

from layers.store import Store, read_store
from webapp.errors import NotFound
from webapp.settings import WebSettings


@dataclass
class AtlasState:
    """The store and its lookups; built by ``create_app``, read by views."""

    settings: WebSettings
    store: Store
    site_index: dict[str, int] = field(default_factory=dict)
    record_index: dict[str, int] = field(default_factory=dict)
    countries_outline: dict | None = None
    map_html: str | None = None

    @classmethod
    def load(cls, settings: WebSettings) -> AtlasState:
        """Read the store (raising StoreError if it is missing or stale) and index it."""
        store = read_store(settings.store.store_path)
        return cls(
            settings=settings,
            store=store,
            site_index={sid: i for i, sid in enumerate(store.sites["site_id"])},
            record_index={rid: i for i, rid in enumerate(store.source_records["record_id"])},
        )

    @property
    def sites(self) -> gpd.GeoDataFrame:
        """The sites layer."""
        return self.store.sites

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
