"""EITI summary data (template 2.0) licence lists → licences rows (and holders as companies rows)."""

from __future__ import annotations

from pathlib import Path

from layers.importers._common import Imported, ImportFormatError, cell, column, read_sheets, safe_id, slug

_NAME = ("Licence/Project name", "License/Project name", "Licence name", "License name", "Project name")
_HOLDER = ("Licence holder(s)", "License holder(s)", "Licence holder", "License holder", "Holder")
_FIELDS = {
    "number": ("Licence number", "License number", "Licence ID", "License ID", "Licence/Project ID"),
    "commodities": ("Commodities", "Commodity", "Commodity(ies)"),
    "kind": ("Licence type", "License type", "Type"),
    "status": ("Status", "Licence status", "License status"),
    "granted": ("Date granted", "Date of award", "Award date", "Granted"),
    "expiry": ("Expiry date", "Date of expiry", "Expiry"),
    "country": ("Country", "Country ISO2"),
    "url": ("Source URL", "Link to register", "Register URL", "Source"),
}


def import_eiti(path: Path, country: str = "", url: str = "") -> Imported:
    """Convert an EITI summary-data licence sheet (XLSX: the first sheet whose name holds 'licen'; or a CSV).

    Parameters
    ----------
    path : Path
        The file; the sheet needs a licence/project name and a licence holder column (see ``_NAME``/``_HOLDER``).
    country : str
        The reporting country (ISO2 or name), used when the sheet has no ``Country`` column.
    url : str
        Where the file was published; added to each row's ``source``.

    Returns
    -------
    Imported
        One licences row per sheet row (``licence_id`` ``EITI-<country>-<number or slug of name>``, holders as
        given in ``holder_text``), ``source`` = ``EITI <file> <sheet> row <n>`` plus the URLs.

    Raises
    ------
    ImportFormatError
        If no sheet has the name and holder columns, or a row has no name or no country.
    """
    sheets = read_sheets(path)
    chosen = [(n, f) for n, f in sheets.items() if "licen" in n.lower()] or list(sheets.items())
    for sheet, frame in chosen:
        name_col, holder_col = column(frame, _NAME), column(frame, _HOLDER)
        if name_col and holder_col:
            return _rows(frame, f"EITI {path.name} {sheet}", name_col, holder_col, country, url)
    raise ImportFormatError(f"{path}: no sheet has a licence/project name column ({_NAME[0]!r}) and a holder column "
                            f"({_HOLDER[0]!r}); sheets: {list(sheets)}")


def _rows(frame, where: str, name_col: str, holder_col: str, country: str, url: str) -> Imported:
    cols = {key: column(frame, aliases) for key, aliases in _FIELDS.items()}
    out = Imported()
    for number, row in enumerate(frame.to_dict("records"), start=2):
        def get(key: str) -> str:
            return cell(row[cols[key]]) if cols[key] else ""  # noqa: B023 - used inside this iteration only

        name = cell(row[name_col])
        if not name:
            raise ImportFormatError(f"{where} row {number}: empty {name_col!r}; expected a licence or project name")
        where_country = get("country") or country
        if not where_country:
            raise ImportFormatError(f"{where} row {number}: no country; expected a 'Country' column or --country")
        key = get("number") or slug(name)
        source = "; ".join(p for p in (f"{where} row {number}", get("url"), url) if p)
        prefix = where_country.upper() if len(where_country) == 2 else slug(where_country).upper()
        out.licences.append({
            "licence_id": safe_id(f"EITI-{prefix}-{key}"),
            "deposit_name": name, "deposit_country": where_country, "holder_text": cell(row[holder_col]),
            "licence_kind": get("kind").lower(), "commodities": get("commodities").replace(",", ";"),
            "granted": get("granted")[:10], "valid_to": get("expiry")[:10], "status": get("status"),
            "source": source, "confidence": "reported",
            "notes": f"EITI licence number {get('number')}" if get("number") else ""})
    return out
