"""Commodity normalisation: names, symbols and source codes to element symbols, and commodity groups."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from functools import cache

from layers.settings import PROJECT_ROOT

#: MinMod commodity ids and names (see data/reference/README.md).
MINMOD_COMMODITY_TABLE = PROJECT_ROOT / "data" / "reference" / "minmod_commodity.csv"

#: Element name → symbol, for every element a mineral source names.
ELEMENTS: dict[str, str] = {
    "aluminum": "Al", "aluminium": "Al", "antimony": "Sb", "arsenic": "As", "barium": "Ba",
    "beryllium": "Be", "bismuth": "Bi", "boron": "B", "bromine": "Br", "cadmium": "Cd", "calcium": "Ca",
    "cerium": "Ce", "cesium": "Cs", "caesium": "Cs", "chlorine": "Cl", "chromium": "Cr", "cobalt": "Co",
    "copper": "Cu", "dysprosium": "Dy", "erbium": "Er", "europium": "Eu", "fluorine": "F",
    "gadolinium": "Gd", "gallium": "Ga", "germanium": "Ge", "gold": "Au", "hafnium": "Hf",
    "helium": "He", "holmium": "Ho", "hydrogen": "H", "indium": "In", "iodine": "I", "iridium": "Ir",
    "iron": "Fe", "lanthanum": "La", "lead": "Pb", "lithium": "Li", "lutetium": "Lu", "magnesium": "Mg",
    "manganese": "Mn", "mercury": "Hg", "molybdenum": "Mo", "neodymium": "Nd", "nickel": "Ni",
    "niobium": "Nb", "osmium": "Os", "palladium": "Pd", "phosphorus": "P", "platinum": "Pt",
    "potassium": "K", "praseodymium": "Pr", "promethium": "Pm", "radium": "Ra", "rhenium": "Re",
    "rhodium": "Rh", "rubidium": "Rb", "ruthenium": "Ru", "samarium": "Sm", "scandium": "Sc",
    "selenium": "Se", "silicon": "Si", "silver": "Ag", "sodium": "Na", "strontium": "Sr", "sulfur": "S",
    "sulphur": "S", "tantalum": "Ta", "tellurium": "Te", "terbium": "Tb", "thallium": "Tl",
    "thorium": "Th", "thulium": "Tm", "tin": "Sn", "titanium": "Ti", "tungsten": "W", "uranium": "U",
    "vanadium": "V", "ytterbium": "Yb", "yttrium": "Y", "zinc": "Zn", "zirconium": "Zr",
}
_SYMBOLS = {symbol.lower(): symbol for symbol in ELEMENTS.values()}

#: Non-element commodities and source codes → the atlas's commodity value(s).
#: Codes such as HAL, BRI, GYP are the USGS potash and MRDS abbreviations.
OTHER: dict[str, tuple[str, ...]] = {
    "ree": ("REE",), "rare earth elements": ("REE",), "rare earths": ("REE",), "tr": ("REE",),
    "pge": ("PGE",), "platinum-group elements": ("PGE",), "platinum group elements": ("PGE",),
    "graphite": ("graphite",), "graphite, carbon": ("graphite",),
    "phosphate": ("phosphate",), "phosphorus-phosphates": ("phosphate",), "fluorapatite": ("phosphate",),
    "potash": ("K",), "sylvite": ("K",), "potassium, alum": ("K",),
    "hal": ("salt",), "halite": ("salt",), "salt": ("salt",), "sodium, halite": ("salt",),
    "sodium, salt": ("salt",), "bri": ("brine",), "brine": ("brine",),
    "gyp": ("gypsum",), "gypsum": ("gypsum",), "gypsum-anhydrite": ("gypsum",),
    "barium-barite": ("Ba",), "barite": ("Ba",), "boron-borates": ("B",),
    "fluorine-fluorite": ("F", "fluorite"), "fluorite": ("F", "fluorite"), "fluorspar": ("F", "fluorite"),
    "oil shale": ("oil shale",), "petroleum (oil), oil shale": ("oil shale",),
    "talc": ("talc",), "talc-soapstone": ("talc",), "asbestos": ("asbestos",),
    "bentonite": ("bentonite",), "clay, bentonite": ("bentonite",), "muscovite": ("mica",), "mica": ("mica",),
    "quartz": ("quartz",), "feldspar": ("feldspar",), "magnesite": ("magnesite",),
    "dolomite": ("dolomite",), "vermiculite": ("vermiculite",), "olivine": ("olivine",),
    "pyrite": ("pyrite",), "iron, pyrite": ("pyrite",), "coal": ("coal",),
    "chromium, ferrochrome": ("Cr",), "manganese, ferromanganese": ("Mn",), "nickel, laterite": ("Ni",),
    "titanium, ilmenite": ("Ti",), "titanium, rutile": ("Ti",), "titanium, heavy minerals": ("Ti",),
    "tungsten, mill concentrate": ("W",), "copper, oxide": ("Cu",), "copper, sulfide": ("Cu",),
    "aluminum, contained or metal": ("Al",), "gold, refinery": ("Au",), "silver, refinery": ("Ag",),
    "wollastonite": ("wollastonite",), "zeolites": ("zeolite",), "kyanite": ("kyanite",),
}

#: Commodity groups in the order that decides a site's primary group (the map colour).
GROUPS: dict[str, frozenset[str]] = {
    "REE": frozenset(
        "REE La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Y Sc".split()
    ),
    # W and Mo are rare metals in the region's own usage (редкие металлы) and in its ministries' lists: a search
    # for the rare metals of Kyrgyzstan must find its tungsten and molybdenum projects.
    "rare metals": frozenset("Li Be Nb Ta Cs Rb Zr Hf Ga Ge In Re Se Te Tl Sr W Mo".split()),
    "battery and alloy metals": frozenset("Ni Co Mn Cr V Ti Sn Sb Bi Mg graphite".split()),
    "precious metals": frozenset("Au Ag PGE Pt Pd Rh Ir Os Ru".split()),
    "base metals": frozenset("Cu Pb Zn Cd Al Fe As Hg".split()),
    "energy": frozenset({"U", "Th", "coal", "oil shale"}),
    "industrial minerals": frozenset(
        "phosphate P K Na salt brine gypsum Ba B F fluorite talc asbestos bentonite mica quartz feldspar "
        "magnesite dolomite vermiculite olivine pyrite Br I S wollastonite zeolite kyanite".split()
    ),
}
OTHER_GROUP = "other"

#: Mineral species some sources list among commodities; they name no commodity and are dropped.
MINERAL_SPECIES = frozenset(
    "goethite nontronite serpentine magnetite chromite limonite opal beidellite mn-hydroxide kerolite "
    "saponite chlorite montmorillonite garnierite hematite kaolinite alunite".split()
)

_UNIT_SUFFIX = re.compile(r"\s+(ppm|ppb|pct|percent|%|g/t|oz/t)$", re.IGNORECASE)
_SPLIT = re.compile(r"[;,/]|\s{2,}|\s+and\s+")


@cache
def minmod_commodity_names() -> dict[str, str]:
    """Return MinMod commodity id (``Q538``) → name; ids given twice upstream are left out.

    Returns
    -------
    dict of str to str
        Read once from :data:`MINMOD_COMMODITY_TABLE`.
    """
    with MINMOD_COMMODITY_TABLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["id"]] = counts.get(row["id"], 0) + 1
    # Q698 is both Thulium and Magnesium upstream: ambiguous ids must fall back to the observed name.
    return {row["id"]: row["name"] for row in rows if counts[row["id"]] == 1}


def normalise_commodity(text: str) -> tuple[list[str], list[str]]:
    """Turn one commodity text into atlas commodity values.

    Parameters
    ----------
    text : str
        A name (``"Copper"``, ``"rare earth elements"``), a symbol (``"Cu"``), a MinMod name
        (``"Sodium, Halite"``), a source code list (``"HAL  K  BR"``), an assay label (``"La ppm"``)
        or a curated list (``"REE (Ce; La; Nd; Y)"``).

    Returns
    -------
    values : list of str
        Element symbols (``"Cu"``) or lower-case names of non-element commodities (``"graphite"``),
        in the order found, without repeats.
    unmapped : list of str
        Parts that name no known commodity (mineral species are dropped silently, not listed).
    """
    values: list[str] = []
    unmapped: list[str] = []
    whole = _lookup(text.strip())
    parts = [text] if whole is not None else _parts(text)
    for part in parts:
        found = _lookup(part)
        if found is None:
            if part.lower() not in MINERAL_SPECIES:
                unmapped.append(part)
            continue
        values.extend(v for v in found if v not in values)
    return values, unmapped


def normalise_commodities(texts: Iterable[str]) -> tuple[list[str], list[str]]:
    """Normalise several commodity texts; see :func:`normalise_commodity`.

    Parameters
    ----------
    texts : iterable of str
        Commodity texts of one record.

    Returns
    -------
    values, unmapped : list of str, list of str
        Union of the values in first-seen order, and every unmapped part.
    """
    values: list[str] = []
    unmapped: list[str] = []
    for text in texts:
        found, missed = normalise_commodity(text)
        values.extend(v for v in found if v not in values)
        unmapped.extend(missed)
    return values, unmapped


def commodity_groups(values: Iterable[str]) -> list[str]:
    """Return the groups of ``values`` in :data:`GROUPS` order (``"other"`` last if any is ungrouped).

    Parameters
    ----------
    values : iterable of str
        Atlas commodity values (symbols or names).

    Returns
    -------
    list of str
        Group names, each once.
    """
    values = list(values)
    groups = [name for name, members in GROUPS.items() if any(v in members for v in values)]
    grouped = set().union(*GROUPS.values())
    if any(v not in grouped for v in values):
        groups.append(OTHER_GROUP)
    return groups


def primary_group(groups: list[str]) -> str:
    """Return the group a site is coloured by: the first of ``groups``, or ``"other"`` if none."""
    return groups[0] if groups else OTHER_GROUP


def _parts(text: str) -> list[str]:
    # "REE (Ce; La)" -> "REE", "Ce", "La"; "HAL  K(" -> "HAL", "K"
    text = text.replace("(", ";").replace(")", ";")
    parts: list[str] = []
    for chunk in _SPLIT.split(text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if _lookup(chunk) is None and " " in chunk:
            parts.extend(chunk.split())
        else:
            parts.append(chunk)
    return parts


def _lookup(part: str) -> tuple[str, ...] | None:
    part = _UNIT_SUFFIX.sub("", part.strip()).strip()
    if not part:
        return None
    lower = part.lower()
    if lower in OTHER:
        return OTHER[lower]
    if lower in ELEMENTS:
        return (ELEMENTS[lower],)
    # A symbol must be written as one ("Cu", "CU", "K"): lower-case "in" or "as" are words, not indium or arsenic.
    if lower in _SYMBOLS and part[0].isupper():
        return (_SYMBOLS[lower],)
    return None
