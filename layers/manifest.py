"""The source manifest (``data/sources.toml``): what each raw source is, where its files are, who made it."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from layers.errors import ManifestError
from layers.paths import check_pattern, checked_file, present
from layers.settings import SourceSettings

_REQUIRED = ("id", "title", "publisher", "licence", "attribution", "url", "root", "files", "loader")
_ROOTS = ("raw", "data")
#: Fields that travel as one line (HTTP headers, file metadata, the sources page): no control characters at all.
_SINGLE_LINE = ("id", "title", "publisher", "licence", "attribution", "url", "root", "loader", "download", "extract")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


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
    #: Name of an extractor (``layers.fetch.EXTRACTORS``) that turns the ``download`` into the first file.
    extract: str = ""
    note: str = ""
    columns: dict[str, str] = field(default_factory=dict)

    def base_dir(self, settings: SourceSettings) -> Path:
        """Folder the ``files`` patterns are relative to."""
        return settings.raw_dir if self.root == "raw" else settings.data_dir

    def resolve(self, settings: SourceSettings) -> list[Path]:
        """Return the files present for this source, sorted; empty if none is present.

        Nothing at a named path means absent. Something there that is not a readable file (a directory, a
        dangling or looping symlink, no permission) is an error, never "absent". A glob skips the directories it
        matches but not the broken links. Every file must resolve inside the source's directory.

        Raises
        ------
        SourceUnreadableError
            If a named file or a glob match is present but unreadable.
        SourcePathError
            If a file resolves (through a symlink) outside the source's directory.
        """
        base = self.base_dir(settings)
        found: set[Path] = set()
        for pattern in self.files:
            if any(ch in pattern for ch in "*?["):
                candidates = [p for p in base.glob(pattern) if not p.is_dir()]
            else:
                candidates = [base / pattern] if present(base / pattern) else []
            found.update(checked_file(p, base, self.id) for p in candidates)
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
        If the file is missing or not TOML, an entry lacks a required key, has a text field that is not
        text or holds control characters (newlines included, except in ``note``), has an unknown root or
        loader, a ``files`` pattern that is absolute or steps out with ``..``, or two entries share an id.
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
    _check_text(entry, where)
    if entry["root"] not in _ROOTS:
        raise ManifestError(f"{where} ({entry['id']}): root must be one of {_ROOTS}, got {entry['root']!r}")
    if known_loaders is not None and entry["loader"] not in known_loaders:
        raise ManifestError(
            f"{where} ({entry['id']}): unknown loader {entry['loader']!r}; known: {sorted(known_loaders)}"
        )
    files = entry["files"]
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ManifestError(f"{where} ({entry['id']}): files must be a list of strings")
    for pattern in files:
        problem = check_pattern(pattern) or _control_problem(pattern, _CONTROL)
        if problem:
            raise ManifestError(f"{where} ({entry['id']}): files entry {pattern!r} {problem}")
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
        extract=entry.get("extract", ""),
        note=entry.get("note", ""),
        columns=dict(columns),
    )


def _check_text(entry: dict, where: str) -> None:
    """Raise unless every single-line field is one line of text and ``note`` holds no control characters."""
    for key in (*_SINGLE_LINE, "note"):
        if key not in entry:
            continue
        value = entry[key]
        label = f"{where} ({entry['id']})" if key != "id" and isinstance(entry["id"], str) else where
        if not isinstance(value, str):
            raise ManifestError(f"{label}: field {key!r} must be text, got {type(value).__name__}")
        problem = _control_problem(value, _CONTROL_BUT_NEWLINE if key == "note" else _CONTROL)
        if problem:
            raise ManifestError(f"{label}: field {key!r} {problem}")


def _control_problem(value: str, pattern: re.Pattern) -> str | None:
    found = pattern.search(value)
    if found is None:
        return None
    return (f"holds control character U+{ord(found.group()):04X} at position {found.start()}; expected one line "
            "of text without newlines, tabs or other control characters")
