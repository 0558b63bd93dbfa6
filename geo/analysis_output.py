"""The analysis outputs as one unit: built in a fresh folder beside the target, published by one symlink swap.

``data/analysis`` is a symlink to ``analysis-<generation>/`` holding ``analysis.gpkg`` and ``rasters/``. A run
builds the next generation in ``.analysis-<generation>.tmp/``, renames it complete, and replaces the link with
``os.replace`` (atomic on POSIX): a reader sees the old pair or the new pair, never a mix, and a killed run leaves
only a temporary folder that the next run removes. Runs take an exclusive lock, so a temporary folder found under
the lock belongs to a run that died.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from layers.errors import AtlasError

log = logging.getLogger(__name__)

#: Complete generations kept: the current one and the one before (an app started on it still serves its rasters).
KEEP_GENERATIONS = 2


class AnalysisOutputError(AtlasError):
    """The analysis outputs cannot be written or published; the previous ones are unchanged."""


def _explain(exc: OSError, where: Path) -> str:
    """One line naming the path and the OS error; for a GDAL error (no errno), its innermost cause too."""
    path = exc.filename or where
    if exc.strerror:
        return f"cannot write the analysis at {path}: {exc.strerror}"
    causes = [str(c) for c in _chain(exc)[1:]]
    return f"cannot write the analysis at {path}: {exc}" + (f" ({causes[-1]})" if causes else "")


def _chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    while exc is not None and exc not in chain and len(chain) < 10:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    return chain


@contextmanager
def publish(target: Path) -> Iterator[Path]:
    """Yield a fresh empty folder to write one analysis into; on success make ``target`` point at it.

    Parameters
    ----------
    target : Path
        The published link (``data/analysis``); its parent holds the generations, temporaries and lock.

    Yields
    ------
    Path
        The folder to fill. If the body raises, the folder is removed and ``target`` is left as it was.

    Raises
    ------
    AnalysisOutputError
        On any OSError (full or read-only disk, no permission, a path under a file), naming the path and the
        OS error; if another run holds the lock; or if ``target`` exists and is not a symlink.
    """
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        lock = open(parent / f".{target.name}.lock", "a")  # noqa: SIM115 - held until the with block below ends
    except OSError as exc:
        raise AnalysisOutputError(_explain(exc, parent)) from exc
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise AnalysisOutputError(f"another analysis run is writing {target}; wait for it to finish") from exc
        if target.exists() and not target.is_symlink():
            raise AnalysisOutputError(f"{target} is not a link made by the analysis stage; move it away first")
        generation = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f") + "-" + secrets.token_hex(3)  # sorts by time
        work = parent / f".{target.name}-{generation}.tmp"
        try:
            remove_stale(target)
            work.mkdir()
        except OSError as exc:
            raise AnalysisOutputError(_explain(exc, parent)) from exc
        try:
            yield work
            _swap(target, work, generation)
        except OSError as exc:
            shutil.rmtree(work, ignore_errors=True)
            raise AnalysisOutputError(_explain(exc, work)) from exc
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        _prune(target)


def _swap(target: Path, work: Path, generation: str) -> None:
    final = target.parent / f"{target.name}-{generation}"
    link = target.parent / f".{target.name}-{generation}.link"
    os.rename(work, final)
    try:
        os.symlink(final.name, link)  # relative: the data folder may move
        os.replace(link, target)
    except OSError:
        if link.is_symlink():
            link.unlink()
        shutil.rmtree(final, ignore_errors=True)
        raise
    _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    """Flush the swap to disk; the swap is done either way, so a failure is only logged."""
    try:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        log.warning("could not flush %s: %s", folder, exc)


def generation_of(work: Path) -> str:
    """The name the folder ``publish`` yielded will have once published (``analysis-<generation>``)."""
    return work.name.removeprefix(".").removesuffix(".tmp")


def generations(target: Path) -> list[Path]:
    """Complete generation folders beside ``target``, oldest first (names sort by time)."""
    return sorted(p for p in target.parent.glob(f"{target.name}-*") if p.is_dir() and not p.is_symlink())


def remove_stale(target: Path) -> list[Path]:
    """Remove what killed runs left: temporary folders and links, and the temporaries of the older flat layout.

    Call only while holding the lock. Returns the paths removed.
    """
    parent = target.parent
    stale = [*parent.glob(f".{target.name}-*.tmp"), *parent.glob(f".{target.name}-*.link"),
             *parent.glob(".analysis.*.tmp.gpkg"), *(parent / "rasters").glob(".*.tmp")]
    for path in stale:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        log.warning("removed %s, left by an analysis run that was stopped", path)
    return stale


def _prune(target: Path) -> None:
    """Keep the current generation and the newest older one; a failure here loses nothing, so it is logged."""
    current = target.resolve()
    older = [p for p in generations(target) if p.resolve() != current]
    for path in older[:max(0, len(older) - (KEEP_GENERATIONS - 1))]:
        try:
            shutil.rmtree(path)
        except OSError as exc:
            log.warning("could not remove the old analysis %s: %s", path, exc)
