"""MinMod mineral-site records (DARPA CriticalMAAS TA2 schema) loaded into source records."""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from layers.countries import normalise_country
from layers.deposits.commodities import commodity_groups, minmod_commodity_names, normalise_commodity
from layers.deposits.json_shape import NUMBER, OneOrMany, nesting_depth, shape_problem
from layers.deposits.records import (
    ATLAS_COUNTRIES,
    LoadResult,
    check_coordinates,
    make_quarantine,
    make_records,
    parse_wkt_point,
    point_or_none,
    precision_from_coordinates,
)
from layers.errors import SourceFormatError
from layers.manifest import Source
from layers.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

#: MinMod source_id → dataset name used in record ids (see data/reference/README.md).
DATASET_TABLE = PROJECT_ROOT / "data" / "reference" / "minmod_datasets.csv"

#: MinMod unit ids of ore tonnage and their factor to tonnes.
ORE_UNITS = {"Q200": 1.0, "Q202": 1_000_000.0}

#: Deepest nesting a MinMod file may have. A file is a list of sites, and the real extract is 7 levels deep;
#: far deeper text is hostile or broken, and Python's json parser would exhaust its recursion limit on it.
MAX_JSON_DEPTH = 64

_NAMED = {"normalized_uri": str, "observed_name": str}
_DOCUMENT = {"document": {"uri": str}}
#: The JSON types of every field the loader reads (null is allowed anywhere; other fields are not read).
SITE_SHAPE = {
    "source_id": str,
    "record_id": (str, int),
    "name": str,
    "aliases": [str],
    "location_info": {"country": [_NAMED], "location": str},
    "mineral_inventory": [{
        "commodity": _NAMED,
        "ore": {"value": NUMBER, "unit": _NAMED},
        "grade": {"value": NUMBER, "unit": _NAMED},
        "category": [_NAMED],
        "zone": str,
        "date": str,
        "reference": _DOCUMENT,
    }],
    "deposit_type_candidate": [_NAMED],
    "reference": OneOrMany(_DOCUMENT),
}


@cache
def dataset_names() -> dict[str, str]:
    """Return MinMod ``source_id`` → dataset name, read once from :data:`DATASET_TABLE`."""
    with DATASET_TABLE.open(encoding="utf-8", newline="") as handle:
        return {row["source_id"]: row["dataset"] for row in csv.DictReader(handle)}


def load_minmod_sites(paths: list[Path], source: Source) -> LoadResult:
    """Load MinMod mineral-site records of the five countries.

    Reads the staged extract (one JSON list) or the upstream repository's
    ``data/mineral-sites/**/b*.json`` files: each file is a JSON list of mineral sites in MinMod's
    schema (``source_id``, ``record_id``, ``name``, ``location_info``, ``mineral_inventory``, ...).

    Parameters
    ----------
    paths : list of Path
        JSON files.
    source : Source
        The manifest entry (its id is written to each record).

    Returns
    -------
    LoadResult
        Records in the source-record schema (EPSG:4326; records without a location have no
        geometry), quarantined rows with reasons, and notes (records outside the five countries,
        commodity names that could not be mapped).

    Notes
    -----
    A malformed site (not an object, without ``source_id`` and ``record_id``, or a field of the wrong JSON
    type, such as a number as ``location`` or a list as ``name``) is quarantined with the reason and the others
    are kept. A file nested deeper than :data:`MAX_JSON_DEPTH` is not parsed: it becomes one quarantine row
    naming the file, and the other files are read.

    Raises
    ------
    SourceFormatError
        If a file is not JSON, not a list, or holds no MinMod mineral site at all.
    """
    rows: list[dict] = []
    refused: list[dict] = []
    out_of_region = 0
    unmapped: dict[str, int] = {}
    for path, position, site in _iter_sites(paths, source, refused):
        country = _country(site)
        if country is None:
            out_of_region += 1
            continue
        record_id = f"{_dataset(site, path)}:{site.get('record_id', '')}"
        reason = _refusal(site)
        if reason:
            refused.append(_quarantine_row(site, record_id, country, source, reason))
            continue
        rows.append(_record(site, record_id, country, source, unmapped))
        log.debug("read %s from %s item %d", record_id, path.name, position)
    notes = [f"{out_of_region} records outside KZ, KG, TJ, UZ, TM were not read"] if out_of_region else []
    if unmapped:
        listed = ", ".join(f"{name!r} ({count})" for name, count in sorted(unmapped.items()))
        notes.append(f"commodity names not mapped: {listed}")
    return LoadResult(make_records(rows, source.id), make_quarantine(refused, source.id), notes)


def _iter_sites(paths: list[Path], source: Source, refused: list[dict]) -> Iterator[tuple[Path, int, dict]]:
    """Yield well-formed sites; append a quarantine row to ``refused`` for each malformed site or file."""
    for path in paths:
        document = _read_document(path)
        if document is None:
            log.warning("%s: nesting deeper than %d levels; file quarantined, not read", path, MAX_JSON_DEPTH)
            refused.append(_file_quarantine_row(path, source))
            continue
        if not isinstance(document, list):
            raise SourceFormatError(
                f"{path}: expected a JSON list of MinMod mineral sites, got {type(document).__name__}"
            )
        if document and not any(_has_ids(site) for site in document):
            raise SourceFormatError(
                f"{path}: no item is a MinMod mineral site (each needs source_id and record_id); "
                f"item 0 is {type(document[0]).__name__}"
            )
        for position, site in enumerate(document):
            problem = _site_problem(site)
            if problem:
                log.debug("%s item %d quarantined: %s", path.name, position, problem)
                refused.append(_malformed_row(site, path, position, source, problem))
                continue
            yield path, position, site


def _read_document(path: Path) -> object:
    """Return the parsed file, or None when it nests deeper than :data:`MAX_JSON_DEPTH`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceFormatError(f"{path}: not a readable JSON file: {exc}") from exc
    if nesting_depth(data) > MAX_JSON_DEPTH:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError:
        # Not reached after the depth check; kept so that the parser's own limit can never crash a build.
        return None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceFormatError(f"{path}: not a readable JSON file: {exc}") from exc


def _has_ids(site: object) -> bool:
    return isinstance(site, dict) and "source_id" in site and "record_id" in site


def _site_problem(site: object) -> str:
    if not _has_ids(site):
        return "not a MinMod mineral site (needs source_id and record_id)"
    return shape_problem(site, SITE_SHAPE, "")


def _malformed_row(site: object, path: Path, position: int, source: Source, problem: str) -> dict:
    ids_ok = _has_ids(site) and isinstance(site["source_id"], str) and isinstance(site["record_id"], (str, int))
    name = site.get("name") if isinstance(site, dict) else None
    return {
        "source": source.id,
        "record_id": f"{_dataset(site, path)}:{site['record_id']}" if ids_ok else f"{path.name}:item {position}",
        "name": name.strip() if isinstance(name, str) else "",
        "country": "",
        "location_raw": _location_text(site),
        "reason": f"malformed site: {problem} ({path.name} item {position})",
    }


def _location_text(site: object) -> str:
    info = site.get("location_info") if isinstance(site, dict) else None
    location = info.get("location") if isinstance(info, dict) else None
    if location is None:
        return ""
    return location if isinstance(location, str) else json.dumps(location)[:200]


def _file_quarantine_row(path: Path, source: Source) -> dict:
    return {
        "source": source.id, "record_id": path.name, "name": "", "country": "", "location_raw": "",
        "reason": f"nesting deeper than {MAX_JSON_DEPTH} levels: {path} was not read",
    }


def _dataset(site: dict, path: Path) -> str:
    known = dataset_names().get(site["source_id"])
    if known:
        return known
    # Upstream layout data/mineral-sites/<creator>/<dataset>/bNNN.json names the dataset by folder.
    return re.sub(r"[^a-z0-9]+", "-", path.parent.name.lower()).strip("-") or "minmod"


def _country(site: dict) -> str | None:
    for entry in (site.get("location_info") or {}).get("country", []) or []:
        for text in (entry.get("normalized_uri", ""), entry.get("observed_name", "")):
            code = normalise_country(text or "")
            if code in ATLAS_COUNTRIES:
                return code
    return None


def _refusal(site: dict) -> str:
    if not (site.get("name") or "").strip():
        return "no name"
    wkt = (site.get("location_info") or {}).get("location") or ""
    if not wkt:
        return ""
    point = parse_wkt_point(wkt)
    if point is None:
        return f"location is not a WKT point: {wkt!r}"
    return check_coordinates(*point)


def _quarantine_row(site: dict, record_id: str, country: str, source: Source, reason: str) -> dict:
    return {
        "source": source.id,
        "record_id": record_id,
        "name": (site.get("name") or "").strip(),
        "country": country,
        "location_raw": (site.get("location_info") or {}).get("location") or "",
        "reason": reason,
    }


def _record(site: dict, record_id: str, country: str, source: Source, unmapped: dict[str, int]) -> dict:
    wkt = (site.get("location_info") or {}).get("location") or ""
    point = parse_wkt_point(wkt) if wkt else None
    if point is None:
        precision, status = float("nan"), "missing"
    else:
        precision, status = precision_from_coordinates(*point)
    commodities = _commodities(site, unmapped)
    references = _references(site)
    return {
        "record_id": record_id,
        "source": source.id,
        "dataset": record_id.split(":", 1)[0],
        "name": site["name"].strip(),
        "aliases": [a.strip() for a in site.get("aliases", []) or [] if isinstance(a, str) and a.strip()],
        "country": country,
        "commodities": commodities,
        "commodity_groups": commodity_groups(commodities),
        "deposit_types": _deposit_types(site),
        "status": "",
        "grade_tonnage": _grade_tonnage(site),
        "references": references,
        "upstream_url": next((r for r in references if r.startswith("http")), site["source_id"]),
        "location_precision_km": precision,
        "location_status": status,
        "location_raw": wkt,
        "country_check": "",
        "geometry": point_or_none(*point) if point else None,
    }


def _commodity_text(entry: dict) -> str:
    uri = (entry.get("normalized_uri") or "").rsplit("/", 1)[-1]
    return minmod_commodity_names().get(uri) or entry.get("observed_name") or ""


def _commodities(site: dict, unmapped: dict[str, int]) -> list[str]:
    values: list[str] = []
    for item in site.get("mineral_inventory", []) or []:
        text = _commodity_text(item.get("commodity") or {})
        found, missed = normalise_commodity(text)
        values.extend(v for v in found if v not in values)
        for name in missed:
            unmapped[name] = unmapped.get(name, 0) + 1
    return values


def _deposit_types(site: dict) -> list[str]:
    types: list[str] = []
    for candidate in site.get("deposit_type_candidate", []) or []:
        name = candidate.get("observed_name") or (candidate.get("normalized_uri") or "").rsplit("/", 1)[-1]
        if name and name not in types:
            types.append(name)
    return types


def _grade_tonnage(site: dict) -> list[dict]:
    entries: list[dict] = []
    for item in site.get("mineral_inventory", []) or []:
        ore, grade = item.get("ore") or {}, item.get("grade") or {}
        if ore.get("value") is None and grade.get("value") is None:
            continue
        factor = ORE_UNITS.get(((ore.get("unit") or {}).get("normalized_uri") or "").rsplit("/", 1)[-1])
        entry = {
            "commodity": _commodity_text(item.get("commodity") or {}),
            "ore_tonnes": ore["value"] * factor if factor and ore.get("value") is not None else None,
            "grade": grade.get("value"),
            "grade_unit": (grade.get("unit") or {}).get("observed_name"),
            "category": "+".join(
                (c.get("normalized_uri") or c.get("observed_name") or "").rsplit("/", 1)[-1]
                for c in item.get("category", []) or []
            ),
            "zone": item.get("zone"),
            "date": item.get("date"),
        }
        if entry not in entries:
            entries.append(entry)
    return entries


def _references(site: dict) -> list[str]:
    uris: list[str] = []
    refs = site.get("reference", []) or []
    refs = refs if isinstance(refs, list) else [refs]
    refs += [item.get("reference") or {} for item in site.get("mineral_inventory", []) or []]
    for ref in refs:
        uri = ((ref or {}).get("document") or {}).get("uri")
        if uri and uri not in uris:
            uris.append(uri)
    return uris
