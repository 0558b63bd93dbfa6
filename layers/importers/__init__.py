"""Importers: BODS 0.4 JSON, GEM ownership tracker sheets and EITI licence lists → the atlas's table shapes."""

from __future__ import annotations

#: Columns of the companies, ownership and licences files an importer writes (the curated tables' columns plus
#: the optional ``source_date`` and ``source_quote``, and ``stage`` for licences).
COMPANY_COLUMNS = ("company_id", "name", "name_ru", "kind", "home_country", "listed_on", "notes", "source",
                   "confidence", "source_date", "source_quote")
OWNERSHIP_COLUMNS = ("owner_id", "owned_id", "share_pct", "valid_from", "valid_to", "relation", "source",
                     "confidence", "notes", "source_date", "source_quote")
LICENCE_COLUMNS = ("licence_id", "deposit_name", "deposit_country", "holder_company_id", "holder_text",
                   "licence_kind", "commodities", "granted", "valid_to", "status", "source", "confidence",
                   "deposit_name_ru", "notes", "source_date", "source_quote", "stage")
