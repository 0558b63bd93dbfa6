"""The review queue: candidate pairs neither surely the same nor surely different, both records side by side."""

from __future__ import annotations

import csv
import io
import math

import pandas as pd

from layers.linkage.scoring import Comparison
from layers.schema import LINK_CANDIDATES, validate


def links_line(record_a: str, record_b: str, decision: str, why: str, date: str) -> str:
    """Return one ``data/curated/links.csv`` line (CSV-quoted, no newline) for a curator to paste."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([record_a, record_b, decision, "", why, date])
    return buffer.getvalue()


def _side(row: dict, suffix: str) -> dict:
    located = row["located"]
    return {
        f"dataset_{suffix}": row["dataset"], f"name_{suffix}": row["name"], f"country_{suffix}": row["country"],
        f"commodities_{suffix}": list(row["commodities"]),
        f"lon_{suffix}": float(row["geometry"].x) if located else math.nan,
        f"lat_{suffix}": float(row["geometry"].y) if located else math.nan,
        f"upstream_url_{suffix}": row["upstream_url"],
    }


def review_frame(rows: list[dict], scored: dict[tuple[int, int], Comparison], pairs: list[tuple[int, int]],
                 reasons: dict[tuple[int, int], str], decided_on: str) -> pd.DataFrame:
    """Return the review queue as a ``link_candidates`` table, best score first.

    Parameters
    ----------
    rows : list of dict
        Prepared records by position.
    scored : dict
        Every scored pair.
    pairs : list of tuple
        The queued pairs.
    reasons : dict
        Pair → why it is queued.
    decided_on : str
        Date for the ready-to-copy ``links.csv`` line.

    Returns
    -------
    DataFrame
        ``layers.schema.LINK_CANDIDATES``. The line proposes ``same`` when the score is positive (more likely the
        same than not) and ``different`` otherwise; the curator may change it before pasting.
    """
    out = []
    for pair in pairs:
        a, b = sorted((rows[pair[0]], rows[pair[1]]), key=lambda row: row["record_id"])
        comparison = scored[pair]
        leaning = "same" if comparison.score > 0 else "different"
        out.append({
            "record_a": a["record_id"], "record_b": b["record_id"], "score": round(comparison.score, 2),
            "probability": round(comparison.probability, 4), "name_level": comparison.name_level,
            "distance_km": round(comparison.distance_km, 2), "weights": dict(comparison.weights),
            "queue_reason": reasons.get(pair, "score between the review and merge thresholds"),
            **_side(a, "a"), **_side(b, "b"),
            "links_line": links_line(a["record_id"], b["record_id"], leaning, comparison.summary(), decided_on),
        })
    if not out:
        return LINK_CANDIDATES.empty()
    frame = pd.DataFrame(out, columns=LINK_CANDIDATES.column_names)
    frame = frame.sort_values(["score", "record_a", "record_b"], ascending=[False, True, True], ignore_index=True)
    for column in ("score", "probability", "distance_km", "lon_a", "lat_a", "lon_b", "lat_b"):
        frame[column] = frame[column].astype("float64")
    validate(frame, LINK_CANDIDATES, what="link_candidates from linkage")
    return frame


def filter_queue(queue: pd.DataFrame, *, countries: list[str] | None = None,
                 datasets: list[str] | None = None) -> pd.DataFrame:
    """Return the review-queue rows matching the filters, best score first.

    Parameters
    ----------
    queue : DataFrame
        The ``link_candidates`` layer.
    countries : list of str, optional
        ISO codes: a row matches when either record's country is one of them.
    datasets : list of str, optional
        Dataset names: a row matches when either record's dataset is one of them.

    Returns
    -------
    DataFrame
        The matching rows, sorted by score (highest first), then record ids.
    """
    keep = pd.Series(True, index=queue.index)
    if countries:
        keep &= queue["country_a"].isin(countries) | queue["country_b"].isin(countries)
    if datasets:
        keep &= queue["dataset_a"].isin(datasets) | queue["dataset_b"].isin(datasets)
    return queue[keep].sort_values(["score", "record_a", "record_b"], ascending=[False, True, True],
                                   ignore_index=True)
