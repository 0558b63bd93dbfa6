"""HTTP behaviour GIS and web clients rely on, for the read-only resources under ``/api/`` and ``/ogc/``.

One ``after_request`` function (installed app-wide by the ``/ogc`` blueprint) adds:

- ``Access-Control-Allow-Origin: *`` on every answer to GET, HEAD and OPTIONS (the API only reads);
- ``Last-Modified`` (the store's build time) and a strong ``ETag`` (a hash of the build time and the body) on
  buffered 200 answers, which then answer ``If-None-Match``/``If-Modified-Since`` with 304 and a ``Range``
  with 206 (``Accept-Ranges: bytes``): GDAL's ``/vsicurl/`` (pyogrio reading ``/api/sites`` by its URL) asks
  for byte ranges and refuses a server that ignores them;
- on a 405, the ``Allow`` header and, for a JSON client, the error in the API's JSON shape.

Views add ``Link`` headers for ``next``/``prev`` with :func:`link_header`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from flask import Response, current_app, request
from werkzeug.exceptions import MethodNotAllowed

#: Path prefixes whose answers get these headers.
API_PREFIXES = ("/api/", "/ogc/", "/ogc", "/downloads/")
#: Headers a browser script may read from a cross-origin answer.
EXPOSED_HEADERS = ("Link", "ETag", "Last-Modified", "Content-Disposition", "Content-Range", "X-Atlas-Attribution",
                   "X-Atlas-Licence")
_READ_METHODS = ("GET", "HEAD", "OPTIONS")


def link_header(links: list[dict], rels: tuple[str, ...] = ("next", "prev")) -> str | None:
    """An RFC 8288 ``Link`` header value of the ``rels`` among ``links`` (``{"rel", "href", "type"}``)."""
    parts = [f'<{link["href"]}>; rel="{link["rel"]}"' + (f'; type="{link["type"]}"' if link.get("type") else "")
             for link in links if link["rel"] in rels]
    return ", ".join(parts) or None


def store_built_at() -> datetime | None:
    """The store's build time (``build_info.built_at``), or None if it has none."""
    text = current_app.extensions["atlas"].store.build_info.get("built_at")
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def apply_http_policy(response: Response) -> Response:
    """The after-request function: CORS, validators and ranges, 405 with ``Allow`` (see the module docstring)."""
    if not request.path.startswith(API_PREFIXES):
        return response
    if response.status_code == 405:
        response = _method_not_allowed(response)
    if request.method in _READ_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    if request.method in ("GET", "HEAD") and response.status_code == 200 and not response.direct_passthrough \
            and not response.is_streamed:
        built = store_built_at()
        if built is not None:
            response.last_modified = built
        data = response.get_data()
        response.set_etag(hashlib.sha256(f"{built}\n".encode() + data).hexdigest()[:32])
        response.make_conditional(request, accept_ranges=True, complete_length=len(data))
    return response


def _method_not_allowed(response: Response) -> Response:
    """A 405 with ``Allow``; for a client that takes JSON (an API path or an Accept of JSON), the JSON error."""
    exc = request.routing_exception
    allowed = sorted(exc.valid_methods) if isinstance(exc, MethodNotAllowed) and exc.valid_methods else \
        ["GET", "HEAD", "OPTIONS"]
    wants_html = request.accept_mimetypes.best_match(["application/json", "text/html"],
                                                     default="application/json") == "text/html"
    if not wants_html or request.path.startswith("/api/"):
        message = f"{request.method} is not allowed on {request.path}; allowed: {', '.join(allowed)}"
        body = {"error": {"status": 405, "title": "Method Not Allowed", "message": message}}
        response = Response(json.dumps(body), status=405, mimetype="application/json")
    response.headers["Allow"] = ", ".join(allowed)
    response.vary.add("Accept")
    return response
