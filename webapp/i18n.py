"""Russian and English: Flask-Babel set up on the app, the language chosen by ``?lang=`` or ``Accept-Language``.

The choice is remembered in the URL: every page link built with ``url_for`` carries the ``lang`` of the request
that asked for one explicitly, and the switch in the header links to the same page in the other language.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import Flask, request
from flask_babel import Babel, get_locale

#: Languages of the UI, the first is the default.
LANGUAGES = ("en", "ru")
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}
TRANSLATIONS_DIR = Path(__file__).parent / "translations"

#: Endpoints (by blueprint) whose links carry ``lang``; the API and OGC endpoints take no ``lang``.
PAGE_BLUEPRINTS = ("pages", "lists", "changes", "charts")


def select_locale() -> str:
    """Return ``?lang=`` if it names a UI language, else the best match of ``Accept-Language``, else English."""
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES, default=LANGUAGES[0])


def asked_language() -> str:
    """The ``lang`` the request asked for explicitly (kept by forms and links), else empty."""
    asked = request.args.get("lang", "")
    return asked if asked in LANGUAGES else ""


def current_language() -> str:
    """The language of the current request (``en`` or ``ru``)."""
    return str(get_locale() or LANGUAGES[0])


def init_i18n(app: Flask) -> None:
    """Install Flask-Babel on ``app``: gettext in templates, the locale selector, and ``lang`` in page links.

    A pass-through ``_`` that another module registers with ``jinja_env.globals.setdefault`` is replaced by
    the real gettext whichever runs first: the i18n extension installs its own ``_``.
    """
    if "babel" in app.extensions:
        return
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LANGUAGES[0])
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(current_language=current_language, asked_language=asked_language,
                                 LANGUAGE_NAMES=LANGUAGE_NAMES,
                                 language_switch=language_switch)
    app.url_defaults(_carry_lang)


def language_switch() -> list[tuple[str, str, bool]]:
    """Return (language, link to this page in it, is current) for the header switch."""
    args = request.args.to_dict(flat=False)
    here = current_language()
    out = []
    for lang in LANGUAGES:
        query = {**args, "lang": [lang]}
        pairs = "&".join(f"{_quote(k)}={_quote(v)}" for k, values in query.items() for v in values)
        out.append((lang, f"{request.path}?{pairs}", lang == here))
    return out


def _quote(text: str) -> str:
    return quote(text, safe="")


def _carry_lang(endpoint: str, values: dict) -> None:
    # Only page links, and only when this request named its language: Accept-Language needs no help.
    if not request or "lang" in values or endpoint.split(".")[0] not in PAGE_BLUEPRINTS:
        return
    if asked_language():
        values["lang"] = asked_language()
