"""OGC API – Features Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) at ``/ogc``: thin views over the collections
registry of ``webapp.ogc.collections``; every resource in JSON and HTML (``f=json|html`` or the Accept header)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException

from layers.errors import LayerNotFound, StoreError
from webapp.errors import STATUS_TABLE, ApiError, BadRequest, NotFound
from webapp.ogc.collections import (
    COLLECTIONS,
    FEATURE_TEXT,
    Collection,
    CollectionCache,
    attribution,
    get_collection,
)
from webapp.ogc.geojson import collection_text
from webapp.ogc.http import apply_http_policy, link_header
from webapp.ogc.openapi import CORE_ITEM_PARAMETERS, OPENAPI_JSON, openapi_document
from webapp.ogc.schema import feature_schema, property_rows
from webapp.ogc.schema import queryables as queryables_schema
from webapp.ogc.sort import parse_sortby
from webapp.params import parse_bbox, parse_choice, parse_date, parse_int, parse_limit
from webapp.state import AtlasState, get_state

log = logging.getLogger(__name__)

bp = Blueprint("ogc", __name__, url_prefix="/ogc")


#: The conformance classes declared: each is exercised by tests/webapp/test_ogc.py.
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
)
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
SCHEMA_JSON = "application/schema+json"
#: Link relations of a collection's schema (Part 5, and RFC 8288 ``describedby``, which GDAL reads field types from)
#: and of its queryables (Part 3).
REL_SCHEMA = "http://www.opengis.net/def/rel/ogc/1.0/schema"
REL_QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
#: Items per page when ``limit`` is absent (the standard's example default); the maximum is ``settings.api``'s,
#: and a larger ``limit`` is capped to it (/req/core/fc-limit-response-1).
DEFAULT_LIMIT = 10

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE | re.ASCII)


@bp.record_once
def _add_cache(setup: BlueprintSetupState) -> None:
    """Give each app its own cache of collection frames, made when the app factory registers the blueprint."""
    setup.app.extensions["ogc"] = CollectionCache()


# CORS, ETag/Last-Modified, ranges and 405s for /api/ and /ogc/ (webapp.ogc.http), installed with this blueprint.
bp.after_app_request(apply_http_policy)


def _frame(col: Collection, as_of: date):
    """The collection's whole frame on ``as_of``, from the app's cache."""
    return current_app.extensions["ogc"].frame(col, get_state(), as_of)


# --- parsing and negotiation -----------------------------------------------------------------------------------


def parse_datetime(value: str | None) -> date | None:
    """Parse ``datetime`` into the as-of day it names: None when absent.

    An instant (``YYYY-MM-DD`` or an RFC 3339 date-time, taken as its UTC day) names its day; an interval
    ``start/end`` names its end (the partners *as of* the end of the interval), an open end (``start/..`` or
    ``start/``) today. BadRequest for anything else, for an interval whose start is after its end, and for a day
    outside 1900-2100.
    """
    if value is None or value == "":
        return None
    if "/" not in value:
        return _instant(value, value)
    parts = value.split("/")
    if len(parts) != 2 or parts == ["", ""] or parts == ["..", ".."]:
        raise BadRequest(f"datetime must be an instant or an interval start/end (either end may be '..'); got "
                         f"{value!r}", parameter="datetime")
    start, end = (None if part in ("", "..") else _instant(part, value) for part in parts)
    if start is not None and end is not None and start > end:
        raise BadRequest(f"datetime interval starts after it ends: {value!r}", parameter="datetime")
    return end or max(date.today(), start or date.today())


def _instant(text: str, value: str) -> date:
    """The UTC day of one instant of ``datetime`` (``value`` is the whole parameter, for the message)."""
    if _DATE.match(text):
        day = text
    elif _DATETIME.match(text):
        day = _utc_day(text)
    else:
        raise BadRequest(f"datetime must be YYYY-MM-DD or an RFC 3339 date-time such as 2025-12-01T00:00:00Z, "
                         f"or an interval of them; got {value!r}", parameter="datetime")
    return parse_date(day, "datetime", default=date.today())


def _utc_day(value: str) -> str:
    """The UTC day of an RFC 3339 date-time the pattern accepted, or BadRequest if it names no real instant."""
    try:
        moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        # A date at the edge of the calendar with an offset leaves it in UTC: OverflowError, not ValueError.
        return moment.astimezone(UTC).date().isoformat()
    except (ValueError, OverflowError) as exc:
        raise BadRequest(f"datetime must be a real instant (hours 00-23, minutes and seconds 00-59, offset within "
                         f"±23:59); got {value!r}", parameter="datetime") from exc


def _format() -> str:
    """``json`` or ``html``: ``f`` if given, else the Accept header (JSON unless HTML is preferred)."""
    if request.args.get("f"):
        return parse_choice(request.args["f"], "f", ("json", "html"), "json")
    best = request.accept_mimetypes.best_match([JSON, GEOJSON, HTML], default=JSON)
    return "html" if best == HTML else "json"


def _check_parameters(allowed: Iterable[str]) -> None:
    """Raise BadRequest for a query parameter the API definition does not list (/req/core/query-param-unknown).

    ``datetime`` is accepted (and checked) everywhere: GDAL appends the query of the dataset URL, such as
    ``OAPIF:http://host/ogc?datetime=2025-01-01``, to every request it makes, the landing page included.
    """
    allowed = {*allowed, "datetime"}
    parse_datetime(request.args.get("datetime"))
    unknown = [name for name in request.args if name not in allowed]
    if unknown:
        raise BadRequest(f"unknown query parameter {unknown[0]!r}; this resource takes "
                         f"{', '.join(sorted(allowed))}", parameter=unknown[0])


def _url(endpoint: str, fmt: str, args: dict | None = None, **values) -> str:
    return url_for(endpoint, _external=True, **{**(args or {}), **values, "f": fmt})


def _self_links(endpoint: str, fmt: str, json_type: str = JSON, args: dict | None = None, **values) -> list[dict]:
    """``self`` and ``alternate`` links of the resource, in the requested format first."""
    formats = {"json": (json_type, "this document as JSON"), "html": (HTML, "this document as HTML")}
    other = "html" if fmt == "json" else "json"
    return [
        {"rel": rel, "type": formats[f][0], "title": formats[f][1], "href": _url(endpoint, f, args, **values)}
        for rel, f in (("self", fmt), ("alternate", other))
    ]


def _respond(fmt: str, body: dict, template: str, media_type: str = JSON, **context) -> Response:
    if fmt == "html":
        response = Response(render_template(f"ogc/{template}", body=body, **context), mimetype=HTML)
    else:
        response = Response(json.dumps(body, ensure_ascii=False), mimetype=media_type)
    response.vary.add("Accept")
    return response


# --- views -----------------------------------------------------------------------------------------------------


@bp.get("/", strict_slashes=False)
def landing():
    """Landing page: links to the API definition, its documentation, the conformance declaration and the data."""
    _check_parameters(("f",))
    fmt = _format()
    body = {
        "title": "Central Asia Critical Minerals Atlas",
        "description": "Critical-mineral deposits of Central Asia, their owners and export corridors, as OGC API – "
                       "Features.",
        "links": [
            *_self_links("ogc.landing", fmt),
            {"rel": "service-desc", "type": OPENAPI_JSON, "title": "the API definition (OpenAPI 3.0)",
             "href": url_for("ogc.api", _external=True, f="json")},
            {"rel": "service-doc", "type": HTML, "title": "the API documentation",
             "href": url_for("ogc.api", _external=True, f="html")},
            {"rel": "conformance", "type": JSON, "title": "conformance classes implemented",
             "href": _url("ogc.conformance", "json")},
            {"rel": "data", "type": JSON, "title": "the feature collections", "href": _url("ogc.collections", "json")},
        ],
    }
    return _respond(fmt, body, "landing.html")


@bp.get("/conformance")
def conformance():
    """The conformance classes the service implements."""
    _check_parameters(("f",))
    fmt = _format()
    return _respond(fmt, {"links": _self_links("ogc.conformance", fmt), "conformsTo": list(CONFORMANCE)},
                    "conformance.html")


@bp.get("/api")
def api():
    """The OpenAPI 3.0 definition (``service-desc``), or its documentation as HTML (``service-doc``)."""
    _check_parameters(("f",))
    fmt = _format()
    state = get_state()
    document = openapi_document(url_for("ogc.landing", _external=True).rstrip("/"), default_limit=DEFAULT_LIMIT,
                                max_limit=state.settings.api.max_limit)
    return _respond(fmt, document, "api.html", media_type=OPENAPI_JSON)


@bp.get("/collections")
def collections():
    """Every collection with its metadata."""
    _check_parameters(("f",))
    fmt = _format()
    state = get_state()
    body = {"links": _self_links("ogc.collections", fmt),
            "collections": [_collection_body(c, state) for c in COLLECTIONS.values()]}
    return _respond(fmt, body, "collections.html")


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    """One collection's metadata: title, extent, attribution, licence, links to its items."""
    col = get_collection(collection_id)
    _check_parameters(("f",))
    fmt = _format()
    body = _collection_body(col, get_state())
    body["links"] = [*_self_links("ogc.collection", fmt, collection_id=col.id),
                     *(link for link in body["links"] if link["rel"] != "self")]
    return _respond(fmt, body, "collection.html", parameters=[*CORE_ITEM_PARAMETERS, *col.parameters],
                    default_limit=DEFAULT_LIMIT, max_limit=get_state().settings.api.max_limit)


@bp.get("/collections/<collection_id>/schema")
def schema(collection_id: str):
    """The JSON Schema of one feature of the collection: every property with its type, nullability and unit."""
    col = get_collection(collection_id)
    _check_parameters(("f",))
    body = feature_schema(col.fields, title=col.title, description=col.description,
                          schema_id=url_for("ogc.schema", collection_id=col.id, _external=True),
                          geometry=col.geometry_type, id_field=col.id_column)
    return Response(json.dumps(body, ensure_ascii=False), mimetype=SCHEMA_JSON)


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str):
    """The queryables (Part 3): the properties a query parameter of the same name filters on by equality."""
    col = get_collection(collection_id)
    _check_parameters(("f",))
    body = queryables_schema(col.fields, col.queryables, title=f"{col.title}: queryables",
                             schema_id=url_for("ogc.queryables", collection_id=col.id, _external=True))
    return Response(json.dumps(body, ensure_ascii=False), mimetype=SCHEMA_JSON)


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    """The collection's features: bbox, datetime (ownership as-of), property filters, sortby, limit and offset."""
    col = get_collection(collection_id)
    _check_parameters(("f", "bbox", "datetime", "limit", "offset", "sortby", *(p.name for p in col.parameters)))
    fmt = _format()
    state = get_state()
    args = request.args
    limit = parse_limit(args.get("limit"), default=DEFAULT_LIMIT, maximum=state.settings.api.max_limit)
    offset = parse_int(args.get("offset"), "offset", default=0, minimum=0, maximum=10**9)
    bbox = parse_bbox(args.get("bbox"))
    as_of = parse_datetime(args.get("datetime")) or date.today()
    order = parse_sortby(args.get("sortby"), col.fields)
    found = state.site_source.items(col, state, current_app.extensions["ogc"], args, bbox=bbox, as_of=as_of,
                                    order=order, limit=limit, offset=offset)
    rows = found.rows
    members = {
        "links": _items_links(col, fmt, matched=found.matched, limit=limit, offset=offset),
        "numberMatched": found.matched, "numberReturned": len(rows),
        "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if col.temporal:
        members["as_of"] = as_of.isoformat()
    if fmt == "html":
        return _respond(fmt, members, "items.html", collection=col, rows=_html_rows(rows, col))
    response = Response(collection_text(members, rows[FEATURE_TEXT].tolist()), mimetype=GEOJSON)
    response.vary.add("Accept")
    paging = link_header(members["links"])
    if paging:
        response.headers["Link"] = paging
    return response


@bp.get("/collections/<collection_id>/items/<path:feature_id>")
def item(collection_id: str, feature_id: str):
    """One feature by its stable id."""
    col = get_collection(collection_id)
    _check_parameters(("f",))
    fmt = _format()
    as_of = parse_datetime(request.args.get("datetime")) or date.today()
    frame = _frame(col, as_of)
    hit = frame[(frame[col.id_column] == feature_id).to_numpy()]
    if hit.empty:
        raise NotFound(f"no feature {feature_id!r} in collection {col.id!r}")
    body = json.loads(hit[FEATURE_TEXT].iloc[0])
    args = {"datetime": request.args["datetime"]} if request.args.get("datetime") else {}
    body["links"] = [
        *_self_links("ogc.item", fmt, GEOJSON, args, collection_id=col.id, feature_id=feature_id),
        {"rel": "collection", "type": JSON, "title": col.title,
         "href": _url("ogc.collection", "json", collection_id=col.id)},
    ]
    if col.id == "sites":
        body["links"].append({"rel": "related", "type": HTML, "title": "the site page with every source record",
                              "href": url_for("pages.site", site_id=feature_id, _external=True)})
    if fmt == "html":
        return _respond(fmt, body, "item.html", collection=col, row=_html_rows(hit, col)[0])
    return _respond(fmt, body, "item.html", media_type=GEOJSON)


@bp.get("/<path:unknown>")
def not_found(unknown: str):
    """Any other path under /ogc: a 404 in the error shape (JSON or HTML as negotiated)."""
    raise NotFound(f"no resource /ogc/{unknown}; start at the landing page /ogc/")


# --- bodies ----------------------------------------------------------------------------------------------------


def _collection_body(col: Collection, state: AtlasState) -> dict:
    spatial = current_app.extensions["ogc"].extent(col, state)
    credit, licence = attribution(state, col)
    body = {
        "id": col.id, "title": col.title, "description": col.description, "itemType": "feature", "crs": [CRS84],
        "links": [
            {"rel": "self", "type": JSON, "title": "this collection",
             "href": _url("ogc.collection", "json", collection_id=col.id)},
            {"rel": "items", "type": GEOJSON, "title": f"{col.title} as GeoJSON",
             "href": _url("ogc.items", "json", collection_id=col.id)},
            {"rel": "items", "type": HTML, "title": f"{col.title} as HTML",
             "href": _url("ogc.items", "html", collection_id=col.id)},
            {"rel": "describedBy", "type": SCHEMA_JSON, "title": "the JSON Schema of a feature",
             "href": url_for("ogc.schema", collection_id=col.id, _external=True)},
            {"rel": REL_SCHEMA, "type": SCHEMA_JSON, "title": "the JSON Schema of a feature",
             "href": url_for("ogc.schema", collection_id=col.id, _external=True)},
            {"rel": REL_QUERYABLES, "type": SCHEMA_JSON, "title": "the properties a query parameter filters on",
             "href": url_for("ogc.queryables", collection_id=col.id, _external=True)},
        ],
        "extent": {},
        "attribution": credit,
        "license": licence,
    }
    if spatial is not None:
        body["extent"]["spatial"] = {"bbox": [spatial], "crs": CRS84}
    if col.temporal:
        first = current_app.extensions["ogc"].first_relation_day(state)
        if first is not None:
            # From the first dated licence or ownership relation, open-ended: the span over which the partner
            # properties can change (any day is accepted; before it, no relation is in force).
            body["extent"]["temporal"] = {"interval": [[f"{first.isoformat()}T00:00:00Z", None]],
                                          "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    return body


def _items_links(col: Collection, fmt: str, *, matched: int, limit: int, offset: int) -> list[dict]:
    """self/alternate, next/prev (the query kept, only offset changed) and the collection."""
    args = {k: v for k, v in request.args.items() if k != "f"}
    media = GEOJSON if fmt == "json" else HTML
    links = _self_links("ogc.items", fmt, GEOJSON, args, collection_id=col.id)
    if offset + limit < matched:
        links.append({"rel": "next", "type": media, "title": "next page",
                      "href": _url("ogc.items", fmt, {**args, "offset": offset + limit}, collection_id=col.id)})
    if offset > 0:
        links.append({"rel": "prev", "type": media, "title": "previous page",
                      "href": _url("ogc.items", fmt, {**args, "offset": max(0, offset - limit)},
                                   collection_id=col.id)})
    links.append({"rel": "collection", "type": JSON, "title": col.title,
                  "href": _url("ogc.collection", "json", collection_id=col.id)})
    return links


def _html_rows(frame, col: Collection) -> list[dict]:
    """Rows for the HTML tables: id, properties, and the geometry in words."""
    geometry = [_geometry_words(g) for g in frame.geometry]
    return [{"id": str(row[col.id_column]), "properties": row, "geometry": geom}
            for row, geom in zip(property_rows(frame, col.fields), geometry, strict=True)]


def _geometry_words(geometry) -> str:
    if geometry is None or geometry.is_empty:
        return "no location"
    if geometry.geom_type == "Point":
        return f"Point {geometry.x:.5f}, {geometry.y:.5f}"
    west, south, east, north = geometry.bounds
    return f"{geometry.geom_type} within {west:.4f}, {south:.4f}, {east:.4f}, {north:.4f}"


# --- errors ----------------------------------------------------------------------------------------------------


def _error(status: int, title: str, message: str, parameter: str | None = None) -> Response:
    """The house error shape (``webapp.errors``), as JSON or as the HTML error page, by negotiation."""
    wants_html = request.args.get("f") == "html" or (
        not request.args.get("f")
        and request.accept_mimetypes.best_match([JSON, GEOJSON, HTML], default=JSON) == HTML)
    if wants_html:
        response = Response(render_template("error.html", status=status, title=title, message=message),
                            status=status, mimetype=HTML)
    else:
        body = {"error": {"status": status, "title": title, "message": message}}
        if parameter:
            body["error"]["parameter"] = parameter
        response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=JSON)
    response.vary.add("Accept")
    return response


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return _error(exc.status, exc.title, exc.message, exc.parameter)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return _error(exc.code or 500, exc.name, exc.description or exc.name)


@bp.errorhandler(LayerNotFound)
@bp.errorhandler(StoreError)
def _domain_error(exc: Exception) -> Response:
    status = next(code for cls, code in STATUS_TABLE.items() if isinstance(exc, cls))
    return _error(status, type(exc).__name__, str(exc))


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.path)
    return _error(500, "Internal error", "The server failed to answer this request; it has been logged.")
