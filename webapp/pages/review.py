"""The linkage review queue, read-only: ``/review/links`` (a page) and ``/api/link-candidates`` (JSON).

A curator reads both records of each queued pair side by side and copies the ready-made line into
``data/curated/links.csv``; nothing here writes.
"""

from __future__ import annotations

import math

import pandas as pd
from flask import Blueprint, jsonify, render_template, request

from layers.linkage.queue import filter_queue
from webapp.errors import BadRequest
from webapp.params import parse_countries, parse_int, parse_terms
from webapp.state import get_state

bp = Blueprint("review", __name__)

#: Rows per page of the review page and the API, by default and at most.
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


def _parse_filters() -> tuple[list[str] | None, list[str] | None, int, int]:
    queue = get_state().store.link_candidates
    countries = parse_countries(request.args.get("country"))
    datasets = parse_terms(request.args.get("dataset"), "dataset")
    if datasets:
        known = set(queue["dataset_a"]) | set(queue["dataset_b"])
        unknown = [d for d in datasets if d not in known]
        if unknown:
            raise BadRequest(f"dataset must be among the datasets of the review queue; got {', '.join(unknown)!r}",
                             parameter="dataset")
    limit = parse_int(request.args.get("limit"), "limit", default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
    offset = parse_int(request.args.get("offset"), "offset", default=0, minimum=0, maximum=10**9)
    return countries, datasets, limit, offset


def _side(row: dict, suffix: str) -> dict:
    lon, lat = row[f"lon_{suffix}"], row[f"lat_{suffix}"]
    url = row[f"upstream_url_{suffix}"]
    return {
        "record_id": row[f"record_{suffix}"], "dataset": row[f"dataset_{suffix}"], "name": row[f"name_{suffix}"],
        "country": row[f"country_{suffix}"], "commodities": list(row[f"commodities_{suffix}"]),
        "lon": None if math.isnan(lon) else lon, "lat": None if math.isnan(lat) else lat,
        # Only web links become links; any other text is shown, never followed.
        "upstream_url": url if url.startswith(("https://", "http://")) else "",
    }


def candidate_json(row: dict) -> dict:
    """One queued pair as JSON: its score and both records side by side."""
    distance = row["distance_km"]
    return {
        "score": row["score"], "probability": row["probability"], "name_level": row["name_level"],
        "distance_km": None if math.isnan(distance) else distance, "weights": row["weights"],
        "queue_reason": row["queue_reason"], "a": _side(row, "a"), "b": _side(row, "b"),
        "links_line": row["links_line"],
    }


def _page(queue: pd.DataFrame, limit: int, offset: int) -> list[dict]:
    return [candidate_json(row) for row in queue.iloc[offset:offset + limit].to_dict("records")]


@bp.get("/api/link-candidates")
def link_candidates():
    """The review queue as JSON, best score first; filters ``country``, ``dataset``, ``limit``, ``offset``."""
    countries, datasets, limit, offset = _parse_filters()
    matched = filter_queue(get_state().store.link_candidates, countries=countries, datasets=datasets)
    rows = _page(matched, limit, offset)
    return jsonify({"numberMatched": len(matched), "numberReturned": len(rows), "offset": offset,
                    "candidates": rows})


@bp.get("/review/links")
def review_links():
    """The review queue as a page: both records side by side and the links.csv line to copy."""
    countries, datasets, limit, offset = _parse_filters()
    queue = get_state().store.link_candidates
    matched = filter_queue(queue, countries=countries, datasets=datasets)
    all_datasets = sorted(set(queue["dataset_a"]) | set(queue["dataset_b"]))
    return render_template("review_links.html", rows=_page(matched, limit, offset), matched=len(matched),
                           limit=limit, offset=offset, countries=countries or [], datasets=datasets or [],
                           all_datasets=all_datasets)
