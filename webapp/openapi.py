"""The OpenAPI 3.0 description of the JSON API, built from one table, served as JSON and as an HTML page."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup, escape

from geo.analyze import RASTERS
from geo.clusters import CELL_PX, COLOURINGS, MAX_VIEW_PX, MAX_ZOOM, POINT_ZOOM
from geo.partners import PARTNER_GROUPS
from layers.deposits.records import ATLAS_COUNTRIES
from webapp.api.ownership import MAX_TIMELINE_YEARS
from webapp.basemap import LABEL_LANGUAGES
from webapp.exports import EXPORTERS
from webapp.ogc.fields import LAYER_FIELDS, RECORD_FIELDS, SITE_FIELDS, URL_FIELD
from webapp.ogc.schema import Field
from webapp.pages.review import DEFAULT_LIMIT as REVIEW_DEFAULT_LIMIT
from webapp.pages.review import MAX_LIMIT as REVIEW_MAX_LIMIT
from webapp.params import COMPANY_ID_PATTERN, SITE_ID_PATTERN
from webapp.state import AtlasState, get_state

bp = Blueprint("openapi", __name__, url_prefix="/api")

OPENAPI_VERSION = "3.0.3"
GEOJSON = "application/geo+json"
JSON = "application/json"

_NUMBER = r"\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*"
#: What ``parse_bbox`` reads: four (or, with heights, six) decimal numbers separated by commas, spaces allowed
#: around each.
BBOX_PATTERN = rf"^{_NUMBER}(,{_NUMBER}){{3}}((,{_NUMBER}){{2}})?$"
#: What ``parse_date`` reads: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, spaces allowed around it.
DATE_PATTERN = r"^\s*[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?\s*$"


@dataclass(frozen=True)
class DocContext:
    """What the document takes from the running app: the store's corridor ids, paging limits and examples."""

    corridor_ids: tuple[str, ...]
    default_limit: int
    max_limit: int
    site_example: str
    company_example: str


@dataclass(frozen=True)
class Param:
    """One parameter: its name, where it goes, its JSON schema and what it means."""

    name: str
    schema: dict
    description: str
    location: str = "query"
    comma_list: bool = False
    example: object = None
    key: str = ""  # the key in ``parameters()`` when two parameters share a name (``f``)
    required: bool = False  # a query parameter without which the operation is a 400 (path ones always are)


@dataclass(frozen=True)
class Operation:
    """One endpoint: its path, its parameters (keys of ``parameters()``), 200 media types and error statuses."""

    path: str
    operation_id: str
    tag: str
    summary: str
    params: tuple[str, ...] = ()
    ok: tuple[tuple[str, str], ...] = ((GEOJSON, "FeatureCollection"),)
    errors: tuple[int, ...] = ()
    description: str = ""
    html_errors: bool = False
    downloads: bool = False  # takes ``f``: a download in any format of ``webapp.exports.EXPORTERS``


def _comma_list(values: tuple[str, ...]) -> dict:
    return {"type": "array", "items": {"type": "string", "enum": list(values)}, "minItems": 1}


def parameters(ctx: DocContext) -> dict[str, Param]:
    """Every parameter of the API, with the limits its parser in ``webapp.params`` enforces."""
    params = (
        Param("country", _comma_list(ATLAS_COUNTRIES),
              "Countries, ISO 3166-1 alpha-2, comma-separated (`KZ,UZ`); case and spaces are ignored.",
              comma_list=True),
        Param("commodity", {"type": "string", "maxLength": 200},
              "Commodities, comma-separated: element symbols (`Li`), names (`lithium`) or groups (`REE`, "
              "`rare metals`); any of them matches, case-insensitive."),
        Param("bbox", {"type": "string", "pattern": BBOX_PATTERN},
              "`minlon,minlat,maxlon,maxlat` in WGS84 degrees (or `minlon,minlat,minh,maxlon,maxlat,maxh`, heights "
              "ignored): longitudes in -180..180, latitudes in -90..90, south not above north; a west edge east "
              "of the east edge is a box across the antimeridian. Only located sites match.",
              example="68,38,72,42"),
        Param("q", {"type": "string", "maxLength": 200}, "A name in any script (`Кутессай` finds Kutessai-II)."),
        Param("mapped", {"type": "string", "enum": ["any", "true"], "default": "any"},
              "`true`: only sites with a location."),
        Param("limit", {"type": "integer", "minimum": 1},
              f"Features per page. Absent: every match (a GIS client reading the URL gets every site). Above "
              f"{ctx.max_limit} it is capped to {ctx.max_limit}; `next`/`prev` links walk the pages."),
        Param("offset", {"type": "integer", "minimum": 0, "maximum": 10**9, "default": 0},
              "Features skipped before the page."),
        Param("as_of", {"type": "string", "pattern": DATE_PATTERN},
              "The day asked about: `YYYY-MM-DD`, or `YYYY` / `YYYY-MM` for the first day of the period; a real "
              "day between 1900-01-01 and 2100-12-31. Default: today.", example="2025-06-01"),
        Param("partner", _comma_list(PARTNER_GROUPS),
              "Controlling partner groups, comma-separated (`China,domestic state`); case is ignored.",
              comma_list=True),
        Param("corridor", {"type": "string", "enum": list(ctx.corridor_ids)},
              "A corridor id. Alone: sites whose nearest corridor (existing, or any) it is; with `max_corridor_km`: "
              "sites within that distance of it."),
        Param("max_corridor_km", {"type": "number", "minimum": 0, "maximum": 20000},
              "Distance in km: with `corridor`, to that corridor; alone, to the nearest existing corridor."),
        Param("partner_any", _comma_list(PARTNER_GROUPS),
              "Partner groups with any known share in the site, comma-separated; case is ignored.",
              comma_list=True),
        Param("deposit_type", {"type": "string", "maxLength": 200},
              "Deposit types as the sources write them, comma-separated; any matches, case-insensitive."),
        Param("status", {"type": "string", "maxLength": 200},
              "Development statuses as the sources write them, comma-separated; any matches exactly."),
        Param("licensed", {"type": "string", "enum": ["yes", "no", "true", "false"]},
              "`yes`: sites with a licence joined; `no`: sites with none."),
        Param("holder_unknown", {"type": "string", "enum": ["yes", "no", "true", "false"]},
              "`yes`: sites with no sourced holder (no licence in force) on `as_of`; `no`: those with one."),
        Param("q", {"type": "string", "maxLength": 200},
              "The search text: a deposit name in any script (one typo forgiven), a commodity symbol or English or "
              "Russian name (`W`, `tungsten`, `вольфрам`), a company or a country.", key="q_search",
              example="вольфрам"),
        Param("limit", {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}, "Results per kind.",
              key="limit_search"),
        Param("from", {"type": "string", "pattern": DATE_PATTERN},
              "The earlier day (`YYYY-MM-DD`); must be before `to`. Default: 2020-01-01.", key="from_date",
              example="2020-01-01"),
        Param("to", {"type": "string", "pattern": DATE_PATTERN},
              "The later day (`YYYY-MM-DD`). Default: today.", key="to_date", example="2025-12-01"),
        Param("host", _comma_list(ATLAS_COUNTRIES),
              "The host country whose view of domestic and foreign owners is taken (the first code given); "
              "default: the country of the company's licences, else its home country.", comma_list=True),
        Param("by", {"type": "string", "enum": ["country", "commodity_group"], "default": "country"},
              "Rows of the matrix."),
        Param("by", {"type": "string", "enum": ["country", "commodity_group"], "default": "country"},
              "Rows of the coverage table.", key="by_coverage"),
        Param("f", {"type": "string", "enum": ["json", "csv"], "default": "json"}, "Response format.",
              key="f_matrix"),
        Param("f", {"type": "string", "enum": list(EXPORTERS)},
              "Download format: " + ", ".join(f"`{k}` ({e.label})" for k, e in EXPORTERS.items())
              + ". Absent: the JSON view. A download is an attachment named `atlas-<layer>-<date>.<ext>`."),
        Param("from", {"type": "integer", "minimum": 1990, "maximum": 2100, "default": 2010}, "First year."),
        Param("to", {"type": "integer", "minimum": 1990, "maximum": 2100},
              f"Last year: not before `from` and at most {MAX_TIMELINE_YEARS} years after it. Default: this year."),
        Param("site_id", {"type": "string", "pattern": SITE_ID_PATTERN},
              "A site id (the record id of the site's primary record), as in `/api/sites`.", location="path",
              example=ctx.site_example),
        Param("company_id", {"type": "string", "pattern": COMPANY_ID_PATTERN}, "A company id (a slug).",
              location="path", example=ctx.company_example),
        Param("name", {"type": "string", "enum": sorted(RASTERS)}, "The raster.", location="path"),
        Param("dataset", {"type": "string", "maxLength": 200},
              "Datasets, comma-separated (`mrdata-potash`): a pair matches when either record is of one of them; "
              "each must be a dataset of the review queue."),
        Param("limit", {"type": "integer", "minimum": 1, "maximum": REVIEW_MAX_LIMIT, "default": REVIEW_DEFAULT_LIMIT},
              "Pairs per page.", key="limit_review"),
        Param("zoom", {"type": "integer", "minimum": 0, "maximum": MAX_ZOOM},
              "The map's zoom level (Web Mercator, 256-pixel tiles); clusters are cells of "
              f"{CELL_PX} pixels at it.", required=True, example=5),
        Param("bbox", {"type": "string", "pattern": BBOX_PATTERN},
              "The view: `minlon,minlat,maxlon,maxlat` in WGS84 degrees, as for `/api/sites` (a west edge east of "
              f"the east edge crosses the antimeridian); absent: the whole world. A box more than {MAX_VIEW_PX} "
              "pixels a side at `zoom` is clustered at a smaller zoom (`cluster_zoom`).", key="bbox_view",
              example="46,35,88,56"),
        Param("colour", {"type": "string", "enum": list(COLOURINGS), "default": "group"},
              "What the per-cluster `categories` count: the commodity group, the controlling partner on `as_of` "
              "(`holder unknown`: no sourced licence in force; `share unknown`: a holder, no named partner), or "
              "the development status (`no status` when blank)."),
        Param("lang", {"type": "string", "enum": list(LABEL_LANGUAGES), "default": "en"},
              "The language of the labels: Natural Earth's Russian names with `ru`, else the English ones.",
              key="lang_labels"),
    )
    return {p.key or p.name: p for p in params}


#: Every endpoint of the API, described once.
OPERATIONS: tuple[Operation, ...] = (
    Operation("/api/sites", "listSites", "Sites", "Sites as GeoJSON, filtered and paged",
              ("country", "commodity", "bbox", "q", "mapped", "limit", "offset", "as_of", "partner", "corridor",
               "max_corridor_km", "partner_any", "deposit_type", "status", "licensed", "holder_unknown"),
              ((GEOJSON, "SiteCollection"),), (400,),
              "Sites without a location have `geometry: null` unless `mapped=true` or `bbox` is given. The "
              "collection carries `numberMatched`, `numberReturned` and `next`/`prev` links; each site its "
              "controlling and dominant partner and shares on `as_of`, and its corridor access. With `f`, every "
              "match is downloaded unless `limit` is given (GeoPackage: with the source records).",
              downloads=True),
    Operation("/api/clusters", "listClusters", "Sites",
              "The mapped sites of a map view, clustered on the server with exact counts, or the sites themselves",
              ("zoom", "bbox_view", "colour", "country", "commodity", "q", "as_of", "partner", "corridor",
               "max_corridor_km", "partner_any", "deposit_type", "status", "licensed", "holder_unknown"),
              ((GEOJSON, "ClusterCollection"),), (400,),
              "Takes the filters of `/api/sites`; `numberMatched` (the sum of the clusters' `count` and the points) "
              "is `numberMatched` of `/api/sites` with the same filters, `bbox` and `mapped=true`. The sites are "
              f"binned on the Web Mercator pixel grid of `zoom` ({CELL_PX}-pixel cells); a cell of two or more "
              "sites is a cluster Feature (`cluster: true`, `count`, `categories`: sites per category of "
              "`colour`, `bbox` of its members) at the mean of its members; other sites are Features with the "
              f"properties of `/api/sites`. From zoom {POINT_ZOOM}, or when the box holds at most the server's "
              "points threshold (2,000 by default), every site is a point (`mode: points`). When the filters keep "
              "at most that many mapped sites in all, the answer is every one of them whatever the box "
              "(`extent: all`), so a client can keep it while the map moves. `totals` counts the whole filter "
              "(`matched`: unmapped sites too; `mapped`)."),
    Operation("/api/facets", "getFacets", "Sites",
              "How many sites each choice of each filter would show, the other filters kept",
              ("country", "commodity", "bbox", "q", "mapped", "as_of", "partner", "corridor", "max_corridor_km",
               "partner_any", "deposit_type", "status", "licensed", "holder_unknown"), ((JSON, "Facets"),), (400,),
              "Takes the filters of `/api/sites`. Each facet is counted with its own filter cleared; `corridor` "
              "counts the sites within `max_corridor_km` of each corridor. `total.matched` is the whole filter's."),
    Operation("/api/search", "search", "Sites",
              "Search deposits, commodities, companies and countries; results grouped by kind",
              ("q_search", "as_of", "limit_search"), ((JSON, "SearchResults"),), (400,),
              "Site results are Features with the properties of `/api/sites` on `as_of`, plus `match` (`name` or "
              "`typo`) and `score`."),
    Operation("/api/between", "getChangesBetween", "Ownership",
              "What changed between two dates: sites' controlling partners and shares, ownership links, licences, "
              "agreements", ("from_date", "to_date"), ((JSON, "ChangesBetween"),), (400,)),
    Operation("/api/sites/{site_id}", "getSite", "Sites", "One site with its provenance and source records",
              ("site_id",), ((GEOJSON, "SiteDetail"),), (400, 404)),
    Operation("/api/sites/{site_id}/ownership", "getSiteOwnership", "Ownership",
              "A site's partners, licences, ownership chains, relations and flags on a day",
              ("site_id", "as_of"), ((JSON, "SiteOwnership"),), (400, 404)),
    Operation("/api/sites/{site_id}/access", "getSiteAccess", "Corridors",
              "A site's distance to each corridor, its nearest gateway and railhead, and rail km to each gateway",
              ("site_id",), ((JSON, "SiteAccess"),), (400, 404), "404 also when the site has no location."),
    Operation("/api/countries", "listCountries", "Sites",
              "Country outlines (simplified) with the partner shares of their licensed deposits",
              ("as_of",), ((GEOJSON, "CountryCollection"),), (400,), "With `f`: the full-resolution outlines.",
              downloads=True),
    Operation("/api/facilities", "listFacilities", "Sites",
              "Processing plants, research centres and proposed hubs (a point where known)",
              ("country",), ((GEOJSON, "FacilityCollection"),), (400,), downloads=True),
    Operation("/api/companies/{company_id}", "getCompany", "Ownership",
              "A company: owners, holdings, licences and partner attribution on a day",
              ("company_id", "as_of", "host"), ((JSON, "Company"),), (400, 404)),
    Operation("/api/partners/matrix", "getPartnerMatrix", "Ownership",
              "Country (or commodity group) x partner matrix of licensed deposits on a day",
              ("as_of", "by", "f_matrix"), ((JSON, "PartnerMatrix"), ("text/csv", "Csv")), (400,)),
    Operation("/api/coverage", "getCoverage", "Ownership",
              "Per country (or commodity group): sites, and those with a sourced holder, known owner, known share",
              ("as_of", "by_coverage", "f_matrix"), ((JSON, "Coverage"), ("text/csv", "Csv")), (400,),
              "A site has a sourced holder when a licence (not a state relation) is in force on `as_of`, counted "
              "or shown; a known owner when every part of its attribution has a known owner and size; a known "
              "share when at least one named partner's share is known. A site counts once in each of its "
              "commodity groups. Percentages are of `sites`. `totals` counts every site once."),
    Operation("/api/partners/timeline", "getPartnerTimeline", "Ownership",
              "Sites controlled by each partner on 1 January of each year, per country",
              ("from", "to"), ((JSON, "PartnerTimeline"),), (400,)),
    Operation("/api/agreements", "listAgreements", "Ownership",
              "State agreements, MoUs, roadmaps and declarations, newest first",
              ("country",), ((JSON, "Agreements"),), (400,)),
    Operation("/api/licences", "listLicences", "Ownership",
              "Licences (a polygon where the area is known) with the sites each covers",
              ("country",), ((GEOJSON, "LicenceCollection"),), (400,), "`country` filters by the deposit's country.",
              downloads=True),
    Operation("/api/corridors", "listCorridors", "Corridors", "Export corridors as lines",
              ok=((GEOJSON, "CorridorCollection"),), errors=(400,), downloads=True),
    Operation("/api/corridors/segments", "listCorridorSegments", "Corridors",
              "Every corridor leg, along track or schematic with its reason", ok=((GEOJSON, "SegmentCollection"),),
              errors=(400,), downloads=True),
    Operation("/api/corridors/buffers", "listCorridorBuffers", "Corridors",
              "Bands within 50, 100 and 250 km of existing corridors", ok=((GEOJSON, "BufferCollection"),),
              errors=(400,), downloads=True),
    Operation("/api/corridors/catchments", "listCatchments", "Corridors",
              "Mapped sites within 50, 100 and 250 km of each corridor, per country", ok=((JSON, "Catchments"),)),
    Operation("/api/gateways", "listGateways", "Corridors", "Border crossings, sea ports and rail junctions",
              ok=((GEOJSON, "GatewayCollection"),), errors=(400,), downloads=True),
    Operation("/api/basemap", "getBasemap", "Corridors",
              "The offline base map: Natural Earth towns (with their zoom of first display), lakes, rivers and "
              "country label points, clipped to the region", ("lang_labels",), ((JSON, "Basemap"),), (400,),
              "One document per language, cached (ETag) and gzipped; `static/basemap.js` draws it when no tile "
              "server is reachable."),
    Operation("/api/access.csv", "getAccessCsv", "Corridors", "The per-site corridor access table as CSV",
              ok=(("text/csv", "Csv"),)),
    Operation("/downloads/{name}.tif", "getRaster", "Corridors",
              "A GeoTIFF of the corridor analysis (distance to corridor, access cost)",
              ("name",), (("image/tiff", "Binary"),), (404,),
              "Outside `/api`, so its 404 is an HTML page.", html_errors=True),
    Operation("/api/link-candidates", "listLinkCandidates", "Sites",
              "The linkage review queue: record pairs neither surely one deposit nor surely two, best score first",
              ("country", "dataset", "limit_review", "offset"), ((JSON, "LinkCandidates"),), (400,),
              "`country` matches either record's country. Each pair carries both records side by side and a "
              "ready-to-copy `data/curated/links.csv` line; the page `/review/links` shows the same. Read-only."),
    Operation("/api/openapi.json", "getOpenApi", "Documentation", "This document (OpenAPI 3.0)",
              ok=((JSON, "OpenApiDocument"),)),
    Operation("/api/docs", "getApiDocs", "Documentation", "This document as a web page", ok=(("text/html", "Html"),)),
)

_ERRORS = {400: ("BadRequest", "A parameter is malformed or out of range; `parameter` names it."),
           404: ("NotFound", "No such item.")}
#: Answers every operation can give besides its 200 and its errors (``webapp.ogc.http``, ``webapp.errors``).
_COMMON_RESPONSES = {
    "206": {"description": "Partial content: the byte range a `Range` header asked for (`Accept-Ranges: bytes`)."},
    "304": {"description": "Not modified: the `ETag` (`If-None-Match`) or `Last-Modified` (`If-Modified-Since`) "
                           "the client holds is current."},
    "405": {"description": "A method other than GET, HEAD or OPTIONS; the `Allow` header lists those allowed.",
            "headers": {"Allow": {"description": "GET, HEAD, OPTIONS", "schema": {"type": "string"}}},
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "500": {"description": "An unexpected server error (logged).",
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "503": {"description": "The store is missing or of another build.",
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}},
}


# --- component schemas -------------------------------------------------------------------------------------------

STR = {"type": "string"}
STR_OR_NULL = {"type": "string", "nullable": True}
NUM = {"type": "number"}
NUM_OR_NULL = {"type": "number", "nullable": True}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
STRS = {"type": "array", "items": STR}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: tuple[str, ...] | None = None, **props) -> dict:
    """An object with typed ``props``, all required unless ``required`` names the required ones."""
    return {"type": "object", "required": list(props if required is None else required), "properties": props}


def _rows(required: tuple[str, ...] | None = None, **props) -> dict:
    return {"type": "array", "items": _obj(required, **props)}


def _feature(properties: dict, geometry: str = "Geometry", id_schema: dict = STR_OR_NULL) -> dict:
    return _obj(("type", "geometry", "properties"), type={"type": "string", "enum": ["Feature"]}, id=id_schema,
                geometry=_ref(geometry), properties=properties)


def _collection(feature: dict, required: tuple[str, ...] = (), **members) -> dict:
    """A FeatureCollection of ``feature``; foreign ``members`` are optional unless ``required`` names them."""
    return _obj(("type", "features", *required), type={"type": "string", "enum": ["FeatureCollection"]},
                features={"type": "array", "items": feature}, attribution=STR, licence=STR, **members)


def _fields(fields: tuple[Field, ...]) -> dict:
    """An object with one property per declared field (``webapp.ogc.fields``), each always present."""
    return _obj(**{f.name: f.json_schema() for f in fields})


def _site_fields() -> dict:
    """The properties of a site that both the list and the single site carry, typed."""
    return {f.name: f.json_schema() for f in (*SITE_FIELDS, URL_FIELD)}


def _site_properties() -> dict:
    """The properties of a site in ``/api/sites``: its fields, partners on ``as_of`` and corridor access."""
    return _fields(LAYER_FIELDS["sites"])


_EDGE = _obj(edge_id=STR, owner_id=STR, owned_id=STR, share_pct=NUM_OR_NULL, relation=STR, valid_from=STR,
             valid_to=STR, source=STR, confidence=STR)
_RECORD = _fields(RECORD_FIELDS)


def component_schemas() -> dict[str, dict]:
    """The schemas the responses refer to: GeoJSON, the error shape and each endpoint's body."""
    return {
        "Error": {**_obj(error={**_obj(("status", "title", "message"), status={**INT, "minimum": 400,
                                                                               "maximum": 599},
                                       title=STR, message=STR, parameter=STR), "additionalProperties": False}),
                  "additionalProperties": False},
        "Geometry": {**_obj(("type",), type={"type": "string", "enum": [
            "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"]},
            coordinates={"type": "array"}, geometries={"type": "array"}), "nullable": True},
        "Point": {**_obj(type={"type": "string", "enum": ["Point"]},
                         coordinates={"type": "array", "items": NUM, "minItems": 2, "maxItems": 3}),
                  "nullable": True},
        "Feature": _feature({"type": "object", "nullable": True}),
        "FeatureCollection": _collection(_ref("Feature")),
        "Link": _obj(("href", "rel"), href=STR, rel=STR, type=STR),
        "SiteProperties": _site_properties(),
        "Facets": _obj(as_of=STR, counts={"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": INT}}),
        "SearchResults": _obj(q=STR, as_of=STR, groups=_rows(kind={"type": "string", "enum": [
            "sites", "commodities", "companies", "countries"]}, items={"type": "array", "items": {"type": "object"}})),
        "ChangesBetween": _obj(
            **{"from": STR, "to": STR},
            sites=_rows(site_id=STR, name=STR, country=STR, kind=STR, partner_before=STR_OR_NULL,
                        partner_after=STR_OR_NULL, shares_before={"type": "object", "additionalProperties": NUM},
                        shares_after={"type": "object", "additionalProperties": NUM}),
            ownership={"type": "array", "items": {"type": "object"}},
            licences={"type": "array", "items": {"type": "object"}},
            agreements={"type": "array", "items": {"type": "object"}}),
        "SiteCollection": _collection(_feature(_ref("SiteProperties"), "Point"),
                                      ("numberMatched", "numberReturned", "links", "as_of"), numberMatched=INT,
                                      numberReturned=INT, links={"type": "array", "items": _ref("Link")}, as_of=STR),
        "ClusterCollection": {**_obj(
            ("type", "features", "numberMatched", "numberReturned", "mode", "extent", "totals", "as_of"),
            type={"type": "string", "enum": ["FeatureCollection"]},
            features={"type": "array", "items": {"anyOf": [_ref("ClusterFeature"),
                                                           _feature(_ref("SiteProperties"), "Point")]}},
            numberMatched=INT, numberReturned=INT, as_of=STR, zoom=INT, cluster_zoom=INT,
            bbox={"type": "array", "items": NUM, "nullable": True}, colour=STR,
            mode={"type": "string", "enum": ["clusters", "points"]},
            extent={"type": "string", "enum": ["view", "all"]},
            totals=_obj(("matched", "mapped"), matched=INT, mapped=INT), categories=STRS, attribution=STR,
            licence=STR)},
        "ClusterFeature": _obj(("type", "geometry", "properties"), type={"type": "string", "enum": ["Feature"]},
                               geometry=_ref("Point"), properties=_obj(
                                   ("cluster", "count", "categories", "bbox"), cluster={"type": "boolean",
                                                                                        "enum": [True]},
                                   count={**INT, "minimum": 2}, categories={"type": "object",
                                                                            "additionalProperties": INT},
                                   bbox={"type": "array", "items": NUM, "minItems": 4, "maxItems": 4})),
        "SiteDetail": _feature(_obj(**_site_fields(), provenance={"type": "object"}, source_records={
            "type": "array", "items": _feature(_RECORD, "Point")}), "Point"),
        "SiteOwnership": _obj(
            site_id=STR, site_name=STR, as_of=STR, controlling_partner=STR_OR_NULL, dominant_partner=STR_OR_NULL,
            flags=STRS, relations={"type": "array", "items": _EDGE},
            partners=_rows(partner=STR, share_pct=NUM_OR_NULL, controls=BOOL, unknown_part=BOOL),
            licences=_rows(licence_id=STR, holder_company_id=STR, holder_name=STR, licence_kind=STR, status=STR,
                           granted=STR, valid_to=STR, in_force=BOOL, counted=BOOL, role=STR, reason=STR,
                           confidence=STR, references=STR, holder_controlling_partner=STR_OR_NULL),
            chains=_rows(licence_id=STR, holder_company_id=STR, controller_chain=STRS,
                         controlling_partner=STR_OR_NULL, paths={"type": "array", "items": {"type": "object"}})),
        "SiteAccess": _obj(
            site_id=STR, name=STR, location_precision_km=NUM_OR_NULL, attribution=STR, gateways_off_network=STRS,
            access={"type": "object"},
            corridors=_rows(corridor_id=STR, status=STR, distance_km=NUM, nearest_lon=NUM, nearest_lat=NUM),
            rail_to_gateways=_rows(gateway_id=STR, gateway_name=STR_OR_NULL, rail_km=NUM_OR_NULL,
                                   access_km=NUM_OR_NULL)),
        "CountryCollection": _collection(_feature(_obj(
            ("iso_a2", "name", "name_ru"), **{f.name: f.json_schema() for f in LAYER_FIELDS["countries"]}),
            "Geometry"), as_of=STR),
        "Company": _obj(
            company=_obj(company_id=STR, name=STR, name_ru=STR, kind=STR, home_country=STR, listed_on=STR,
                         notes=STR, source=STR, confidence=STR),
            as_of=STR, host_country=STR, owners={"type": "array", "items": _EDGE},
            holdings={"type": "array", "items": _EDGE},
            licences=_rows(licence_id=STR, deposit_name=STR, deposit_country=STR, licence_kind=STR, status=STR,
                           granted=STR, valid_to=STR, site_ids=STRS),
            controller_chain=STRS, controlling_partner=STR_OR_NULL, flags=STRS,
            partners=_rows(partner=STR, share_pct=NUM_OR_NULL, ultimate_owner=STR, via_control=BOOL)),
        "PartnerMatrix": _obj(as_of=STR, by={"type": "string", "enum": ["country", "commodity_group"]}, rows=_rows(
            ("partner", "sites_with_licence", "sites_controlled", "share_site_equivalents"), country=STR,
            commodity_group=STR, partner=STR, sites_with_licence=INT, sites_controlled=INT,
            share_site_equivalents=NUM, sites_with_known_share=INT, sites_with_unknown_share=INT)),
        "Coverage": _obj(as_of=STR, by={"type": "string", "enum": ["country", "commodity_group"]},
                         totals=_obj(sites=INT, sites_with_holder=INT, sites_with_known_owner=INT,
                                     sites_with_known_share=INT),
                         rows=_rows(("sites", "sites_with_holder", "sites_with_known_owner",
                                     "sites_with_known_share"), country=STR, commodity_group=STR, sites=INT,
                                    sites_with_holder=INT, sites_with_known_owner=INT, sites_with_known_share=INT,
                                    pct_with_holder=NUM, pct_with_known_owner=NUM, pct_with_known_share=NUM)),
        "PartnerTimeline": _obj(**{"from": INT, "to": INT, "rows": _rows(
            country=STR, date={"type": "string", "format": "date"}, partner=STR, sites_controlled=INT)}),
        "LinkCandidates": _obj(numberMatched=INT, numberReturned=INT, offset=INT, candidates=_rows(
            score=NUM, probability=NUM, name_level=STR, distance_km=NUM_OR_NULL, weights={"type": "object"},
            queue_reason=STR, links_line=STR,
            **{side: _obj(record_id=STR, dataset=STR, name=STR, country=STR, commodities=STRS, lon=NUM_OR_NULL,
                          lat=NUM_OR_NULL, upstream_url=STR) for side in ("a", "b")})),
        "Agreements": _obj(numberMatched=INT, agreements=_rows(
            ("agreement_id", "country", "partner", "signed", "title"), agreement_id=STR, country=STR, partner=STR,
            kind=STR, level=STR, signed=STR, title=STR, scope=STR, notes=STR, source=STR, confidence=STR)),
        "CorridorCollection": _collection(_feature(_fields(LAYER_FIELDS["corridors"]), id_schema=STR)),
        "SegmentCollection": _collection(_feature(_fields(LAYER_FIELDS["corridor_segments"]))),
        "BufferCollection": _collection(_feature(_fields(LAYER_FIELDS["corridor_buffers"]))),
        "Catchments": _obj(attribution=STR, rows=_rows(corridor_id=STR, country=STR, within_50_km=INT,
                                                       within_100_km=INT, within_250_km=INT)),
        "FacilityCollection": _collection(_feature(_fields(LAYER_FIELDS["facilities"]), "Point"),
                                          numberMatched=INT),
        "LicenceCollection": _collection(_feature(_fields(LAYER_FIELDS["licences"])), numberMatched=INT),
        "GatewayCollection": _collection(_feature(_obj(
            ("node_id", "name", "kind", "country"),
            **{f.name: f.json_schema() for f in LAYER_FIELDS["gateways"]}), "Point")),
        "Csv": {"type": "string", "description": "CSV, UTF-8, one row per item."},
        "Binary": {"type": "string", "format": "binary"},
        "Text": {"type": "string"},
        "Html": {"type": "string"},
        "OpenApiDocument": _obj(openapi={"type": "string", "enum": [OPENAPI_VERSION]}, info={"type": "object"},
                                paths={"type": "object"}),
    }


# --- the document --------------------------------------------------------------------------------------------------


def build_document(ctx: DocContext) -> dict:
    """Return the OpenAPI 3.0 document of ``OPERATIONS`` for an app described by ``ctx``."""
    params = parameters(ctx)
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})["get"] = _operation(op, params)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Central Asia Critical Minerals Atlas API", "version": "1",
                 "description": "Critical-mineral deposits of Kazakhstan, Kyrgyzstan, Tajikistan, Uzbekistan and "
                                "Turkmenistan, their owners and export corridors. GeoJSON is RFC 7946 (WGS84 "
                                "longitude, latitude). Every API error answers "
                                "`{\"error\": {status, title, message[, parameter]}}`.",
                 "license": {"name": "MIT (code and curated tables); sources keep their own licences: see /sources"}},
        "servers": [{"url": "/"}],
        "tags": [{"name": name} for name in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": component_schemas(),
            "responses": {name: {"description": text, "content": {JSON: {"schema": _ref("Error")}}}
                          for name, text in _ERRORS.values()},
        },
    }


#: Schema of each download media type that is not the JSON view's.
_DOWNLOAD_SCHEMAS = {"text/csv": "Csv", "application/vnd.google-earth.kml+xml": "Text"}
#: Headers of a download (``webapp.api.sites.download_headers``).
_DOWNLOAD_HEADERS = {
    "Content-Disposition": "`attachment; filename=\"atlas-<layer>-<YYYY-MM-DD>.<ext>\"`",
    "X-Atlas-Attribution": "Attribution of the data in the download (Latin-1).",
    "X-Atlas-Licence": "Licences of the data in the download (Latin-1).",
}


def _operation(op: Operation, params: dict[str, Param]) -> dict:
    content = {media: {"schema": _ref(schema)} for media, schema in op.ok}
    ok: dict = {"description": "OK", "content": content}
    if op.downloads:
        for exporter in EXPORTERS.values():
            content.setdefault(exporter.media_type, {"schema": _ref(_DOWNLOAD_SCHEMAS.get(exporter.media_type,
                                                                                      "Binary"))})
        ok["description"] = "The JSON view; with `f`, a download of that format."
        ok["headers"] = {name: {"description": text, "schema": STR} for name, text in _DOWNLOAD_HEADERS.items()}
    responses: dict[str, dict] = {"200": ok}
    for status in op.errors:
        name, text = _ERRORS[status]
        responses[str(status)] = ({"description": text, "content": {"text/html": {"schema": _ref("Html")}}}
                                  if op.html_errors else {"$ref": f"#/components/responses/{name}"})
    responses.update(_COMMON_RESPONSES)
    body = {"operationId": op.operation_id, "tags": [op.tag], "summary": op.summary,
            "parameters": [_parameter(params[key]) for key in (*op.params, *(("f",) if op.downloads else ()))],
            "responses": responses}
    if op.description:
        body["description"] = op.description
    return body


def _parameter(param: Param) -> dict:
    result = {"name": param.name, "in": param.location, "required": param.location == "path" or param.required,
              "description": param.description, "schema": param.schema}
    if param.location == "query":
        result["allowEmptyValue"] = True  # every parser reads an empty value as the parameter left out
    if param.comma_list:
        result.update(style="form", explode=False)
    if param.example is not None:
        result["example"] = param.example
    return result


def context_from_state(state: AtlasState) -> DocContext:
    """Read the corridor ids, paging limits and example ids (a licensed, located site; a holder) from the store."""
    sites = state.sites
    located = sites[~(sites.geometry.isna() | sites.geometry.is_empty)]
    licensed = located[located["site_id"].isin(set(state.store.licence_sites["site_id"]))]
    candidates = [*licensed["site_id"], *located["site_id"], *sites["site_id"], "site"]
    holders = [c for c in state.store.licences["holder_company_id"] if c in state.graph.companies]
    return DocContext(corridor_ids=tuple(sorted(state.store.corridors["corridor_id"])),
                      default_limit=state.settings.api.default_limit, max_limit=state.settings.api.max_limit,
                      site_example=str(candidates[0]), company_example=[*holders, *state.graph.companies, "x"][0])


@lru_cache(maxsize=8)
def _document(ctx: DocContext) -> dict:
    return build_document(ctx)


def document() -> dict:
    """The OpenAPI document of the running app (built once per store and settings)."""
    return _document(context_from_state(get_state()))


def flask_rule_to_path(rule: str) -> str:
    """Write a Flask rule (``/api/sites/<path:site_id>``) as an OpenAPI path (``/api/sites/{site_id}``)."""
    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([A-Za-z_]\w*)>", r"{\1}", rule)


def schema_summary(schema: dict) -> str:
    """One line saying what a parameter accepts: type or values, range, length, pattern and default."""
    if schema.get("type") == "array":
        parts = ["comma-separated, any of: " + ", ".join(schema["items"]["enum"])]
    elif "enum" in schema:
        parts = ["one of: " + ", ".join(map(str, schema["enum"]))]
    else:
        parts = [schema.get("type", "")]
    if "minimum" in schema or "maximum" in schema:
        parts.append(f"{schema.get('minimum', '')}..{schema.get('maximum', '')}")
    if "maxLength" in schema:
        parts.append(f"at most {schema['maxLength']} characters")
    if "pattern" in schema:
        parts.append(f"pattern {schema['pattern']}")
    if "default" in schema:
        parts.append(f"default {schema['default']}")
    return "; ".join(parts)


def inline_code(text: str) -> Markup:
    """Escape ``text`` for HTML, then set its `backquoted` spans as code."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.0 document of this API, in the order of ``OPERATIONS``."""
    # The server is the app's root path, host-free: relative to wherever the client fetched this document.
    doc = {**document(), "servers": [{"url": f"{request.script_root}/"}]}
    return Response(json.dumps(doc, ensure_ascii=False), mimetype=JSON)


@bp.get("/docs")
def docs():
    """The OpenAPI document as a web page, rendered on the server from the same table."""
    return render_template("openapi.html", doc=document(), summary=schema_summary, text=inline_code)
