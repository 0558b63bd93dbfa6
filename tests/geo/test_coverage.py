"""Coverage of the ownership data: tiny frames made in code, and the real store."""

from datetime import date

import pandas as pd
import pytest

from geo.analyze import store_coverage
from geo.coverage import COVERAGE_COLUMNS, coverage_report, coverage_table, coverage_totals, site_coverage
from geo.ownership import OwnershipGraph
from geo.site_ownership import licence_roles, partner_table
from layers.store import read_store

DAY = date(2025, 6, 1)


def _licence(licence_id, holder, kind="mining", status="", granted="", valid_to=""):
    return {"licence_id": licence_id, "holder_company_id": holder, "holder_text": "", "licence_kind": kind,
            "status": status, "granted": granted, "valid_to": valid_to, "confidence": "confirmed", "references": ""}


def _world():
    # s1: held by a Chinese-owned company (all known); s2: held by a company with an unknown owner;
    # s3: a licence that expired; s4: only a national project; s5: no licence; s6: withdrawn (shown, in force).
    companies = pd.DataFrame([
        {"company_id": c, "name": c.upper(), "kind": kind, "home_country": home}
        for c, kind, home in [("h1", "private", "KZ"), ("cn", "private", "CN"), ("h2", "", "KZ"),
                              ("gov", "state", "KZ")]])
    ownership = pd.DataFrame([{"edge_id": "e0", "owner_id": "cn", "owned_id": "h1", "share_pct": 100.0,
                               "relation": "equity", "valid_from": "", "valid_to": "", "source": "t",
                               "confidence": "confirmed"}])
    sites = pd.DataFrame({"site_id": ["s1", "s2", "s3", "s4", "s5", "s6"],
                          "country": ["KZ", "KZ", "KZ", "UZ", "UZ", "UZ"],
                          "commodity_groups": [["Li"], ["Li", "W"], ["W"], ["W"], [], ["Li"]]})
    licences = pd.DataFrame([_licence("l1", "h1"), _licence("l2", "h2"), _licence("l3", "h1", valid_to="2020"),
                             _licence("l4", "gov", kind="national project"),
                             _licence("l6", "h1", status="withdrawn")])
    licence_sites = pd.DataFrame({"licence_id": ["l1", "l2", "l3", "l4", "l6"],
                                  "site_id": ["s1", "s2", "s3", "s4", "s6"]})
    return sites, licences, licence_sites, OwnershipGraph(companies, ownership)


def test_site_coverage_classifies_each_site():
    frame = site_coverage(*_world(), DAY)
    assert frame.to_dict("index") == {
        "s1": {"has_holder": True, "known_owner": True, "known_share": True},
        "s2": {"has_holder": True, "known_owner": False, "known_share": False},
        "s3": {"has_holder": False, "known_owner": False, "known_share": False},
        "s4": {"has_holder": False, "known_owner": False, "known_share": False},
        "s5": {"has_holder": False, "known_owner": False, "known_share": False},
        "s6": {"has_holder": True, "known_owner": False, "known_share": False},
    }


def test_coverage_by_country():
    table = coverage_table(*_world(), DAY, by="country")
    assert table.to_dict("records") == [
        {"key": "KZ", "sites": 3, "sites_with_holder": 2, "sites_with_known_owner": 1, "sites_with_known_share": 1,
         "pct_with_holder": 66.7, "pct_with_known_owner": 33.3, "pct_with_known_share": 33.3},
        {"key": "UZ", "sites": 3, "sites_with_holder": 1, "sites_with_known_owner": 0, "sites_with_known_share": 0,
         "pct_with_holder": 33.3, "pct_with_known_owner": 0.0, "pct_with_known_share": 0.0},
    ]


def test_coverage_by_commodity_group_counts_a_site_in_each_group():
    table = coverage_table(*_world(), DAY, by="commodity_group")
    assert table[["key", "sites", "sites_with_holder", "sites_with_known_owner"]].values.tolist() == [
        ["Li", 3, 3, 1], ["W", 3, 1, 0]]


def test_an_earlier_day_sees_the_expired_licence():
    frame = site_coverage(*_world(), date(2019, 1, 1))
    assert frame.loc["s3"].to_dict() == {"has_holder": True, "known_owner": True, "known_share": True}


def test_no_sites_keeps_the_columns():
    sites, licences, licence_sites, graph = _world()
    table = coverage_table(sites.iloc[:0], licences, licence_sites, graph, DAY)
    assert list(table.columns) == COVERAGE_COLUMNS and table.empty


def test_bad_by_raises():
    with pytest.raises(ValueError, match="by must be"):
        coverage_table(*_world(), DAY, by="partner")


@pytest.fixture(scope="module")
def real(real_store):
    store = read_store(real_store)
    graph = OwnershipGraph(store.companies, store.ownership)
    return store.sites, store.licences, store.licence_sites, graph


def test_real_store_is_consistent_with_partner_table(real):
    sites, licences, licence_sites, graph = real
    flags = site_coverage(sites, licences, licence_sites, graph, DAY)
    table = partner_table(sites, licences, licence_sites, graph, DAY)
    rows = {r["licence_id"]: r for r in licences.drop(columns="geometry").to_dict("records")}
    joined = licence_sites.groupby("site_id")["licence_id"].apply(list)
    licensed_today = {s for s, ids in joined.items() if s in table.index
                      and any(r.in_force and r.role == "holder" for r in licence_roles([rows[i] for i in ids], DAY))}
    by_country = coverage_table(sites, licences, licence_sites, graph, DAY, by="country")
    assert by_country["sites"].sum() == len(sites)
    assert by_country["sites_with_holder"].sum() == len(licensed_today) == coverage_totals(flags)["sites_with_holder"]
    assert set(flags.index[flags["has_holder"]]) == licensed_today
    assert set(flags.index[flags["known_share"]]) <= licensed_today
    assert set(flags.index[flags["known_owner"]]) <= set(flags.index[flags["known_share"]])
    named = table.filter(like="share_").drop(columns="share_unknown").notna().any(axis=1)
    assert flags["known_share"].sum() == named.sum()


def test_real_store_counts_northern_katpar_as_held(real):
    sites, *_ = real
    katpar = sites.loc[sites["name"].str.contains("Katpar", case=False), "site_id"]
    flags = site_coverage(*real, DAY)
    assert len(katpar) and flags.loc[katpar, "has_holder"].any()


def test_report_text_on_tiny_frames():
    sites, licences, licence_sites, graph = _world()
    flags = site_coverage(sites, licences, licence_sites, graph, DAY)
    assert coverage_report(flags, sites, DAY) == (
        "ownership coverage on 2025-06-01: 3 of 6 sites have a sourced holder, 1 a known owner, 1 a known share\n"
        "  KZ: 3 sites, holder 2 (66.7 %), known owner 1, known share 1\n"
        "  UZ: 3 sites, holder 1 (33.3 %), known owner 0, known share 0\n")


def test_analyze_reports_coverage_of_the_real_store(real_store, real):
    text = store_coverage(real_store, DAY)
    flags = site_coverage(*real, DAY)
    totals = coverage_totals(flags)
    assert text.startswith(f"ownership coverage on 2025-06-01: {totals['sites_with_holder']} of {len(real[0])} sites "
                           "have a sourced holder")
    assert "\n  KZ: " in text


def test_a_given_partner_table_gives_the_same_flags_without_recomputing_it():
    sites, licences, licence_sites, graph = _world()
    table = partner_table(sites, licences, licence_sites, graph, DAY)
    pd.testing.assert_frame_equal(site_coverage(sites, licences, licence_sites, graph, DAY, table=table),
                                  site_coverage(sites, licences, licence_sites, graph, DAY))


def test_the_app_computes_a_dates_partner_table_once_for_partners_and_coverage(real_app, monkeypatch):
    import geo.coverage
    import webapp.state
    calls = []
    real = webapp.state.partner_table

    def counting(*args, **kwargs):
        calls.append(args[-1])
        return real(*args, **kwargs)

    monkeypatch.setattr(webapp.state, "partner_table", counting)
    monkeypatch.setattr(geo.coverage, "partner_table", counting)
    state = real_app.extensions["atlas"]
    day = date(2011, 3, 4)  # a date no other test asks for: not cached yet
    state.coverage_at(day)
    state.partners_at(day)
    assert calls == [day]
