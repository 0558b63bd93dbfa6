"""Global Energy Monitor trackers → companies and ownership rows: the Global Energy Ownership Tracker's entity and
relationship sheets, and the owner/parent columns of asset tracker files (iron and steel plants, iron ore mines)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from layers.importers._common import Imported, ImportFormatError, cell, column, read_sheets, slug

ATTRIBUTION = "Global Energy Monitor, Global Energy Ownership Tracker, CC BY 4.0"
_PLACEHOLDERS = {"", "-", "--", "unknown", "natural person(s)", "n/a", "not found"}
_SHARE = re.compile(r"\s*\[\s*([0-9.]+)\s*%\s*\]\s*$")

_ENTITY_ID = ("Entity ID", "entity-id", "Entity Id")
_SUBJECT = ("Subject Entity ID", "subject-entity-id")
_PARTY = ("Interested Party ID", "interested-party-id")


def import_gem(path: Path, url: str = "", countries: tuple[str, ...] = (), attribution: str = ATTRIBUTION,
               known_ids: dict[str, str] | None = None) -> Imported:
    """Convert a GEM tracker file (XLSX or CSV) into table rows.

    Parameters
    ----------
    path : Path
        Either the ownership tracker (XLSX with an entity sheet holding ``Entity ID``, ``Name`` and a
        relationships sheet holding ``Subject Entity ID``, ``Interested Party ID``, ``% Share Ownership``; or one
        of those sheets as CSV), or an asset tracker file with ``owner`` and ``parent`` columns (and optionally
        ``owner-gem-id``, ``parent-gem-id``, ``country/area``).
    url : str
        Where the file was published; added to every row's ``source``.
    countries : tuple of str
        Asset files only: keep rows whose ``country/area`` is one of these names (all rows when empty).
    attribution : str
        The credit line added to every ``source`` (the tracker the file belongs to).
    known_ids : dict, optional
        Asset files only: company name (case ignored) → GEM entity id, used where the file names an owner or
        parent without its id (the iron ore mines tracker), so one entity gets one ``gem-`` id across files.

    Returns
    -------
    Imported
        Companies with id ``gem-<Entity ID, lower case>`` (``gem-name-<slug of the name>`` when the file gives no id;
        the web app's company ids are lower-case slugs); ownership rows from
        the interested party (or parent) to the subject (or owner): ``equity`` with the share when given, else
        ``control``. Every ``source`` names ``GEM <file> <sheet> row <n>``, the URL and the attribution.

    Raises
    ------
    ImportFormatError
        If no sheet has the columns of either shape, or a relationship row lacks an id.
    """
    sheets = read_sheets(path)
    out = Imported()
    recognised = False
    for sheet, frame in sheets.items():
        where = f"GEM {path.name}" + (f" sheet {sheet}" if path.suffix.lower() in (".xlsx", ".xlsm") else "")
        if column(frame, _ENTITY_ID) and column(frame, ("Name",)):
            _entities(frame, where, url, attribution, out)
            recognised = True
        elif column(frame, _SUBJECT) and column(frame, _PARTY):
            _relationships(frame, where, url, attribution, out)
            recognised = True
        elif column(frame, ("owner",)) and column(frame, ("parent",)):
            _assets(frame, where, url, attribution, countries, known_ids or {}, out)
            recognised = True
    if not recognised:
        raise ImportFormatError(
            f"{path}: no sheet has 'Entity ID' and 'Name', 'Subject Entity ID' and 'Interested Party ID', or "
            f"'owner' and 'parent' columns; sheets and their columns: "
            + "; ".join(f"{name}: {list(frame.columns)[:8]}" for name, frame in sheets.items()))
    out.companies = _dedupe(out.companies)
    out.ownership = _dedupe_edges(out.ownership)
    return out


def _source(where: str, number: int, url: str, attribution: str) -> str:
    return "; ".join(p for p in (f"{where} row {number}", url, attribution) if p)


def _entities(frame: pd.DataFrame, where: str, url: str, attribution: str, out: Imported) -> None:
    names = {key: column(frame, aliases) for key, aliases in {
        "id": _ENTITY_ID, "name": ("Name",), "full": ("Full Name",), "type": ("Entity Type",),
        "country": ("Registration Country ISO2", "Headquarters Country ISO2", "Registration Country ISO 2",
                    "Headquarters Country ISO 2"),
        "url": ("Entity URL", "URL", "GEM wiki page")}.items()}
    for number, row in enumerate(frame.to_dict("records"), start=2):
        entity = cell(row[names["id"]])
        if not entity:
            raise ImportFormatError(f"{where} row {number}: empty 'Entity ID'; expected a GEM entity id")
        name = cell(row[names["name"]])
        full = cell(row[names["full"]]) if names["full"] else ""
        out.companies.append({
            "company_id": _company_id("", entity), "name": full or name or entity,
            "kind": cell(row[names["type"]]).lower() if names["type"] else "",
            "home_country": cell(row[names["country"]]).upper()[:2] if names["country"] else "",
            "notes": f"GEM entity {entity}" + (f"; short name {name}" if full and name and full != name else ""),
            "source": _source(where, number, url, attribution), "confidence": "reported"})


def _relationships(frame: pd.DataFrame, where: str, url: str, attribution: str, out: Imported) -> None:
    subject, party = column(frame, _SUBJECT), column(frame, _PARTY)
    share = column(frame, ("% Share Ownership", "Share Ownership", "share"))
    data_url = column(frame, ("Data Source URL", "Data Source", "Source URL", "URL"))
    for number, row in enumerate(frame.to_dict("records"), start=2):
        owned, owner = cell(row[subject]), cell(row[party])
        if not owned or not owner:
            raise ImportFormatError(f"{where} row {number}: empty 'Subject Entity ID' or 'Interested Party ID'; "
                                    "expected two GEM entity ids")
        pct = cell(row[share]).rstrip("%").strip() if share else ""
        cited = cell(row[data_url]) if data_url else ""  # the document GEM cites for this stake, first
        sources = [p for p in (f"{where} row {number}", cited, url, attribution) if p]
        out.ownership.append({"owner_id": _company_id("", owner), "owned_id": _company_id("", owned),
                              "relation": "equity" if pct else "control", "share_pct": pct,
                              "source": "; ".join(sources), "confidence": "reported"})


def _split(names: str, ids: str) -> list[tuple[str, str]]:
    """Pair the '; '-separated names with ids (ids dropped when the counts differ); share marks removed."""
    name_list = [_SHARE.sub("", n).strip() for n in names.split(";")]
    id_list = [_SHARE.sub("", i).strip() for i in ids.split(";")] if ids else []
    if len(id_list) != len(name_list):
        id_list = [""] * len(name_list)
    return [(n, i) for n, i in zip(name_list, id_list, strict=True) if n.lower() not in _PLACEHOLDERS and slug(n)]


def _company_id(name: str, gem_id: str) -> str:
    return "gem-" + slug(gem_id) if gem_id else "gem-name-" + slug(name)


def _assets(frame: pd.DataFrame, where: str, url: str, attribution: str, countries: tuple[str, ...],
            known: dict[str, str], out: Imported) -> None:
    cols = {key: column(frame, aliases) for key, aliases in {
        "owner": ("owner",), "owner_id": ("owner-gem-id",), "parent": ("parent",), "parent_id": ("parent-gem-id",),
        "country": ("country/area", "country"), "asset": ("plant-name-(english)", "name-(english)", "name"),
        "page": ("gem-wiki-page", "url")}.items()}
    for number, row in enumerate(frame.to_dict("records"), start=2):
        country = cell(row[cols["country"]]) if cols["country"] else ""
        if countries and country not in countries:
            continue
        asset = cell(row[cols["asset"]]) if cols["asset"] else ""
        page = cell(row[cols["page"]]) if cols["page"] else ""
        src = "; ".join(p for p in (f"{where} row {number} ({asset})", page, url, attribution) if p)
        owners = _split(cell(row[cols["owner"]]), cell(row[cols["owner_id"]]) if cols["owner_id"] else "")
        parents = _split(cell(row[cols["parent"]]), cell(row[cols["parent_id"]]) if cols["parent_id"] else "")
        known_lower = {k.lower(): v for k, v in known.items()}
        owners = [(n, i or known_lower.get(n.lower(), "")) for n, i in owners]
        parents = [(n, i or known_lower.get(n.lower(), "")) for n, i in parents]
        note = f"GEM lists it as {{}} of {asset} ({country})"
        for role, group in (("owner", owners), ("parent", parents)):
            out.companies += [{"company_id": _company_id(n, i), "name": n, "notes": note.format(role),
                               "source": src, "confidence": "reported"} for n, i in group]
        owner_ids = {_company_id(n, i) for n, i in owners}
        if len(owner_ids) != 1:
            continue  # several owners: GEM does not say which parent stands behind which owner
        owned = owner_ids.pop()
        for name, gem_id in parents:
            if _company_id(name, gem_id) != owned:
                out.ownership.append({"owner_id": _company_id(name, gem_id), "owned_id": owned, "relation": "control",
                                      "notes": f"GEM names the parent of the owner of {asset} ({country}); "
                                               "stake in the owner not given", "source": src,
                                      "confidence": "reported"})


def _dedupe(companies: list[dict]) -> list[dict]:
    """One row per company id: the first; other names and sources are kept in notes and source."""
    merged: dict[str, dict] = {}
    for row in companies:
        first = merged.get(row["company_id"])
        if first is None:
            merged[row["company_id"]] = dict(row)
            continue
        if row["name"] != first["name"] and row["name"] not in first["notes"]:
            first["notes"] += f"; also named {row['name']}"
        if row.get("notes") and row["notes"] not in first["notes"]:
            first["notes"] += f"; {row['notes']}"
        head = row["source"].split("; ")[0]
        if head not in first["source"]:
            first["source"] = head + "; " + first["source"]
    return list(merged.values())


def _dedupe_edges(edges: list[dict]) -> list[dict]:
    """One row per asset-derived edge (the same parent and owner behind several assets), their sources joined."""
    merged: dict[tuple, dict] = {}
    out: list[dict] = []
    for row in edges:
        key = (row["owner_id"], row["owned_id"], row["relation"], row.get("share_pct", ""))
        first = merged.get(key)
        if first is None or "GEM names the parent" not in row.get("notes", ""):
            merged[key] = row
            out.append(row)
            continue
        first["source"] = row["source"].split("; ")[0] + "; " + first["source"]
    return out
