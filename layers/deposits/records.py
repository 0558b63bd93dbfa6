"""Shared pieces of the deposit loaders: the load result, row assembly and location parsing."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from layers.schema import QUARANTINE, SOURCE_RECORDS, STORE_CRS, validate

#: Every country the atlas covers, ISO 3166-1 alpha-2.
ATLAS_COUNTRIES = ("KZ", "KG", "TJ", "UZ", "TM")

#: Radius (km) assumed for a location whose precision nothing else tells: a named point from a
#: deposit database. Finer digits do not make it more certain than this.
DEFAULT_PRECISION_KM = 2.0

#: Radius (km) for a point given in whole degrees: it places a belt or district, not a deposit.
WHOLE_DEGREE_PRECISION_KM = 75.0


@dataclass
class LoadResult:
    """What a deposit loader returns: the records in the source-record schema and refused rows."""

    records: gpd.GeoDataFrame
    quarantine: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def make_records(rows: list[dict], what: str) -> gpd.GeoDataFrame:
    """Assemble and validate a source-records GeoDataFrame.

    Parameters
    ----------
    rows : list of dict
        One dict per record with every :data:`layers.schema.SOURCE_RECORDS` column plus ``geometry``
        (a shapely Point or None).
    what : str
        Names the source in error messages.

    Returns
    -------
    GeoDataFrame
        In :data:`layers.schema.STORE_CRS`, validated; an empty input gives an empty frame that keeps
        the schema.

    Raises
    ------
    SchemaError
        If a row breaks the contract.
    """
    if not rows:
        return SOURCE_RECORDS.empty()
    columns = SOURCE_RECORDS.column_names
    # same_as is optional for loaders: most sources never say which other records they duplicate.
    frame = pd.DataFrame(
        [{c: row.get(c, []) if c == "same_as" else row[c] for c in columns} for row in rows], columns=columns
    )
    frame["location_precision_km"] = frame["location_precision_km"].astype("float64")
    records = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([r["geometry"] for r in rows], crs=STORE_CRS))
    validate(records, SOURCE_RECORDS, what=f"source_records from {what}")
    return records


def make_quarantine(rows: list[dict], what: str) -> pd.DataFrame:
    """Assemble and validate a quarantine table (see :data:`layers.schema.QUARANTINE`).

    Parameters
    ----------
    rows : list of dict
        One dict per refused row with every quarantine column.
    what : str
        Names the source in error messages.

    Returns
    -------
    DataFrame
        Validated; empty input gives an empty table with the schema's columns.
    """
    if not rows:
        return QUARANTINE.empty()
    frame = pd.DataFrame(rows, columns=QUARANTINE.column_names)
    validate(frame, QUARANTINE, what=f"quarantine from {what}")
    return frame


def precision_from_coordinates(lon: float, lat: float) -> tuple[float, str]:
    """Guess a location's precision from how its coordinates are rounded.

    Parameters
    ----------
    lon, lat : float
        Degrees (WGS84).

    Returns
    -------
    precision_km : float
        Radius within which the deposit is believed to lie: whole degrees 75 km, multiples of
        10 arc-minutes 15 km, of 0.1° 8 km, of 1 arc-minute or 0.01° 2 km, else
        :data:`DEFAULT_PRECISION_KM`.
    status : str
        ``"coarse"`` for whole degrees, else ``"exact"``.
    """
    if _is_multiple(lon, 1.0) and _is_multiple(lat, 1.0):
        return WHOLE_DEGREE_PRECISION_KM, "coarse"
    for step, km in ((1 / 6, 15.0), (0.1, 8.0), (1 / 60, 2.0), (0.01, 2.0)):
        if _is_multiple(lon, step) and _is_multiple(lat, step):
            return km, "exact"
    return DEFAULT_PRECISION_KM, "exact"


def _is_multiple(value: float, step: float) -> bool:
    ratio = value / step
    return math.isclose(ratio, round(ratio), abs_tol=1e-6)


_WKT_POINT = re.compile(
    r"^\s*POINT\s*\(\s*([-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s+([-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s*\)\s*$",
    re.IGNORECASE,
)


def parse_wkt_point(text: str) -> tuple[float, float] | None:
    """Return ``(lon, lat)`` from a WKT ``POINT (x y)`` string, or None if it is not one."""
    match = _WKT_POINT.match(text or "")
    if not match:
        return None
    return float(match.group(1)), float(match.group(2))


def check_coordinates(lon: float, lat: float) -> str:
    """Return why a coordinate pair cannot be a location, or ``""`` if it can.

    Parameters
    ----------
    lon, lat : float
        Degrees as given by a source.

    Returns
    -------
    str
        Empty, or a reason: not finite, out of range, (0, 0), or a pole latitude.
    """
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return "coordinates are not numbers"
    if not (-180.0 <= lon <= 180.0) or not (-90.0 <= lat <= 90.0):
        return f"coordinates out of range (lon {lon}, lat {lat}; expected lon -180..180, lat -90..90)"
    if lon == 0.0 and lat == 0.0:
        return "placeholder point (0, 0)"
    if abs(lat) == 90.0:
        return f"placeholder point at a pole (lat {lat})"
    return ""


def point_or_none(lon: float | None, lat: float | None) -> Point | None:
    """Return a shapely Point for finite coordinates, else None."""
    if lon is None or lat is None or not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    return Point(lon, lat)
