"""Tests for licence holder text: parsing, and turning it into companies and equity edges."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest

from layers.ownership.holders import company_keys, parse_holders, resolve_holders
from layers.schema import COMPANIES, LICENCES, OWNERSHIP, STORE_CRS


@pytest.mark.parametrize(("text", "holders", "unparsed"), [
    ("Company A (60%), Company B (40%)", [("Company A", 60.0), ("Company B", 40.0)], []),
    ("Company A 60%; Company B 40%", [("Company A", 60.0), ("Company B", 40.0)], []),
    ("Company A", [("Company A", None)], []),
    ("Company A (60,5%), Company B (39,5%)", [("Company A", 60.5), ("Company B", 39.5)], []),
    ("Company A 60,5%; Company B 39,5 %", [("Company A", 60.5), ("Company B", 39.5)], []),
    ("Company A (60 %)", [("Company A", 60.0)], []),
    ("Company A - 60%\nCompany B: 40%", [("Company A", 60.0), ("Company B", 40.0)], []),
    ("60% Company A", [("Company A", 60.0)], []),
    ("ТОО «Казгеология» (100%)", [("ТОО «Казгеология»", 100.0)], []),
    ("Kazgeology JSC (Kazakhstan)", [("Kazgeology JSC (Kazakhstan)", None)], []),
    ("Company A (60%, Company B 40%", [], ["Company A (60%, Company B 40%"]),
    ("Company A 60%), Company B (40%)", [("Company B", 40.0)], ["Company A 60%)"]),
    ("Company A (160%)", [], ["Company A (160%)"]),
    ("Company A, 60%", [("Company A", None)], ["60%"]),
    ("Company A (60%) and partners 40% more", [], ["Company A (60%) and partners 40% more"]),
    ("Company A (70%), Company B (40%)", [("Company A", 70.0), ("Company B", 40.0)], []),
    ("", [], []),
    (" ; ,", [], []),
], ids=["parentheses", "semicolons", "one-name", "decimal-comma-in-parentheses", "decimal-comma-bare",
        "space-before-percent", "dash-colon-newline", "share-first", "cyrillic", "bracket-without-share",
        "unclosed-parenthesis", "unopened-parenthesis", "share-over-100", "share-split-off", "percent-elsewhere",
        "sum-over-100-is-not-the-parsers-concern", "empty", "only-separators"])
def test_parse_holders(text: str, holders: list, unparsed: list) -> None:
    assert parse_holders(text) == (holders, unparsed)


@pytest.mark.parametrize(("name", "other"), [
    ("Kazgeology JSC", "Kazgeology"),
    ("Severniy Katpar LLP", "Severny Katpar"),
    ("Xiamen Tungsten Co. Ltd", "XIAMEN TUNGSTEN"),
])
def test_company_keys_ignore_legal_forms(name: str, other: str) -> None:
    assert company_keys(name) & company_keys(other)


# --- resolve_holders -------------------------------------------------------------------------------------

def _companies(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame([{c: "" for c in COMPANIES.column_names} | {"company_id": cid, "name": name, "kind": kind}
                         for cid, name, kind in rows], columns=COMPANIES.column_names)


KNOWN = _companies(("kazgeology", "Kazgeology JSC", "state-owned enterprise"),
                   ("unnamed-x", "Unnamed partner (Company B)", "unnamed"))


def _licences(*texts: str, holder_id: str = "") -> gpd.GeoDataFrame:
    rows = [{c: "" for c in LICENCES.column_names}
            | {"licence_id": f"L{n}", "source": "cadastre", "holder_company_id": holder_id, "holder_text": text,
               "commodities": [], "granted": "2020", "valid_to": "2030", "references": "https://cadastre.example",
               "confidence": "reported"} for n, text in enumerate(texts, start=1)]
    frame = pd.DataFrame(rows, columns=LICENCES.column_names)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(rows), crs=STORE_CRS), crs=STORE_CRS)


def _company(company_id: str, name: str, kind: str, notes: str) -> dict:
    return {"company_id": company_id, "name": name, "name_ru": "", "kind": kind, "home_country": "",
            "listed_on": "", "notes": notes, "source": "https://cadastre.example", "source_date": "",
            "confidence": "reported"}


def _edge(owner: str, owned: str, position: int, share: float, text: str) -> dict:
    return {"edge_id": f"{owner}>{owned}#{position}", "owner_id": owner, "owned_id": owned, "share_pct": share,
            "valid_from": "2020", "valid_to": "2030", "relation": "equity", "source": "https://cadastre.example",
            "source_date": "", "source_quote": "", "confidence": "reported",
            "notes": f"holder {position} in the holder text of licence L1: {text}"}


def test_one_known_holder_becomes_the_licence_holder() -> None:
    result = resolve_holders(_licences("Kazgeology"), KNOWN)
    assert (result.licences["holder_company_id"].tolist(), len(result.companies), len(result.ownership),
            result.problems) == (["kazgeology"], 0, 0, [])


def test_an_unknown_holder_becomes_a_placeholder_company_reused_across_licences() -> None:
    result = resolve_holders(_licences("Company B LLP", "COMPANY B"), KNOWN)
    pd.testing.assert_frame_equal(result.companies, pd.DataFrame([_company(
        "company-b-llp", "Company B LLP", "", "placeholder created from licence holder text (L1)")]))
    assert result.licences["holder_company_id"].tolist() == ["company-b-llp", "company-b-llp"]


def test_several_holders_get_a_synthetic_entity_owned_through_equity_edges() -> None:
    text = "Kazgeology JSC (60%), Company B (40%)"
    result = resolve_holders(_licences(text), KNOWN)
    pd.testing.assert_frame_equal(result.companies, pd.DataFrame([
        _company("company-b", "Company B", "", "placeholder created from licence holder text (L1)"),
        _company("licence-l1", "Holders of licence L1", "licence holders",
                 f"synthetic entity: the holders of licence L1 as the source lists them: {text} (L1)"),
    ]))
    pd.testing.assert_frame_equal(result.ownership, pd.DataFrame([
        _edge("kazgeology", "licence-l1", 1, 60.0, text), _edge("company-b", "licence-l1", 2, 40.0, text),
    ]))
    assert (result.licences["holder_company_id"].tolist(), result.problems) == (["licence-l1"], [])


def test_one_holder_with_a_part_share_is_held_through_a_synthetic_entity() -> None:
    result = resolve_holders(_licences("Kazgeology (51%)"), KNOWN)
    assert (result.licences["holder_company_id"].tolist(), result.ownership["owner_id"].tolist(),
            result.ownership["share_pct"].tolist()) == (["licence-l1"], ["kazgeology"], [51.0])


def test_shares_over_100_are_reported_and_recorded_as_unknown() -> None:
    result = resolve_holders(_licences("Kazgeology (70%), Company B (40%)"), KNOWN)
    assert ([math.isnan(s) for s in result.ownership["share_pct"]], result.problems) == (
        [True, True], ["licence L1: holder shares add up to 110% (over 100); recorded as unknown"])


def test_parts_that_cannot_be_parsed_are_reported() -> None:
    result = resolve_holders(_licences("Kazgeology (60%), Company B 40%)"), KNOWN)
    assert (result.problems, result.ownership["owner_id"].tolist()) == (
        ["licence L1: could not parse holder text part 'Company B 40%)'"], ["kazgeology"])


def test_placeholder_entities_never_match_a_holder_name() -> None:
    result = resolve_holders(_licences("Company B"), KNOWN)
    assert result.licences["holder_company_id"].tolist() == ["company-b"]


def test_a_name_two_companies_carry_is_reported_and_left_out() -> None:
    twins = _companies(("acme-kz", "Acme LLP", "private"), ("acme-kg", "Acme", "private"))
    result = resolve_holders(_licences("Acme"), twins)
    assert (result.licences["holder_company_id"].tolist(), result.problems) == (
        [""], ["licence L1: holder 'Acme' matches several companies ['acme-kg', 'acme-kz']; left out"])


def test_a_licence_with_a_holder_id_keeps_it() -> None:
    result = resolve_holders(_licences("Company B", holder_id="kazgeology"), KNOWN)
    assert (result.licences["holder_company_id"].tolist(), len(result.companies)) == (["kazgeology"], 0)


def test_no_holder_text_changes_nothing() -> None:
    licences = _licences("")
    result = resolve_holders(licences, KNOWN)
    pd.testing.assert_frame_equal(result.companies, COMPANIES.empty())
    pd.testing.assert_frame_equal(result.ownership, OWNERSHIP.empty())
    assert result.licences["holder_company_id"].tolist() == [""]


def test_a_placeholder_id_taken_by_another_company_gets_a_suffix() -> None:
    taken = _companies(("company-b", "Something else entirely", "private"))
    result = resolve_holders(_licences("Company B"), taken)
    assert result.companies["company_id"].tolist() == ["company-b-2"]
