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

from geo.partners import PARTNER_GROUPS, SHARE_PROPERTY
from geo.sites import SiteQuery, filter_sites
from layers.dates import period_start
from layers.schema import CORRIDOR_STATUSES, STORE_CRS
from layers.types import BBox
from webapp.api.sites import NO_ACCESS, corridor_filter
from webapp.errors import NotFound
from webapp.ogc.fields import (
    CORRIDOR_FIELDS,
    COUNTRY_FIELDS,
    FACILITY_FIELDS,
    GATEWAY_FIELDS,
    LICENCE_FIELDS,
    OGC_SEGMENT_FIELDS,
    OGC_SITE_FIELDS,
    RAILWAY_FIELDS,
    RECORD_FIELDS,
)
from webapp.ogc.geojson import feature_texts
from webapp.ogc.schema import Field
from webapp.params import bbox_parts, parse_query, parse_terms
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
    #: The property the filter tests for equality (its one parameter is then a Part 3 queryable), if any.
    queryable: str | None = None


@dataclass(frozen=True)
class Collection:
    """One feature collection of the service.

    ``getter(state, as_of)`` returns the whole collection as a GeoDataFrame in EPSG:4326, in a stable order,
    with ``id_column`` unique and a column for each of ``fields``, the declared schema of its properties (the
    GeoJSON writer, ``/schema``, ``/queryables`` and the OpenAPI document all read it). ``sources`` are
    manifest ids whose licence and attribution the collection carries. ``temporal`` collections read
    ``datetime`` as the ownership as-of date; the others accept and ignore it (they carry no time).
    """

    id: str
    title: str
    description: str
    getter: Callable[[AtlasState, date], gpd.GeoDataFrame]
    id_column: str
    fields: tuple[Field, ...]
    sources: tuple[str, ...]
    filters: tuple[Filter, ...] = ()
    temporal: bool = False
    #: The geometry type of every located feature (``Point``, ``MultiPolygon`` ...), for the JSON Schema.
    geometry_type: str | None = None
    bbox_filter: Callable[[gpd.GeoDataFrame, BBox], gpd.GeoDataFrame] | None = None

    @property
    def properties(self) -> tuple[str, ...]:
        """The names of the declared fields, in order: every property a feature carries."""
        return tuple(f.name for f in self.fields)

    @property
    def queryables(self) -> tuple[str, ...]:
        """Properties a query parameter of the same name tests for equality (OGC API – Features Part 3)."""
        return tuple(f.queryable for f in self.filters
                     if f.queryable is not None and f.parameters[0].name == f.queryable)

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
            parts = [(self.bbox_filter or intersecting)(frame, part) for part in bbox_parts(bbox)]
            if len(parts) == 1:
                frame = parts[0]
            else:  # a box across the antimeridian: its two halves, in frame order
                frame = frame[frame.index.isin(parts[0].index.union(parts[1].index))]
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
                  choices: tuple[str, ...] | None = None) -> Filter:
    """A filter keeping rows whose ``column`` (default: ``name``) is exactly one of a comma-separated list.

    Matching is exact and case-sensitive, as an OGR or SQL equality is (``country=kz`` matches no row, since
    the codes are upper-case): GDAL pushes ``where country = 'KZ'`` down as ``country=KZ`` and relies on the
    server meaning the same. A value no row has gives an empty page, never an error; ``choices`` only
    document the values there are.
    """
    schema = {"type": "string", "enum": list(choices)} if choices else {"type": "string"}

    def apply(frame: gpd.GeoDataFrame, args: Mapping[str, str], state: AtlasState) -> gpd.GeoDataFrame:
        values = parse_terms(args.get(name), name) or []
        return frame[frame[column or name].isin(values).to_numpy()]

    return Filter((Parameter(name, description, schema),), apply, queryable=(column or name))


def _site_query_filter(name: str, description: str, to_query: Callable[[str], SiteQuery]) -> Filter:
    """A filter that runs ``geo.sites.filter_sites`` with the one field ``to_query`` fills from the parameter."""
    def apply(frame: gpd.GeoDataFrame, args: Mapping[str, str], state: AtlasState) -> gpd.GeoDataFrame:
        return filter_sites(frame, to_query(args[name]))

    return Filter((Parameter(name, description),), apply)


def _commodities(value: str) -> SiteQuery:
    return SiteQuery(commodities=tuple(parse_terms(value, "commodity") or ()))


def _name_query(value: str) -> SiteQuery:
    return SiteQuery(q=parse_query(value))


def _partner(frame: gpd.GeoDataFrame, args: Mapping[str, str], state: AtlasState) -> gpd.GeoDataFrame:
    # Partner group names in any case (``usa``, ``Domestic State``); a name that is no group matches nothing.
    lookup = {g.lower(): g for g in PARTNER_GROUPS}
    wanted = [lookup.get(t.lower()) for t in parse_terms(args.get("partner"), "partner") or []]
    return frame[frame["controlling_partner"].isin([w for w in wanted if w]).to_numpy()]


def _corridor(frame: gpd.GeoDataFrame, args: Mapping[str, str], state: AtlasState) -> gpd.GeoDataFrame:
    corridor = args.get("corridor")
    if corridor and corridor not in set(state.store.corridors["corridor_id"]):
        return frame.iloc[0:0]  # a corridor the atlas does not have: no site is near it
    return corridor_filter(frame, state, args)


COUNTRY = "ISO 3166-1 alpha-2 codes as written (upper-case: KZ, KG, TJ, UZ, TM), comma-separated"
SITE_FILTERS = (
    equals_filter("country", COUNTRY),
    _site_query_filter("commodity", "element symbols, commodity names or groups, comma-separated, any case; any "
                       "matches", _commodities),
    _site_query_filter("q", "a name in any script (Latin or Cyrillic), matched in every member record's names",
                       _name_query),
    equals_filter("primary_group", "the commodity groups the map colours sites by, comma-separated"),
    equals_filter("status", "development status texts, exactly as written, comma-separated"),
    equals_filter("controlling_partner", "controlling partner groups on the `datetime` date, exactly as written "
                  "(China, USA, domestic state ...), comma-separated", choices=PARTNER_GROUPS),
    Filter((Parameter("partner", "controlling partner groups on the `datetime` date, comma-separated, any case "
                                 "(china, USA, Domestic State ...)"),), _partner),
    Filter((Parameter("corridor", "corridor id: with max_corridor_km, sites within that distance of it; alone, "
                                  "sites whose nearest corridor (existing or any) it is"),
            Parameter("max_corridor_km", "geodesic km: alone, sites within that distance of an existing corridor",
                      {"type": "number", "minimum": 0, "maximum": 20000})), _corridor),
)


# --- getters -------------------------------------------------------------------------------------------------


def sites_at(state: AtlasState, as_of: date, sites: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Sites (``sites``, default every one) with their partner properties on ``as_of`` and their corridor access
    properties."""
    sites = state.sites if sites is None else sites
    ids = sites["site_id"]
    partners = state.partners_at(as_of).reindex(columns=list(PARTNER_PROPERTIES)).reindex(ids)
    access = pd.DataFrame([state.access_by_site.get(i, NO_ACCESS) for i in ids], columns=list(ACCESS_PROPERTIES))
    extra = pd.concat([partners.reset_index(drop=True), access], axis=1).set_axis(sites.index, axis=0)
    return pd.concat([sites, extra], axis=1)


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
    id="sites", geometry_type="Point", title="Deposit sites",
    description="One feature per physical deposit, its source records merged; partner properties as of the "
                "`datetime` date (default today) and the nearest corridor and gateway with geodesic distances.",
    getter=sites_at, id_column="site_id", fields=OGC_SITE_FIELDS,
    sources=(*DEPOSIT_SOURCES, "curated_licences", "curated_ownership", *RAIL_SOURCES, "corridors"),
    filters=SITE_FILTERS, temporal=True, bbox_filter=_sites_in_bbox,
))
register(Collection(
    id="source_records", geometry_type="Point", title="Source records",
    description="Every deposit record of every source, normalised and unmerged (a site holds one or more).",
    getter=_layer("source_records"), id_column="record_id", fields=RECORD_FIELDS, sources=DEPOSIT_SOURCES,
    filters=(equals_filter("country", COUNTRY),
             _site_query_filter("commodity", "element symbols, commodity names or groups, comma-separated, any "
                                "case", _commodities),
             equals_filter("source", "manifest source ids, comma-separated (minmod, national_curated ...)")),
))
register(Collection(
    id="licences", geometry_type="MultiPolygon", title="Licences",
    description="Holder-to-deposit relations (licences, national projects, MoU areas); the licence area polygon "
                "where it is known, else no geometry.",
    getter=_layer("licences"), id_column="licence_id", fields=LICENCE_FIELDS,
    sources=("curated_licences", "licence_areas"),
    filters=(equals_filter("deposit_country", "ISO 3166-1 alpha-2 codes of the deposit's country as written "
                           "(upper-case), comma-separated"),
             equals_filter("country", "the same as deposit_country", column="deposit_country")),
))
register(Collection(
    id="corridors", geometry_type="MultiLineString", title="Transport corridors",
    description="One feature per corridor: its routed line, geodesic length and the share along real track.",
    getter=_analysis_layer("corridor_lines"), id_column="corridor_id", fields=CORRIDOR_FIELDS,
    sources=("corridors", "corridor_waypoints", *RAIL_SOURCES),
    filters=(equals_filter("status", "corridor statuses, comma-separated", choices=CORRIDOR_STATUSES),),
))
register(Collection(
    id="corridor_segments", geometry_type="LineString", title="Corridor legs",
    description="Each leg between consecutive waypoints: along track, or straight with its reason "
                "(missing_in_data, planned, sea). Feature id `<corridor_id>:<seq>`.",
    getter=_segments, id_column="segment_id", fields=OGC_SEGMENT_FIELDS,
    sources=("corridors", "corridor_waypoints", *RAIL_SOURCES),
    filters=(equals_filter("corridor_id", "corridor ids, comma-separated"),
             equals_filter("reason", "why a leg is schematic, comma-separated",
                           choices=("missing_in_data", "planned", "sea"))),
))
register(Collection(
    id="gateways", geometry_type="Point", title="Gateways",
    description="Border crossings, sea ports and rail junctions an export leaves through.",
    getter=_layer("gateways"), id_column="node_id", fields=GATEWAY_FIELDS,
    sources=("gateways",),
    filters=(equals_filter("country", "ISO 3166-1 alpha-2 codes, comma-separated"),
             equals_filter("kind", "kinds, comma-separated",
                           choices=("border_crossing", "sea_port", "rail_junction"))),
))
register(Collection(
    id="railways", geometry_type="LineString", title="Railways",
    description="Railway lines in use from Natural Earth 10m and the OpenStreetMap extracts, one feature per "
                "line part (about 28,000).",
    getter=_layer("railways"), id_column="rail_id", fields=RAILWAY_FIELDS,
    sources=RAIL_SOURCES,
    filters=(equals_filter("source", "manifest source ids, comma-separated", choices=RAIL_SOURCES),
             equals_filter("kind", "rail, narrow_gauge, ..., comma-separated")),
))
register(Collection(
    id="countries", geometry_type="MultiPolygon", title="Countries",
    description="Natural Earth 10m admin-0 outlines of the region. Feature id: the English name as a slug "
                "(`kazakhstan`, `baikonur`), since ISO codes are missing or shared for some areas.",
    getter=_countries_layer, id_column="country_id", fields=COUNTRY_FIELDS,
    sources=("countries_ne10m",),
    filters=(equals_filter("iso_a2", "ISO 3166-1 alpha-2 codes, comma-separated"),),
))
register(Collection(
    id="facilities", geometry_type="Point", title="Facilities",
    description="Processing plants, research centres and proposed hubs.",
    getter=_layer("facilities"), id_column="facility_id", fields=FACILITY_FIELDS,
    sources=("curated_facilities",),
    filters=(equals_filter("country", "ISO 3166-1 alpha-2 codes, comma-separated"),
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
    _extents: dict[str, object] = field(default_factory=dict)
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
        frame = frame.assign(**{FEATURE_TEXT: feature_texts(frame, collection.id_column, collection.fields)})
        with self._lock:
            if collection.temporal:
                dated = [k for k in self._frames if k[0] == collection.id]
                if len(dated) >= TEMPORAL_CACHE_SIZE:
                    self._frames.pop(dated[0])
            return self._frames.setdefault(key, frame)

    def first_relation_day(self, state: AtlasState) -> date | None:
        """The first day a licence or ownership relation of the store is known to hold (None if none is dated)."""
        if "first_relation_day" not in self._extents:
            days = [period_start(v) for v in (*state.store.licences["granted"], *state.store.ownership["valid_from"])
                    if isinstance(v, str) and v]
            with self._lock:
                self._extents["first_relation_day"] = min((d for d in days if d is not None), default=None)
        return self._extents["first_relation_day"]

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
