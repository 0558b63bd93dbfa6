"""The loader registry: manifest loader name → the layer it feeds and the function that reads it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from layers.basemap.places import load_places
from layers.basemap.water import load_lakes, load_rivers
from layers.countries import load_countries
from layers.deposits.minmod import load_minmod_sites
from layers.deposits.national import load_national_deposits
from layers.deposits.usgs_tienshan import load_usgs_tienshan
from layers.errors import LayerNotFound
from layers.ownership.agreements import load_agreements
from layers.ownership.companies import load_companies
from layers.ownership.country_profiles import load_country_profiles
from layers.ownership.facilities import load_facilities
from layers.ownership.licence_areas import load_licence_areas
from layers.ownership.licences import load_licences
from layers.ownership.ownership import load_ownership
from layers.rasters import load_raster
from layers.transport.corridors import load_corridor_waypoints, load_corridors
from layers.transport.gateways import load_gateways
from layers.transport.railways import load_railways
from layers.transport.stations import load_stations


@dataclass(frozen=True)
class Loader:
    """A registered loader."""

    name: str
    layer: str  # "source_records" (LoadResult), "countries", a relation or transport layer (its frame),
    #             "railways" (RailwayLoad) or "rasters" (RasterInfo)
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
        ``(paths, source) -> LoadResult`` for source records; ``(paths) -> GeoDataFrame`` for countries;
        ``(paths, source) -> DataFrame`` (validated in the layer's schema) for the relation layers
        (``layers.ownership.relations.RELATION_LAYERS``: companies, ownership, licences, agreements, country_profiles,
        facilities) and the transport tables (``layers.transport.transport.TRANSPORT_LAYERS``: stations, gateways,
        corridors,
        corridor_waypoints); ``(paths, source) -> RailwayLoad`` for ``railways``; ``(paths, source) -> RasterInfo``
        for ``rasters`` (the DEMs, found but not copied into the store).

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
register_loader("companies_table", "companies", load_companies)
register_loader("ownership_table", "ownership", load_ownership)
register_loader("licences_table", "licences", load_licences)
register_loader("companies_import", "companies_imports", load_companies)
register_loader("ownership_import", "ownership_imports", load_ownership)
register_loader("licences_import", "licences_imports", load_licences)
register_loader("licence_areas", "licences", load_licence_areas)
register_loader("agreements_table", "agreements", load_agreements)
register_loader("country_profiles_table", "country_profiles", load_country_profiles)
register_loader("facilities_table", "facilities", load_facilities)
register_loader("railways", "railways", load_railways)
register_loader("stations", "stations", load_stations)
register_loader("gateways_table", "gateways", load_gateways)
register_loader("corridors_table", "corridors", load_corridors)
register_loader("corridor_waypoints_table", "corridor_waypoints", load_corridor_waypoints)
register_loader("raster", "rasters", load_raster)
register_loader("places", "places", load_places)
register_loader("lakes", "lakes", load_lakes)
register_loader("rivers", "rivers", load_rivers)
