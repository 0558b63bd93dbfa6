"""Rebuild the MinMod Central Asia extract from the upstream repository's files (DARPA-CRITICALMAAS/ta2-minmod-data).

The upstream repository keeps its mineral sites as ``data/mineral-sites/<creator>/<dataset>/b*.json``, each a JSON
list of records in MinMod's mineral-site schema. The staged extract (``deposits/minmod_central_asia_sites.json``,
described in the raw-data folder's PROVENANCE.md) is those records, unchanged, for the sites whose
``location_info.country`` names one of the five countries. This module makes that file again from a GitHub archive
of the repository (``.tar.gz``, as ``https://github.com/<owner>/<repo>/archive/<commit>.tar.gz`` serves it) or from
a checked-out copy, so ``make data`` can rebuild it when online.
"""

from __future__ import annotations

import json
import os
import re
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from layers.errors import SourceFormatError

#: MinMod country entities of the five countries (``data/entities/country.csv``).
COUNTRY_URIS = frozenset(f"https://minmod.isi.edu/resource/{q}" for q in ("Q1112", "Q1117", "Q1217", "Q1228", "Q1238"))
#: Observed country names that count when a record carries no normalised URI (casefolded; "Kazakstan" is in MRDATA).
COUNTRY_NAMES = frozenset(("kazakhstan", "kazakstan", "kyrgyzstan", "tajikistan", "uzbekistan", "turkmenistan"))
#: Creators whose folders the staged extract read (PROVENANCE.md); the others hold hand edits of single sites.
CREATORS = ("umn", "usc", "usc-stu", "inferlink", "sri")

_SITE_FILE = re.compile(r"(?:^|/)data/mineral-sites/(?P<creator>[^/]+)/(?P<dataset>[^/]+)/b[^/]*\.json$")


class MinmodExtractError(SourceFormatError):
    """An upstream MinMod file or archive could not be read (the message names the file and the record)."""


def in_central_asia(record: dict) -> bool:
    """Return True if any ``location_info.country`` entry of a MinMod record names one of the five countries.

    An entry matches by its ``normalized_uri`` (MinMod Q1112 KZ, Q1117 KG, Q1217 TJ, Q1228 TM, Q1238 UZ) or, when
    that is absent or another entity, by its ``observed_name`` (casefolded, so "KAZAKSTAN" matches too).
    """
    location = record.get("location_info")
    countries = location.get("country") if isinstance(location, dict) else None
    if not isinstance(countries, list):
        return False
    for entry in countries:
        if not isinstance(entry, dict):
            continue
        if entry.get("normalized_uri") in COUNTRY_URIS:
            return True
        name = entry.get("observed_name")
        if isinstance(name, str) and name.strip().casefold() in COUNTRY_NAMES:
            return True
    return False


def site_files(names: Iterable[str], creators: Iterable[str] = CREATORS) -> list[str]:
    """Return the mineral-site files among ``names`` (paths inside the repository or an archive), sorted by path.

    Only ``data/mineral-sites/<creator>/<dataset>/b*.json`` of the given creators count. Path order (plain string
    order, so ``usc-stu/`` sorts before ``usc/``) is the order the staged extract was made in.
    """
    wanted = set(creators)
    return sorted(name for name in names
                  if (match := _SITE_FILE.search(name)) and match["creator"] in wanted)


def select_records(payload: bytes, where: str) -> list[dict]:
    """Return the Central Asian records of one upstream ``b*.json`` file, unchanged and in file order.

    Raises
    ------
    MinmodExtractError
        If the file is not JSON, not a list, or holds something other than records.
    """
    try:
        records = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MinmodExtractError(f"{where}: not valid JSON: {exc}") from exc
    if not isinstance(records, list):
        raise MinmodExtractError(f"{where}: expected a JSON list of mineral sites, got {type(records).__name__}")
    for number, record in enumerate(records):
        if not isinstance(record, dict):
            raise MinmodExtractError(f"{where}: record #{number} is {type(record).__name__}, expected an object")
    return [record for record in records if in_central_asia(record)]


def extract_from_archive(archive: Path, creators: Iterable[str] = CREATORS) -> list[dict]:
    """Return the Central Asian records of a ``.tar.gz`` archive of the upstream repository.

    Parameters
    ----------
    archive : Path
        A GitHub archive of ta2-minmod-data (its members sit under one ``<repo>-<commit>/`` folder).
    creators : iterable of str
        Creator folders to read, in output order.

    Returns
    -------
    list of dict
        Records exactly as upstream holds them, ordered by file path and position in the file.

    Raises
    ------
    MinmodExtractError
        If the archive cannot be read, holds no mineral-site file, or a site file is not a list of records.
    """
    creators = tuple(creators)
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = {m.name: m for m in tar.getmembers() if m.isfile()}
            names = site_files(members, creators)
            if not names:
                raise MinmodExtractError(f"{archive}: no data/mineral-sites/<creator>/<dataset>/b*.json files of "
                                         f"{', '.join(creators)}; is this an archive of ta2-minmod-data?")
            return [record for name in names for record in select_records(_member_bytes(tar, members[name]),
                                                                             f"{archive}:{name}")]
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise MinmodExtractError(f"{archive}: cannot read the archive: {exc}") from exc


def extract_from_directory(root: Path, creators: Iterable[str] = CREATORS) -> list[dict]:
    """Return the Central Asian records of a checked-out copy of the upstream repository (see extract_from_archive).

    Raises
    ------
    MinmodExtractError
        If ``root`` holds no mineral-site file, or one is unreadable or not a list of records.
    """
    creators = tuple(creators)
    names = site_files((p.relative_to(root).as_posix() for p in root.glob("data/mineral-sites/*/*/b*.json")),
                       creators)
    if not names:
        raise MinmodExtractError(f"{root}: no data/mineral-sites/<creator>/<dataset>/b*.json files of "
                                 f"{', '.join(creators)}")
    records = []
    for name in names:
        try:
            payload = (root / name).read_bytes()
        except OSError as exc:
            raise MinmodExtractError(f"{root / name}: cannot read: {exc}") from exc
        records.extend(select_records(payload, str(root / name)))
    return records


def write_extract(records: list[dict], target: Path) -> None:
    """Write records as the staged extract's JSON list (one-space indent, UTF-8), replacing ``target`` atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(records, out, indent=1, ensure_ascii=False)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _member_bytes(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:
        raise MinmodExtractError(f"{member.name}: not a regular file in the archive")
    with handle:
        return handle.read()


def iter_ids(records: Iterable[dict]) -> Iterator[tuple[str, str]]:
    """Yield ``(source_id, record_id)`` of each record (what tests and the fetch report compare)."""
    for record in records:
        yield record.get("source_id", ""), str(record.get("record_id", ""))
