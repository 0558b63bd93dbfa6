"""Evaluation of linkage against hand-labelled record pairs (``tests/data/link_pairs.csv``): precision and recall."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from layers.errors import SourceFormatError

#: The columns of a labelled-pairs file.
PAIR_COLUMNS = ("record_a", "record_b", "same", "class", "reason")


@dataclass(frozen=True)
class ClassScore:
    """Counts and rates of one class of labelled pairs."""

    label: str
    pairs: int
    true_positive: int
    false_positive: int
    false_negative: int
    missing: int  # pairs naming a record that is not in the sites

    @property
    def precision(self) -> float:
        """Share of merged pairs that are labelled the same deposit (1.0 when none merged)."""
        merged = self.true_positive + self.false_positive
        return self.true_positive / merged if merged else 1.0

    @property
    def recall(self) -> float:
        """Share of same-deposit pairs that were merged (1.0 when the class has none)."""
        positive = self.true_positive + self.false_negative
        return self.true_positive / positive if positive else 1.0

    def line(self) -> str:
        """One line for a report."""
        return (f"{self.label}: {self.pairs} pairs, precision {self.precision:.3f}, recall {self.recall:.3f} "
                f"(merged {self.true_positive} of {self.true_positive + self.false_negative} same; "
                f"{self.false_positive} different pairs merged)" + (f"; {self.missing} not found" if self.missing
                                                                    else ""))


def load_pairs(path: Path) -> list[dict]:
    """Read labelled pairs.

    Raises
    ------
    SourceFormatError
        If the header is not :data:`PAIR_COLUMNS` or ``same`` is not ``yes``/``no`` (naming file and row).
    """
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != PAIR_COLUMNS:
            raise SourceFormatError(f"{path}: header must be {','.join(PAIR_COLUMNS)}")
        rows = list(reader)
    for number, row in enumerate(rows, start=2):
        if row["same"] not in ("yes", "no"):
            raise SourceFormatError(f"{path}: row {number}: column same must be 'yes' or 'no'")
    return rows


def evaluate(sites: pd.DataFrame, pairs: list[dict]) -> list[ClassScore]:
    """Return precision and recall per class, then over all pairs (label ``all``).

    Parameters
    ----------
    sites : DataFrame
        The ``sites`` layer (its ``source_record_ids``).
    pairs : list of dict
        Labelled pairs (:func:`load_pairs`). A pair counts as merged when both records are in one site.
    """
    site_of = {record: site for site, ids in zip(sites["site_id"], sites["source_record_ids"], strict=True)
               for record in ids}
    classes = sorted({p["class"] for p in pairs})
    return [_score(label, [p for p in pairs if label in ("all", p["class"])], site_of)
            for label in [*classes, "all"]]


def _score(label: str, pairs: list[dict], site_of: dict[str, str]) -> ClassScore:
    tp = fp = fn = missing = 0
    for pair in pairs:
        a, b = site_of.get(pair["record_a"]), site_of.get(pair["record_b"])
        if a is None or b is None:
            missing += 1
            continue
        merged, same = a == b, pair["same"] == "yes"
        tp += merged and same
        fp += merged and not same
        fn += same and not merged
    return ClassScore(label, len(pairs), tp, fp, fn, missing)
