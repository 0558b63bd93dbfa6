"""Checks on a source's files: they stay inside their directory and, when present, are readable regular files."""

from __future__ import annotations

import errno
import os
from pathlib import Path, PurePosixPath

from layers.errors import SourcePathError, SourceUnreadableError


def check_pattern(pattern: str) -> str | None:
    """Return why a manifest ``files`` pattern could leave its directory, or None if it cannot.

    A pattern must be relative and must not step up with ``..``; symlinks are caught later, by
    :func:`checked_file`, once the path is resolved.
    """
    if not pattern.strip():
        return "is empty"
    if PurePosixPath(pattern).is_absolute() or Path(pattern).is_absolute() or pattern.startswith("~"):
        return "is absolute; expected a path relative to the source's directory"
    if ".." in PurePosixPath(pattern).parts or ".." in Path(pattern).parts:
        return "steps out of the source's directory with '..'; expected a path inside it"
    return None


def checked_file(path: Path, base: Path, source_id: str) -> Path:
    """Return ``path`` if it is a readable regular file inside ``base`` once symlinks are resolved.

    Parameters
    ----------
    path : Path
        A file the manifest names (or a glob match), under ``base``; it exists at least as a link.
    base : Path
        The source's directory, already resolved (the settings resolve it).
    source_id : str
        Named in errors.

    Returns
    -------
    Path
        ``path`` as given.

    Raises
    ------
    SourceUnreadableError
        If ``path`` is a dangling symlink, a symlink loop, a directory, not a regular file, or cannot be opened.
    SourcePathError
        If ``path`` resolves to a file outside ``base``.
    """
    where = f"source {source_id}: {path}"
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError as exc:
        raise SourceUnreadableError(f"{where} is a symlink to a file that does not exist; expected a file") from exc
    except RuntimeError as exc:  # Python 3.11 reports a symlink loop as RuntimeError
        raise SourceUnreadableError(f"{where} is a symlink loop; expected a file") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SourceUnreadableError(f"{where} is a symlink loop; expected a file") from exc
        raise SourceUnreadableError(f"{where} cannot be read: {exc.strerror}") from exc
    if not real.is_relative_to(base):
        raise SourcePathError(f"{where} resolves to {real}, outside the source's directory {base}; "
                              "expected a file inside it (copy the file in, or point the directory setting at it)")
    if real.is_dir():
        raise SourceUnreadableError(f"{where} is a directory; expected a file")
    if not real.is_file():
        raise SourceUnreadableError(f"{where} is not a regular file; expected a file")
    try:
        with real.open("rb"):
            pass
    except OSError as exc:
        raise SourceUnreadableError(f"{where} cannot be read: {exc.strerror}") from exc
    return path


def present(path: Path) -> bool:
    """True if anything, even a dangling or looping symlink, is at ``path``."""
    return os.path.lexists(path)
