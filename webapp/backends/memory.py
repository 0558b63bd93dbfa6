"""The in-memory source: the store's frames read from the GeoPackage at start-up, filtered with geo/."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from geo.site_filters import FilterContext, SiteFilter, apply_filter
from layers.types import BBox
from webapp.backends import SitePage
from webapp.ogc.sort import sort_frame


class MemorySource:
    """Filters, sorts and pages the frames the app keeps (the embedded default)."""

    name = "gpkg"

    def sites(self, context: FilterContext, site_filter: SiteFilter, *, limit: int | None,
              offset: int) -> SitePage:
        """See :meth:`webapp.backends.SiteSource.sites`."""
        matched = apply_filter(context, site_filter)
        return SitePage(matched.iloc[offset:None if limit is None else offset + limit], len(matched))

    def items(self, collection, state, cache, args: Mapping[str, str], *, bbox: BBox | None, as_of: date,
              order: list[tuple[str, bool]], limit: int, offset: int) -> SitePage:
        """See :meth:`webapp.backends.SiteSource.items`."""
        matched = sort_frame(collection.select(cache.frame(collection, state, as_of), args, state, bbox), order)
        return SitePage(matched.iloc[offset:offset + limit], len(matched))

    def close(self) -> None:
        """Nothing to release."""
