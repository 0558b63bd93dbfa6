"""The map page in Russian, driven in headless Debian Chromium: no English text that the page's script writes.

The server-side check (test_pages_i18n) reads the HTML the server sends; this one reads the page after atlas.js
has written its counts, table, pager, search groups, legends and coverage line, and lists every text node (and
aria-label / title) that is an English catalogue string, or an English atlas.js text with its {placeholders}
filled, which the Russian page should have translated.
"""

# ruff: noqa: F811 - the fixtures imported from test_browser are requested by name as test arguments
from __future__ import annotations

import json
import re

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, Page, expect

from tests.webapp.test_browser import browser, tileless_server  # noqa: F401 - fixtures used by name
from tests.webapp.test_workspace_browser import _open
from webapp.i18n import TRANSLATIONS_DIR
from webapp.pages.js_messages import js_messages

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PO = TRANSLATIONS_DIR / "ru" / "LC_MESSAGES" / "messages.po"

#: Every visible text node and the attributes a user reads, after the page's script ran.
TEXTS_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style, [hidden]")) continue;
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    if (text) out.push(text);
  }
  document.querySelectorAll("[aria-label], [title], [placeholder]").forEach((e) => {
    ["aria-label", "title", "placeholder"].forEach((a) => {
      if (e.getAttribute(a)) out.push(e.getAttribute(a).trim());
    });
  });
  return out;
}"""


def _english_patterns() -> tuple[set[str], list[re.Pattern]]:
    """English strings the Russian page must not show: catalogue ids translated otherwise, and JS texts."""
    with PO.open("rb") as handle:
        catalogue = read_po(handle, locale="ru")
    plain = {m.id for m in catalogue if isinstance(m.id, str) and m.id.strip() and m.string != m.id
             and "%(" not in m.id and "{" not in m.id}
    with create_app_for_messages().test_request_context("/?lang=en"):
        english = js_messages()
    texts = []
    for value in english.values():
        if isinstance(value, dict):
            texts += [v for k, v in value.items() if k != "plural"]
        else:
            texts.append(value)
    patterns = [re.compile(re.sub(r"\\\{\w+\\\}", ".+?", re.escape(t.strip())) + r"$") for t in texts
                if "{" in t]
    plain |= {t.strip() for t in texts if "{" not in t and t.strip() and t.strip() != "OpenStreetMap"}
    return plain, patterns


def create_app_for_messages():
    """An app with Flask-Babel only (no store): js_messages needs a request's locale, nothing else."""
    from flask import Flask

    from webapp.i18n import init_i18n

    app = Flask(__name__)
    init_i18n(app)
    return app


def _untranslated(texts: list[str], plain: set[str], patterns: list[re.Pattern]) -> list[str]:
    found = []
    for text in texts:
        pieces = {text, text.split(":")[0].strip(), *(p.strip(" :·;.,()") for p in text.split("·"))}
        if pieces & plain or any(p.match(text) for p in patterns):
            found.append(text)
    return sorted(set(found))


def _drive(page: Page) -> list[str]:
    """Open the table, page it, search, open the layer control and a popup: every text atlas.js writes."""
    page.locator("#atlas-table-box > summary").click()
    expect(page.locator("#atlas-table")).to_have_attribute("data-rows", re.compile(r"^\d+$"))
    page.locator("#atlas-pager button").nth(1).click()
    page.locator("#atlas-search-input").fill("вольфрам")
    expect(page.locator(".atlas-search-kind").first).to_be_visible()
    texts = page.evaluate(TEXTS_JS)
    page.locator("#atlas-search-input").fill("Kutesai")
    page.locator(".atlas-search-results [role=option]").filter(has_text="Kutessai-II").first.click()
    expect(page.locator(".atlas-popup")).to_be_visible()
    page.locator(".leaflet-control-layers").hover()
    return texts + page.evaluate(TEXTS_JS)


def test_russian_map_page_shows_no_english_text_written_by_its_script(browser: Browser,
                                                                       tileless_server: str) -> None:
    plain, patterns = _english_patterns()
    with _open(browser, f"{tileless_server}/?lang=ru") as page:
        texts = _drive(page)
        assert _untranslated(texts, plain, patterns) == []
        # the counted texts took their Russian plural forms
        assert re.search(r"\d+ объект(а|ов)? на карте \(подходят: \d+\)", page.locator(".atlas-status").inner_text())
        assert re.fullmatch(r"\(\d+ объект(а|ов)?\)", page.locator("#atlas-matched").inner_text())


def test_the_check_sees_the_english_page(browser: Browser, tileless_server: str) -> None:
    plain, patterns = _english_patterns()
    with _open(browser, f"{tileless_server}/?lang=en") as page:
        found = _untranslated(_drive(page), plain, patterns)
    assert {"Commodities", "Country", "Holders", "Next ›"} <= set(found)
    assert any(re.fullmatch(r"page 2 of \d+ · \d+ sites", t) for t in found)
    assert any(re.fullmatch(r"\d+ mapped sites \(\d+ match\)", t) for t in found)


def test_js_messages_give_russian_plural_forms_by_cldr_category() -> None:
    with create_app_for_messages().test_request_context("/?lang=ru"):
        forms = js_messages()["matched"]
    assert forms == {"plural": "n", "one": "({n} объект)", "few": "({n} объекта)", "many": "({n} объектов)",
                     "other": "({n} объекта)"}


def test_js_messages_cover_every_key_of_atlas_js() -> None:
    source = (TRANSLATIONS_DIR.parent / "static" / "atlas.js").read_text(encoding="utf-8")
    block = source.split("var MESSAGES = {", 1)[1].split("\n  };", 1)[0]
    nested = re.findall(r"(\w+): \{([^}]*)\}", block)
    flat = re.sub(r"(\w+): \{[^}]*\}", "", block)
    key = re.compile(r"(?:^|[{,])\s*(\w+):\s*\"")  # a key starts an entry, not a text ("failed to load: ")
    keys = set(key.findall(flat)) | {name for name, _ in nested}
    with create_app_for_messages().test_request_context("/?lang=ru"):
        given = js_messages()
    assert keys == set(given)
    for name, body in nested:
        assert set(key.findall(body)) == set(given[name]), name


def test_the_map_page_carries_the_messages_as_a_data_block(client) -> None:
    html = client.get("/?lang=ru").get_data(as_text=True)
    block = html.split('<script type="application/json" id="atlas-messages">', 1)[1].split("</script>", 1)[0]
    messages = json.loads(block)
    assert (messages["bands"], messages["columns"]["holders"], messages["page"]["many"]) == (
        "Зоны удалённости (50/100/250 км)", "Держатели", "страница {p} из {n} · {rows} объектов")

