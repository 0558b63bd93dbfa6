"""The OGC API – Features collections: one registry of collection id -> how to read, filter and describe it."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.partners import SHARE_PROPERTY
from geo.sites import SiteQuery, filter_sites
from layers.schema import CORRIDOR_STATUSES, STORE_CRS
from layers.types import BBox
from webapp.api import NO_ACCESS, RECORD_PROPERTIES, corridor_filter
from webapp.errors import NotFound
from webapp.geojson import SITE_PROPERTIES
from webapp.ogc_geojson import feature_texts
from webapp.params import parse_choice, parse_countries, parse_partners, parse_query, parse_terms
from webapp.state import ACCESS_PROPERTIES, AtlasState

#: The partner properties of a site on the as-of date (as ``/api/sites`` gives them).
PARTNER_PROPERTIES = ("controlling_partner", "dominant_partner", *SHARE_PROPERTY.values())

#: Filter function: (frame, the request's query arguments, state) -> the rows kept.
Apply = Callable[[gpd.GeoDataFrame, Mapping[str, str], AtlasState], gpd.GeoDataFrame]


@dataclass(frozen=True)
class Parameter:
    """A query parameter of an items request, as the OpenAPI document and the HTML pages describe it."""

    name: str
    description: str
    schema: dict = field(default_factory=lambda: {"type": "string"})


@dataclass(frozen=True)
class Filter:
    """Property filter: the query parameters it reads and the function that applies them (when one is given)."""

    parameters: tuple[Parameter, ...]
    apply: Apply


@dataclass(frozen=True)
class Collection:
    """One feature collection of the service.

    ``getter(state, as_of)`` returns the whole collection as a GeoDataFrame in EPSG:4326, in a stable order,
    with ``id_column`` unique and every column of ``properties``. ``sources`` are manifest ids whose licence and
    attribution the collection carries. ``temporal`` collections read ``datetime`` as the ownership as-of date;
    the others accept and ignore it (they carry no time).
    """

    id: str
    title: str
    description: str
    getter: Callable[[AtlasState, date], gpd.GeoDataFrame]
    id_column: str
    properties: tuple[str, ...]
    sources: tuple[str, ...]
    filters: tuple[Filter, ...] = ()
    temporal: bool = False
    bbox_filter: Callable[[gpd.GeoDataFrame, BBox], gpd.GeoDataFrame] | None = None

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        """Every property-filter parameter of the collection, in order."""
        return tuple(p for f in self.filters for p in f.parameters)

    def select(self, frame: gpd.GeoDataFrame, args: Mapping[str, str], state: AtlasState,
               bbox: BBox | None) -> gpd.GeoDataFrame:
        """Return the rows of ``frame`` inside ``bbox`` that pass every filter named in ``args``."""
        for flt in self.filters:
            if any(args.get(p.name) not in (None, "") for p in flt.parameters):
                frame = flt.apply(frame, args, state)
        if bbox is not None:
            frame = (self.bbox_filter or intersecting)(frame, bbox)
        return frame


#: Every collection by id; filled by :func:`register`, read-only after import.
COLLECTIONS: dict[str, Collection] = {}


def register(collection: Collection) -> Collection:
    """Add a collection to :data:`COLLECTIONS`; registering an id twice is an error."""
    if collection.id in COLLECTIONS:
        raise ValueError(f"collection {collection.id!r} is registered twice")
    COLLECTIONS[collection.id] = collection
    return collection


def get_collection(collection_id: str) -> Collection:
    """Return a registered collection; raise NotFound naming the collections there are."""
    if collection_id not in COLLECTIONS:
        raise NotFound(f"no collection {collection_id!r}; there are {', '.join(COLLECTIONS)}")
    return COLLECTIONS[collection_id]


def intersecting(frame: gpd.GeoDataFrame, bbox: BBox) -> gpd.GeoDataFrame:
    """Rows whose geometry intersects ``bbox`` (edges included; rows without geometry never), in frame order."""
    if frame.crs is None or not frame.crs.equals(STORE_CRS):
        raise ValueError(f"bbox filters need {STORE_CRS}, the frame is in {frame.crs}")
    if frame.empty:
        return frame
    hits = frame.sindex.query(shapely.box(*bbox), predicate="intersects")
    return frame.iloc[np.sort(hits)]


# --- filters -------------------------------------------------------------------------------------------------


def equals_filter(name: str, description: str, *, column: str | None = None,
                  choices: tuple[str, ...] | None = None, upper: bool = False) -> Filter:
    """A filter keeping rows whose ``column`` (default: ``name``) equals one of a comma-separated list."""
    schema = {"type": "string", "enum": list(choices)} if choices else {"type": "string"}

    def apply(frame: gpd.GeoDataFrame, args: Mapping[str, str], state: AtlasState) -> gpd.GeoDataFrame:
        values = parse_terms(args.get(name), name) or []
        if upper:
            values = [v.upper() for v in values]
        if choices:
            for value in values:
                parse_choice(value, name, choices, choices[0])
        return frame[frame[column or name].isin(values).to_numpy()]

    return Filter((Parameter(name, description, schema),), apply)


def _site_query_filter(name: str, description: str, to_query: Callable[[str], SiteQuery]) -> Filter:
    """A filter that runs ``geo.sites.filter_sites`` with the one field ``to_query`` fills from the parameter."""
    def apply(frame: gpd.GeoDataFrame, args: Mapping[str, str], state: AtlasState) -> gpd.GeoDataFrame:
        return filter_sites(frame, to_query(args[name]))

    return Filter((Parameter(name, description),), apply)


def _countries(value: str) -> SiteQuery:
    return SiteQuery(countries=tuple(parse_countries(value) or ()))


def _commodities(value: str) -> SiteQuery:
    return SiteQuery(commodities=tuple(parse_terms(value, "commodity") or ()))


def _name_query(value: str) -> SiteQuery:
    return SiteQuery(q=parse_query(value))


def _partner(frame: gpd.GeoDataFrame, args: Mapping[str, str], state: AtlasState) -> gpd.GeoDataFrame:
    partners = parse_partners(args.get("partner")) or []
    return frame[frame["controlling_partner"].isin(partners).to_numpy()]


def _corridor(frame: gpd.GeoDataFrame, args: Mapping[str, str], state: AtlasState) -> gpd.GeoDataFrame:
    return corridor_filter(frame, state, args)


COUNTRY = "ISO 3166-1 alpha-2 codes, comma-separated (KZ, KG, TJ, UZ, TM)"
SITE_FILTERS = (
    _site_query_filter("country", COUNTRY, _countries),
    _site_query_filter("commodity", "element symbols, commodity names or groups, comma-separated; any matches",
                       _commodities),
    _site_query_filter("q", "a name in any script (Latin or Cyrillic), matched in every member record's names",
                       _name_query),
    Filter((Parameter("partner", "controlling partner groups on the `datetime` date, comma-separated "
                                 "(China, USA, EU, domestic state ...)"),), _partner),
    Filter((Parameter("corridor", "corridor id: with max_corridor_km, sites within that distance of it; alone, "
                                  "sites whose nearest corridor (existing or any) it is"),
            Parameter("max_corridor_km", "geodesic km: alone, sites within that distance of an existing corridor",
                      {"type": "number", "minimum": 0, "maximum": 20000})), _corridor),
)


# --- getters -------------------------------------------------------------------------------------------------


def sites_at(state: AtlasState, as_of: date) -> gpd.GeoDataFrame:
    """Sites with their partner properties on ``as_of`` and their corridor access properties."""
    ids = state.sites["site_id"]
    partners = state.partners_at(as_of).reindex(columns=list(PARTNER_PROPERTIES)).reindex(ids)
    access = pd.DataFrame([state.access_by_site.get(i, NO_ACCESS) for i in ids], columns=list(ACCESS_PROPERTIES))
    extra = pd.concat([partners.reset_index(drop=True), access], axis=1).set_axis(state.sites.index, axis=0)
    return pd.concat([state.sites, extra], axis=1)


def _sites_in_bbox(frame: gpd.GeoDataFrame, bbox: BBox) -> gpd.GeoDataFrame:
    # Points inside the box or on its edge, as geo.sites.filter_sites has them, with numpy on the coordinates:
    # this is the hot path of a bbox query (unmapped sites give NaN and never match).
    geometries = frame.geometry.values
    x, y = shapely.get_x(geometries), shapely.get_y(geometries)
    with np.errstate(invalid="ignore"):
        inside = (x >= bbox.minx) & (x <= bbox.maxx) & (y >= bbox.miny) & (y <= bbox.maxy)
    return frame[inside]


def _segments(state: AtlasState, as_of: date) -> gpd.GeoDataFrame:
    legs = state.analysis.layer("corridor_segments")
    meta = state.store.corridors.set_index("corridor_id")
    return legs.assign(
        segment_id=legs["corridor_id"] + ":" + legs["seq"].astype(str),
        corridor_name=meta.loc[legs["corridor_id"], "name"].to_numpy(),
        status=meta.loc[legs["corridor_id"], "status"].to_numpy(),
    )


def _countries_layer(state: AtlasState, as_of: date) -> gpd.GeoDataFrame:
    frame = state.store.countries
    return frame.assign(country_id=[re.sub(r"[^a-z0-9]+", "-", n.lower()).strip("-") for n in frame["name"]])


def _layer(name: str) -> Callable[[AtlasState, date], gpd.GeoDataFrame]:
    def getter(state: AtlasState, as_of: date) -> gpd.GeoDataFrame:
        return state.store.layer(name)

    getter.__doc__ = f"The store's {name} layer."
    return getter


def _analysis_layer(name: str) -> Callable[[AtlasState, date], gpd.GeoDataFrame]:
    def getter(state: AtlasState, as_of: date) -> gpd.GeoDataFrame:
        return state.analysis.layer(name)

    getter.__doc__ = f"The analysis's {name} layer."
    return getter


DEPOSIT_SOURCES = ("minmod", "usgs_tienshan_ree", "national_curated", "national_registry")
RAIL_SOURCES = ("railways_ne10m", "railways_osm_tkm_afg_aze", "railways_osm_uzbekistan")

register(Collection(
    id="sites", title="Deposit sites",
    description="One feature per physical deposit, its source records merged; partner properties as of the "
                "`datetime` date (default today) and the nearest corridor and gateway with geodesic distances.",
    getter=sites_at, id_column="site_id", properties=(*SITE_PROPERTIES, *PARTNER_PROPERTIES, *ACCESS_PROPERTIES),
    sources=(*DEPOSIT_SOURCES, "curated_licences", "curated_ownership", *RAIL_SOURCES, "corridors"),
    filters=SITE_FILTERS, temporal=True, bbox_filter=_sites_in_bbox,
))
register(Collection(
    id="source_records", title="Source records",
    description="Every deposit record of every source, normalised and unmerged (a site holds one or more).",
    getter=_layer("source_records"), id_column="record_id", properties=RECORD_PROPERTIES, sources=DEPOSIT_SOURCES,
    filters=(_site_query_filter("country", COUNTRY, _countries),
             _site_query_filter("commodity", "element symbols, commodity names or groups, comma-separated",
                                _commodities),
             equals_filter("source", "manifest source ids, comma-separated (minmod, national_curated ...)")),
))
register(Collection(
    id="licences", title="Licences",
    description="Holder-to-deposit relations (licences, national projects, MoU areas); the licence area polygon "
                "where it is known, else no geometry.",
    getter=_layer("licences"), id_column="licence_id",
    properties=("licence_id", "source", "deposit_name", "deposit_name_ru", "deposit_country", "holder_company_id",
                "holder_text", "licence_kind", "commodities", "granted", "valid_to", "status", "references",
                "confidence", "notes"),
    sources=("curated_licences", "licence_areas"),
    filters=(equals_filter("country", "ISO 3166-1 alpha-2 codes of the deposit's country, comma-separated",
                           column="deposit_country", upper=True),),
))
register(Collection(
    id="corridors", title="Transport corridors",
    description="One feature per corridor: its routed line, geodesic length and the share along real track.",
    getter=_analysis_layer("corridor_lines"), id_column="corridor_id",
    properties=("corridor_id", "name", "status", "length_km", "track_share", "schematic_share"),
    sources=("corridors", "corridor_waypoints", *RAIL_SOURCES),
    filters=(equals_filter("status", "corridor statuses, comma-separated", choices=CORRIDOR_STATUSES),),
))
register(Collection(
    id="corridor_segments", title="Corridor legs",
    description="Each leg between consecutive waypoints: along track, or straight with its reason "
                "(missing_in_data, planned, sea). Feature id `<corridor_id>:<seq>`.",
    getter=_segments, id_column="segment_id",
    properties=("segment_id", "corridor_id", "corridor_name", "status", "seq", "from_name", "to_name", "mode",
                "on_track", "reason", "detail", "length_km", "straight_km"),
    sources=("corridors", "corridor_waypoints", *RAIL_SOURCES),
    filters=(equals_filter("corridor_id", "corridor ids, comma-separated"),
             equals_filter("reason", "why a leg is schematic, comma-separated",
                           choices=("missing_in_data", "planned", "sea"))),
))
register(Collection(
    id="gateways", title="Gateways",
    description="Border crossings, sea ports and rail junctions an export leaves through.",
    getter=_layer("gateways"), id_column="node_id",
    properties=("node_id", "name", "name_ru", "kind", "country", "location_precision", "notes", "source"),
    sources=("gateways",),
    filters=(equals_filter("country", "ISO 3166-1 alpha-2 codes, comma-separated", upper=True),
             equals_filter("kind", "kinds, comma-separated",
                           choices=("border_crossing", "sea_port", "rail_junction"))),
))
register(Collection(
    id="railways", title="Railways",
    description="Railway lines in use from Natural Earth 10m and the OpenStreetMap extracts, one feature per "
                "line part (about 28,000).",
    getter=_layer("railways"), id_column="rail_id", properties=("rail_id", "source", "kind", "name"),
    sources=RAIL_SOURCES,
    filters=(equals_filter("source", "manifest source ids, comma-separated", choices=RAIL_SOURCES),
             equals_filter("kind", "rail, narrow_gauge, ..., comma-separated")),
))
register(Collection(
    id="countries", title="Countries",
    description="Natural Earth 10m admin-0 outlines of the region. Feature id: the English name as a slug "
                "(`kazakhstan`, `baikonur`), since ISO codes are missing or shared for some areas.",
    getter=_countries_layer, id_column="country_id", properties=("country_id", "iso_a2", "name", "name_ru"),
    sources=("countries_ne10m",),
    filters=(equals_filter("iso_a2", "ISO 3166-1 alpha-2 codes, comma-separated", upper=True),),
))
register(Collection(
    id="facilities", title="Facilities",
    description="Processing plants, research centres and proposed hubs.",
    getter=_layer("facilities"), id_column="facility_id",
    properties=("facility_id", "name", "name_ru", "country", "kind", "operator_company_id", "city",
                "location_precision", "precision_km", "source", "confidence", "notes"),
    sources=("curated_facilities",),
    filters=(equals_filter("country", "ISO 3166-1 alpha-2 codes, comma-separated", upper=True),
             equals_filter("kind", "kinds, comma-separated")),
))


#: How many as-of dates' frames of a temporal collection are kept (as ``webapp.state.PARTNER_CACHE_SIZE``).
TEMPORAL_CACHE_SIZE = 16


#: Column of a cached frame holding each row's GeoJSON Feature text.
FEATURE_TEXT = "__feature_text"


@dataclass
class CollectionCache:
    """Each collection's frame and extent, built once per app: the store does not change while the app runs.

    Temporal collections are kept per as-of date, the ``TEMPORAL_CACHE_SIZE`` most recent. Frames are shared
    between requests and never modified (filters and pages make new frames).
    """

    _frames: dict[tuple[str, date | None], gpd.GeoDataFrame] = field(default_factory=dict)
    _extents: dict[str, list[float] | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def frame(self, collection: Collection, state: AtlasState, as_of: date) -> gpd.GeoDataFrame:
        """Return ``collection.getter(state, as_of)``, built on first use."""
        key = (collection.id, as_of if collection.temporal else None)
        with self._lock:
            if key in self._frames:
                return self._frames[key]
        frame = collection.getter(state, as_of)
        # Each feature's GeoJSON text is written once here, not per request: an items response is then a
        # filter and a join (the collections do not change while the app runs).
        frame = frame.assign(**{FEATURE_TEXT: feature_texts(frame, collection.id_column, collection.properties)})
        with self._lock:
            if collection.temporal:
                dated = [k for k in self._frames if k[0] == collection.id]
                if len(dated) >= TEMPORAL_CACHE_SIZE:
                    self._frames.pop(dated[0])
            return self._frames.setdefault(key, frame)

    def extent(self, collection: Collection, state: AtlasState) -> list[float] | None:
        """Return the collection's ``[west, south, east, north]`` (geometries do not depend on the date)."""
        if collection.id not in self._extents:
            bounds = extent(self.frame(collection, state, date.today()))
            with self._lock:
                self._extents[collection.id] = bounds
        return self._extents[collection.id]


def extent(frame: gpd.GeoDataFrame) -> list[float] | None:
    """Return ``[west, south, east, north]`` of the frame's geometries (degrees), or None if it has none."""
    present = frame.geometry[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if present.empty:
        return None
    return [round(float(v), 6) for v in present.total_bounds]


def attribution(state: AtlasState, collection: Collection) -> tuple[str, str]:
    """Return (attribution, licence) of the collection from the sources the build used, each `; `-joined."""
    sources = state.store.sources.set_index("id")
    used = [s for s in collection.sources if s in sources.index and sources.loc[s, "status"] != "skipped"]
    return ("; ".join(dict.fromkeys(sources.loc[s, "attribution"] for s in used)),
            "; ".join(dict.fromkeys(f"{sources.loc[s, 'title']}: {sources.loc[s, 'licence']}" for s in used)))
