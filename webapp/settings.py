"""Typed settings of the web app, split by concern; overrides come from ``ATLAS_*`` variables or arguments."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.analyze import AnalysisSettings
from layers.settings import StoreSettings


class MapSettings(BaseSettings):
    """The base map: tiles and the start view."""

    model_config = SettingsConfigDict(env_prefix="ATLAS_", extra="ignore")

    #: XYZ tile URL; empty for no tiles (the country outlines from the store are always drawn).
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    center_lat: float = Field(43.5, ge=-90, le=90)
    center_lon: float = Field(66.0, ge=-180, le=180)
    zoom: int = Field(5, ge=1, le=18)
    #: /api/clusters answers a view (or a filter) of at most this many sites with the sites themselves.
    cluster_points_below: int = Field(2000, ge=0, le=10000)


class ApiSettings(BaseSettings):
    """Paging limits of the API."""

    model_config = SettingsConfigDict(env_prefix="ATLAS_", extra="ignore")

    default_limit: int = Field(1000, ge=1)
    max_limit: int = Field(10000, ge=1)

    @model_validator(mode="after")
    def _limits(self) -> ApiSettings:
        if self.default_limit > self.max_limit:
            raise ValueError(f"ATLAS_DEFAULT_LIMIT ({self.default_limit}) exceeds ATLAS_MAX_LIMIT ({self.max_limit})")
        return self


class ServerSettings(BaseSettings):
    """Where the app is reached: the base of every absolute URL it writes, and the proxies it trusts."""

    model_config = SettingsConfigDict(env_prefix="ATLAS_", extra="ignore")

    #: ``ATLAS_PUBLIC_URL``: absolute http(s) URL of the app's root (``https://atlas.example.org`` or with a path
    #: prefix). Unset: links are built from the request's ``Host``, which the client chooses.
    public_url: str | None = None
    #: ``ATLAS_TRUSTED_PROXIES``: how many proxies in front of the app set ``X-Forwarded-*``; 0 ignores them.
    trusted_proxies: int = Field(0, ge=0, le=10)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"ATLAS_PUBLIC_URL must be an absolute http(s) URL such as https://atlas.example.org; "
                             f"got {value!r}")
        if parts.query or parts.fragment or "@" in parts.netloc:
            raise ValueError(f"ATLAS_PUBLIC_URL must have no user, query or fragment; got {value!r}")
        try:
            parts.port  # noqa: B018 - urlsplit checks the port only when it is read
        except ValueError as exc:
            raise ValueError(f"ATLAS_PUBLIC_URL has a bad port: {value!r}") from exc
        return value.strip().rstrip("/")


class ServingSettings(BaseSettings):
    """The production server (gunicorn, ``make run``) and the response policy: every value an ``ATLAS_*`` variable.

    ``ATLAS_WORKERS`` processes of ``ATLAS_THREADS`` threads each; a request running longer than
    ``ATLAS_WORKER_TIMEOUT_S`` gets its worker restarted; a worker is replaced after ``ATLAS_MAX_REQUESTS``
    requests (plus up to ``ATLAS_MAX_REQUESTS_JITTER``) so a slow leak cannot grow without bound. Request bodies are
    capped at ``ATLAS_MAX_BODY_BYTES`` (the atlas reads only query strings), the request line and headers by the
    ``ATLAS_LIMIT_*`` values.
    """

    model_config = SettingsConfigDict(env_prefix="ATLAS_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(5000, ge=1, le=65535)
    workers: int = Field(2, ge=1, le=64)
    threads: int = Field(8, ge=1, le=256)
    worker_timeout_s: int = Field(120, ge=5, le=3600)
    graceful_timeout_s: int = Field(30, ge=1, le=3600)
    keepalive_s: int = Field(5, ge=0, le=300)
    max_requests: int = Field(20000, ge=0)
    max_requests_jitter: int = Field(2000, ge=0)
    #: Largest request body accepted (Flask answers 413 above it); the atlas reads only query strings.
    max_body_bytes: int = Field(1_048_576, ge=0)
    limit_request_line: int = Field(8190, ge=256, le=8190)
    limit_request_fields: int = Field(100, ge=1, le=32768)
    limit_request_field_size: int = Field(8190, ge=256, le=65536)
    #: ``-`` writes the access log to standard output; a path writes it there; empty turns it off.
    access_log: str = "-"
    #: Text bodies shorter than this are not gzipped.
    compress_min_bytes: int = Field(1024, ge=0)
    compress_level: int = Field(6, ge=1, le=9)
    #: Total size of gzip bodies kept for reuse (the map's sites JSON is compressed once, not per request).
    compress_cache_bytes: int = Field(32 * 1024 * 1024, ge=0)
    #: ``Cache-Control: max-age`` of ``/static/`` files; they are not content-addressed, so an hour.
    static_max_age_s: int = Field(3600, ge=0)


class WebSettings(BaseSettings):
    """Everything ``create_app`` needs."""

    model_config = SettingsConfigDict(env_prefix="ATLAS_", extra="ignore")

    store: StoreSettings = Field(default_factory=StoreSettings)
    analysis: AnalysisSettings = Field(default_factory=AnalysisSettings)
    map: MapSettings = Field(default_factory=MapSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    serving: ServingSettings = Field(default_factory=ServingSettings)
