"""The location-error model: how far apart two sources place one deposit, per dataset and record.

Each dataset places a deposit with an error of its own (a district centroid, a shaft, a mine office, a basin
centre), whatever digits its coordinates carry. The model gives every record a one-axis error ``sigma_km``::

    sigma_km = sqrt(DATASET_SIGMA_KM[dataset]² + (location_precision_km / 2)²)

so a record the source itself says is coarse (national ``precision_km``, whole degrees) is wider still. Two records
of one deposit lie ``d`` km apart with a Rayleigh density of scale ``sqrt(sigma_a² + sigma_b²)``, mixed with a small
share of gross errors spread over the neighbourhood; two records of different deposits lie anywhere in the
neighbourhood (a disc of :data:`NEIGHBOURHOOD_KM`). The log-ratio of the two densities is the distance weight of the
score. The evidence for each dataset's figure is in docs/LINKAGE.md ("Location-error model"); re-measure it with
``python bench/bench_linkage.py``.
"""

from __future__ import annotations

import math

#: One-axis location error (km) of each dataset's points, measured on records of one deposit in two datasets
#: (docs/LINKAGE.md). A dataset not listed gets :data:`DEFAULT_SIGMA_KM`.
DATASET_SIGMA_KM: dict[str, float] = {
    "national": 2.0,  # our table: coordinates checked by hand; its precision_km widens them where coarse
    "doi-10-3133-pp1802j": 3.0,  # one record, 0.0 km from two others
    "mrdata-vms": 3.0,  # median 3.1 km to major-deposits (10 pairs), all within 9 km
    "mrdata-sedznpb": 3.5,  # median 5.3 km to major-deposits (6 pairs), all within 10 km
    "mrdata-major-deposits": 5.0,  # median 1.7 km to nicrpge (29), 8.3 km to the GSC W-Sn database (11)
    "mrdata-nicrpge": 5.0,  # median 1.7 km to major-deposits; its district records sit 20-35 km off
    "world-tin-tungsten-deposit": 6.0,  # median 8.3 km to major-deposits (Ingichke 5.3, Akchatau 6.2, Jilau 20)
    "mrdata-porcu": 8.0,  # median 9.1 km to major-deposits (4), Kounrad 18 km
    "mrdata-ofr20151121": 8.0,  # Ayakkuduk 21.5 km, Sherabad 15 km from major-deposits
    "mrdata-sedcu": 10.0,  # basin-scale points: median 16.8 km to sir20105090z (5)
    "mrdata-sir20105090z": 10.0,  # ditto; 14.7 km to major-deposits (Zhaman-Aibat)
    "mrdata-phosphate": 10.0,  # Chulak Tau 2.3 km, Dzhanatas 20-32 km (a 60-km basin)
    "mrdata-laterite": 10.0,  # weathering-crust fields: Gornostai 9-10 km from nicrpge
    "mrdata-ree": 10.0,  # Karsakpai 29 km from major-deposits
    "mrdata-potash": 14.0,  # salt domes and basins: median 27.5 km to major-deposits (6), Inder 19 km
    "mining-report": 5.0,  # NI 43-101 project centroids
}
DEFAULT_SIGMA_KM = 8.0

#: Radius (km) of the neighbourhood in which a record of another deposit could lie: the "different" density of
#: the distance weight is uniform over a disc this wide.
NEIGHBOURHOOD_KM = 50.0

#: Share of records of one deposit whose points are much further apart than their errors say (a wrong district,
#: a mine office far from the pit): it keeps the distance weight from falling without bound.
GROSS_ERROR_SHARE = 0.05

#: A single match may join two points at most this many pair-sigmas apart; a site's records must all lie within
#: this of each other too, so no chain of matches grows wider than one match may be.
MAX_SIGMAS = 3.0


def record_sigma_km(dataset: str, precision_km: float) -> float:
    """Return the one-axis location error of a record, in km.

    Parameters
    ----------
    dataset : str
        The record's dataset (``national-…`` datasets count as ``national``).
    precision_km : float
        The record's own precision radius (km); NaN counts as 0.

    Returns
    -------
    float
        ``sqrt(dataset sigma² + (precision_km / 2)²)`` in km.
    """
    base = DATASET_SIGMA_KM.get("national" if dataset.startswith("national") else dataset, DEFAULT_SIGMA_KM)
    half = 0.0 if math.isnan(precision_km) else precision_km / 2.0
    return math.hypot(base, half)


def pair_sigma_km(sigma_a: float, sigma_b: float) -> float:
    """Return the scale (km) of the distance between two records' points of one deposit."""
    return math.hypot(sigma_a, sigma_b)


def max_link_km(sigma_a: float, sigma_b: float) -> float:
    """Return the farthest (km) two records with these errors may lie apart and still be one deposit."""
    return MAX_SIGMAS * pair_sigma_km(sigma_a, sigma_b)


def distance_weight(distance_km: float, sigma_a: float, sigma_b: float) -> float:
    """Return the Fellegi–Sunter weight (log2 likelihood ratio) of a distance between two records' points.

    Parameters
    ----------
    distance_km : float
        Geodesic distance between the points, km.
    sigma_a, sigma_b : float
        The records' location errors (:func:`record_sigma_km`), km.

    Returns
    -------
    float
        ``log2(m(d) / u(d))`` with ``m`` a Rayleigh density of scale ``pair_sigma_km`` mixed with
        :data:`GROSS_ERROR_SHARE` of the uniform density, and ``u`` the uniform density over a disc of
        :data:`NEIGHBOURHOOD_KM`: positive when the points are close for their errors, down to
        ``log2(GROSS_ERROR_SHARE)`` when far.
    """
    sigma = pair_sigma_km(sigma_a, sigma_b)
    ratio = (NEIGHBOURHOOD_KM**2 / (2.0 * sigma**2)) * math.exp(-(distance_km**2) / (2.0 * sigma**2))
    return math.log2((1.0 - GROSS_ERROR_SHARE) * ratio + GROSS_ERROR_SHARE)
