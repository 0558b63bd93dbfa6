"""The OpenAPI 3.0 definition of the OGC API – Features service, generated from the collections registry."""

from __future__ import annotations

from webapp.ogc.collections import COLLECTIONS, Collection, Parameter

#: Media type of the OpenAPI definition (``service-desc``).
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"

#: Query parameters every items request takes, with the OpenAPI text of OGC 17-069r4 (Core, 7.15.2-7.15.4).
CORE_ITEM_PARAMETERS = (
    Parameter("bbox", "Only features whose geometry intersects the box `minlon,minlat,maxlon,maxlat` or "
                      "`minlon,minlat,minh,maxlon,maxlat,maxh` (CRS84 degrees; heights ignored). A west edge "
                      "greater than the east edge crosses the antimeridian. Features without a location never "
                      "match.",
              {"type": "array", "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}],
               "items": {"type": "number"}}),
    Parameter("datetime", "An instant (`YYYY-MM-DD`, or an RFC 3339 date-time taken as its UTC day) or an "
                          "interval `start/end` (either end `..` or empty). On `sites` it is the ownership as-of "
                          "date of the partner properties: an instant is that day, an interval its end (an open "
                          "end: today); default today. It never removes a site. The other collections carry no "
                          "time and ignore it; every resource accepts it (GDAL sends it on every request).",
              {"type": "string"}),
    Parameter("offset", "Number of matched features skipped before the first returned one (vendor paging "
                        "parameter; `next` and `prev` links carry it).",
              {"type": "integer", "minimum": 0, "default": 0}),
    Parameter("sortby", "Comma-separated fields to sort by, each optionally prefixed by `+` (ascending, the "
                        "default) or `-` (descending), e.g. `-n_sources,name` (OGC API – Records \"Sorting\"). "
                        "Any scalar field of the collection's schema; text compares case-insensitively and "
                        "missing values come last.",
              {"type": "string"}),
)


def openapi_document(server_url: str, *, default_limit: int, max_limit: int) -> dict:
    """Return the OpenAPI 3.0 definition of every path under ``server_url`` (the service root, ``.../ogc``).

    Parameters
    ----------
    server_url : str
        Absolute URL of the landing page, without a trailing slash.
    default_limit, max_limit : int
        The items ``limit`` default and maximum.

    Returns
    -------
    dict
        A JSON-serialisable OpenAPI 3.0.3 document: one path per collection, its items and one item, with the
        collection's own filter parameters.
    """
    paths: dict[str, dict] = {
        "/": _get("getLandingPage", "Landing page", "landing page with links to the API definition, the "
                  "conformance declaration and the collections", "#/components/schemas/landingPage"),
        "/conformance": _get("getConformanceDeclaration", "Conformance declaration",
                             "the conformance classes the server implements", "#/components/schemas/confClasses"),
        "/collections": _get("getCollections", "Feature collections", "the collections of the service",
                             "#/components/schemas/collections"),
        "/api": {"get": {
            "operationId": "getAPIDefinition", "summary": "This API definition (JSON) or its documentation (HTML)",
            "parameters": [{"$ref": "#/components/parameters/f"}],
            "responses": {"200": {"description": "the API definition", "content": {
                OPENAPI_JSON: {"schema": {"type": "object"}}, "text/html": {"schema": {"type": "string"}}}},
                **_errors()}}},
    }
    for collection in COLLECTIONS.values():
        paths.update(_collection_paths(collection))
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Central Asia Critical Minerals Atlas – OGC API – Features",
            "version": "1.0.0",
            "description": "Deposit sites with their partners and corridor access, source records, licences, "
                           "transport corridors, gateways, railways, countries and facilities as OGC API – "
                           "Features Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0). Unknown query parameters are "
                           "answered with 400 (requirement /req/core/query-param-unknown).",
            "license": {"name": "MIT (code); each collection names the licences of its data",
                        "url": "https://opensource.org/licenses/MIT"},
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": _components(default_limit, max_limit),
    }


def _collection_paths(collection: Collection) -> dict[str, dict]:
    base = f"/collections/{collection.id}"
    filters = [_parameter(p) for p in collection.parameters]
    item_parameters = [{"$ref": "#/components/parameters/featureId"}, {"$ref": "#/components/parameters/f"}]
    if collection.temporal:
        item_parameters.append({"$ref": "#/components/parameters/datetime"})
    schema_ok = {"200": {"description": "a JSON Schema (2019-09)", "content": {
        "application/schema+json": {"schema": {"type": "object"}}}}, **_errors()}
    return {
        base: _get(f"describe{_camel(collection.id)}Collection", f"Metadata of {collection.title}",
                   "the collection's metadata", "#/components/schemas/collection"),
        f"{base}/schema": {"get": {
            "operationId": f"get{_camel(collection.id)}Schema", "tags": [collection.id],
            "summary": f"{collection.title}: the JSON Schema of a feature (every property, its type and unit)",
            "parameters": [{"$ref": "#/components/parameters/f"}], "responses": schema_ok}},
        f"{base}/queryables": {"get": {
            "operationId": f"get{_camel(collection.id)}Queryables", "tags": [collection.id],
            "summary": f"{collection.title}: the properties a query parameter of the same name filters on",
            "parameters": [{"$ref": "#/components/parameters/f"}], "responses": schema_ok}},
        f"{base}/items": {"get": {
            "operationId": f"get{_camel(collection.id)}Features", "summary": f"{collection.title}: features",
            "description": collection.description, "tags": [collection.id],
            "parameters": [*({"$ref": f"#/components/parameters/{name}"}
                             for name in ("bbox", "datetime", "limit", "offset", "sortby", "f")), *filters],
            "responses": {"200": {"description": "the features", "headers": {"Link": {
                "description": "`next` and `prev` pages (RFC 8288), as in the body's links",
                "schema": {"type": "string"}}}, "content": {
                "application/geo+json": {"schema": {"$ref": "#/components/schemas/featureCollectionGeoJSON"}},
                "text/html": {"schema": {"type": "string"}}}}, **_errors()}}},
        f"{base}/items/{{featureId}}": {"get": {
            "operationId": f"get{_camel(collection.id)}Feature", "summary": f"{collection.title}: one feature",
            "tags": [collection.id], "parameters": item_parameters,
            "responses": {"200": {"description": "the feature", "content": {
                "application/geo+json": {"schema": {"$ref": "#/components/schemas/featureGeoJSON"}},
                "text/html": {"schema": {"type": "string"}}}}, **_errors()}}},
    }


def _get(operation_id: str, summary: str, description: str, schema: str) -> dict:
    return {"get": {
        "operationId": operation_id, "summary": summary,
        "parameters": [{"$ref": "#/components/parameters/f"}],
        "responses": {"200": {"description": description, "content": {
            "application/json": {"schema": {"$ref": schema}}, "text/html": {"schema": {"type": "string"}}}},
            **_errors()},
    }}


def _errors() -> dict:
    """Every answer besides the 200 (``webapp.ogc.http`` gives 206, 304 and the 405's ``Allow``)."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/error"}},
             "text/html": {"schema": {"type": "string"}}}
    return {"206": {"description": "the byte range a `Range` header asked for (`Accept-Ranges: bytes`)"},
            "304": {"description": "not modified: the `ETag` or `Last-Modified` the client holds is current"},
            "400": {"description": "a bad or unknown query parameter", "content": error},
            "404": {"description": "no such collection or feature", "content": error},
            "405": {"description": "a method other than GET, HEAD or OPTIONS; `Allow` lists them",
                    "headers": {"Allow": {"schema": {"type": "string"}}}, "content": error},
            "500": {"description": "an unexpected server error (logged)", "content": error},
            "503": {"description": "the store is missing or of another build", "content": error}}


def _parameter(parameter: Parameter) -> dict:
    return {"name": parameter.name, "in": "query", "required": False, "description": parameter.description,
            "style": "form", "explode": False, "schema": parameter.schema}


def _camel(identifier: str) -> str:
    return "".join(part.capitalize() for part in identifier.split("_"))


def _components(default_limit: int, max_limit: int) -> dict:
    link = {"type": "object", "required": ["href", "rel"], "properties": {
        "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
        "title": {"type": "string"}}}
    links = {"type": "array", "items": {"$ref": "#/components/schemas/link"}}
    parameters = {p.name: _parameter(p) for p in CORE_ITEM_PARAMETERS}
    parameters["limit"] = _parameter(Parameter(
        "limit", f"Number of features returned (default {default_limit}); a larger value than {max_limit} is "
                 f"capped to {max_limit} (/req/core/fc-limit-response-1). A `next` link follows while more "
                 "match.", {"type": "integer", "minimum": 1, "maximum": max_limit,
                                        "default": default_limit}))
    parameters["f"] = _parameter(Parameter(
        "f", "Response format; without it, the Accept header decides (JSON unless HTML is preferred).",
        {"type": "string", "enum": ["json", "html"]}))
    parameters["featureId"] = {"name": "featureId", "in": "path", "required": True,
                               "description": "the feature's stable id (site_id, record_id, licence_id ...)",
                               "schema": {"type": "string"}}
    return {"parameters": parameters, "schemas": {
        "link": link,
        "landingPage": {"type": "object", "required": ["links"], "properties": {
            "title": {"type": "string"}, "description": {"type": "string"}, "links": links}},
        "confClasses": {"type": "object", "required": ["conformsTo"], "properties": {
            "conformsTo": {"type": "array", "items": {"type": "string"}}}},
        "collection": {"type": "object", "required": ["id", "links"], "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
            "links": links, "itemType": {"type": "string"}, "crs": {"type": "array", "items": {"type": "string"}},
            "extent": {"type": "object"}, "attribution": {"type": "string"}, "license": {"type": "string"}}},
        "collections": {"type": "object", "required": ["links", "collections"], "properties": {
            "links": links, "collections": {"type": "array", "items": {"$ref": "#/components/schemas/collection"}}}},
        "featureGeoJSON": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
            "type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "string"},
            "geometry": {"type": "object", "nullable": True}, "properties": {"type": "object", "nullable": True},
            "links": links}},
        "featureCollectionGeoJSON": {"type": "object", "required": ["type", "features"], "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"$ref": "#/components/schemas/featureGeoJSON"}},
            "links": links, "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": {"type": "integer", "minimum": 0}, "numberReturned": {"type": "integer", "minimum": 0}}},
        "error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["status", "title", "message"], "properties": {
                "status": {"type": "integer"}, "title": {"type": "string"}, "message": {"type": "string"},
                "parameter": {"type": "string"}}}}},
    }}
