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


class WebSettings(BaseSettings):
    """Everything ``create_app`` needs."""

    model_config = SettingsConfigDict(env_prefix="ATLAS_", extra="ignore")

    store: StoreSettings = Field(default_factory=StoreSettings)
    analysis: AnalysisSettings = Field(default_factory=AnalysisSettings)
    map: MapSettings = Field(default_factory=MapSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
