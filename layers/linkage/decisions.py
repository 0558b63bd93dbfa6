"""Curated link decisions (``data/curated/links.csv``): a curator's "same" or "different" that beats any score."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from layers.errors import SourceFormatError

#: The columns of links.csv, in order.
LINK_COLUMNS = ("record_a", "record_b", "decision", "who", "why", "date")
DECISIONS = ("same", "different")


@dataclass(frozen=True)
class LinkDecision:
    """One curated decision about two records."""

    record_a: str
    record_b: str
    decision: str  # "same" or "different"
    who: str
    why: str
    date: str

    @property
    def pair(self) -> tuple[str, str]:
        """The two record ids, sorted: a decision holds in both directions."""
        return (min(self.record_a, self.record_b), max(self.record_a, self.record_b))


def load_decisions(path: Path) -> list[LinkDecision]:
    """Read curated link decisions.

    Parameters
    ----------
    path : Path
        A CSV with the header :data:`LINK_COLUMNS`. A missing file means no decisions.

    Returns
    -------
    list of LinkDecision
        In file order.

    Raises
    ------
    SourceFormatError
        If the header is not :data:`LINK_COLUMNS`, a row has an empty record id, a decision other than
        ``same``/``different``, links a record to itself, or two rows decide one pair differently; the message
        names the file and row.
    """
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != LINK_COLUMNS:
            raise SourceFormatError(f"{path}: header must be {','.join(LINK_COLUMNS)}")
        numbered = [(number, _decision(path, number, row)) for number, row in enumerate(reader, start=2) if any(row)]
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    for number, decision in numbered:
        before = seen.setdefault(decision.pair, (number, decision.decision))
        if before[1] != decision.decision:
            raise SourceFormatError(f"{path}: row {number} decides {decision.pair[0]} / {decision.pair[1]} "
                                    f"'{decision.decision}' but row {before[0]} decided '{before[1]}'")
    return [decision for _, decision in numbered]


def _decision(path: Path, number: int, row: list[str]) -> LinkDecision:
    if len(row) != len(LINK_COLUMNS):
        raise SourceFormatError(f"{path}: row {number} has {len(row)} fields, expected {len(LINK_COLUMNS)}")
    values = dict(zip(LINK_COLUMNS, (cell.strip() for cell in row), strict=True))
    for column in ("record_a", "record_b"):
        if not values[column]:
            raise SourceFormatError(f"{path}: row {number}: column {column} is empty")
    if values["decision"] not in DECISIONS:
        raise SourceFormatError(f"{path}: row {number}: column decision must be 'same' or 'different'")
    if values["record_a"] == values["record_b"]:
        raise SourceFormatError(f"{path}: row {number} links {values['record_a']} to itself")
    return LinkDecision(**values)
