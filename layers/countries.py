"""Countries: name normalisation to ISO 3166-1 alpha-2, the Natural Earth outline layer, the country check."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.geometry import MultiPolygon, Polygon

from layers.errors import SourceFormatError
from layers.schema import COUNTRIES, METRIC_CRS, STORE_CRS, validate

#: Country names and codes as sources write them → ISO 3166-1 alpha-2.
COUNTRY_NAMES: dict[str, str] = {
    "kazakhstan": "KZ", "kazakstan": "KZ", "qazaqstan": "KZ", "казахстан": "KZ", "қазақстан": "KZ",
    "republic of kazakhstan": "KZ", "kaz": "KZ", "kz": "KZ",
    "kyrgyzstan": "KG", "kyrgyz republic": "KG", "kirghizia": "KG", "kirgizia": "KG", "kyrgyzia": "KG",
    "кыргызстан": "KG", "киргизия": "KG", "кыргызская республика": "KG", "kgz": "KG", "kg": "KG",
    "tajikistan": "TJ", "tadzhikistan": "TJ", "tadjikistan": "TJ", "таджикистан": "TJ", "тоҷикистон": "TJ",
    "tjk": "TJ", "tj": "TJ",
    "uzbekistan": "UZ", "o'zbekiston": "UZ", "oʻzbekiston": "UZ", "ozbekiston": "UZ", "узбекистан": "UZ",
    "ўзбекистон": "UZ", "uzb": "UZ", "uz": "UZ",
    "turkmenistan": "TM", "türkmenistan": "TM", "туркменистан": "TM", "туркмения": "TM", "tkm": "TM",
    "tm": "TM",
}

#: MinMod country entity ids of the five countries.
MINMOD_COUNTRY_IDS: dict[str, str] = {
    "Q1112": "KZ", "Q1117": "KG", "Q1217": "TJ", "Q1228": "TM", "Q1238": "UZ",
}

#: A point further than this outside its stated country is refused (the borders are 1:10m, and
#: sources such as GSC round to 0.01°, so a few km outside is ordinary).
COUNTRY_TOLERANCE_KM = 25.0


def normalise_country(text: str) -> str | None:
    """Return the ISO 3166-1 alpha-2 code of a country name or code, or None if unknown.

    Parameters
    ----------
    text : str
        ``"Kazakhstan"``, ``"Kazakstan"``, ``"KAZ"``, ``"kz"``, ``"Казахстан"``, a MinMod URI
        ``https://minmod.isi.edu/resource/Q1112`` ...

    Returns
    -------
    str or None
        ``"KZ"``, ``"KG"``, ``"TJ"``, ``"UZ"``, ``"TM"``; None for anything else.
    """
    if not text:
        return None
    cleaned = unicodedata.normalize("NFC", text).strip()
    tail = cleaned.rsplit("/", 1)[-1]
    if tail in MINMOD_COUNTRY_IDS:
        return MINMOD_COUNTRY_IDS[tail]
    return COUNTRY_NAMES.get(" ".join(cleaned.lower().split()))


def load_countries(paths: list[Path]) -> gpd.GeoDataFrame:
    """Load Natural Earth admin-0 outlines into the countries layer.

    Parameters
    ----------
    paths : list of Path
        One Natural Earth admin-0 file (GeoJSON, shapefile, GeoPackage) readable by GDAL.

    Returns
    -------
    GeoDataFrame
        :data:`layers.schema.COUNTRIES` columns, MultiPolygon geometries in EPSG:4326.

    Raises
    ------
    SourceFormatError
        If the file cannot be read or lacks the Natural Earth name and ISO fields.
    """
    path = paths[0]
    try:
        raw = pyogrio.read_dataframe(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise SourceFormatError(f"{path}: cannot read country outlines: {exc}") from exc
    fields = {c.upper(): c for c in raw.columns}
    needed = ["ISO_A2", "NAME"]
    missing = [f for f in needed if f not in fields]
    if missing:
        raise SourceFormatError(f"{path}: missing Natural Earth fields {missing}")
    if raw.crs is None:
        raise SourceFormatError(f"{path}: no CRS")
    raw = raw.to_crs(STORE_CRS)
    iso = raw[fields["ISO_A2"]].astype(str)
    # Natural Earth writes -99 where ISO has no code (e.g. Kosovo, N. Cyprus); ISO_A2_EH fills some.
    if "ISO_A2_EH" in fields:
        iso = iso.where(iso != "-99", raw[fields["ISO_A2_EH"]].astype(str))
    frame = pd.DataFrame({
        "iso_a2": iso.where(iso != "-99", "").tolist(),
        "name": raw[fields["NAME"]].astype(str).tolist(),
        "name_ru": raw[fields["NAME_RU"]].fillna("").astype(str).tolist() if "NAME_RU" in fields else "",
    })
    geometry = gpd.GeoSeries([_as_multipolygon(g) for g in raw.geometry], crs=STORE_CRS).make_valid()
    geometry = gpd.GeoSeries([_as_multipolygon(g) for g in geometry], crs=STORE_CRS)
    countries = gpd.GeoDataFrame(frame, geometry=geometry, crs=STORE_CRS)
    validate(countries, COUNTRIES, what=f"countries from {path.name}")
    return countries


def _as_multipolygon(geom) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    polygons = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    parts = [p for g in polygons for p in (g.geoms if isinstance(g, MultiPolygon) else [g])]
    return MultiPolygon(parts)


def distance_outside_km(points: gpd.GeoSeries, countries: gpd.GeoDataFrame, codes: pd.Series) -> pd.Series:
    """Distance in km from each point to the outline of its stated country (0 inside).

    Parameters
    ----------
    points : GeoSeries
        Points in EPSG:4326 (None allowed: gives NaN).
    countries : GeoDataFrame
        The countries layer.
    codes : Series of str
        Stated ISO alpha-2 code of each point, aligned with ``points``.

    Returns
    -------
    Series of float
        Kilometres, measured in :data:`layers.schema.METRIC_CRS`; NaN where the point is missing or
        the country is not in the layer.
    """
    # Natural Earth gives Kazakhstan twice (Baikonur is its own admin-0 unit): merge per code.
    metric = countries[countries["iso_a2"] != ""].to_crs(METRIC_CRS).dissolve(by="iso_a2")
    outlines = dict(zip(metric.index, metric.geometry, strict=True))
    projected = points.to_crs(METRIC_CRS)
    result = []
    for point, code in zip(projected, codes, strict=True):
        shape = outlines.get(code)
        if point is None or point.is_empty or shape is None:
            result.append(float("nan"))
        else:
            result.append(shape.distance(point) / 1000.0)
    return pd.Series(result, index=points.index, dtype="float64")


def country_at(points: gpd.GeoSeries, countries: gpd.GeoDataFrame) -> pd.Series:
    """Return the ISO alpha-2 code of the country containing each point ('' if none).

    Parameters
    ----------
    points : GeoSeries
        Points in EPSG:4326.
    countries : GeoDataFrame
        The countries layer.

    Returns
    -------
    Series of str
        Aligned with ``points``.
    """
    frame = gpd.GeoDataFrame(geometry=points, crs=STORE_CRS)
    joined = gpd.sjoin(frame, countries[["iso_a2", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["iso_a2"].fillna("").astype(str).reindex(points.index, fill_value="")
