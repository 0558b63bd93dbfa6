"""The offline base map's data endpoint: ``/api/basemap?lang=`` (towns, lakes, rivers, country labels)."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, current_app, request

from webapp.basemap import LABEL_LANGUAGES, basemap_document
from webapp.params import parse_choice
from webapp.state import get_state

bp = Blueprint("basemap", __name__, url_prefix="/api")

#: Seconds a browser may reuse the base map without asking again (it changes only with a new build).
BASEMAP_MAX_AGE_S = 3600
#: Manifest sources of the base-map layers, whose attributions the answer carries.
BASEMAP_SOURCES = ("populated_places_ne10m", "lakes_ne10m", "rivers_ne10m", "countries_ne10m")


@bp.get("/basemap")
def basemap():
    """Towns (with their Natural Earth ``min_zoom``), lakes, rivers and country labels, labelled in ``lang``.

    Built once per language and app, then served from memory with an ``ETag`` and ``Cache-Control``; the app's
    response policy gzips it for clients that accept it.
    """
    lang = parse_choice(request.args.get("lang"), "lang", LABEL_LANGUAGES, "en")
    cache = current_app.extensions.setdefault("atlas_basemap", {})
    if lang not in cache:
        state = get_state()
        store = state.store
        document = basemap_document(store.places, store.lakes, store.rivers, store.countries, lang,
                                    _attribution(store.sources))
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        cache[lang] = (body, hashlib.blake2b(body, digest_size=12).hexdigest())
    body, etag = cache[lang]
    response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = BASEMAP_MAX_AGE_S
    return response.make_conditional(request)


def _attribution(sources) -> str:
    used = sources[sources["id"].isin(BASEMAP_SOURCES) & (sources["status"] == "used")]
    return "; ".join(dict.fromkeys(used["attribution"])) or "Made with Natural Earth"
