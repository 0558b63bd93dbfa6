"""Tests for commodity normalisation and commodity groups."""

from __future__ import annotations

import pytest

from layers.deposits.commodities import commodity_groups, minmod_commodity_names, normalise_commodity, primary_group


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # names and symbols
        ("Copper", (["Cu"], [])),
        ("copper", (["Cu"], [])),
        ("Aluminium", (["Al"], [])),
        ("Cu", (["Cu"], [])),
        ("CU", (["Cu"], [])),
        ("rare earth elements", (["REE"], [])),
        ("Graphite", (["graphite"], [])),
        ("Fluorspar", (["F", "fluorite"], [])),
        # MinMod commodity names
        ("Sodium, Halite", (["salt"], [])),
        ("Nickel, Laterite", (["Ni"], [])),
        ("Tungsten, Mill Concentrate", (["W"], [])),
        ("Iron, Pyrite", (["pyrite"], [])),
        ("Graphite, Carbon", (["graphite"], [])),
        # source code lists (USGS potash)
        ("HAL  K  BR", (["salt", "K", "Br"], [])),
        ("BRI", (["brine"], [])),
        ("K(", (["K"], [])),
        # assay labels
        ("La ppm", (["La"], [])),
        ("Au g/t", (["Au"], [])),
        ("Zn pct", (["Zn"], [])),
        ("Cu %", (["Cu"], [])),
        # curated lists
        ("REE (Ce; La; Nd; Y)", (["REE", "Ce", "La", "Nd", "Y"], [])),
        ("W; Mo; Cu; Bi", (["W", "Mo", "Cu", "Bi"], [])),
        ("Cu/Pb/Zn", (["Cu", "Pb", "Zn"], [])),
        ("Gold and silver", (["Au", "Ag"], [])),
        ("Cu; copper; Cu", (["Cu"], [])),
        # mineral species are dropped, not reported
        ("Goethite", ([], [])),
        ("Mn-hydroxide", ([], [])),
        ("goethite, Ni", (["Ni"], [])),
        # unknown parts are reported
        ("unobtainium", ([], ["unobtainium"])),
        ("Ni, unobtainium", (["Ni"], ["unobtainium"])),
        ("T", ([], ["T"])),
        ("", ([], [])),
    ],
)
def test_normalise_commodity(text: str, expected: tuple[list[str], list[str]]) -> None:
    assert normalise_commodity(text) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], []),
        (["Au", "Cu", "La"], ["REE", "precious metals", "base metals"]),
        (["U", "graphite"], ["battery and alloy metals", "energy"]),
        (["W", "Mo", "Sn"], ["rare metals", "battery and alloy metals"]),
        (["salt", "Li", "unobtainium"], ["rare metals", "industrial minerals", "other"]),
        (["unobtainium"], ["other"]),
    ],
)
def test_commodity_groups_follow_group_order_with_other_last(values: list[str], expected: list[str]) -> None:
    assert commodity_groups(values) == expected


@pytest.mark.parametrize(("groups", "expected"), [(["REE", "base metals"], "REE"), ([], "other")])
def test_primary_group_is_the_first_group_or_other(groups: list[str], expected: str) -> None:
    assert primary_group(groups) == expected


def test_minmod_commodity_names_leave_out_the_ambiguous_q698() -> None:
    names = minmod_commodity_names()
    # Q698 is listed upstream as both Thulium and Magnesium.
    assert ("Q698" in names, len(names), names["Q610"], names["Q578"]) == (False, 199, "Tantalum", "Nickel")
