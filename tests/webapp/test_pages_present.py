"""How values read on pages: pure helpers of webapp.pages.present, on values as the sources give them."""

from __future__ import annotations

import pytest

from webapp.pages import present


@pytest.mark.parametrize(("grade", "lang", "text"), [
    ({"commodity": "Lanthanum", "ore_tonnes": 18011000.0, "grade": 367.7958892694997, "grade_unit": "La ppm",
      "category": "Inferred+Indicated+Measured"}, "en",
     "lanthanum: 18\u202f000\u202f000 t at 368 ppm (Inferred+Indicated+Measured)"),
    ({"commodity": "Tm ppm", "ore_tonnes": 1.8e7, "grade": 5.5555, "grade_unit": "Tm ppm", "category": None},
     "en", "thulium: 18\u202f000\u202f000 t at 5.56 ppm"),
    ({"commodity": "Graphite", "ore_tonnes": 2300000.0, "grade": 15.0, "grade_unit": None}, "en",
     "graphite: 2\u202f300\u202f000 t at 15"),
    ({"commodity": "Tungsten", "ore_tonnes": None, "grade": 0.25, "grade_unit": "%"}, "ru", "вольфрам: at 0.25 %"),
])
def test_grades_read_as_rounded_figures(app_context, grade, lang, text):
    assert present.grade_text(grade, lang) == text


@pytest.mark.parametrize(("value", "expected"), [
    (None, "?"), (float("nan"), "?"), (0, "0"), (0.0012345, "0.00123"), (367.7958892694997, "368"),
    (18011000.0, "18\u202f000\u202f000"), (-1234.5, "-1\u202f230"),
])
def test_number_keeps_three_significant_figures(value, expected):
    assert present.number(value) == expected


@pytest.mark.parametrize(("values", "expected"), [
    (["La", "Be", "quartz", "Ce", "olivine"], (["REE", "Be"], ["La", "Ce"], ["quartz", "olivine"])),
    (["REE", "Nd"], (["REE"], ["Nd"], [])),
    (["Cu"], (["Cu"], [], [])),
    ([], ([], [], [])),
])
def test_split_commodities_folds_rare_earths_and_sets_gangue_apart(values, expected):
    assert present.split_commodities(values) == expected


@pytest.mark.parametrize(("names", "name", "lang", "expected"), [
    (["Kutessai-II", "Кутессай-II"], "Kutessai-II", "en", ("Kutessai-II", "Кутессай-II")),
    (["Kutessai-II", "Кутессай-II"], "Kutessai-II", "ru", ("Кутессай-II", "Kutessai-II")),
    (["Almalyk"], "Almalyk", "ru", ("Almalyk", "")),
    ([], "Кутессай", "en", ("Kutessay", "Кутессай")),  # no Latin form given: transliterated
])
def test_display_names_put_the_own_script_beside_the_latin(names, name, lang, expected):
    assert present.display_names(names, name, lang) == expected


@pytest.mark.parametrize(("reference", "expected"), [
    ("https://doi.org/10.3133/pp1802J", ("DOI 10.3133/pp1802J", "https://doi.org/10.3133/pp1802J")),
    ("https://mrdata.usgs.gov/ree", ("mrdata.usgs.gov/ree", "https://mrdata.usgs.gov/ree")),
    ("javascript:alert(1)", ("javascript:alert(1)", "")),
])
def test_references_are_named_and_only_http_links(app_context, reference, expected):
    assert present.reference_label(reference) == expected


def test_seed_file_names_become_a_numbered_article(app_context):
    assert present.reference_label("002_3bc0e5584da11cc3.txt") == (
        "Russian-language source article no. 2 (atlas research file)", "")


@pytest.fixture()
def app_context(real_app):
    """gettext needs a request context of the real app (English)."""
    with real_app.test_request_context("/"):
        yield
