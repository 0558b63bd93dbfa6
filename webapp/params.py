"""Small parsers that turn query-string values into typed values, or raise BadRequest naming the parameter."""

from __future__ import annotations

import math
import re
from datetime import date

from geo.partners import PARTNER_GROUPS
from layers.dates import period_start
from layers.deposits.records import ATLAS_COUNTRIES
from layers.types import BBox
from webapp.errors import BadRequest

#: A site id is the record id its source gave (``minmod:…``, ``mudd-jowitt-nickel:Kempirsai (Kempirsay)``):
#: a letter or digit, then up to 200 characters that are neither a slash nor a control character.
SITE_ID_PATTERN = r"^[A-Za-z0-9][^/\x00-\x1f\x7f]{0,200}$"
_SITE_ID = re.compile(SITE_ID_PATTERN)
#: A company id is a slug of lower-case letters, digits and hyphens.
COMPANY_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,120}$"
_COMPANY_ID = re.compile(COMPANY_ID_PATTERN)
#: A whole number as a query string writes it; longer than ``_MAX_DIGITS`` digits is out of every range here.
_WHOLE = re.compile(r"[+-]?[0-9]+")
_MAX_DIGITS = 18


def parse_bbox(value: str | None) -> BBox | None:
    """Parse ``minlon,minlat,maxlon,maxlat`` or, with heights, ``minlon,minlat,minh,maxlon,maxlat,maxh``.

    WGS84 degrees (OGC API – Features /req/core/fc-bbox-definition). Heights are checked and dropped (no layer
    has heights). A west edge greater than the east edge is a box across the antimeridian, kept as given: see
    :func:`bbox_parts`. South above north is a 400.
    """
    if value is None or value == "":
        return None
    parts = value.split(",")
    if len(parts) not in (4, 6):
        raise BadRequest(f"bbox must be minlon,minlat,maxlon,maxlat (or six numbers with heights); got "
                         f"{_clip(value)!r}", parameter="bbox")
    try:
        numbers = [float(p) for p in parts]
    except ValueError as exc:
        raise BadRequest(f"bbox values must be numbers; got {_clip(value)!r}", parameter="bbox") from exc
    if not all(math.isfinite(v) for v in numbers):
        raise BadRequest("bbox values must be finite numbers", parameter="bbox")
    if len(numbers) == 6:
        if numbers[2] > numbers[5]:
            raise BadRequest("bbox minimum height must not exceed its maximum height", parameter="bbox")
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    minx, miny, maxx, maxy = numbers
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise BadRequest("bbox longitudes must lie in -180..180 and latitudes in -90..90", parameter="bbox")
    if miny > maxy:
        raise BadRequest("bbox minimum latitude must not exceed its maximum", parameter="bbox")
    return BBox(minx, miny, maxx, maxy)


def bbox_parts(bbox: BBox) -> list[BBox]:
    """The box itself, or, for a box across the antimeridian (west > east), its parts west and east of it."""
    if bbox.minx <= bbox.maxx:
        return [bbox]
    return [BBox(bbox.minx, bbox.miny, 180.0, bbox.maxy), BBox(-180.0, bbox.miny, bbox.maxx, bbox.maxy)]


def parse_limit(value: str | None, *, default: int, maximum: int) -> int:
    """Parse a page size: a whole number of at least 1; one above ``maximum`` (however long) is capped to it,
    not refused (OGC API – Features /req/core/fc-limit-response-1)."""
    if value is None or value == "":
        return default
    if not _WHOLE.fullmatch(value) or value.startswith("-") or int(value[:_MAX_DIGITS + 1]) < 1:
        raise BadRequest(f"limit must be a whole number of at least 1 (above {maximum} it is capped to {maximum}); "
                         f"got {_clip(value)!r}", parameter="limit")
    return maximum if len(value.lstrip("+")) > _MAX_DIGITS else min(int(value), maximum)


def parse_int(value: str | None, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """Parse a whole number within ``minimum..maximum``; ``default`` when absent."""
    if value is None or value == "":
        return default
    # ASCII digits only: int() also takes "1_000", "١٢" and spaces, and raises ValueError past 4300 digits.
    if not _WHOLE.fullmatch(value):
        raise BadRequest(f"{name} must be a whole number; got {_clip(value)!r}", parameter=name)
    if len(value.lstrip("+-")) > _MAX_DIGITS:
        raise BadRequest(f"{name} must be between {minimum} and {maximum}; got {_clip(value)}", parameter=name)
    number = int(value)
    if not minimum <= number <= maximum:
        raise BadRequest(f"{name} must be between {minimum} and {maximum}; got {number}", parameter=name)
    return number


def _clip(value: str, length: int = 40) -> str:
    """``value``, cut to ``length`` characters with an ellipsis, for an error message."""
    return value if len(value) <= length else value[:length] + "…"


def parse_countries(value: str | None, name: str = "country") -> list[str] | None:
    """Parse a comma-separated list of ISO alpha-2 codes of the atlas's countries (parameter ``name``)."""
    if value is None or value == "":
        return None
    codes = [c.strip().upper() for c in value.split(",") if c.strip()]
    unknown = [c for c in codes if c not in ATLAS_COUNTRIES]
    if unknown or not codes:
        raise BadRequest(
            f"{name} must be ISO 3166-1 alpha-2 codes among {', '.join(ATLAS_COUNTRIES)}; got {value!r}",
            parameter=name,
        )
    return codes


def parse_terms(value: str | None, name: str, *, max_length: int = 200) -> list[str] | None:
    """Parse a comma-separated list of free terms (commodities), each stripped; None when absent."""
    if value is None or value.strip() == "":
        return None
    if len(value) > max_length:
        raise BadRequest(f"{name} is longer than {max_length} characters", parameter=name)
    return [t.strip() for t in value.split(",") if t.strip()]


def parse_query(value: str | None, *, max_length: int = 200) -> str | None:
    """Parse a name search text; None when absent or blank."""
    if value is None or value.strip() == "":
        return None
    if len(value) > max_length:
        raise BadRequest(f"q is longer than {max_length} characters", parameter="q")
    return value.strip()


def parse_site_id(value: str) -> str:
    """Check a site id's form (the record id of its primary record)."""
    if not _SITE_ID.fullmatch(value):
        raise BadRequest(f"not a site id: {value!r}", parameter="site_id")
    return value


def parse_choice(value: str | None, name: str, choices: tuple[str, ...], default: str) -> str:
    """Parse one of ``choices``; ``default`` when absent."""
    if value is None or value == "":
        return default
    if value not in choices:
        raise BadRequest(f"{name} must be one of {', '.join(choices)}; got {value!r}", parameter=name)
    return value


def parse_date(value: str | None, name: str, *, default: date) -> date:
    """Parse an ISO date (``YYYY-MM-DD``; ``YYYY`` and ``YYYY-MM`` mean the first day); ``default`` when absent."""
    if value is None or value == "":
        return default
    try:
        parsed = period_start(value)
    except ValueError as exc:
        raise BadRequest(f"{name} must be a date YYYY-MM-DD; got {value!r}", parameter=name) from exc
    if parsed is None or not date(1900, 1, 1) <= parsed <= date(2100, 12, 31):
        raise BadRequest(f"{name} must lie between 1900-01-01 and 2100-12-31; got {value!r}", parameter=name)
    return parsed


def parse_partners(value: str | None, name: str = "partner") -> list[str] | None:
    """Parse a comma-separated list of partner groups (``China``, ``USA``, ``domestic state`` ...)."""
    if value is None or value.strip() == "":
        return None
    lookup = {g.lower(): g for g in PARTNER_GROUPS}
    groups = [t.strip().lower() for t in value.split(",") if t.strip()]
    unknown = [g for g in groups if g not in lookup]
    if unknown or not groups:  # "," names no group: an error, as for country
        raise BadRequest(f"{name} must be among {', '.join(PARTNER_GROUPS)}; got {value!r}", parameter=name)
    return [lookup[g] for g in groups]


def parse_company_id(value: str) -> str:
    """Check a company id's form (a slug)."""
    if not _COMPANY_ID.fullmatch(value):
        raise BadRequest(f"not a company id: {value!r}", parameter="company_id")
    return value


def parse_float(value: str | None, name: str, *, minimum: float, maximum: float) -> float | None:
    """Parse a finite number within ``minimum..maximum``; None when absent."""
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except ValueError as exc:
        raise BadRequest(f"{name} must be a number; got {value!r}", parameter=name) from exc
    if not math.isfinite(number) or not minimum <= number <= maximum:
        raise BadRequest(f"{name} must be between {minimum:g} and {maximum:g}; got {value!r}", parameter=name)
    return number
