"""Tests for merging imported tables with curated ones: curated rows kept, disagreements reported."""

from __future__ import annotations

import math

import pandas as pd

from layers.importers.merge import Conflict, merge_imports
from layers.schema import COMPANIES, OWNERSHIP


def _edge(edge_id: str, share: float, valid_from: str, source: str) -> dict:
    owner, owned = edge_id.split("#")[0].split(">")
    return {"edge_id": edge_id, "owner_id": owner, "owned_id": owned, "share_pct": share, "valid_from": valid_from,
            "valid_to": "", "relation": "equity", "source": source, "confidence": "reported", "notes": ""}


def _frame(rows: list[dict], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def test_an_edge_with_another_share_is_kept_beside_the_curated_one_and_reported() -> None:
    curated = _frame([_edge("a>b#2", 60.0, "2020", "curated.csv")], OWNERSHIP.column_names)
    imported = _frame([_edge("a>b#2", 51.0, "2020", "GEM x"), _edge("a>c#3", math.nan, "", "GEM y")],
                      OWNERSHIP.column_names)
    merged, conflicts = merge_imports(curated, imported, "ownership")
    assert list(merged["edge_id"]) == ["a>b#2", "a>b#2~import", "a>c#3"]
    assert conflicts == [Conflict("ownership", "a > b > equity", "share_pct", "60", "51", "curated.csv", "GEM x")]


def test_the_same_claim_is_not_imported_twice_and_not_a_conflict() -> None:
    curated = _frame([_edge("a>b#2", 60.0, "2020", "curated.csv")], OWNERSHIP.column_names)
    imported = _frame([_edge("a>b#5", 60.0, "2020", "GEM x")], OWNERSHIP.column_names)
    merged, conflicts = merge_imports(curated, imported, "ownership")
    assert (list(merged["edge_id"]), conflicts) == (["a>b#2"], [])


def test_a_company_already_curated_keeps_the_curated_row_and_a_differing_name_is_reported() -> None:
    base = {c: "" for c in COMPANIES.column_names}
    curated = _frame([base | {"company_id": "x", "name": "X LLP", "source": "s1"}], COMPANIES.column_names)
    imported = _frame([base | {"company_id": "x", "name": "X Limited", "source": "s2"},
                       base | {"company_id": "y", "name": "Y", "source": "s2"}], COMPANIES.column_names)
    merged, conflicts = merge_imports(curated, imported, "companies")
    assert list(merged["name"]) == ["X LLP", "Y"]
    assert [c.line() for c in conflicts] == ["companies x: name curated 'X LLP' (s1) vs imported 'X Limited' (s2)"]
