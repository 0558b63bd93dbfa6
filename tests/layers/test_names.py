"""Tests of the deposit-name normaliser used for cross-source linking and name search."""

import pytest

from layers.deposits.names import name_key, name_keys, search_key, transliterate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Кальмакыр", "kalmakyr"),
        ("Жезказган", "zhezkazgan"),
        ("Хандиза", "khandiza"),
        ("Қарағанды", "qaragandy"),
        ("Өскемен", "oskemen"),
        ("Ўзбекистон", "ozbekiston"),
        ("Ҷиликӯл", "jilikul"),
        ("Oʻzbekiston", "ozbekiston"),
        ("O'zbekiston", "ozbekiston"),
        ("Gʻallaorol", "gallaorol"),
        ("Şymkent", "shymkent"),
        ("Türkmenbaşy", "turkmenbashy"),
        ("Qaraǵandy", "qaragandy"),
        ("Kal’makyr", "kalmakyr"),
        ("Kutessai-II", "kutessai-ii"),
    ],
)
def test_transliterate_gives_lower_case_ascii(text, expected):
    assert transliterate(text) == expected


@pytest.mark.parametrize(
    "variant", ["Kutessai-II", "Kutessay II", "Кутессай-2", "Kutesay-2", "Kutessaj-2", "Кутессай-II"]
)
def test_kutessai_spellings_share_a_key(variant):
    assert name_key(variant) == "kutesai 2"


@pytest.mark.parametrize(
    "variant", ["Verkhnee Kairakty", "Верхнее Кайракты", "Upper Kairakty", "Verkhnee Qairaqty"]
)
def test_upper_kairakty_spellings_share_a_key(variant):
    assert name_key(variant) == "upper kairakti"


@pytest.mark.parametrize("variant", ["Severny Katpar", "Northern Katpar", "Северный Катпар", "Katpar North"])
def test_direction_word_is_canonical_and_in_front(variant):
    assert name_key(variant) == "north katpar"


@pytest.mark.parametrize("variant", ["Verkhnekairakty", "Verkhne-Kairakty", "Верхнекайракты"])
def test_compound_direction_prefix_is_split_off(variant):
    assert name_key(variant) == "upper kairakti"


@pytest.mark.parametrize("other", ["Upper Kairakty", "Katpar", "Southern Katpar"])
def test_direction_word_keeps_deposits_apart(other):
    assert name_key("Northern Katpar") != name_key(other)


@pytest.mark.parametrize(
    ("variant", "reference"),
    [
        ("Aqchatau", "Akchatau"),
        ("Акчатау", "Akchatau"),
        ("Kal'makyr", "Kalmakyr"),
        ("Кальмакыр", "Kalmakyr"),
        ("Dzhezkazgan", "Zhezkazgan"),
        ("Jezkazgan", "Zhezkazgan"),
        ("Жезказган", "Zhezkazgan"),
        ("Мурунтау", "Muruntau"),
        ("Handiza", "Khandiza"),
        ("Хандиза", "Khandiza"),
        ("Қарағанды", "Karagandy"),
        ("Өскемен", "Oskemen"),
        ("Kyzyl-Ompul", "Kyzylompul"),
        ("Kyzyl Ompul", "Kyzylompul"),
    ],
)
def test_transliteration_variants_share_a_key(variant, reference):
    assert name_key(variant) == name_key(reference)


@pytest.mark.parametrize(
    ("adjective", "noun"),
    [
        ("Koturkolskoe", "Koturkol"),
        ("Kalmakyrskoe", "Kalmakyr"),
        ("Akchatauskoye", "Akchatau"),
        ("Akchatauskoje", "Akchatau"),
        ("Кальмакырское", "Kalmakyr"),
        ("Sarytauskoe I", "Sarytau 1"),
    ],
)
def test_russian_adjectival_suffix_is_removed(adjective, noun):
    assert name_key(adjective) == name_key(noun)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Almalyk ore field", "almalik"),
        ("Рудное поле Алмалык", "almalik"),
        ("Kalmakyr deposit", "kalmakir"),
        ("Месторождение Кальмакыр", "kalmakir"),
        ("Mine 5", "mine 5"),
    ],
)
def test_generic_words_are_removed_unless_they_are_the_whole_name(name, expected):
    assert name_key(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Lazarevskoe 1, 2", "lazarev 1 2"),
        ("Lazarevskoe I, II", "lazarev 1 2"),
        ("Kutessai IV", "kutesai 4"),
        ("Kok-I-Bel", "kokibel"),
        ("V", "v"),
        ("Deposit 02", "deposit 2"),
    ],
)
def test_numbers_and_roman_numerals(name, expected):
    assert name_key(name) == expected


@pytest.mark.parametrize("name", ["", "   ", "---", "(/)"])
def test_name_without_letters_or_digits_has_empty_key(name):
    assert name_key(name) == ""


def test_none_is_rejected():
    with pytest.raises(TypeError):
        name_key(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Kalmakyr", "Kyzata"),
        ("Kalmakyr", "Sarycheku"),
        ("Kyzata", "Sarycheku"),
        ("Kundybaiskoe 2", "Kundybaiskoe 1"),
        ("Aktyuz", "Kutessai-II"),
        ("Kalesay", "Kutessai-II"),
        ("Akbulak", "Aktobe"),
        ("Taskazgan", "Tashkent"),
        ("Kyzyl-Ompul", "Kyzyl"),
        ("Khandiza", "Xondiza"),
    ],
)
def test_distinct_deposits_keep_distinct_keys(first, second):
    assert name_key(first) != name_key(second)


def test_name_keys_cover_name_bracketed_alternative_and_aliases():
    keys = name_keys("Almalyk (Kalmakyr)", ["Kal'makyr", "Almalyk ore field"])
    assert keys == {"almalikalmakir", "almalik", "kalmakir"}


@pytest.mark.parametrize("reference", ["Almalyk", "Kalmakyr"])
def test_name_keys_contain_key_of_each_part(reference):
    assert name_key(reference) in name_keys("Almalyk (Kalmakyr)", ["Kal'makyr", "Almalyk ore field"])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Qonyrat (Kounrad)", {"koniratkunrad", "konirat", "kunrad"}),
        ("Qonyrat / Kounrad", {"koniratkunrad", "konirat", "kunrad"}),
        ("Lazarevskoe (1, 2)", {"lazarev 1 2", "lazarev"}),
        ("---", set()),
    ],
)
def test_name_keys_split_alternatives_and_drop_empty_or_bare_parts(name, expected):
    assert name_keys(name) == expected


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Кутессай", "Kutessai-II"),
        ("KUTESSAY", "Kutessai-II"),
        ("Kutes", "Kutessai-II"),
        ("Кутес", "Kutessai-II"),
        ("Kutessai 2", "Kutessai-II"),
        ("Катпар", "Northern Katpar"),
        ("Katpar North", "Northern Katpar"),
        ("Северный", "Northern Katpar"),
        ("Kalmakyrsk", "Kalmakyrskoe"),
        ("Kyzyl Om", "Kyzyl-Ompul"),
        ("Ompul", "Kyzyl-Ompul"),
        ("Almalyk mine", "Almalyk (Kalmakyr)"),
    ],
)
def test_search_key_is_substring_of_a_site_key(query, name):
    assert any(search_key(query) in key for key in name_keys(name))


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Katpar", "Upper Kairakty"),
        ("Kutessai 1", "Kutessai-II"),
        ("Южный", "Northern Katpar"),
    ],
)
def test_search_key_does_not_match_other_sites(query, name):
    assert not any(search_key(query) in key for key in name_keys(name))


@pytest.mark.parametrize(
    ("query", "expected"), [("Кутессай", "kutesai"), ("Kalmakyrsk", "kalmakir"), ("", "")]
)
def test_search_key_value(query, expected):
    assert search_key(query) == expected
