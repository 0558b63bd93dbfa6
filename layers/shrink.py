"""The guard against a build that would replace the store with a smaller one: a dropped source, lost sites."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyogrio

from layers.errors import StoreShrinkError
from layers.settings import StoreSettings

#: Source statuses that mean the store holds (or, for rasters, records) something from the source.
KEPT = ("used", "present")


def check_shrink(settings: StoreSettings, sources: pd.DataFrame, sites_out: int) -> None:
    """Raise unless the new store may replace the previous one at ``settings.store_path``.

    A first build (no previous store) and a build with ``settings.allow_shrink`` always may. Otherwise the
    build may not drop a source the previous store used (or found, for rasters), nor lose more than
    ``settings.max_site_loss`` of its sites.

    Parameters
    ----------
    settings : StoreSettings
        The store path and the shrink policy.
    sources : DataFrame
        The new store's sources table (``id``, ``status``).
    sites_out : int
        The new store's number of sites.

    Raises
    ------
    StoreShrinkError
        Naming the dropped sources (with the rows each gave before) and the sites before and after; or, if
        the previous store cannot be read to compare, naming it.
    """
    path = settings.store_path
    if settings.allow_shrink or not path.exists():
        return
    before, sites_before = _previous(path)
    kept_now = set(sources["id"][sources["status"].isin(KEPT)])
    dropped = {sid: rows for sid, rows in before.items() if sid not in kept_now}
    problems = []
    if dropped:
        listed = ", ".join(f"{sid} ({rows} rows before)" for sid, rows in dropped.items())
        problems.append(f"it would drop the sources {listed}")
    if sites_out < sites_before * (1 - settings.max_site_loss):
        lost = 1 - sites_out / sites_before
        problems.append(f"sites would fall from {sites_before} to {sites_out} (-{lost:.0%}; at most "
                        f"{settings.max_site_loss:.0%} may go, setting ATLAS_MAX_SITE_LOSS)")
    if problems:
        raise StoreShrinkError(f"refusing to replace {path}: " + "; ".join(problems) + ". It is unchanged. "
                               "If this is meant, build with --allow-shrink (or ATLAS_ALLOW_SHRINK=1)")


def _previous(path: Path) -> tuple[dict[str, str], int]:
    """Return the previous store's kept sources (id → rows) and its number of sites."""
    try:
        info = pyogrio.read_dataframe(path, layer="build_info", read_geometry=False)
        sites = json.loads(dict(zip(info["key"], info["value"], strict=True))["sites_out"])
        table = pyogrio.read_dataframe(path, layer="sources", read_geometry=False)
        kept = table[table["status"].isin(KEPT)]
        return dict(zip(kept["id"], kept["rows"], strict=True)), int(sites)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, KeyError, ValueError, TypeError) as exc:
        raise StoreShrinkError(f"cannot compare with the previous store {path} ({type(exc).__name__}: {exc}); "
                               "it is unchanged. Move it away, or build with --allow-shrink to replace it") from exc
