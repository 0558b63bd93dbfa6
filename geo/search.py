"""The workspace search: deposit names in any script and with typos, commodities by symbol, English or
Russian name, companies (holders and owners) and countries; pure functions over the store's frames."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz

from layers.deposits.commodities import GROUPS
from layers.deposits.names import search_key
from layers.settings import PROJECT_ROOT

#: Commodity values with their English and Russian names (see data/reference/README.md).
COMMODITY_NAMES_TABLE = PROJECT_ROOT / "data" / "reference" / "commodity_names.csv"

#: Queries shorter than this (after normalisation) are matched exactly, never fuzzily.
MIN_FUZZY_LENGTH = 4
#: Queries shorter than this match no name at all (``W`` is a commodity, not every name with a w).
MIN_NAME_LENGTH = 2


@dataclass(frozen=True)
class Hit:
    """One search result: the row it points at (a site index, a commodity value, a company id ...), its score
    (100 for an exact or prefix match) and how it matched (``name``, ``typo``, ``symbol``, ``en``, ``ru``)."""

    key: str
    score: float
    match: str


@dataclass(frozen=True)
class CommodityName:
    """A commodity value and its names."""

    value: str
    names_en: tuple[str, ...]
    names_ru: tuple[str, ...]


@cache
def commodity_names(path: Path = COMMODITY_NAMES_TABLE) -> tuple[CommodityName, ...]:
    """Read the commodity names table.

    Parameters
    ----------
    path : Path
        A CSV with ``value``, ``name_en`` and ``name_ru`` (``; ``-separated synonyms).

    Returns
    -------
    tuple of CommodityName
        In the file's order, then one entry per commodity group (its name as the English name).

    Raises
    ------
    ValueError
        If a row lacks a value or the header is not ``value,name_en,name_ru``, naming the file and row.
    """
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["value", "name_en", "name_ru"]:
            raise ValueError(f"{path}: header must be value,name_en,name_ru; got {reader.fieldnames}")
        rows = []
        for number, row in enumerate(reader, start=2):
            if not (row["value"] or "").strip():
                raise ValueError(f"{path}, row {number}: value is empty")
            rows.append(CommodityName(row["value"].strip(), _split(row["name_en"]), _split(row["name_ru"])))
    groups = [CommodityName(group, (group,), ()) for group in GROUPS]
    return (*rows, *groups)


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in (text or "").split(";") if part.strip())


def _typo_cutoff(length: int) -> float:
    """The lowest partial-ratio score that one wrong, missing or extra letter (two from ten letters) reaches."""
    errors = 2 if length >= 10 else 1
    return 100.0 * (1.0 - errors / length) - 0.5


def _near(needle: str, key: str) -> float:
    """How nearly ``key`` contains ``needle`` (0-100): a window of a longer key, or the whole of a shorter one
    (so the short name "Tassay" does not score 100 for "Kutassai")."""
    if len(key) >= len(needle):
        return fuzz.partial_ratio(needle, key)
    return fuzz.ratio(needle, key)


def search_names(keys: pd.Series, text: str, *, limit: int = 20) -> list[Hit]:
    """Find rows whose name keys contain the query, or nearly contain it (one typo; two from ten letters).

    Parameters
    ----------
    keys : Series
        Per row, a list of normalised name keys (``layers.deposits.names.name_keys``, the sites' ``search_keys``);
        the Series' index labels are returned as ``Hit.key`` (as text).
    text : str
        The query as typed, any script.
    limit : int
        Most hits returned.

    Returns
    -------
    list of Hit
        Exact substring matches first (score 100, ``name``), then near matches by falling score (``typo``);
        empty for a query that normalises to fewer than two letters.
    """
    needle = search_key(text)
    if len(needle.replace(" ", "")) < MIN_NAME_LENGTH:
        return []
    exact = [label for label, row_keys in keys.items() if any(needle in key for key in row_keys)]
    hits = [Hit(str(label), 100.0, "name") for label in exact[:limit]]
    if len(hits) >= limit or len(needle.replace(" ", "")) < MIN_FUZZY_LENGTH:
        return hits
    seen = set(exact)
    # Spaces removed on both sides: the name folder joins or splits words of a misspelt name differently.
    flat = [(label, key.replace(" ", "")) for label, row_keys in keys.items() if label not in seen
            for key in row_keys]
    compact = needle.replace(" ", "")
    cutoff = _typo_cutoff(len(compact))
    best: dict = {}
    for label, key in flat:
        score = _near(compact, key)
        if score >= cutoff:
            best[label] = max(best.get(label, 0.0), score)
    ranked = sorted(best.items(), key=lambda item: -item[1])
    return hits + [Hit(str(label), round(score, 1), "typo") for label, score in ranked[: limit - len(hits)]]


def search_commodities(text: str, names: tuple[CommodityName, ...] | None = None) -> list[Hit]:
    """Find commodities by symbol (exact, any case), English or Russian name (a prefix of a name, from three
    letters; a typo from five).

    Parameters
    ----------
    text : str
        The query (``W``, ``tungsten``, ``вольфрам``, ``REE``).
    names : tuple of CommodityName, optional
        Defaults to :func:`commodity_names`.

    Returns
    -------
    list of Hit
        ``Hit.key`` is the commodity value; symbol matches first, then name prefixes, then typos.
    """
    query = text.strip().lower()
    if not query:
        return []
    hits: dict[str, Hit] = {}
    for entry in names or commodity_names():
        if entry.value.lower() == query:
            hits[entry.value] = Hit(entry.value, 100.0, "symbol")
            continue
        for kind, words in (("en", entry.names_en), ("ru", entry.names_ru)):
            if len(query) >= 3 and any(word.startswith(query) for word in words):
                hits.setdefault(entry.value, Hit(entry.value, 99.0, kind))
            elif len(query) >= 5 and words:
                score = max(fuzz.ratio(query, word[: len(query) + 1]) for word in words)
                if score >= _typo_cutoff(len(query)):
                    hits.setdefault(entry.value, Hit(entry.value, round(score, 1), "typo"))
    return sorted(hits.values(), key=lambda hit: -hit.score)


def search_labels(labels: pd.DataFrame, text: str, *, columns: tuple[str, ...], limit: int = 10) -> list[Hit]:
    """Find rows of a small table (companies, countries) whose named text columns match the query.

    Parameters
    ----------
    labels : DataFrame
        Rows to search; the index labels are returned as ``Hit.key``.
    text : str
        The query, any script.
    columns : tuple of str
        Text columns searched (``name``, ``name_ru``).
    limit : int
        Most hits returned.

    Returns
    -------
    list of Hit
        Normalised substring matches (``name``) and one-typo matches (``typo``), best first.
    """
    keys = pd.Series([[search_key(str(row[c])) for c in columns if isinstance(row[c], str) and row[c]]
                      for _, row in labels.iterrows()], index=labels.index, dtype=object)
    return search_names(keys, text, limit=limit)
