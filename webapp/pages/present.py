"""How values read on a page: commodity and country names, rounded grades, named references, names in two scripts.

Pure functions of values and the language; templates reach them as Jinja filters and globals (see
:func:`install_filters`).
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import gettext, lazy_gettext

from layers.deposits.commodities import ELEMENTS, GROUPS, OTHER_GROUP
from layers.deposits.names import transliterate

#: Commodity values that are gangue or rock-forming minerals some sources list: shown apart, never as a commodity.
GANGUE = frozenset({"quartz", "olivine", "feldspar", "mica", "dolomite", "pyrite", "serpentine", "talc",
                    "vermiculite", "wollastonite", "kyanite", "bentonite", "zeolite", "magnesite"})

_SYMBOL_NAMES = {symbol: name for name, symbol in ELEMENTS.items()
                 if name not in {"aluminum", "caesium", "sulphur"}}

#: Russian names of the commodities the atlas lists.
COMMODITY_RU = {
    "Al": "алюминий", "Sb": "сурьма", "As": "мышьяк", "Ba": "барий", "Be": "бериллий", "Bi": "висмут", "B": "бор",
    "Br": "бром", "Cd": "кадмий", "Ca": "кальций", "Ce": "церий", "Cs": "цезий", "Cl": "хлор", "Cr": "хром",
    "Co": "кобальт", "Cu": "медь", "Dy": "диспрозий", "Er": "эрбий", "Eu": "европий", "F": "фтор",
    "Gd": "гадолиний", "Ga": "галлий", "Ge": "германий", "Au": "золото", "Hf": "гафний", "He": "гелий",
    "Ho": "гольмий", "H": "водород", "In": "индий", "I": "иод", "Ir": "иридий", "Fe": "железо", "La": "лантан",
    "Pb": "свинец", "Li": "литий", "Lu": "лютеций", "Mg": "магний", "Mn": "марганец", "Hg": "ртуть",
    "Mo": "молибден", "Nd": "неодим", "Ni": "никель", "Nb": "ниобий", "Os": "осмий", "Pd": "палладий",
    "P": "фосфор", "Pt": "платина", "K": "калий", "Pr": "празеодим", "Pm": "прометий", "Ra": "радий",
    "Re": "рений", "Rh": "родий", "Rb": "рубидий", "Ru": "рутений", "Sm": "самарий", "Sc": "скандий",
    "Se": "селен", "Si": "кремний", "Ag": "серебро", "Na": "натрий", "Sr": "стронций", "S": "сера",
    "Ta": "тантал", "Te": "теллур", "Tb": "тербий", "Tl": "таллий", "Th": "торий", "Tm": "тулий", "Sn": "олово",
    "Ti": "титан", "W": "вольфрам", "U": "уран", "V": "ванадий", "Yb": "иттербий", "Y": "иттрий", "Zn": "цинк",
    "Zr": "цирконий", "REE": "редкоземельные элементы", "PGE": "металлы платиновой группы", "graphite": "графит",
    "phosphate": "фосфориты", "salt": "соль", "brine": "рассолы", "gypsum": "гипс", "fluorite": "флюорит",
    "oil shale": "горючие сланцы", "coal": "уголь", "asbestos": "асбест", "quartz": "кварц", "olivine": "оливин",
    "feldspar": "полевой шпат", "mica": "слюда", "dolomite": "доломит", "pyrite": "пирит", "talc": "тальк",
    "vermiculite": "вермикулит", "bentonite": "бентонит", "magnesite": "магнезит", "zeolite": "цеолиты",
}
COMMODITY_EN_SPECIAL = {"REE": "rare earth elements", "PGE": "platinum-group elements"}

#: What each commodity group holds, in words (the members are listed beside it).
GROUP_LABELS = {
    "REE": lazy_gettext("Rare earth elements"),
    "rare metals": lazy_gettext("Rare metals"),
    "battery and alloy metals": lazy_gettext("Battery and alloy metals"),
    "precious metals": lazy_gettext("Precious metals"),
    "base metals": lazy_gettext("Base metals"),
    "energy": lazy_gettext("Energy minerals"),
    "industrial minerals": lazy_gettext("Industrial minerals"),
    OTHER_GROUP: lazy_gettext("Other"),
}

#: Country names for ISO codes the pages show (host countries and partners' home countries).
COUNTRY_NAMES = {
    "KZ": ("Kazakhstan", "Казахстан"), "KG": ("Kyrgyzstan", "Кыргызстан"), "TJ": ("Tajikistan", "Таджикистан"),
    "UZ": ("Uzbekistan", "Узбекистан"), "TM": ("Turkmenistan", "Туркменистан"), "CN": ("China", "Китай"),
    "US": ("United States", "США"), "RU": ("Russia", "Россия"), "GB": ("United Kingdom", "Великобритания"),
    "KR": ("South Korea", "Республика Корея"), "JP": ("Japan", "Япония"), "EU": ("European Union", "Евросоюз"),
    "DE": ("Germany", "Германия"), "FR": ("France", "Франция"), "AU": ("Australia", "Австралия"),
    "CA": ("Canada", "Канада"), "TR": ("Türkiye", "Турция"), "AE": ("United Arab Emirates", "ОАЭ"),
    "IN": ("India", "Индия"), "IR": ("Iran", "Иран"), "AF": ("Afghanistan", "Афганистан"),
    "AZ": ("Azerbaijan", "Азербайджан"), "GE": ("Georgia", "Грузия"), "PK": ("Pakistan", "Пакистан"),
    "CH": ("Switzerland", "Швейцария"), "NL": ("Netherlands", "Нидерланды"), "SG": ("Singapore", "Сингапур"),
    "MY": ("Malaysia", "Малайзия"), "XX": ("multilateral", "многосторонний"),
}

#: Partner groups in Russian.
PARTNER_RU = {
    "China": "Китай", "USA": "США", "EU": "ЕС", "UK": "Великобритания", "Russia": "Россия", "Korea": "Корея",
    "Japan": "Япония", "other foreign": "другие иностранные", "multilateral": "многосторонние",
    "domestic state": "государство (своё)", "domestic private": "частный (свой)", "unknown": "неизвестно",
}

_SEED_FILE = re.compile(r"^(\d{3})_[0-9a-f]{16}\.txt$")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def commodity_name(value: str, lang: str = "en") -> str:
    """Name of a commodity value (``W`` → ``tungsten`` / ``вольфрам``); unknown values are returned as they are."""
    if lang == "ru":
        return COMMODITY_RU.get(value, value)
    return COMMODITY_EN_SPECIAL.get(value) or _SYMBOL_NAMES.get(value, value)


def commodity_label(value: str, lang: str = "en") -> str:
    """``tungsten (W)`` for an element, the name alone for other commodities."""
    name = commodity_name(value, lang)
    return f"{name} ({value})" if name != value and value[:1].isupper() else name


def split_commodities(values: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Split a site's commodities into main commodities, REE members and gangue minerals.

    Individual rare earths are folded under ``REE`` so a site lists "rare earth elements (La, Ce, …)" once.
    """
    ree = [v for v in values if v in GROUPS["REE"] and v != "REE"]
    main = [v for v in values if v not in GANGUE and v not in ree]
    if ree and "REE" not in main:
        main.insert(0, "REE")
    return main, ree, [v for v in values if v in GANGUE]


def country_name(code: str, lang: str = "en") -> str:
    """Country name of an ISO alpha-2 code in the UI language; the code itself when unknown."""
    names = COUNTRY_NAMES.get(code)
    if names is None:
        return code
    return names[1] if lang == "ru" else names[0]


def partner_name(group: str, lang: str = "en") -> str:
    """A partner group's name in the UI language."""
    return PARTNER_RU.get(group, group) if lang == "ru" else group


def group_label(group: str) -> str:
    """A commodity group's name in the UI language."""
    label = GROUP_LABELS.get(group)
    return str(label) if label is not None else group


def group_members(group: str, lang: str = "en") -> str:
    """What a commodity group holds, in words: ``tungsten (W), molybdenum (Mo), …`` in a stable order."""
    members = sorted(GROUPS.get(group, frozenset()), key=lambda v: commodity_name(v, lang))
    return ", ".join(commodity_label(v, lang) for v in members)


def number(value, digits: int = 3) -> str:
    """A float rounded to ``digits`` significant figures with thin thousands separators; ``?`` when missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "?"
    value = float(value)
    if value == 0:
        return "0"
    rounded = round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))
    text = f"{rounded:,.0f}" if abs(rounded) >= 1000 or rounded == int(rounded) else f"{rounded:g}"
    return text.replace(",", "\u202f")


def grade_text(grade: dict, lang: str = "en") -> str:
    """One grade/tonnage line: ``lanthanum (La): 18 000 000 t at 368 ppm (Inferred+Indicated+Measured)``."""
    unit = (grade.get("grade_unit") or "").split()
    unit_text = unit[-1] if unit else ""
    tonnes = grade.get("ore_tonnes")
    name = commodity_name(_element_of(grade.get("commodity") or ""), lang)
    parts = [f"{name}:"]
    if tonnes is not None:
        parts.append(f"{number(tonnes)} t")
    if grade.get("grade") is not None:
        parts.append(gettext("at %(grade)s", grade=f"{number(grade['grade'])} {unit_text}".strip()))
    if grade.get("category"):
        parts.append(f"({grade['category']})")
    return " ".join(parts)


def _element_of(text: str) -> str:
    # Grades name their commodity as a name ("Lanthanum"), a symbol, or an assay label ("Tm ppm").
    head = text.split()[0] if text.split() else text
    if head in _SYMBOL_NAMES:
        return head
    if text.lower() in COMMODITY_RU:
        return text.lower()
    return ELEMENTS.get(text.lower(), text)


def reference_label(reference: str) -> tuple[str, str]:
    """Return (label, href) of a reference: a link's host and path, or a seed article's number; href may be empty."""
    match = _SEED_FILE.match(reference.strip())
    if match:
        return gettext("Russian-language source article no. %(n)s (atlas research file)",
                       n=int(match.group(1))), ""
    if reference.startswith(("http://", "https://")):
        parts = urlsplit(reference)
        if parts.netloc == "doi.org":
            return "DOI " + parts.path.lstrip("/"), reference
        path = parts.path.rstrip("/")
        shown = parts.netloc + (path if len(path) <= 40 else path[:37] + "…")
        return shown, reference
    return reference, ""


def display_names(names: list[str], name: str, lang: str = "en") -> tuple[str, str]:
    """Return (shown name, name beside it): the record's Cyrillic form and the Latin form, in the UI's order.

    Parameters
    ----------
    names : list of str
        Every name the site's records give.
    name : str
        The site's preferred name.
    lang : str
        ``ru`` puts the Cyrillic form first.

    Returns
    -------
    tuple of str
        The second is empty when the records give only one script.
    """
    cyrillic = next((n for n in [name, *names] if _CYRILLIC.search(n)), "")
    latin = next((n for n in [name, *names] if n and not _CYRILLIC.search(n)), "")
    if not latin and cyrillic:
        latin = transliterate(cyrillic).title()
    if not cyrillic:
        return latin or name, ""
    return (cyrillic, latin) if lang == "ru" else (latin, cyrillic)


def install_filters(app: Flask) -> None:
    """Make the helpers of this module available to every template."""
    app.jinja_env.filters.update(number=number, reference_label=reference_label)
    app.jinja_env.globals.update(commodity_name=commodity_name, commodity_label=commodity_label,
                                 split_commodities=split_commodities, country_name=country_name,
                                 partner_name=partner_name, group_label=group_label, grade_text=grade_text,
                                 group_members=group_members,
                                 display_names=display_names)
