"""Tests of the linkage parts: name forms, name levels, the location-error model and curated decisions."""

import math

import pytest

from layers.errors import SourceFormatError
from layers.linkage import LinkDecision, load_decisions
from layers.linkage.location import distance_weight, max_link_km, record_sigma_km
from layers.linkage.nameforms import record_forms
from layers.linkage.scoring import best_name_level


@pytest.mark.parametrize(("name", "aliases", "keys"), [
    ("Qonyrat (Kounrad)", [], ["konirat", "kunrad"]),
    ("Gigant (Kempirsai group)", [], ["gigant"]),
    ("Zarmitan; Charmitan", [], ["zarmitancharmitan", "zarmitan", "charmitan"]),
    ("Kundybajskoe, Shevchenkovskoe", [], ["kundibaishevchenkov", "kundibai", "shevchenkov"]),
    ("Kounrad (Qonyrat) Waste Rock Dumps", [], ["kunradvasterokdumps", "koniratvasterokdumps"]),
    ("Geofizicheskoe XII", [], ["geofiziche 12"]),
    ("Balkhash mine", ["Kounrad"], ["balhash", "kunrad"]),
    ("unnamed", [], []),
    ("Unnamed occurrence", [], []),
])
def test_record_forms(name, aliases, keys):
    assert [form.key for form in record_forms(name, aliases)] == keys


def test_the_own_name_is_primary_and_alternatives_are_not():
    forms = record_forms("Almalyk (Kalmakyr)", ["Olmaliq"])
    assert [(form.core, form.primary) for form in forms] == [("almalik", True), ("kalmakir", False),
                                                            ("olmalik", False)]


@pytest.mark.parametrize(("a", "b", "level"), [
    ("Kutessai-II", "Кутессай-2", "exact"),
    ("Aqtogai", "Aktogai", "exact"),
    ("Chulaktau-I", "Chulak Tau Mine", "exact"),
    ("Bozshakol", "Boshchekul", "translit"),
    ("Qonyrat", "Kounrad", "translit"),
    ("Zhetygara 2", "Zhetygara", "number_partial"),
    ("Karchegin", "Karchiginskoe", "translit"),
    ("Uchkoshton", "Uchkoshkon", "fuzzy_high"),
    ("Tishinsky", "Tishinsky Tailings", "fuzzy_low"),
    ("Ushkatyn I", "Ushkatyn III", "conflict"),
    ("Northern Katpar", "Katpar", "conflict"),
    ("Druzhba A", "Druzhba B", "conflict"),
    ("Kalmakyr", "Kyzata", "different"),
    ("unnamed", "Kyzata", "unnamed"),
])
def test_name_levels(a, b, level):
    assert best_name_level(record_forms(a), record_forms(b)) == level


@pytest.mark.parametrize(("dataset", "precision", "sigma"), [
    ("mrdata-major-deposits", 2.0, math.hypot(5.0, 1.0)),
    ("national-kz", 30.0, math.hypot(2.0, 15.0)),
    ("an-unknown-dataset", math.nan, 8.0),
])
def test_record_sigma(dataset, precision, sigma):
    assert record_sigma_km(dataset, precision) == pytest.approx(sigma)


def test_distance_weight_falls_with_distance_and_is_bounded_below():
    sigma = record_sigma_km("mrdata-major-deposits", 2.0), record_sigma_km("world-tin-tungsten-deposit", 2.0)
    weights = [distance_weight(km, *sigma) for km in (0.0, 5.3, 15.0, 30.0, 300.0)]
    assert weights == sorted(weights, reverse=True)
    assert weights[1] > 3.0  # Ingichke's 5.3 km is strong evidence for these two datasets
    assert weights[-1] == pytest.approx(math.log2(0.05))


def test_max_link_km_is_three_pair_sigmas():
    assert max_link_km(3.0, 4.0) == pytest.approx(15.0)


def test_load_decisions_reads_the_file(tmp_path):
    path = tmp_path / "links.csv"
    path.write_text("record_a,record_b,decision,who,why,date\n"
                    "b:1,a:1,same,curator,\"one pit, two names\",2026-12-07\n\n", encoding="utf-8")
    decision = LinkDecision("b:1", "a:1", "same", "curator", "one pit, two names", "2026-12-07")
    assert load_decisions(path) == [decision]
    assert decision.pair == ("a:1", "b:1")


def test_a_missing_links_file_means_no_decisions(tmp_path):
    assert load_decisions(tmp_path / "links.csv") == []


@pytest.mark.parametrize(("text", "message"), [
    ("a,b\n", "header must be record_a,record_b,decision,who,why,date"),
    ("record_a,record_b,decision,who,why,date\na:1,b:1,maybe,x,y,2026\n",
     "row 2: column decision must be 'same' or 'different'"),
    ("record_a,record_b,decision,who,why,date\n,b:1,same,x,y,2026\n", "row 2: column record_a is empty"),
    ("record_a,record_b,decision,who,why,date\na:1,a:1,same,x,y,2026\n", "row 2 links a:1 to itself"),
    ("record_a,record_b,decision,who,why,date\na:1,b:1,same,x,y\n", "row 2 has 5 fields, expected 6"),
    ("record_a,record_b,decision,who,why,date\na:1,b:1,same,x,y,2026\nb:1,a:1,different,x,y,2026\n",
     "row 3 decides a:1 / b:1 'different' but row 2 decided 'same'"),
])
def test_bad_links_file_names_file_and_row(tmp_path, text, message):
    path = tmp_path / "links.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceFormatError, match=f"^{path}: " + message.replace("(", r"\(").replace(")", r"\)")):
        load_decisions(path)
