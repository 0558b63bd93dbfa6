"""Errors raised while loading sources and building the store."""


class AtlasError(Exception):
    """Base class of every error the atlas raises on purpose."""


class SourceNotFoundError(AtlasError):
    """A raw source file named in the manifest is not in the raw-data directory."""


class SourceFormatError(AtlasError):
    """A raw source exists but cannot be read as the format its loader expects."""


class SourceUnreadableError(AtlasError):
    """A raw source file is present but cannot be read: a directory, a dangling or looping symlink, no permission."""


class SourcePathError(AtlasError):
    """A source's file lies outside its directory (the raw-data directory, or data/ for curated tables)."""


class ColumnMappingError(SourceFormatError):
    """A tabular source lacks columns the loader needs, even after the column mapping."""


class SchemaError(AtlasError):
    """A GeoDataFrame does not meet its layer contract (columns, dtypes, CRS, geometry type)."""


class CRSMismatchError(AtlasError):
    """Two layers combined in one operation do not share a CRS."""


class ManifestError(AtlasError):
    """The source manifest is malformed or names an unknown loader."""


class StoreError(AtlasError):
    """The built store is missing, unreadable or written by an incompatible build."""


class BuildError(AtlasError):
    """The build cannot produce a store from the sources present."""


class StoreShrinkError(BuildError):
    """A build would drop a source the previous store had, or lose more than the allowed share of its sites."""


class LayerNotFound(AtlasError):
    """A layer id is not registered."""
