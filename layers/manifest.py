"""The source manifest (``data/sources.toml``): what each raw source is, where its files are, who made it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from layers.errors import ManifestError
from layers.settings import SourceSettings

_REQUIRED = ("id", "title", "publisher", "licence", "attribution", "url", "root", "files", "loader")
_ROOTS = ("raw", "data")


@dataclass(frozen=True)
class Source:
    """One raw source as the manifest declares it."""

    id: str
    title: str
    publisher: str
    licence: str
    attribution: str
    url: str
    root: str
    files: tuple[str, ...]
    loader: str
    download: str = ""
    note: str = ""
    columns: dict[str, str] = field(default_factory=dict)

    def base_dir(self, settings: SourceSettings) -> Path:
        """Folder the ``files`` patterns are relative to."""
        return settings.raw_dir if self.root == "raw" else settings.data_dir

    def resolve(self, settings: SourceSettings) -> list[Path]:
        """Return the files present for this source, sorted; empty if none is present."""
        base = self.base_dir(settings)
        found: set[Path] = set()
        for pattern in self.files:
            if any(ch in pattern for ch in "*?["):
                found.update(p for p in base.glob(pattern) if p.is_file())
            elif (base / pattern).is_file():
                found.add(base / pattern)
        return sorted(found)

    def expected(self, settings: SourceSettings) -> list[Path]:
        """Return the paths (or patterns) this source is looked for at."""
        return [self.base_dir(settings) / pattern for pattern in self.files]


def load_manifest(path: Path, known_loaders: set[str] | None = None) -> list[Source]:
    """Read and check the manifest.

    Parameters
    ----------
    path : Path
        The TOML manifest.
    known_loaders : set of str, optional
        Loader names that exist; an entry naming another loader is an error.

    Returns
    -------
    list of Source
        In manifest order.

    Raises
    ------
    ManifestError
        If the file is missing or not TOML, an entry lacks a required key, has an unknown root or
        loader, or two entries share an id.
    """
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ManifestError(f"source manifest not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML: {exc}") from exc
    entries = document.get("source")
    if not isinstance(entries, list) or not entries:
        raise ManifestError(f"{path}: expected one or more [[source]] tables")
    sources: list[Source] = []
    for number, entry in enumerate(entries, start=1):
        sources.append(_parse_entry(entry, f"{path}: [[source]] #{number}", known_loaders))
    ids = [s.id for s in sources]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ManifestError(f"{path}: duplicate source ids {duplicates}")
    return sources


def _parse_entry(entry: object, where: str, known_loaders: set[str] | None) -> Source:
    if not isinstance(entry, dict):
        raise ManifestError(f"{where}: expected a table of keys, got {type(entry).__name__}")
    missing = [key for key in _REQUIRED if not entry.get(key)]
    if missing:
        raise ManifestError(f"{where}: missing required keys {missing}")
    if entry["root"] not in _ROOTS:
        raise ManifestError(f"{where} ({entry['id']}): root must be one of {_ROOTS}, got {entry['root']!r}")
    if known_loaders is not None and entry["loader"] not in known_loaders:
        raise ManifestError(
            f"{where} ({entry['id']}): unknown loader {entry['loader']!r}; known: {sorted(known_loaders)}"
        )
    files = entry["files"]
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ManifestError(f"{where} ({entry['id']}): files must be a list of strings")
    columns = entry.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise ManifestError(f"{where} ({entry['id']}): [source.columns] must map names to strings")
    return Source(
        id=entry["id"],
        title=entry["title"],
        publisher=entry["publisher"],
        licence=entry["licence"],
        attribution=entry["attribution"],
        url=entry["url"],
        root=entry["root"],
        files=tuple(files),
        loader=entry["loader"],
        download=entry.get("download", ""),
        note=entry.get("note", ""),
        columns=dict(columns),
    )
