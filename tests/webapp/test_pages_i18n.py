"""Russian and English: the switch, Accept-Language, ?lang= kept in links, and no untranslated UI string."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask

from webapp.i18n import TRANSLATIONS_DIR, init_i18n

PO = TRANSLATIONS_DIR / "ru" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS_DIR / "ru" / "LC_MESSAGES" / "messages.mo"
NAV_RU = ["Карта", "Объекты", "Страны", "Компании", "Партнёры", "Диаграммы", "Изменения", "Источники"]
#: Pages checked for untranslated strings in Russian.
PAGES = ["/sites", "/sites/national:kg-kutessai-2", "/sites/national:kz-northern-katpar?as_of=2025-12-01",
         "/countries", "/countries/KG", "/companies", "/companies/cove-capital", "/partners", "/charts",
         "/changes", "/sources"]


class _Text(HTMLParser):
    """Visible text nodes and the attributes a user reads (alt, aria-label, title).

    Text inside an element whose ``lang`` differs from the page's (``<html lang>``) is data in its own language
    (a source's own title), not UI text.
    """

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self._skip = 0
        self._page_lang: str | None = None
        self._foreign: list[str] = []  # the open elements in another language than the page

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")
        lang = dict(attrs).get("lang")
        if tag == "html":
            self._page_lang = lang
        elif lang and lang != self._page_lang:
            self._foreign.append(tag)
        if not self._foreign:
            self.nodes += [v.strip() for k, v in attrs if k in ("alt", "aria-label", "title") and v]

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")
        if self._foreign and self._foreign[-1] == tag:
            self._foreign.pop()

    def handle_data(self, data):
        if not self._skip and not self._foreign and data.strip():
            self.nodes.append(" ".join(data.split()))


def _catalogue():
    with PO.open("rb") as handle:
        return read_po(handle, locale="ru")


def _untranslated_on(html: str, msgids: set[str]) -> list[str]:
    parser = _Text()
    parser.feed(html)
    found = []
    for node in parser.nodes:
        pieces = {node, node.split(":")[0], *(p.strip(" :·;.,()") for p in node.split("·"))}
        found += sorted(pieces & msgids)
    return found


def test_every_message_has_a_russian_translation():
    missing = [m.id for m in _catalogue() if m.id and not (all(m.string) if isinstance(m.id, tuple) else m.string)]
    assert missing == []


def test_the_compiled_catalogue_matches_the_po_file():
    with MO.open("rb") as handle:
        compiled = {_plain(m.id): _plain(m.string) for m in read_mo(handle) if m.id}
    assert compiled == {_plain(m.id): _plain(m.string) for m in _catalogue() if m.id}, \
        "run: pybabel compile -d webapp/translations"


def _plain(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def test_accept_language_chooses_russian(client):
    html = client.get("/sites", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="ru">' in html and all(f">{label}</a>" in html for label in NAV_RU)


def test_lang_parameter_beats_accept_language_and_stays_in_links(client):
    html = client.get("/countries?lang=ru", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert all(f">{label}</a>" in html for label in NAV_RU)
    assert '<a href="/countries/KG?lang=ru">Кыргызстан</a>' in html and '<a href="/sites?lang=ru">' in html
    assert 'href="/api/docs"' in html  # the API takes no lang


def test_the_switch_links_to_the_same_page_in_the_other_language(client):
    html = client.get("/sites?country=KG").get_data(as_text=True)
    assert '<a href="/sites?country=KG&lang=ru" hreflang="ru" lang="ru">Русский</a>' in html.replace("&amp;", "&")


@pytest.mark.parametrize("path", PAGES)
def test_russian_pages_show_no_english_ui_string(client, path):
    msgids = {m.id for m in _catalogue() if isinstance(m.id, str) and m.id and "%(" not in m.id and m.id != m.string}
    separator = "&" if "?" in path else "?"
    response = client.get(f"{path}{separator}lang=ru")
    assert response.status_code == 200
    assert _untranslated_on(response.get_data(as_text=True), msgids) == []


def test_the_untranslated_check_sees_an_english_page(client):
    msgids = {m.id for m in _catalogue() if isinstance(m.id, str) and m.id and "%(" not in m.id}
    assert {"Sites", "Countries", "Map"} <= set(_untranslated_on(client.get("/sites").get_data(as_text=True), msgids))


def test_deposit_names_show_the_own_script_with_the_latin_form_beside(client):
    ru = client.get("/sites/national:kg-kutessai-2?lang=ru").get_data(as_text=True)
    en = client.get("/sites/national:kg-kutessai-2?lang=en").get_data(as_text=True)
    assert '> Кутессай-II <span class="muted" lang="en">Kutessai-II</span></h1>' in ru
    assert '> Kutessai-II <span class="muted" lang="ru">Кутессай-II</span></h1>' in en


@pytest.mark.parametrize("fallback_first", [True, False])
def test_a_pass_through_underscore_fallback_does_not_hide_translations(fallback_first):
    app = Flask(__name__)
    if fallback_first:
        app.jinja_env.globals.setdefault("_", lambda text, **kwargs: text)
    init_i18n(app)
    if not fallback_first:
        app.jinja_env.globals.setdefault("_", lambda text, **kwargs: text)
    with app.test_request_context("/?lang=ru"):
        assert app.jinja_env.from_string("{{ _('Map') }} {{ _('Partners') }}").render() == "Карта Партнёры"


def test_catalogue_files_are_text_and_binary_pairs():
    assert io.BytesIO(MO.read_bytes()).read(4) in (b"\xde\x12\x04\x95", b"\x95\x04\x12\xde")
