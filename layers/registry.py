"""The loader registry: manifest loader name → the layer it feeds and the function that reads it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from layers.countries import load_countries
from layers.errors import LayerNotFound
from layers.minmod import load_minmod_sites
from layers.national import load_national_deposits
from layers.usgs_tienshan import load_usgs_tienshan


@dataclass(frozen=True)
class Loader:
    """A registered loader."""

    name: str
    layer: str  # "source_records" (returns LoadResult) or "countries" (returns a GeoDataFrame)
    function: Callable


LOADERS: dict[str, Loader] = {}


def register_loader(name: str, layer: str, function: Callable) -> None:
    """Register ``function`` under ``name``.

    Parameters
    ----------
    name : str
        The name manifests use in ``loader =``.
    layer : str
        The store layer the loader feeds.
    function : callable
        ``(paths, source) -> LoadResult`` for source records; ``(paths) -> GeoDataFrame`` for countries.

    Raises
    ------
    ValueError
        If ``name`` is already registered.
    """
    if name in LOADERS:
        raise ValueError(f"loader {name!r} is already registered")
    LOADERS[name] = Loader(name, layer, function)


def get_loader(name: str) -> Loader:
    """Return the loader registered as ``name``; raise :class:`LayerNotFound` if there is none."""
    try:
        return LOADERS[name]
    except KeyError as exc:
        raise LayerNotFound(f"no loader named {name!r}; registered: {sorted(LOADERS)}") from exc


register_loader("minmod_sites", "source_records", load_minmod_sites)
register_loader("usgs_tienshan", "source_records", load_usgs_tienshan)
register_loader("national_deposits", "source_records", load_national_deposits)
register_loader("countries", "countries", load_countries)
