"""Deposit-name normalisation: one key for every spelling of a deposit, in any script or source."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Russian letters follow the BGN/PCGN-style romanisation most English sources use, so a Cyrillic
# name and its published Latin spelling already agree before any phonetic folding.
CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ы": "y", "э": "e", "ю": "yu", "я": "ya",
    # Kazakh, Kyrgyz, Uzbek and Tajik letters, as their official Latin alphabets write them.
    "ә": "a", "ғ": "g", "қ": "q", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
    "ў": "o", "ҳ": "h", "ӣ": "i", "ӯ": "u", "ҷ": "j",
    # Ukrainian letters turn up in Soviet-era registers.
    "є": "ye", "ї": "yi", "ґ": "g",
}  # fmt: skip
# Latin letters that NFKD does not reduce to the digraph English-language sources use.
LATIN_SPECIAL = {
    "ş": "sh", "ș": "sh", "š": "sh", "ç": "ch", "č": "ch", "ž": "zh", "ğ": "g", "ı": "i",
    "ə": "a", "ß": "ss", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "ŋ": "n",
}  # fmt: skip
# Soft/hard signs and the many apostrophes (Uzbek oʻ gʻ, Russian Kal'makyr) carry no sound.
APOSTROPHES = "'`´ʹʺʻʼʽ‘’′ьъ"
_TRANSLATION = str.maketrans({**CYRILLIC_TO_LATIN, **LATIN_SPECIAL, **dict.fromkeys(APOSTROPHES, "")})

# Phonetic folds, in order, applied to a run of ASCII letters. Each collapses spellings that
# different romanisation systems give the same sound; the order matters (dzh before j, j before y,
# y before the double-letter collapse).
FOLDS = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"dzh|dj", "zh"),  # Russian дж and French dj: Dzhezkazgan = Zhezkazgan
        (r"j(?=[aeiouy])", "zh"),  # Turkic/English j before a vowel: Jezkazgan
        (r"j", "y"),  # elsewhere j is the German/Polish й: Kutessaj = Kutessay
        (r"kh|x", "h"),  # х is kh in Russian, x in Uzbek Latin, h in Kazakh/Tajik
        (r"gh", "g"),
        (r"q", "k"),  # Kazakh/Uzbek Latin q is Russian к: Aqchatau = Akchatau
        (r"ck", "k"),
        (r"tz", "ts"),
        (r"c(?=[eiy])", "ts"),  # Central = Tsentral
        (r"c(?!h)", "k"),
        (r"w", "v"),
        (r"ph", "f"),
        (r"ye|(?<=[^aeiouy])yo", "e"),  # Russian е/ё, written ye/yo by some and e by others
        (r"ou", "u"),  # French-style Kounrad
        (r"y", "i"),  # ы, й and i are interchangeable across romanisations: Kalmakyr = Kalmakir
        (r"([a-z])\1+", r"\1"),  # Kutessai = Kutesai; also merges ii from iy
    )
)

# Russian adjectival endings: Kalmakyrskoe = Kalmakyr. Only after a stem of three letters or more.
ADJECTIVE_SUFFIXES = (
    "skoe", "skoye", "skoje", "skoie", "skoy", "skoj", "skoi", "skiy", "skii", "skij", "skiye",
    "skie", "sky", "ski", "skaya", "skaja", "skaia", "skogo", "skikh",
)  # fmt: skip
_SUFFIX = re.compile(r"(?<=[a-z]{3})(?:" + "|".join(sorted(ADJECTIVE_SUFFIXES, key=len, reverse=True)) + ")$")
# A query typed halfway may end inside a suffix ("Kalmakyrsk"); the key holds only the stem.
_PARTIAL_SUFFIXES = sorted({s[:n] for s in ADJECTIVE_SUFFIXES for n in range(2, len(s) + 1)}, key=len)
_PARTIAL_SUFFIX = re.compile(r"(?<=[a-z]{3})(?:" + "|".join(reversed(_PARTIAL_SUFFIXES)) + ")$")

# Direction words tell apart real, distinct deposits (Northern Katpar is not Katpar), so they are
# kept, mapped to one English token per direction and sorted to the front of the key.
DIRECTION_WORDS = {
    "north": ("north", "northern", "severo", "soltustik", "shimoliy", "shimoli", "tundyk"),
    "south": ("south", "southern", "ontustik", "janubiy", "janubi", "tushtuk"),
    "east": ("east", "eastern", "shygys", "sharqiy", "sharqi", "chygysh"),
    "west": ("west", "western", "batys", "gʻarbiy", "garbi", "batysh"),
    "upper": ("upper", "zhogargy", "yuqori", "zhogorku"),
    "lower": ("lower", "tomengi", "tomonku"),
    "central": ("central", "centre", "center", "ortalyk", "markaziy", "borborduk"),
    "middle": ("middle", "orta", "oʻrta"),
}
# Russian direction adjectives, declined with any of the endings below.
DIRECTION_STEMS = {
    "north": "severn", "south": "yuzhn", "east": "vostochn", "west": "zapadn",
    "upper": "verkhn", "lower": "nizhn", "central": "tsentraln", "middle": "sredn",
}  # fmt: skip
RUSSIAN_ENDINGS = (
    "y", "yy", "yi", "iy", "ii", "ij", "yj", "i", "oe", "oye", "oje", "oy", "aya", "aja", "ee",
    "eye", "ie", "iye", "yaya", "ogo", "ego", "o", "e",
)  # fmt: skip
# Compound prefixes: Verkhnekairakty = Verkhne-Kairakty.
DIRECTION_PREFIXES = {
    "verkhne": "upper", "verhne": "upper", "nizhne": "lower", "severo": "north", "yuzhno": "south",
    "vostochno": "east", "zapadno": "west", "sredne": "middle", "tsentralno": "central",
}  # fmt: skip
_DIRECTION_PREFIX = re.compile("(" + "|".join(DIRECTION_PREFIXES) + r")(?=[a-z]{3})")

# Words that say what kind of site it is, not which one; phrases are lists of whole words.
GENERIC_WORDS = (
    "deposit", "deposits", "mine", "mines", "occurrence", "occurrences", "prospect", "prospects",
    "field", "ore", "orefield", "area", "site", "group", "project", "district",
    "месторождение", "месторождения", "рудник", "участок", "рудное поле", "рудопроявление",
    "проявление", "кен орны", "кони",
)  # fmt: skip

ROMAN_NUMERALS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_AMBIGUOUS_NUMERALS = {"i", "v", "x"}
_TOKEN = re.compile(r"[a-z]+|[0-9]+")
_BRACKETED = re.compile(r"[(\[{]([^)\]}]*)[)\]}]")

_WORD, _NUMBER, _DIRECTION = "word", "number", "direction"
_Item = tuple[str, str]


def transliterate(text: str) -> str:
    """Romanise Cyrillic and fold Latin diacritics to plain lower-case ASCII.

    Parameters
    ----------
    text : str
        Any text: Russian, Kazakh, Kyrgyz, Uzbek or Tajik Cyrillic, or Latin with diacritics.

    Returns
    -------
    str
        The lower-cased text with letters romanised, diacritics and apostrophes removed, and
        punctuation, digits and other scripts left as they were.
    """
    lowered = unicodedata.normalize("NFC", text).lower().translate(_TRANSLATION)
    decomposed = unicodedata.normalize("NFKD", lowered)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # A second pass catches Cyrillic letters that only reached the table once NFKD removed a mark.
    return stripped.lower().translate(_TRANSLATION)


@lru_cache(maxsize=1 << 16)
def _fold(letters: str) -> str:
    # Cached: the same words ("mine", "deposit", a registry's repeated names) are folded millions of times.
    for pattern, replacement in FOLDS:
        letters = pattern.sub(replacement, letters)
    return letters


def _raw_tokens(text: str) -> list[str]:
    return _TOKEN.findall(transliterate(text))


def _direction_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, words in DIRECTION_WORDS.items():
        stem = DIRECTION_STEMS[canonical]
        forms = [*words, *(stem + ending for ending in RUSSIAN_ENDINGS)]
        table.update((_fold("".join(_raw_tokens(form))), canonical) for form in forms)
    return table


_DIRECTIONS = _direction_table()
CANONICAL_DIRECTIONS = frozenset(DIRECTION_WORDS)
_GENERIC_PHRASES = sorted(
    {tuple(_fold(token) for token in _raw_tokens(phrase)) for phrase in GENERIC_WORDS}, key=len, reverse=True
)
# The same phrases by their first folded word, longest first, so a name's words are matched by lookup.
_GENERIC_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _phrase in _GENERIC_PHRASES:
    _GENERIC_BY_FIRST.setdefault(_phrase[0], []).append(_phrase)


def _as_number(tokens: list[str], index: int) -> str | None:
    token = tokens[index]
    if token.isdigit():
        return str(int(token))
    # A Roman numeral only numbers something that precedes it ("Kutessai II"); a lone i, v or x
    # must also end the name or start a list ("Lazarevskoe I, II"), else it is part of a name.
    if token not in ROMAN_NUMERALS or index == 0:
        return None
    if token in _AMBIGUOUS_NUMERALS and index + 1 < len(tokens):
        following = tokens[index + 1]
        if not (following.isdigit() or following in ROMAN_NUMERALS):
            return None
    return str(ROMAN_NUMERALS[token])


def _word_items(token: str) -> list[_Item]:
    direction = _DIRECTIONS.get(_fold(token))
    if direction:
        return [(_DIRECTION, direction)]
    prefix = _DIRECTION_PREFIX.match(token)
    if prefix:
        return [(_DIRECTION, DIRECTION_PREFIXES[prefix.group(1)]), *_word_items(token[prefix.end() :])]
    return [(_WORD, _SUFFIX.sub("", token))]


def _drop_generic(items: list[_Item]) -> list[_Item]:
    folded = [_fold(value) if kind == _WORD else None for kind, value in items]
    kept: list[_Item] = []
    index = 0
    while index < len(items):
        for phrase in _GENERIC_BY_FIRST.get(folded[index], ()):
            if tuple(folded[index : index + len(phrase)]) == phrase:
                index += len(phrase)
                break
        else:
            kept.append(items[index])
            index += 1
    # A name made only of generic words ("Mine 5") keeps them: an empty name would match anything.
    return kept if any(kind == _WORD for kind, _ in kept) else items


def _items(text: str) -> list[_Item]:
    tokens = _raw_tokens(text)
    items: list[_Item] = []
    for index, token in enumerate(tokens):
        number = _as_number(tokens, index)
        items.extend([(_NUMBER, number)] if number is not None else _word_items(token))
    return _drop_generic(items)


def _assemble(items: list[_Item]) -> str:
    directions = sorted({value for kind, value in items if kind == _DIRECTION})
    parts: list[str] = []
    run: list[str] = []
    # Consecutive words are joined before folding, so "Kyzyl-Ompul", "Kyzyl Ompul" and "Kyzylompul"
    # fold alike; numbers separate runs so "Kundybai 1" and "Kundybai 2" stay apart.
    for kind, value in [*items, (_NUMBER, "")]:
        if kind == _WORD:
            run.append(value)
        elif kind == _NUMBER:
            parts.extend([_fold("".join(run))] if run else [])
            parts.extend([value] if value else [])
            run = []
    return " ".join([*directions, *parts])


def name_key(name: str) -> str:
    """Return the canonical matching key of a deposit name.

    Parameters
    ----------
    name : str
        A deposit name in any script or romanisation, e.g. ``"Кутессай-2"`` or ``"Kutessai-II"``.

    Returns
    -------
    str
        Space-separated tokens: the direction words (north, upper, ...) sorted, then the name's
        words joined and phonetically folded, with numbers (Roman numerals converted) between
        them. Russian adjectival endings and generic words (deposit, mine, рудник, ...) are
        removed. Empty for a name without letters or digits.
    """
    return _assemble(_items(name))


def strip_brackets(name: str) -> str:
    """Return ``name`` without its bracketed parts, and without an unclosed bracket's tail.

    Parameters
    ----------
    name : str
        A deposit name such as ``"Aksu (gold)"`` or ``"Mynkuduk (Kazatomprom block"``.

    Returns
    -------
    str
        ``"Aksu"``, ``"Mynkuduk"``; the name itself when stripping would leave no letters.
    """
    bare = re.sub(r"[(\[{][^)\]}]*$", " ", _BRACKETED.sub(" ", name))
    bare = " ".join(bare.split())
    return bare if re.search(r"\w", bare) else name


def _has_name_word(key: str) -> bool:
    return any(not token.isdigit() and token not in CANONICAL_DIRECTIONS for token in key.split())


def _variants(name: str) -> list[str]:
    inner = _BRACKETED.findall(name)
    parts = _BRACKETED.sub(" ", name).split("/")
    for chunk in inner:
        parts.extend(re.split(r"[/,;]", chunk))
    return parts


def name_keys(name: str, aliases: Iterable[str] = ()) -> set[str]:
    """Return every key a site can be matched by.

    Parameters
    ----------
    name : str
        The site's name; alternatives in brackets or after a slash count as names of their own,
        e.g. ``"Almalyk (Kalmakyr)"`` or ``"Qonyrat / Kounrad"``.
    aliases : iterable of str, optional
        Other names of the site, treated the same way.

    Returns
    -------
    set of str
        The keys of each full name and of each alternative. Empty keys are dropped, and so are
        keys of alternatives that hold only numbers or directions ("Lazarevskoe (1, 2)").
    """
    keys: set[str] = set()
    for source in (name, *aliases):
        keys.add(name_key(source))
        keys.update(key for key in map(name_key, _variants(source)) if _has_name_word(key))
    keys.discard("")
    return keys


def search_key(text: str) -> str:
    """Normalise a user's query so that ``search_key(query) in key`` finds matching sites.

    Parameters
    ----------
    text : str
        The query as typed, possibly incomplete (``"Kutes"``) or in Cyrillic (``"Кутессай"``).

    Returns
    -------
    str
        The query folded exactly as :func:`name_key` folds names, except that a last word cut off
        inside a Russian adjectival ending ("Kalmakyrsk") is cut back to its stem. Test it as a
        substring of each of :func:`name_keys`; an empty query gives ``""``, which matches all.
    """
    items = _items(text)
    if items and items[-1][0] == _WORD:
        items[-1] = (_WORD, _PARTIAL_SUFFIX.sub("", items[-1][1]))
    return _assemble(items)
