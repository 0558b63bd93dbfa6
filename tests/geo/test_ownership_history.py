"""History rules of the ownership graph: undated relations hold from their source date, later sources win,
and owners first reported later leave the earlier picture unknown rather than the entity self-owned."""

from datetime import date

import pandas as pd
import pytest

from geo.ownership import OwnershipGraph
from layers.dates import effective_start


def _companies(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"company_id": c, "name": c.upper(), "kind": kind, "home_country": home}
                         for c, kind, home in rows])


def _edges(*rows: tuple) -> pd.DataFrame:
    """Rows of (owner, owned, share, relation, valid_from, valid_to, source_date)."""
    return pd.DataFrame([
        {"edge_id": f"e{n}", "owner_id": owner, "owned_id": owned, "share_pct": share, "relation": relation,
         "valid_from": start, "valid_to": end, "source": "test", "confidence": "confirmed", "source_date": seen}
        for n, (owner, owned, share, relation, start, end, seen) in enumerate(rows)])


def _shares(graph: OwnershipGraph, entity: str, day: date) -> dict:
    out: dict = {}
    for part in graph.attribute(entity, "KG", day).parts:
        out[part.partner] = None if part.fraction is None else round(out.get(part.partner, 0) + part.fraction, 4)
    return out


@pytest.mark.parametrize(("start", "seen", "expected"), [
    ("2015", "2024-07", ("2015", False)),
    ("", "2024-07", ("2024-07", True)),
    ("", "", ("", True)),
])
def test_an_empty_start_becomes_the_source_date_and_is_flagged(start, seen, expected):
    assert effective_start(start, seen) == expected


def test_an_undated_edge_holds_from_its_source_date_not_since_ever():
    # A Chinese company's 60 % first reported in 2023 with no start: on 2020 the mine's owners are unknown,
    # not "domestic private" (the holder as its own ultimate owner), and not Chinese since an unknown date.
    graph = OwnershipGraph(_companies(("mine", "private", "KG"), ("cn", "private", "CN"), ("st", "state", "KG")),
                           _edges(("cn", "mine", 60.0, "equity", "", "", "2023-05"),
                                  ("st", "mine", 40.0, "equity", "", "", "2023-05")))
    assert _shares(graph, "mine", date(2025, 1, 1)) == {"China": 0.6, "domestic state": 0.4}
    assert _shares(graph, "mine", date(2020, 1, 1)) == {"unknown": 1.0}
    assert graph.controlling_group("mine", "KG", date(2020, 1, 1)) is None
    assert graph.controlling_group("mine", "KG", date(2025, 1, 1)) == "China"
    edge = graph.edges_at(date(2025, 1, 1))[0]
    assert (edge.start, edge.start_unknown, edge.as_dict()["start_unknown"]) == ("2023-05", True, True)


def test_a_minority_reported_later_leaves_the_shares_unknown_but_not_the_control():
    # Kumtor's pattern: Centerra (CA) was 26 % Kyrgyzaltyn's, first reported in 2022 without a start.
    graph = OwnershipGraph(_companies(("centerra", "listed", "CA"), ("kga", "state", "KG")),
                           _edges(("kga", "centerra", 26.0, "equity", "", "2022-07-29", "2022-04-04")))
    assert _shares(graph, "centerra", date(2020, 1, 1)) == {"unknown": 1.0}
    assert graph.controlling_group("centerra", "KG", date(2020, 1, 1)) == "other foreign"
    assert _shares(graph, "centerra", date(2022, 5, 1)) == {"domestic state": 0.26, "unknown": 0.74}
    assert _shares(graph, "centerra", date(2023, 1, 1)) == {"other foreign": 1.0}


def test_a_dated_sale_shows_the_seller_before_and_the_buyer_after():
    graph = OwnershipGraph(_companies(("mine", "private", "KG"), ("ca", "listed", "CA"), ("kga", "state", "KG")),
                           _edges(("ca", "mine", 100.0, "equity", "", "2022-07-29", "2018-04"),
                                  ("kga", "mine", 100.0, "equity", "2022-07-29", "", "2022-07-29")))
    assert _shares(graph, "mine", date(2019, 1, 1)) == {"other foreign": 1.0}
    assert _shares(graph, "mine", date(2022, 7, 28)) == {"other foreign": 1.0}
    assert _shares(graph, "mine", date(2022, 7, 29)) == {"domestic state": 1.0}
    assert _shares(graph, "mine", date(2015, 1, 1)) == {"unknown": 1.0}  # before the first source: unknown


def test_a_later_row_of_the_same_pair_supersedes_the_earlier():
    graph = OwnershipGraph(_companies(("jv", "private", "KG"), ("cn", "private", "CN"), ("st", "state", "KG")),
                           _edges(("cn", "jv", 51.0, "equity", "2010", "", "2010"),
                                  ("cn", "jv", 60.0, "equity", "2019", "", "2019"),
                                  ("st", "jv", 40.0, "equity", "2019", "", "2019")))
    assert _shares(graph, "jv", date(2015, 1, 1))["China"] == 0.51
    assert _shares(graph, "jv", date(2024, 1, 1)) == {"China": 0.6, "domestic state": 0.4}


def test_an_undated_claim_does_not_count_where_dated_rows_are_complete():
    # Cameco's "nearly 75 %" of Kumtor, reported in 2024 about the 1990s, must not add to Kyrgyzaltyn's 100 %.
    graph = OwnershipGraph(_companies(("mine", "private", "KG"), ("cameco", "listed", "CA"), ("kga", "state", "KG")),
                           _edges(("kga", "mine", 100.0, "equity", "2022-07-29", "", "2022-07-29"),
                                  ("cameco", "mine", 75.0, "equity", "", "", "2024-11-01")))
    assert _shares(graph, "mine", date(2025, 6, 1)) == {"domestic state": 1.0}


def test_a_later_row_without_a_share_does_not_erase_a_known_share():
    # Semizbay-U: CGN 49 % / Kazatomprom 51 % (2008-11), then "a joint venture formed in 2009" without shares.
    graph = OwnershipGraph(_companies(("jv", "private", "KG"), ("cgn", "state", "CN"), ("kap", "state", "KG")),
                           _edges(("cgn", "jv", 49.0, "joint venture", "2008-11", "", "2008-11"),
                                  ("kap", "jv", 51.0, "joint venture", "2008-11", "", "2008-11"),
                                  ("cgn", "jv", None, "joint venture", "2009", "", ""),
                                  ("kap", "jv", None, "joint venture", "2009", "", "")))
    assert _shares(graph, "jv", date(2025, 1, 1)) == {"China": 0.49, "domestic state": 0.51}


def test_an_undated_row_that_ends_before_its_source_date_never_blanks_the_past():
    # "Samruk-Kazyna's share dropped from 75 %" (reported 2024-07-23) on a row ending 2024-07: it never holds,
    # and it must not make earlier owners unknown either; the dated 2019 row does that before 2019-08.
    graph = OwnershipGraph(_companies(("kap", "state", "KG"), ("sk", "state", "KG")),
                           _edges(("sk", "kap", 75.0, "equity", "", "2024-07", "2024-07-23"),
                                  ("sk", "kap", 85.08, "equity", "", "2020-06", "2019-08")))
    assert _shares(graph, "kap", date(2019, 9, 1)) == {"domestic state": 0.8508, "unknown": 0.1492}
    assert graph.reported_later("kap", date(2015, 1, 1))[0].share_pct == 85.08
    assert len(graph.reported_later("kap", date(2015, 1, 1))) == 1
