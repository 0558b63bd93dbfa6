"""The match score: a Fellegi–Sunter weight, the sum of log2 likelihood ratios of independent comparisons.

For each comparison a level is chosen and its weight is ``log2(m / u)``: ``m`` is how often two records of one
deposit show that level, ``u`` how often two records of different deposits do. The prior weight is the log-odds that
a candidate pair is a match before anything is compared; it depends on how the pair was found (a spatial
neighbour, or a name shared within a country by a record without a location). docs/LINKAGE.md gives the evidence for
each figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rapidfuzz.distance import JaroWinkler

from layers.linkage.location import distance_weight
from layers.linkage.nameforms import NameForm

#: Name levels, best first, with (m, u). ``conflict``: direction words or numbers differ (Northern Katpar and
#: Katpar; Ushkatyn I and III) — distinct orebodies of one name.
NAME_LEVELS: dict[str, tuple[float, float]] = {
    "exact": (0.50, 0.002),  # one key (after scripts, romanisations, Russian endings, generic words fold)
    "translit": (0.12, 0.002),  # one consonant skeleton: Bozshakol = Boshchekul, Qonyrat = Kounrad
    "number_partial": (0.06, 0.004),  # one core, only one side numbered: Dzhetygarinskoe 2 / Zhetygara
    "fuzzy_high": (0.14, 0.01),  # Jaro–Winkler of the cores >= 0.92: Karchegin / Karchiginskoe
    "fuzzy_low": (0.10, 0.05),  # >= 0.85, or one core starts the other: Inder / Inderskaja
    "conflict": (0.004, 0.05),
    "different": (0.074, 0.887),
    "unnamed": (0.05, 0.6),  # a side has no name ("unnamed"): nothing but the place speaks for the pair
}
JW_HIGH = 0.92
UNLOCATED_MIN_SKELETON = 5
JW_LOW = 0.85
#: A core this long or longer that starts the other core counts as ``fuzzy_low``.
PREFIX_MIN = 5

#: Commodities: half or more in common (Jaccard >= 0.5); some in common; only a commodity group in common;
#: nothing in common. A side without commodities is not compared.
COMMODITY_LEVELS = {"most": (0.45, 0.06), "shared": (0.30, 0.16), "group": (0.15, 0.28), "disjoint": (0.20, 0.50)}
MOST_SHARED = 0.5
#: Deposit types are written differently by each dataset, so only agreement is evidence.
DEPOSIT_TYPE_LEVELS = {"shared": (0.25, 0.10)}
COUNTRY_LEVELS = {"same": (0.98, 0.70), "different": (0.02, 0.30)}
#: Two records of one dataset: a dataset seldom lists one deposit twice.
SAME_DATASET = (0.05, 0.20)

#: Prior weights (log2 odds) by how a pair was found.
PRIOR_SPATIAL = -5.5  # about 1 in 45 spatial neighbours is the same deposit (docs/LINKAGE.md)
PRIOR_NAME = -3.5  # about 1 in 12 same-country pairs sharing a name block (prefix blocks included) match

#: Pairs scoring at least this merge; between REVIEW_MIN and it, a curator decides (the review queue).
MERGE_MIN = 2.5
REVIEW_MIN = -1.0


def _weight(levels: dict[str, tuple[float, float]], level: str) -> float:
    m, u = levels[level]
    return math.log2(m / u)


@dataclass(frozen=True)
class Comparison:
    """The score of one candidate pair and what it is made of."""

    score: float
    name_level: str
    distance_km: float  # NaN when a side has no location
    weights: dict[str, float]

    @property
    def probability(self) -> float:
        """The match probability the score stands for."""
        return 1.0 / (1.0 + 2.0 ** (-self.score))

    def summary(self) -> str:
        """One line: the name level, the distance and the score."""
        where = "no location" if math.isnan(self.distance_km) else f"{self.distance_km:.1f} km"
        return f"name {self.name_level}, {where}, score {self.score:.1f}"


def compare_forms(a: NameForm, b: NameForm, min_skeleton: int = 3) -> str:
    """Return the name level of two name forms.

    Parameters
    ----------
    a, b : NameForm
        One name of each record.

    Returns
    -------
    str
        A key of :data:`NAME_LEVELS`.
    """
    if a.directions != b.directions:
        return "conflict"
    if a.numbers and b.numbers and a.numbers != b.numbers:
        return "conflict"
    # A lone "1" is how one list writes the deposit another gives unnumbered (Chulaktau-I = Chulak Tau Mine).
    one_sided = a.numbers != b.numbers and not {a.numbers, b.numbers} == {(), ("1",)}
    if a.core == b.core:
        return "number_partial" if one_sided else "exact"
    # One skeleton and one first letter: a dropped leading vowel (Akzhal / Kuzhal) is another name, not a spelling.
    if len(a.skeleton) >= min_skeleton and a.skeleton == b.skeleton and a.core[0] == b.core[0]:
        return "number_partial" if one_sided else "translit"
    similarity = JaroWinkler.similarity(a.core, b.core)
    short, long_ = sorted((a.core, b.core), key=len)
    if similarity >= JW_HIGH and not one_sided:
        return "fuzzy_high"
    if similarity >= JW_LOW or (len(short) >= PREFIX_MIN and long_.startswith(short)):
        return "fuzzy_low"
    return "different"


_ORDER = {level: i for i, level in enumerate(NAME_LEVELS)}


def best_name_level(forms_a: tuple[NameForm, ...], forms_b: tuple[NameForm, ...], min_skeleton: int = 3) -> str:
    """Return the best name level over every pair of the records' names (``unnamed`` if a side has none)."""
    if not forms_a or not forms_b:
        return "unnamed"
    best = "different"
    for a in forms_a:
        for b in forms_b:
            level = compare_forms(a, b, min_skeleton)
            if _ORDER[level] < _ORDER[best]:
                best = level
                if level == "exact":
                    return best
    return best


def score_pair(a: dict, b: dict, distance_km: float, *, prior: float) -> Comparison:
    """Score a candidate pair of records.

    Parameters
    ----------
    a, b : dict
        Prepared records (``layers.linkage.core.prepare``): ``forms``, ``primary_forms``, ``dataset``,
        ``country``, ``commodity_set``, ``group_set``, ``type_set`` and ``sigma_km``.
    distance_km : float
        Geodesic distance between their points (km), NaN when a side has no location.
    prior : float
        :data:`PRIOR_SPATIAL` or :data:`PRIOR_NAME`.

    Returns
    -------
    Comparison
        The score (log2 odds) and its parts. Two records of one dataset are compared by their own names only,
        never by an alias or a bracketed alternative.
    """
    same_dataset = a["dataset"] == b["dataset"]
    # Without a place to compare, a short skeleton is too weak a match (Kamator / Kumtor): five consonants at least.
    min_skeleton = UNLOCATED_MIN_SKELETON if math.isnan(distance_km) else 3
    forms = ("primary_forms", "primary_forms") if same_dataset else ("forms", "forms")
    level = best_name_level(a[forms[0]], b[forms[1]], min_skeleton)
    weights = {"prior": prior, "name": _weight(NAME_LEVELS, level)}
    if not math.isnan(distance_km):
        weights["distance"] = distance_weight(distance_km, a["sigma_km"], b["sigma_km"])
    weights["country"] = _weight(COUNTRY_LEVELS, "same" if a["country"] == b["country"] else "different")
    commodity = _commodity_level(a, b)
    if commodity:
        weights["commodities"] = _weight(COMMODITY_LEVELS, commodity)
    if a["type_set"] & b["type_set"]:
        weights["deposit_type"] = _weight(DEPOSIT_TYPE_LEVELS, "shared")
    if same_dataset:
        weights["same_dataset"] = math.log2(SAME_DATASET[0] / SAME_DATASET[1])
    return Comparison(score=sum(weights.values()), name_level=level, distance_km=distance_km,
                      weights={k: round(v, 2) for k, v in weights.items()})


def _commodity_level(a: dict, b: dict) -> str:
    if not a["commodity_set"] or not b["commodity_set"]:
        return ""
    shared = a["commodity_set"] & b["commodity_set"]
    if shared:
        return "most" if len(shared) / len(a["commodity_set"] | b["commodity_set"]) >= MOST_SHARED else "shared"
    return "group" if a["group_set"] & b["group_set"] else "disjoint"
