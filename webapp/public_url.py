"""The URL the app is served at: a configured public base URL, else the request's (proxy headers only if trusted)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


class PublicUrl:
    """WSGI middleware: every request sees the configured scheme, host and path prefix, whatever ``Host`` it sent.

    All absolute URLs (``url_for(..., _external=True)``, ``request.url``, ``request.host_url``) are then built from
    the public URL, so a forged ``Host`` or ``X-Forwarded-Host`` cannot put another site into the links. A path
    prefix becomes ``SCRIPT_NAME``; a request path that still starts with it (a proxy that does not strip it) has
    it removed, so both proxy styles work.
    """

    def __init__(self, app: Callable, public_url: str) -> None:
        parts = urlsplit(public_url)
        self.app = app
        self.scheme, self.host, self.prefix = parts.scheme, parts.netloc, parts.path.rstrip("/")
        self.server_name = parts.hostname or ""
        self.server_port = str(parts.port or (443 if parts.scheme == "https" else 80))

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """Rewrite the request's idea of where it was sent, then call the app."""
        environ["atlas.client_host"] = environ.get("HTTP_HOST", "")
        environ.update({"wsgi.url_scheme": self.scheme, "HTTP_HOST": self.host, "SERVER_NAME": self.server_name,
                        "SERVER_PORT": self.server_port, "SCRIPT_NAME": self.prefix})
        path = environ.get("PATH_INFO", "")
        if self.prefix and (path == self.prefix or path.startswith(self.prefix + "/")):
            environ["PATH_INFO"] = path[len(self.prefix):] or "/"
        return self.app(environ, start_response)


def install_url_policy(app: Flask, public_url: str | None, trusted_proxies: int) -> None:
    """Wrap ``app.wsgi_app``: ProxyFix for ``trusted_proxies`` hops (0: forwarded headers ignored), then PublicUrl.

    Parameters
    ----------
    app : Flask
        The app being built.
    public_url : str or None
        Absolute http(s) URL of the app's root; None to build URLs from the request.
    trusted_proxies : int
        How many proxies in front of the app set ``X-Forwarded-For/Proto/Host/Port/Prefix``.
    """
    if public_url:
        app.wsgi_app = PublicUrl(app.wsgi_app, public_url)
    if trusted_proxies:
        # Outermost, so the public URL, when set, wins over what the proxies forwarded.
        n = trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)
