"""Coordinate parsing: decimal degrees or degrees-minutes-seconds text, and point geometries, to lon/lat."""

from __future__ import annotations

import math
import re

from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry

#: Hemisphere letters → (axis, sign). Cyrillic С/Ю/В/З are the Russian N/S/E/W, common in Soviet-era
#: tables; they are only taken as upper-case letters so a unit such as ``s`` (seconds) is not one.
HEMISPHERES: dict[str, tuple[str, int]] = {
    "N": ("lat", 1), "S": ("lat", -1), "E": ("lon", 1), "W": ("lon", -1),
    "С": ("lat", 1), "Ю": ("lat", -1), "В": ("lon", 1), "З": ("lon", -1),
}

_LIMITS = {"lat": 90.0, "lon": 180.0}

# Look-alike marks that spreadsheets and word processors put in place of ° ' ".
_MARKS = str.maketrans({
    "º": "°", "˚": "°", "′": "'", "’": "'", "‘": "'", "´": "'", "`": "'", "″": '"', "”": '"', "“": '"',
    "\u00a0": " ",
})

_NUMBER = r"\d+(?:[.,]\d+)?"
# Degrees, then optional minutes, then optional seconds. A separator (a mark, a letter unit, ':', '-'
# or space) is required between parts so "4240" is never read as 42°40'.
_DMS = re.compile(
    rf"""^(?P<deg>{_NUMBER})\s*(?:°|deg|d)?
        (?:(?:\s*[:\-]\s*|\s+|(?<=[°dg]))(?P<min>{_NUMBER})\s*(?:'|min|m)?
        (?:(?:\s*[:\-]\s*|\s+|(?<=['mn]))(?P<sec>{_NUMBER})\s*(?:"|sec|s)?)?)?$""",
    re.VERBOSE | re.IGNORECASE,
)


def parse_coordinate(text: str | float, axis: str) -> float:
    """Parse a latitude or longitude into signed decimal degrees.

    Parameters
    ----------
    text : str or float
        A number, or text such as ``42.6667``, ``42,6667`` (decimal comma), ``-42.5``, ``N42.6667``,
        ``42°40'00"N``, ``42 40 00 N``, ``42-40-00``, ``42:40:00``, ``42°40.5'``, ``76d10m``,
        ``76d10m30s E``. Hemisphere letters N/S/E/W (and Cyrillic С/Ю/В/З) may lead or trail;
        S and W make the value negative.
    axis : {"lat", "lon"}
        Which coordinate ``text`` is; a hemisphere letter of the other axis is an error.

    Returns
    -------
    float
        Degrees, negative south and west. The range is not checked here beyond minutes and seconds
        below 60: :func:`layers.deposits.records.check_coordinates` judges the pair.

    Raises
    ------
    ValueError
        If ``axis`` is not ``"lat"`` or ``"lon"``, or ``text`` is empty, not a finite number, or
        not a coordinate in a form listed above.
    """
    if axis not in _LIMITS:
        raise ValueError(f"axis must be 'lat' or 'lon', got {axis!r}")
    if isinstance(text, bool):
        raise ValueError(f"{axis} {text!r} is not a coordinate")
    if isinstance(text, int | float):
        if not math.isfinite(text):
            raise ValueError(f"{axis} {text!r} is not a finite number")
        return float(text)
    body, sign = _split_sign(str(text).translate(_MARKS).strip().replace("''", '"'), axis, text)
    match = _DMS.match(body)
    if match is None:
        raise ValueError(f"{axis} {text!r} is not decimal degrees or degrees-minutes-seconds")
    parts = [match.group(k) for k in ("deg", "min", "sec")]
    values = [float(p.replace(",", ".")) if p is not None else None for p in parts]
    degrees, minutes, seconds = values
    _check_parts(parts, values, axis, text)
    return sign * (degrees + (minutes or 0.0) / 60.0 + (seconds or 0.0) / 3600.0)


def _split_sign(body: str, axis: str, original: str) -> tuple[str, int]:
    """Strip a leading sign and a leading or trailing hemisphere letter; return the rest and the sign."""
    if not body:
        raise ValueError(f"{axis} is empty")
    sign = 1
    letter = ""
    if body[0] in HEMISPHERES:
        letter, body = body[0], body[1:].strip()
    elif body[-1] in HEMISPHERES:
        letter, body = body[-1], body[:-1].strip()
    if body[:1] in ("-", "+", "−"):
        sign = -1 if body[0] != "+" else 1
        body = body[1:].strip()
    if letter:
        letter_axis, letter_sign = HEMISPHERES[letter]
        if letter_axis != axis:
            raise ValueError(f"{axis} {original!r} has hemisphere {letter!r}, which belongs to {letter_axis}")
        if sign < 0:
            raise ValueError(f"{axis} {original!r} has both a minus sign and a hemisphere letter")
        sign = letter_sign
    return body, sign


def _check_parts(parts: list[str | None], values: list[float | None], axis: str, original: str) -> None:
    """Refuse fractional degrees before minutes, fractional minutes before seconds, and parts ≥ 60."""
    deg, minute, second = parts
    if minute is not None and not deg.isdigit():
        raise ValueError(f"{axis} {original!r}: fractional degrees cannot be followed by minutes")
    if second is not None and not minute.isdigit():
        raise ValueError(f"{axis} {original!r}: fractional minutes cannot be followed by seconds")
    for label, value in zip(("minutes", "seconds"), values[1:], strict=True):
        if value is not None and value >= 60.0:
            raise ValueError(f"{axis} {original!r}: {label} {value:g} are not below 60")


def parse_pair(lat_text: str, lon_text: str) -> tuple[float, float] | None:
    """Parse a latitude and a longitude given as text into ``(lon, lat)``.

    Parameters
    ----------
    lat_text, lon_text : str
        Any form :func:`parse_coordinate` accepts.

    Returns
    -------
    tuple of float or None
        ``(lon, lat)`` in degrees; None when both are blank (the location is not given).

    Raises
    ------
    ValueError
        If only one is given or either cannot be parsed.
    """
    if not lat_text.strip() and not lon_text.strip():
        return None
    return parse_coordinate(lon_text, "lon"), parse_coordinate(lat_text, "lat")


def lonlat_from_geometry(geometry: BaseGeometry | None) -> tuple[float, float] | None:
    """Return ``(lon, lat)`` of a point geometry already in EPSG:4326.

    Parameters
    ----------
    geometry : shapely geometry or None
        A Point, or a MultiPoint holding one point.

    Returns
    -------
    tuple of float or None
        ``(x, y)``; None for a missing or empty geometry.

    Raises
    ------
    ValueError
        If the geometry is of another kind (a line, a polygon, several points).
    """
    if geometry is None or geometry.is_empty:
        return None
    if isinstance(geometry, MultiPoint) and len(geometry.geoms) == 1:
        geometry = geometry.geoms[0]
    if not isinstance(geometry, Point):
        raise ValueError(f"geometry is a {geometry.geom_type}, not a point")
    return geometry.x, geometry.y
