"""One error hierarchy, one status table, one renderer: JSON for the API, an HTML page elsewhere."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from layers.errors import LayerNotFound, StoreError

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error whose message is safe to show to the user."""

    status = 500
    title = "Internal error"

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter


class BadRequest(ApiError):
    """A request parameter is malformed or out of range."""

    status = 400
    title = "Bad request"


class NotFound(ApiError):
    """The requested item does not exist."""

    status = 404
    title = "Not found"


#: Domain exceptions that are not ApiError → HTTP status.
STATUS_TABLE: dict[type[Exception], int] = {LayerNotFound: 404, StoreError: 503}


#: What a client is told of a 503 (the store or an analysis file cannot be read); the detail is logged.
UNAVAILABLE_MESSAGE = "The atlas cannot read its data right now; the error has been logged. Try again later."


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, title: str, message: str, parameter: str | None = None) -> tuple[Response | str, int]:
    if _wants_json():
        body = {"error": {"status": status, "title": title, "message": message}}
        if parameter:
            body["error"]["parameter"] = parameter
        return jsonify(body), status
    return render_template("error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Render every error in one shape: ``{"error": {status, title, message[, parameter]}}`` or a page."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return _render(exc.status, exc.title, exc.message, exc.parameter)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return _render(exc.code or 500, exc.name, exc.description or exc.name)

    for error_class, status in STATUS_TABLE.items():
        def _domain_error(exc: Exception, status: int = status):
            if status >= 500:
                # A server-side failure's message names files of the deployment (a missing raster, the store):
                # it goes to the log, the client gets a fixed sentence.
                log.error("%s on %s: %s", type(exc).__name__, request.path, exc)
                return _render(status, "Service unavailable", UNAVAILABLE_MESSAGE)
            return _render(status, type(exc).__name__, str(exc))

        app.register_error_handler(error_class, _domain_error)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s", request.path)
        return _render(500, "Internal error", "The server failed to answer this request; it has been logged.")
