"""Where ``/api/sites`` and the OGC items get their rows: the in-memory store (GeoPackage) or PostGIS.

Views call :class:`SiteSource` and never branch on the backend. Both return the same rows in the same order
(layer order), so responses are identical; only where the filtering and paging run differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import geopandas as gpd

from geo.site_filters import FilterContext, SiteFilter
from layers.types import BBox


@dataclass(frozen=True)
class SitePage:
    """One page of matches: the rows (layer columns; OGC rows with their feature text) and how many matched."""

    rows: gpd.GeoDataFrame
    matched: int


class SiteSource(Protocol):
    """The data fetch behind ``/api/sites`` and ``/ogc/collections/<id>/items``."""

    name: str

    def sites(self, context: FilterContext, site_filter: SiteFilter, *, limit: int | None,
              offset: int) -> SitePage:
        """Sites ``site_filter`` keeps, rows ``offset`` to ``offset + limit`` (every one from ``offset`` if None)."""
        ...

    def items(self, collection, state, cache, args: Mapping[str, str], *, bbox: BBox | None, as_of: date,
              order: list[tuple[str, bool]], limit: int, offset: int) -> SitePage:
        """A page of a collection's features (rows of its cached frame's columns) and the number matched."""
        ...

    def close(self) -> None:
        """Release connections (nothing for the in-memory source)."""
        ...


def site_source_for(settings) -> SiteSource:
    """The source the settings ask for: PostGIS when ``ATLAS_DATABASE_URL`` is set, else the in-memory store."""
    if settings.store.database_url:
        from webapp.backends.postgis import PostgisSource  # psycopg's pool only when asked for

        return PostgisSource(settings.store.database_url, settings.store.database_schema,
                             max_connections=settings.serving.threads + 1)
    from webapp.backends.memory import MemorySource

    return MemorySource()
