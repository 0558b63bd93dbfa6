"""Response policy of every answer: security headers, gzip of text bodies and cache lifetimes of static files."""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from urllib.parse import urlsplit

from flask import Flask, Response, request

from webapp.settings import ServingSettings

#: Media types whose bodies are compressed (JSON and GeoJSON answers, pages, scripts, styles, SVG, CSV, KML).
COMPRESSIBLE_TYPES = frozenset({
    "text/html", "text/css", "text/csv", "text/plain", "text/javascript", "application/javascript",
    "application/json", "application/geo+json", "application/schema+json", "application/vnd.oai.openapi+json",
    "application/problem+json", "application/xml", "image/svg+xml", "application/vnd.google-earth.kml+xml",
})


def content_security_policy(tile_url: str) -> str:
    """The Content-Security-Policy of every response.

    Scripts, connections and fonts only from the app itself (no inline script: the map's generated script is served
    as a file, see :func:`webapp.maps.externalise_scripts`); images also from the tile server's origin and ``data:``
    (Leaflet's icons); inline styles are allowed, because folium writes ``<style>`` blocks and
    Leaflet positions its panes with ``style`` attributes, and styles cannot run code. No plug-ins, no framing.

    Parameters
    ----------
    tile_url : str
        The map's XYZ tile URL template (``ATLAS_TILE_URL``); empty for no tiles. A ``{s}`` sub-domain becomes ``*``.

    Returns
    -------
    str
        The header value.
    """
    images = ["'self'", "data:"]
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "tiles-subdomain"))
        if parts.scheme in ("http", "https") and parts.hostname:
            host = parts.netloc.replace("tiles-subdomain", "*")
            images.append(f"{parts.scheme}://{host}")
    return "; ".join((
        "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'",
        f"img-src {' '.join(images)}", "connect-src 'self'", "font-src 'self'", "object-src 'none'",
        "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
    ))


def security_headers(tile_url: str) -> dict[str, str]:
    """The headers set on every response (an existing header of the same name is kept)."""
    return {
        "Content-Security-Policy": content_security_policy(tile_url),
        "X-Content-Type-Options": "nosniff",
        # Other sites (the tile server included) learn the atlas's origin, never its paths and queries.
        "Referrer-Policy": "strict-origin-when-cross-origin",
        # frame-ancestors for current browsers, X-Frame-Options for the ones that predate it.
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }


class GzipCache:
    """The last few gzip bodies by digest of the plain body, so an unchanged answer is compressed once.

    The sites GeoJSON the map loads (1.7 MB) takes tens of milliseconds to compress; its digest takes about one.
    Bounded by a total size, so memory stays flat under load whatever the requests.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[bytes, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def compress(self, body: bytes, level: int) -> bytes:
        """Return ``body`` gzipped at ``level``, from the cache when the same body was compressed lately."""
        key = hashlib.blake2b(body, digest_size=20).digest() + bytes([level])
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        packed = gzip.compress(body, compresslevel=level, mtime=0)
        if len(packed) <= self.max_bytes:
            with self._lock:
                if key not in self._items:
                    self._items[key] = packed
                    self._size += len(packed)
                while self._size > self.max_bytes:
                    _, old = self._items.popitem(last=False)
                    self._size -= len(old)
        return packed


def _accepts_gzip() -> bool:
    for item in request.headers.get("Accept-Encoding", "").split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _compress(response: Response, cache: GzipCache, min_bytes: int, level: int) -> None:
    # A file (static, vendor) is passed through as a file wrapper and can be read; a generator body is streamed.
    streamed = response.is_streamed and not response.direct_passthrough
    if (response.status_code != 200 or "Content-Encoding" in response.headers or streamed
            or request.method == "HEAD" or response.mimetype not in COMPRESSIBLE_TYPES):
        return
    if "Range" in request.headers:
        # A byte range (GDAL's /vsicurl/) is cut from the identity body by webapp.ogc.http, which runs after this.
        return
    response.vary.add("Accept-Encoding")
    if not _accepts_gzip():
        return
    response.direct_passthrough = False
    source = response.response
    body = response.get_data()
    if hasattr(source, "close"):
        source.close()  # a file wrapper, now read: close it at once rather than when the server closes the response
    if len(body) < min_bytes:
        return
    response.set_data(cache.compress(body, level))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        # The gzip body is another representation: a strong validator must not name both (RFC 9110 8.8.1); a weak
        # one still matches If-None-Match, which uses weak comparison.
        response.set_etag(etag, weak=True)


def install_response_policy(app: Flask, tile_url: str, serving: ServingSettings) -> None:
    """Add the security headers, compression and static-file caching to every response of ``app``.

    Parameters
    ----------
    app : Flask
        The app being built.
    tile_url : str
        The map's tile URL template, whose origin the CSP lets images come from.
    serving : ServingSettings
        ``compress_min_bytes`` (shorter bodies are sent as they are), ``compress_level`` (gzip 1-9),
        ``compress_cache_bytes`` (gzip bodies kept for reuse) and ``static_max_age_s`` (``max-age`` of
        ``/static/`` files; the vendor files set their own).
    """
    headers = security_headers(tile_url)
    cache = GzipCache(serving.compress_cache_bytes)
    compress_min_bytes, compress_level = serving.compress_min_bytes, serving.compress_level
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = serving.static_max_age_s

    @app.after_request
    def _response_policy(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        _compress(response, cache, compress_min_bytes, compress_level)
        return response
