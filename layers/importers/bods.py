"""BODS 0.4 (Beneficial Ownership Data Standard) JSON statements → companies and ownership rows."""

from __future__ import annotations

import json
from pathlib import Path

from layers.importers._common import Imported, ImportFormatError, cell, slug

#: Interest types with a countable share: equity when a share is given.
EQUITY_INTERESTS = {"shareholding"}


def import_bods(path: Path) -> Imported:
    """Convert a BODS 0.4 JSON file (an array of statements, or JSON Lines) into table rows.

    Parameters
    ----------
    path : Path
        The statements file. Entity and person statements (``recordType`` ``entity`` / ``person``) become
        companies rows with id ``bods-<recordId as a lower-case slug>``; each interest of a relationship
        statement becomes an ownership row from the interested party to the subject: ``equity`` with
        ``share_pct`` when the interest is a shareholding with ``share.exact`` (or ``minimum`` = ``maximum``),
        else ``control`` (the range, if any, in ``notes``).

    Returns
    -------
    Imported
        Rows with ``source`` = ``BODS <file> statement <statementId>`` plus the statement's ``source.url`` (or
        ``source.description``), ``source_date`` = ``statementDate``, ``valid_from``/``valid_to`` = the interest's
        ``startDate``/``endDate``.

    Raises
    ------
    ImportFormatError
        If the file is not JSON, a statement lacks ``recordId``, ``recordType`` or ``recordDetails``, or a
        relationship lacks ``subject`` or ``interestedParty`` (naming file, statement and field).
    """
    statements = _read_statements(path)
    out = Imported()
    for number, statement in enumerate(statements, start=1):
        where = f"{path} statement {number} ({statement.get('statementId', 'no statementId')})"
        kind, details = _require(statement, "recordType", where), _require(statement, "recordDetails", where)
        record_id = _require(statement, "recordId", where)
        common = {"source": _source(path, statement), "source_date": cell(statement.get("statementDate")),
                  "confidence": "reported"}
        if kind == "entity":
            out.companies.append({"company_id": _id(record_id), "name": cell(details.get("name")) or record_id,
                                  "kind": _entity_kind(details),
                                  "home_country": cell((details.get("jurisdiction") or {}).get("code"))[:2],
                                  **common})
        elif kind == "person":
            names = details.get("names") or [{}]
            out.companies.append({"company_id": _id(record_id), "name": cell(names[0].get("fullName")) or record_id,
                                  "kind": "person", "notes": "natural person (BODS person statement)", **common})
        elif kind == "relationship":
            subject = _party(details, "subject", where)
            party = _party(details, "interestedParty", where)
            for interest in details.get("interests") or [{"type": "unknownInterest"}]:
                out.ownership.append({"owner_id": _id(party), "owned_id": _id(subject), **_interest(interest),
                                      **common})
        else:
            raise ImportFormatError(f"{where}: recordType {kind!r}; expected entity, person or relationship")
    return out


def _read_statements(path: Path) -> list[dict]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFormatError(f"{path}: cannot read as UTF-8 text: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise ImportFormatError(f"{path}: not JSON or JSON Lines ({exc}); expected BODS 0.4 statements") from exc
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(s, dict) for s in data):
        raise ImportFormatError(f"{path}: expected an array of BODS statement objects")
    return data


def _require(statement: dict, key: str, where: str):
    value = statement.get(key)
    if value in (None, "", {}):
        raise ImportFormatError(f"{where}: no {key!r}; expected a BODS 0.4 statement")
    return value


def _party(details: dict, key: str, where: str) -> str:
    value = details.get(key)
    if isinstance(value, dict):  # an unspecified party: {"reason": ..., "description": ...}
        value = None
    if not value:
        raise ImportFormatError(f"{where}: recordDetails.{key} is not a recordId; expected the id of a statement")
    return str(value)


def _id(record_id: str) -> str:
    return "bods-" + slug(record_id)


def _entity_kind(details: dict) -> str:
    entity_type = details.get("entityType") or {}
    kind = entity_type.get("type", "") if isinstance(entity_type, dict) else str(entity_type)
    return {"stateBody": "state", "registeredEntity": "private"}.get(kind, kind)


def _interest(interest: dict) -> dict:
    share = interest.get("share") or {}
    exact = share.get("exact")
    low, high = share.get("minimum"), share.get("maximum")
    if exact is None and low is not None and low == high:
        exact = low
    kind = cell(interest.get("type"))
    notes = [f"BODS interest {kind}"]
    if exact is None and (low is not None or high is not None):
        notes.append(f"share between {cell(low) or '?'} and {cell(high) or '?'} %")
    equity = kind in EQUITY_INTERESTS and exact is not None
    return {"relation": "equity" if equity else "control", "share_pct": cell(exact) if equity else "",
            "valid_from": cell(interest.get("startDate")), "valid_to": cell(interest.get("endDate")),
            "notes": "; ".join(notes)}


def _source(path: Path, statement: dict) -> str:
    source = statement.get("source") or {}
    parts = [f"BODS {path.name} statement {statement.get('statementId', statement.get('recordId'))}"]
    url, description = cell(source.get("url")), cell(source.get("description"))
    if url or description:
        parts.append(url or description)
    return "; ".join(parts)
