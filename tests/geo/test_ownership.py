from datetime import date

import pandas as pd
import pytest

from geo.ownership import OwnershipGraph
from geo.partners import own_group, partner_of_country
from geo.site_ownership import licence_roles, site_ownership

DAY = date(2025, 6, 1)


def companies(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"company_id": c, "name": c.upper(), "kind": kind, "home_country": home}
                         for c, kind, home in rows])


def edges(*rows) -> pd.DataFrame:
    records = []
    for number, row in enumerate(rows):
        owner, owned, share, relation, *dates = row
        valid_from, valid_to = (dates + ["", ""])[:2]
        records.append({"edge_id": f"e{number}", "owner_id": owner, "owned_id": owned, "share_pct": share,
                        "relation": relation, "valid_from": valid_from, "valid_to": valid_to, "source": "test",
                        "confidence": "confirmed"})
    return pd.DataFrame(records, columns=["edge_id", "owner_id", "owned_id", "share_pct", "relation", "valid_from",
                                          "valid_to", "source", "confidence"])


def shares(attribution) -> dict:
    result: dict = {}
    for part in attribution.parts:
        key = (part.partner, part.terminal_id)
        result[key] = None if part.fraction is None else round(result.get(key, 0.0) + part.fraction, 6)
    return result


def test_diamond_sums_both_paths_to_one_owner():
    # top owns 50 % of a and 50 % of b; a and b each own 50 % of the holder.
    graph = OwnershipGraph(
        companies(("holder", "private", "KZ"), ("a", "private", "KZ"), ("b", "private", "KZ"),
                  ("top", "private", "CN")),
        edges(("a", "holder", 50.0, "equity"), ("b", "holder", 50.0, "equity"), ("top", "a", 100.0, "equity"),
              ("top", "b", 100.0, "equity")))
    assert shares(graph.attribute("holder", "KZ", DAY)) == {("China", "top"): 1.0}


def test_products_along_a_chain():
    graph = OwnershipGraph(
        companies(("holder", "private", "KZ"), ("mid", "private", "KZ"), ("us", "private", "US"),
                  ("kz", "state", "KZ")),
        edges(("mid", "holder", 60.0, "equity"), ("kz", "holder", 40.0, "equity"), ("us", "mid", 50.0, "equity")))
    assert shares(graph.attribute("holder", "KZ", DAY)) == {
        ("USA", "us"): 0.3, ("unknown", "mid"): 0.3, ("domestic state", "kz"): 0.4}


def test_cycle_is_cut_and_reported():
    graph = OwnershipGraph(companies(("a", "private", "KZ"), ("b", "private", "CN")),
                           edges(("b", "a", 100.0, "equity"), ("a", "b", 100.0, "equity")))
    result = graph.attribute("a", "KZ", DAY)
    assert shares(result) == {("unknown", "a"): 1.0}
    assert "ownership cycle: a -> b -> a; cut at a" in result.flags


def test_stakes_over_100_are_scaled_and_flagged():
    graph = OwnershipGraph(companies(("h", "private", "KZ"), ("cn", "private", "CN"), ("us", "private", "US")),
                           edges(("cn", "h", 90.0, "equity"), ("us", "h", 60.0, "equity")))
    result = graph.attribute("h", "KZ", DAY)
    assert shares(result) == {("China", "cn"): 0.6, ("USA", "us"): 0.4}
    assert "direct shares of h sum to 150 %" in result.flags


@pytest.mark.parametrize(("as_of", "expected"), [
    (date(2020, 12, 31), {("USA", "old"): 1.0}),
    (date(2021, 1, 1), {("China", "new"): 1.0}),  # valid_to = valid_from: the new owner holds on the day
    (date(2024, 12, 31), {("China", "new"): 1.0}),
    (date(2025, 1, 1), {("domestic private", "h"): 1.0}),  # "2025" ends on 1 January 2025
])
def test_validity_dates_at_their_edges(as_of, expected):
    graph = OwnershipGraph(companies(("h", "private", "KZ"), ("old", "private", "US"), ("new", "private", "CN")),
                           edges(("old", "h", 100.0, "equity", "", "2021-01-01"),
                                 ("new", "h", 100.0, "equity", "2021-01-01", "2025")))
    assert shares(graph.attribute("h", "KZ", as_of)) == expected


@pytest.mark.parametrize("relation", ["MoU", "offtake", "financing", "partnership", "pending equity"])
def test_non_equity_relations_never_add_to_a_share(relation):
    graph = OwnershipGraph(companies(("h", "private", "KZ"), ("x", "private", "CN")),
                           edges(("x", "h", 100.0, relation)))
    assert shares(graph.attribute("h", "KZ", DAY)) == {("domestic private", "h"): 1.0}


def test_control_without_share_of_a_same_group_subsidiary_passes_the_stake():
    graph = OwnershipGraph(companies(("sub", "private", "US"), ("fund", "investment fund", "US")),
                           edges(("fund", "sub", None, "control")))
    result = graph.attribute("sub", "KZ", DAY)
    assert shares(result) == {("USA", "fund"): 1.0}
    assert result.controller_chain == ["sub", "fund"] and result.controlling_partner == "USA"


def test_control_without_share_across_groups_gives_an_unknown_share():
    graph = OwnershipGraph(companies(("llp", "private", "KZ"), ("soe", "state-owned enterprise", "KZ")),
                           edges(("soe", "llp", None, "control")))
    result = graph.attribute("llp", "KZ", DAY)
    assert shares(result) == {("domestic state", "soe"): None}
    assert result.controlling_partner == "domestic state"


def test_named_owners_below_100_leave_the_rest_unknown():
    graph = OwnershipGraph(companies(("h", "private", "AU"), ("bank", "development bank", "XX")),
                           edges(("bank", "h", 17.36, "equity")))
    result = graph.attribute("h", "KZ", DAY)
    assert shares(result) == {("multilateral", "bank"): 0.1736, ("unknown", "h"): 0.8264}
    assert result.controlling_partner == "other foreign"


def test_placeholder_owner_is_flagged():
    graph = OwnershipGraph(companies(("h", "unnamed", "CN")), edges())
    assert graph.attribute("h", "KG", DAY).flags == ["placeholder (unnamed) owner: h"]


def test_long_chain_is_flagged():
    ids = [f"c{i}" for i in range(6)]
    graph = OwnershipGraph(companies(*[(i, "private", "KZ") for i in ids]),
                           edges(*[(ids[i + 1], ids[i], 100.0, "equity") for i in range(5)]))
    assert "chain of 5 or more levels above c0" in graph.attribute("c0", "KZ", DAY).flags


@pytest.mark.parametrize(("home", "kind", "host", "expected"), [
    ("CN", "private", "KZ", "China"), ("DE", "private", "KZ", "EU"), ("EU", "state", "UZ", "EU"),
    ("GB", "private", "KZ", "UK"), ("XX", "development bank", "KZ", "multilateral"),
    ("CA", "private", "KG", "other foreign"),
    ("KZ", "state-owned enterprise", "KZ", "domestic state"), ("KZ", "private", "KZ", "domestic private"),
    ("KZ", "unnamed", "KZ", None), ("KZ", "private", "KG", "other foreign"), ("", "private", "KZ", None),
])
def test_own_group(home, kind, host, expected):
    assert own_group(home, kind, host) == expected


def test_partner_of_country_covers_eu_members():
    assert [partner_of_country(c) for c in ("FR", "SE", "NO", "JP", "RU", "KR")] == [
        "EU", "EU", "other foreign", "Japan", "Russia", "Korea"]


def licence(licence_id, holder, kind="mining", status="", granted="", valid_to=""):
    return {"licence_id": licence_id, "holder_company_id": holder, "holder_text": "", "licence_kind": kind,
            "status": status, "granted": granted, "valid_to": valid_to, "confidence": "confirmed", "references": ""}


def test_contested_licence_counts_only_without_a_stronger_one():
    rows = [licence("old", "a", status="historical/contested", granted="2009"), licence("new", "b", granted="2025"),
            licence("np", "gov", kind="national project", granted="2024")]
    assert [(r.licence["licence_id"], r.counted) for r in licence_roles(rows, date(2012, 1, 1))] == [
        ("old", True), ("new", False), ("np", False)]
    assert [(r.licence["licence_id"], r.counted, r.role) for r in licence_roles(rows, date(2025, 6, 1))] == [
        ("old", False, "holder"), ("new", True, "holder"), ("np", False, "state relation")]


@pytest.mark.parametrize("status", ["withdrawn: never completed", "attribution doubtful"])
def test_withdrawn_or_doubtful_licences_never_count(status):
    assert [r.counted for r in licence_roles([licence("x", "a", status=status)], DAY)] == [False]


def test_two_licences_weigh_half_each():
    graph = OwnershipGraph(companies(("a", "private", "CN"), ("b", "private", "US")), edges())
    result = site_ownership({"site_id": "s", "country": "KZ"}, [licence("1", "a"), licence("2", "b")], graph, DAY)
    assert result["partners"] == [
        {"partner": "China", "share_pct": 50.0, "unknown_part": False, "controls": False},
        {"partner": "USA", "share_pct": 50.0, "unknown_part": False, "controls": False}]
    assert (result["controlling_partner"], result["dominant_partner"]) == (None, None)
    assert "2 licences count; each weighs 1/2" in result["flags"]
