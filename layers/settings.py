"""Typed settings for sources and the store, read once from ``ATLAS_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The project's root folder (the one holding ``layers/``).
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SourceSettings(BaseSettings):
    """Where raw sources and the manifest are found."""

    model_config = SettingsConfigDict(env_prefix="ATLAS_", extra="ignore")

    raw_dir: Path = PROJECT_ROOT / "data" / "raw"
    manifest_path: Path = PROJECT_ROOT / "data" / "sources.toml"
    data_dir: Path = PROJECT_ROOT / "data"

    @field_validator("raw_dir", "manifest_path", "data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()


class StoreSettings(BaseSettings):
    """Where the built store is written and read, and when a build may replace a bigger one."""

    model_config = SettingsConfigDict(env_prefix="ATLAS_", extra="ignore")

    store_path: Path = PROJECT_ROOT / "data" / "atlas.gpkg"
    #: Share of the previous store's sites a build may lose before it refuses to replace it (0.1 = 10 %).
    max_site_loss: float = Field(default=0.10, ge=0.0, le=1.0)
    #: Replace the previous store even if the build drops a source it had or loses more sites than allowed.
    allow_shrink: bool = False
    #: ``ATLAS_DATABASE_URL``: a PostGIS database the build also writes the store into and the app then serves
    #: sites from (layers/postgis.py); None (the default) keeps the GeoPackage as the only store.
    database_url: str | None = None
    #: ``ATLAS_DATABASE_SCHEMA``: the serving schema in that database (a build swaps a new one in under this name).
    database_schema: str = Field(default="atlas", pattern=r"^[a-z_][a-z0-9_]{0,39}$")

    @field_validator("store_path")
    @classmethod
    def _gpkg(cls, value: Path) -> Path:
        if value.suffix.lower() != ".gpkg":
            raise ValueError(f"ATLAS_STORE_PATH must end in .gpkg, got {value}")
        return value.expanduser().resolve()

    @field_validator("database_url")
    @classmethod
    def _postgres(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("ATLAS_DATABASE_URL must be a postgresql:// URL (libpq form), e.g. "
                             "postgresql://postgres@/atlas?host=/path/to/.postgis/run&port=55432")
        return value


class TableSettings(BaseSettings):
    """Limits and streaming of tabular inputs (national registries and relation tables).

    Measured on a 2-core machine: a national registry file builds at about 4,400 rows/s end to end (see
    docs/NATIONAL_TEMPLATE.md, "Large files"). The limits refuse a file before it is read, not part-way.
    """

    model_config = SettingsConfigDict(env_prefix="ATLAS_", extra="ignore")

    max_table_rows: int = Field(500_000, ge=1)  # data rows per file (peak memory grows ~8.5 KB per row)
    max_table_mb: float = Field(256.0, gt=0)  # file size in MB (10^6 bytes)
    table_chunk_rows: int = Field(50_000, ge=1)  # rows read (and logged) per chunk of a CSV file
