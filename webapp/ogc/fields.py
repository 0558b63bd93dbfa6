"""The declared fields of every collection and download layer, built from the layer contracts of ``layers.schema``
and ``geo.analysis_schema`` plus the properties the web app adds (partners, corridor access, page URL)."""

from __future__ import annotations

from geo.analysis_schema import CORRIDOR_LINES, CORRIDOR_SEGMENTS
from geo.coverage import OWNERSHIP_COVERAGE
from geo.partners import PARTNER_GROUPS, SHARE_PROPERTY
from layers.schema import (
    CORRIDOR_STATUSES,
    COUNTRIES,
    FACILITIES,
    GATEWAYS,
    LICENCES,
    RAILWAYS,
    SITES,
    SOURCE_RECORDS,
    LayerSchema,
)
from webapp.ogc.schema import Field

#: Layer-contract kinds -> field types.
_KIND_TYPES = {"str": "string", "float": "number", "int": "integer", "bool": "boolean", "list": "string-list",
               "json": "json"}
#: Columns that can never be missing (ids, counts); every other field may be null.
_REQUIRED = frozenset({"site_id", "record_id", "licence_id", "corridor_id", "node_id", "rail_id", "facility_id",
                       "country_id", "segment_id", "n_sources", "source", "seq"})


def _unit(name: str) -> str | None:
    if name.endswith("_km"):
        return "km"
    if name.startswith("share_"):
        return "%"
    return None


def from_contract(contract: LayerSchema, names: tuple[str, ...], **overrides: Field) -> tuple[Field, ...]:
    """Fields for ``names`` of a layer contract (type, description), with ``overrides`` replacing some."""
    columns = {c.name: c for c in contract.columns}
    fields = []
    for name in names:
        if name in overrides:
            fields.append(overrides[name])
            continue
        column = columns[name]
        fields.append(Field(name, _KIND_TYPES[column.kind], column.doc, nullable=name not in _REQUIRED,
                            unit=_unit(name)))
    return tuple(fields)


#: Site columns written as properties by ``/api/sites`` and ``/ogc`` (``webapp.geojson.SITE_PROPERTIES`` order).
SITE_FIELDS = from_contract(SITES, (
    "site_id", "name", "country", "commodities", "commodity_groups", "primary_group", "deposit_types",
    "status", "source_record_ids", "n_sources", "location_precision_km", "location_record_id", "names",
    "link_reason"))

URL_FIELD = Field("url", "string", "the site's page in the atlas", nullable=False)

_PARTNER = tuple(g for g in PARTNER_GROUPS)
#: Partner properties of a site on the as-of date.
PARTNER_FIELDS = (
    Field("controlling_partner", "string", "partner group controlling the deposit on the as-of date; null if "
          "no counted licence is in force", enum=_PARTNER),
    Field("dominant_partner", "string", "partner group with the largest known economic interest on the as-of "
          "date; null if none is known", enum=_PARTNER),
    *(Field(prop, "number", f"economic interest of the {group} partner group on the as-of date, percent; null "
            "when no counted licence is in force", unit="%") for group, prop in SHARE_PROPERTY.items()),
)

COVERAGE_FIELD = Field(
    "ownership_coverage", "string", "`holder unknown`: no sourced licence in force on the as-of date; "
    "`share unknown`: a holder, no named partner's share known; `share known`: a partner's share is known",
    nullable=False, enum=OWNERSHIP_COVERAGE)

#: Corridor access properties of a site (``webapp.state.ACCESS_PROPERTIES``); null when the site is unmapped.
ACCESS_FIELDS = (
    Field("nearest_corridor", "string", "id of the nearest existing corridor"),
    Field("nearest_corridor_name", "string", "its name"),
    Field("corridor_distance_km", "number", "geodesic distance to it", unit="km"),
    Field("nearest_corridor_any", "string", "id of the nearest corridor of any status"),
    Field("nearest_corridor_any_name", "string", "its name"),
    Field("corridor_distance_any_km", "number", "geodesic distance to it", unit="km"),
    Field("nearest_gateway", "string", "node_id of the nearest gateway (straight line)"),
    Field("nearest_gateway_name", "string", "its name"),
    Field("gateway_distance_km", "number", "geodesic distance to it", unit="km"),
    Field("access_km", "number", "geodesic distance from the site to its railhead", unit="km"),
    Field("access_cost", "number", "slope-weighted cost from the site to the rail network (see README)"),
)

#: ``sites`` in ``/ogc`` (no page url: the feature links its page) and in ``/api/sites`` and its downloads.
OGC_SITE_FIELDS = (*SITE_FIELDS, *PARTNER_FIELDS, *ACCESS_FIELDS)
HOLDERS_FIELD = Field("holders", "string-list", "holders of the site's licences: company names, else the licence's "
                      "holder text; null when no licence is joined")
API_SITE_FIELDS = (*SITE_FIELDS, URL_FIELD, *PARTNER_FIELDS, COVERAGE_FIELD, HOLDERS_FIELD, *ACCESS_FIELDS)

RECORD_FIELDS = from_contract(SOURCE_RECORDS, (
    "record_id", "source", "dataset", "name", "aliases", "country", "commodities", "commodity_groups",
    "deposit_types", "status", "grade_tonnage", "references", "upstream_url", "location_precision_km",
    "location_status", "location_raw", "country_check", "same_as"))
#: The source records of a sites download, each with its site.
SITE_RECORD_FIELDS = (Field("site_id", "string", "the site the record belongs to", nullable=False),
                      *RECORD_FIELDS)

LICENCE_FIELDS = from_contract(LICENCES, (
    "licence_id", "source", "deposit_name", "deposit_name_ru", "deposit_country", "holder_company_id",
    "holder_text", "licence_kind", "commodities", "granted", "valid_to", "status", "stage", "record_ids",
    "references", "source_date", "source_quote", "confidence", "notes"))
LICENCE_DOWNLOAD_FIELDS = (*LICENCE_FIELDS, Field("site_ids", "string-list", "the sites the licence covers"))

CORRIDOR_FIELDS = from_contract(CORRIDOR_LINES, (
    "corridor_id", "name", "status", "length_km", "track_share", "schematic_share"),
    status=Field("status", "string", "existing, under_construction or planned", enum=CORRIDOR_STATUSES))

SEGMENT_FIELDS = from_contract(CORRIDOR_SEGMENTS, (
    "corridor_id", "seq", "from_name", "to_name", "mode", "on_track", "reason", "detail", "length_km",
    "straight_km"))
_SEGMENT = {f.name: f for f in SEGMENT_FIELDS}
#: Corridor legs with their corridor's name and status, in the order of the ``corridor_segments`` collection.
OGC_SEGMENT_FIELDS = (
    Field("segment_id", "string", "`<corridor_id>:<seq>`", nullable=False), _SEGMENT["corridor_id"],
    Field("corridor_name", "string", "the corridor's English name"),
    Field("status", "string", "the corridor's status", enum=CORRIDOR_STATUSES),
    *(_SEGMENT[n] for n in ("seq", "from_name", "to_name", "mode", "on_track", "reason", "detail", "length_km",
                            "straight_km")))
#: The legs as ``/api/corridors/segments`` downloads them.
SEGMENT_DOWNLOAD_FIELDS = tuple(f for f in OGC_SEGMENT_FIELDS if f.name != "segment_id")

BUFFER_FIELDS = (Field("distance_km", "integer", "the band's outer distance from an existing corridor",
                       nullable=False, unit="km"),)

GATEWAY_FIELDS = from_contract(GATEWAYS, (
    "node_id", "name", "name_ru", "kind", "country", "location_precision", "notes", "source"))

RAILWAY_FIELDS = from_contract(RAILWAYS, ("rail_id", "source", "kind", "name"))

COUNTRY_FIELDS = (Field("country_id", "string", "the English name as a slug", nullable=False),
                  *from_contract(COUNTRIES, ("iso_a2", "name", "name_ru")))
COUNTRY_DOWNLOAD_FIELDS = (
    *from_contract(COUNTRIES, ("iso_a2", "name", "name_ru")),
    Field("licensed_sites", "integer", "sites with a licence counted on the as-of date", nullable=False),
    Field("partner_shares", "json", "partner group -> percent of the licensed deposits (known part)"),
)

FACILITY_FIELDS = from_contract(FACILITIES, (
    "facility_id", "name", "name_ru", "country", "kind", "operator_company_id", "city", "location_precision",
    "precision_km", "source", "confidence", "notes"))

#: The declared fields of every download layer (``webapp.exports.LAYER_SOURCES`` names), by layer name.
LAYER_FIELDS: dict[str, tuple[Field, ...]] = {
    "sites": API_SITE_FIELDS,
    "source_records": SITE_RECORD_FIELDS,
    "countries": COUNTRY_DOWNLOAD_FIELDS,
    "corridors": CORRIDOR_FIELDS,
    "corridor_segments": SEGMENT_DOWNLOAD_FIELDS,
    "corridor_buffers": BUFFER_FIELDS,
    "gateways": GATEWAY_FIELDS,
    "licences": LICENCE_DOWNLOAD_FIELDS,
    "facilities": FACILITY_FIELDS,
}
