"""Name forms for linkage: every name of a record split into direction words, numbers and a folded core.

:mod:`layers.deposits.names` gives one canonical key per spelling (scripts, romanisations, Russian endings,
generic words).
Linkage needs more than equality of keys, so each key is taken apart here:

- ``directions`` and ``numbers`` tell apart distinct deposits of one name (Northern Katpar and Katpar; Ushkatyn I
  and Ushkatyn III) and are compared exactly;
- ``core``, the name's words joined and phonetically folded, is compared by similarity (Jaro–Winkler);
- ``skeleton``, the core's consonants with the spellings that Russian, Kazakh and English forms give one sound
  folded (``zsh``/``shch`` → ``sh``, final ``d`` → ``t``), catches transliterations that keep the consonants but
  not the vowels: Bozshakol (Kazakh) = Boshchekul (Russian), Qonyrat = Kounrad.

A record's names are its name, its aliases, the alternatives in brackets or after ``/``, ``,`` or ``;``
("Zarmitan; Charmitan", "Kundybajskoe, Shevchenkovskoe"). A bracket that names the group or district a deposit
belongs to ("Gigant (Kempirsai group)") is not a second name: every orebody of the group carries it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from layers.deposits.names import CANONICAL_DIRECTIONS, name_key, transliterate

#: Words that, inside brackets or after a comma, say the text names a group, district or massif the
#: deposit belongs to rather than the deposit itself.
GROUP_WORDS = frozenset({
    "group", "groups", "district", "area", "belt", "massif", "field", "orefield", "basin", "region", "zone",
    "gruppa", "rayon", "raion", "mestorozhdenii",
})
#: Commodity words in a name ("Muruntau gold deposit", "Kempirsai chromite") say what is mined, not which
#: deposit; they are dropped when another word remains.
COMMODITY_WORDS = frozenset({
    "gold", "silver", "copper", "tungsten", "tin", "nickel", "cobalt", "chromite", "chrome", "iron", "uranium",
    "lead", "zinc", "molybdenum", "phosphorite", "phosphate", "potash", "salt", "bauxite", "coal", "fluorite",
    "lithium", "manganese", "vanadium", "titanium", "tantalum", "niobium", "beryllium", "polymetallic",
})
#: Names that carry no name at all; a record named so is never matched by its name.
UNNAMED = frozenset({"unnamed", "unknown", "noname", "none", "bezymiannoe", "bezymyannoe", "безымянное"})
_UNNAMED_CORES = frozenset(name_key(word) for word in UNNAMED)
# Roman numerals past ten (XI, XII, XIV ...), which layers.deposits.names leaves as letters; two letters or more,
# so that a lone I, V or X keeps the meaning layers.deposits.names gives it.
_ROMAN = re.compile(r"(?<![a-z])(x{0,3})(ix|iv|v?i{0,3})(?![a-z])", re.IGNORECASE)
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}
# A last word of one Latin letter other than the Roman numerals I, V, X: "Druzhba A".
_LETTER = re.compile(r"[\s-]([a-hj-uwyzA-HJ-UWYZ])\s*$")

_SPLIT = re.compile(r"\s+")
_BRACKETED = re.compile(r"[(\[{]([^)\]}]*)[)\]}]")
_SEPARATORS = re.compile(r"[/,;]")
_WORDS = re.compile(r"[a-z]+")
# Folds applied to a core for its consonant skeleton: each pair gives one sound in two romanisations.
_SKELETON_FOLDS = tuple((re.compile(p), r) for p, r in (
    (r"shch|zsh|sch|ssh", "sh"),  # щ, Kazakh з+ш: Bozshakol = Boshchekul
    (r"zh", "j"),  # ж: one letter, so that the vowel drop below does not split it
    (r"ts", "s"),
    (r"[aeiouy]", ""),
    (r"d$", "t"),  # final devoicing: Kounrad = Qonyrat
    (r"([a-z])\1+", r"\1"),
))


@dataclass(frozen=True)
class NameForm:
    """One name of a record, taken apart for comparison."""

    key: str  # the canonical key (layers.deposits.names.name_key)
    core: str  # words joined and folded, without numbers and directions
    numbers: tuple[str, ...]
    directions: tuple[str, ...]
    skeleton: str
    primary: bool  # the record's own name (not an alias or an alternative in brackets)


@lru_cache(maxsize=1 << 14)
def parse_form(text: str, primary: bool = True) -> NameForm | None:
    """Return the name form of one name, or None if it holds no name word.

    Parameters
    ----------
    text : str
        One name in any script, e.g. ``"Chulaktau-I"`` or ``"Chulak Tau Mine"``.
    primary : bool
        Whether this is the record's own name.

    Returns
    -------
    NameForm or None
        None for names without letters, names that are only numbers or directions, and names such as
        ``"unnamed"``.
    """
    text, letter = _designator(_drop_commodity_words(text))
    key = name_key(_roman_to_digits(text))
    parts = key.split()
    directions = tuple(p for p in parts if p in CANONICAL_DIRECTIONS)
    numbers = tuple(p for p in parts if p.isdigit()) + letter
    core = "".join(p for p in parts if p not in CANONICAL_DIRECTIONS and not p.isdigit())
    if not core or core in _UNNAMED_CORES:
        return None
    return NameForm(key=key, core=core, numbers=numbers, directions=directions, skeleton=skeleton(core),
                    primary=primary)


def _drop_commodity_words(text: str) -> str:
    words = _WORDS.findall(transliterate(text))
    if not any(w in COMMODITY_WORDS for w in words) or all(w in COMMODITY_WORDS for w in words):
        return text
    return " ".join(w for w in _SPLIT.split(text) if transliterate(w).strip(" -,.") not in COMMODITY_WORDS)


def _designator(text: str) -> tuple[str, tuple[str, ...]]:
    """Split off a closing one-letter designator ("Druzhba A", "Druzhba B"), which numbers like a digit does."""
    match = _LETTER.search(text)
    if not match or not _WORDS.search(transliterate(text[: match.start()])):
        return text, ()
    return text[: match.start()], (match.group(1).lower(),)


def _roman_value(numeral: str) -> int:
    total = 0
    for position, letter in enumerate(numeral):
        value = _ROMAN_VALUES[letter]
        following = _ROMAN_VALUES[numeral[position + 1]] if position + 1 < len(numeral) else 0
        total += -value if value < following else value
    return total


def _roman_to_digits(text: str) -> str:
    def replace(match: re.Match) -> str:
        numeral = match.group(0)
        if len(numeral) < 2:
            return numeral
        return f" {_roman_value(numeral.lower())} "
    return _ROMAN.sub(replace, text)


@lru_cache(maxsize=1 << 14)
def skeleton(core: str) -> str:
    """Return the consonant skeleton of a folded core (see the module docstring)."""
    for pattern, replacement in _SKELETON_FOLDS:
        core = pattern.sub(replacement, core)
    return core


def _is_group_label(text: str) -> bool:
    words = set(_WORDS.findall(transliterate(text)))
    return bool(words & GROUP_WORDS)


def _alternatives(name: str) -> list[str]:
    """Return the alternatives a name spells out: bracketed parts and parts between separators.

    A bracket followed by more words names only what precedes it: "Kounrad (Qonyrat) Waste Rock Dumps" gives
    "Qonyrat Waste Rock Dumps", never plain "Qonyrat".
    """
    inner = []
    for match in _BRACKETED.finditer(name):
        if _is_group_label(match.group(1)):
            continue
        tail = _BRACKETED.sub(" ", name[match.end():])
        inner.append(f"{match.group(1)} {tail}" if tail.strip() else match.group(1))
    outer = _BRACKETED.sub(" ", name)
    parts = [p for p in _SEPARATORS.split(outer)]
    for chunk in inner:
        parts.extend(_SEPARATORS.split(chunk))
    return [p for p in parts if p.strip()]


def record_forms(name: str, aliases: Iterable[str] = ()) -> tuple[NameForm, ...]:
    """Return every name form of a record, its own full name first.

    Parameters
    ----------
    name : str
        The record's name.
    aliases : iterable of str
        Other names the source gives.

    Returns
    -------
    tuple of NameForm
        Distinct by key; the first is the primary form when the name itself holds a name word. A bracket or
        a comma-separated part that names a group ("Kempirsai group", "Zhezkazgan area") is left out, and so is
        the whole name when it is only such a label.
    """
    forms: dict[str, NameForm] = {}
    bare = _BRACKETED.sub(" ", name)
    whole = [name] if not _BRACKETED.search(name) else [bare]
    for text, primary in [*((t, True) for t in whole), *((t, False) for t in _alternatives(name)),
                          *((a, False) for alias in aliases for a in [alias, *_alternatives(alias)])]:
        form = parse_form(text, primary)
        if form is not None and form.key not in forms:
            forms[form.key] = form
    return tuple(forms.values())
