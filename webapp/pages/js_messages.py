"""The texts atlas.js writes into the map page, translated on the server for the page's language.

The map page carries them as a ``<script type="application/json" id="atlas-messages">`` block (data, not
script: the CSP stays ``script-src 'self'``). atlas.js lays them over its English defaults and fills the
``{name}`` placeholders. A text that counts something is sent as its plural forms, one per CLDR category of
the language (``one``, ``few``, ``many``, ``other`` for Russian), made here with the catalogue's ``ngettext``;
``plural`` names the placeholder that selects the form, which the browser picks with ``Intl.PluralRules``.
"""

from __future__ import annotations

from collections.abc import Callable

from babel import Locale
from flask_babel import get_locale, get_translations

#: Integers tried to find a sample count for each plural category of a language.
_SAMPLES = range(0, 200)


def plural_samples(language: str) -> dict[str, int]:
    """Return a sample count for each plural category that integers reach in ``language`` (Babel's CLDR rules).

    ``other`` is always present: where no integer falls in it (Russian keeps it for fractions) it takes the
    count 2, whose form Russian also uses for fractions ("1,5 объекта").
    """
    rule = Locale.parse(language).plural_form
    samples: dict[str, int] = {}
    for n in _SAMPLES:
        samples.setdefault(rule(n), n)
    samples.setdefault("other", 2)
    return samples


def _forms(count: str, make: Callable[[int], str], samples: dict[str, int]) -> dict[str, str]:
    return {"plural": count, **{category: make(n) for category, n in samples.items()}}


def js_messages() -> dict:
    """Return every text of atlas.js's MESSAGES in the request's language (plural texts as their forms)."""
    translations = get_translations()
    # The catalogue's own lookups (no %-formatting: atlas.js fills the {placeholders}); named so that
    # `make translations` extracts the calls below.
    gettext, ngettext = translations.gettext, translations.ngettext
    samples = plural_samples(str(get_locale() or "en"))

    def plural(count: str, make: Callable[[int], str]) -> dict[str, str]:
        return _forms(count, make, samples)

    return {
        "country": gettext("Country"), "commodities": gettext("Commodities"), "sources": gettext("Sources"),
        "record": gettext(" record"), "records": gettext(" records"),
        "nRecords": plural("n", lambda n: ngettext("{n} record", "{n} records", n)),
        "controlledBy": gettext("Controlled by"), "nearestCorridor": gettext("Nearest corridor"),
        "withPlanned": gettext("With planned lines"), "nearestGateway": gettext("Nearest gateway"),
        "precision": gettext("Precision"), "sitePage": gettext("Site page and sources →"),
        "loading": gettext("Loading sites…"),
        # the map's attribution line (HTML: the catalogue's own text, never data)
        "attribution": gettext("Deposits: USGS, MinMod (MIT), GSC, national sources | Outlines, towns, lakes "
                               "and rail: Natural Earth | Rail: &copy; OpenStreetMap contributors (ODbL)"),
        "mapped": plural("n", lambda n: ngettext("{n} mapped site ({m} match)", "{n} mapped sites ({m} match)", n)),
        "matched": plural("n", lambda n: ngettext("({n} site)", "({n} sites)", n)),
        "sitesFailed": gettext("Sites failed to load: "), "outlinesFailed": gettext("Outlines failed: "),
        "facetsFailed": gettext("Counts failed: "), "searchFailed": gettext("Search failed: "),
        "noMatch": gettext("Nothing matches."), "notMapped": gettext("not mapped"), "near": gettext("near match"),
        "commodityMeta": plural("n", lambda n: ngettext("commodity · {n} site · show it",
                                                        "commodity · {n} sites · show them", n)),
        "ofLicensed": plural("n", lambda n: ngettext("of {n} licensed deposit", "of {n} licensed deposits", n)),
        "legendPartner": gettext("Controlling partner"), "legendGroup": gettext("Commodity group"),
        "corridorLegend": gettext("Corridor status (dashed: schematic; dotted: sea)"),
        "corridors": gettext("Export corridors"), "gateways": gettext("Gateways"),
        "bands": gettext("Distance bands (50/100/250 km)"),
        "corridorsFailed": gettext("Corridors failed: "), "gatewaysFailed": gettext("Gateways failed: "),
        "buffersFailed": gettext("Buffers failed: "),
        "coverage": plural("s", lambda n: ngettext("{h} of {s} site has a sourced holder ({k} a known share) on {d}",
                                                   "{h} of {s} sites have a sourced holder ({k} a known share) on {d}",
                                                   n)),
        "coverageFailed": gettext("Coverage failed to load: "), "baseMap": "OpenStreetMap",
        "outlines": gettext("Country outlines"), "sites": gettext("Deposit sites"),
        "choropleth": gettext("Partner share by country"), "previous": gettext("‹ Previous"),
        "next": gettext("Next ›"),
        "page": plural("rows", lambda n: ngettext("page {p} of {n} · {rows} site", "page {p} of {n} · {rows} sites",
                                                  n)),
        "kinds": {"sites": gettext("Deposits"), "commodities": gettext("Commodities"),
                  "companies": gettext("Companies (holders and owners)"), "countries": gettext("Countries")},
        "columns": {"name": gettext("Name"), "country": gettext("Country"), "commodities": gettext("Commodities"),
                    "status": gettext("Status"), "holders": gettext("Holders"),
                    "controlling_partner": gettext("Controlling partner"), "shares": gettext("Shares"),
                    "corridor": gettext("Nearest corridor (± precision)"), "n_sources": gettext("Sources")},
    }
