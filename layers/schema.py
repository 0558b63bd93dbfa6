"""Layer contracts: the declared columns, dtypes, CRS and geometry type of every layer.

A contract is checked by :func:`validate`; every loader calls it before returning, so a
GeoDataFrame that leaves ``layers/`` always has exactly the declared columns, in order, with
the declared kinds of values, in :data:`STORE_CRS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from layers.errors import SchemaError

#: The CRS every layer is stored and served in (RFC 7946 longitude/latitude order).
STORE_CRS = "EPSG:4326"

#: Column kinds. ``list`` columns hold Python lists of strings in memory and JSON text in the store;
#: ``json`` columns hold any JSON-serialisable value (dicts, lists of dicts).
KINDS = ("str", "float", "int", "bool", "list", "json")


@dataclass(frozen=True)
class Column:
    """One declared column of a layer."""

    name: str
    kind: str
    doc: str
    nullable: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: kind {self.kind!r} is not one of {KINDS}")


@dataclass(frozen=True)
class LayerSchema:
    """The contract of one layer: its columns and geometry."""

    name: str
    columns: tuple[Column, ...]
    geometry_type: str | None  # "Point", "LineString", ...; None for a table without geometry
    geometry_nullable: bool = False
    doc: str = ""
    list_columns: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "list_columns", tuple(c.name for c in self.columns if c.kind in ("list", "json"))
        )

    @property
    def column_names(self) -> list[str]:
        """Names of the declared attribute columns, in order."""
        return [c.name for c in self.columns]

    def empty(self) -> gpd.GeoDataFrame | pd.DataFrame:
        """Return an empty frame with this schema's columns (and geometry and CRS if spatial)."""
        frame = pd.DataFrame({c.name: pd.Series([], dtype=_DTYPES[c.kind]) for c in self.columns})
        if self.geometry_type is None:
            return frame
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=STORE_CRS), crs=STORE_CRS)


_DTYPES = {"str": object, "float": "float64", "int": "int64", "bool": bool, "list": object, "json": object}

SOURCE_RECORDS = LayerSchema(
    name="source_records",
    geometry_type="Point",
    geometry_nullable=True,
    doc="One row per record of a source, normalised; no record is merged or dropped here.",
    columns=(
        Column("record_id", "str", "`<dataset>:<record id>`, unique across all sources"),
        Column("source", "str", "id of the source in the manifest (data/sources.toml)"),
        Column("dataset", "str", "dataset inside the source, e.g. `mrdata-ree`"),
        Column("name", "str", "deposit name as the source writes it"),
        Column("aliases", "list", "other names given by the source"),
        Column("country", "str", "ISO 3166-1 alpha-2 code"),
        Column("commodities", "list", "element symbols (`Cu`, `La`) or lower-case names (`graphite`)"),
        Column("commodity_groups", "list", "groups of the commodities: REE, rare metals, base metals, ..."),
        Column("deposit_types", "list", "deposit types as the source names them"),
        Column("status", "str", "development status as the source gives it; empty if not given"),
        Column("grade_tonnage", "json", "list of {commodity, ore_tonnes, grade, grade_unit, category, ...}"),
        Column("references", "list", "URIs or citations of the documents behind the record"),
        Column("upstream_url", "str", "where a person can read the record upstream; empty if none"),
        Column("location_precision_km", "float", "radius within which the deposit lies; NaN if unmapped",
               nullable=True),
        Column("location_status", "str", "`exact`, `coarse`, `approximate` or `missing`"),
        Column("location_raw", "str", "the location exactly as the source gives it"),
        Column("country_check", "str", "empty, or a note that the point lies outside its country"),
        Column("same_as", "list", "record ids the source itself says describe the same deposit"),
    ),
)

QUARANTINE = LayerSchema(
    name="quarantine",
    geometry_type=None,
    doc="Rows refused by a loader or by the build, with the reason; never shown as sites.",
    columns=(
        Column("source", "str", "id of the source in the manifest"),
        Column("record_id", "str", "record id if the row has one, else `<file>:<row>`"),
        Column("name", "str", "name as given (may be empty)"),
        Column("country", "str", "country as given (may be empty)"),
        Column("location_raw", "str", "location as given"),
        Column("reason", "str", "why the row was refused"),
    ),
)

SITES = LayerSchema(
    name="sites",
    geometry_type="Point",
    geometry_nullable=True,
    doc="One row per physical deposit: source records of the same deposit merged.",
    columns=(
        Column("site_id", "str", "the record_id of the site's primary record"),
        Column("name", "str", "preferred name (from the primary record)"),
        Column("names", "list", "every name and alias of every member record"),
        Column("country", "str", "ISO 3166-1 alpha-2 code"),
        Column("commodities", "list", "union of the members' commodities"),
        Column("commodity_groups", "list", "union of the members' commodity groups"),
        Column("primary_group", "str", "the group the map colours the site by"),
        Column("deposit_types", "list", "union of the members' deposit types"),
        Column("status", "str", "development status from the best source that gives one"),
        Column("source_record_ids", "list", "record ids of every member record"),
        Column("n_sources", "int", "number of member records"),
        Column("location_precision_km", "float", "precision of the chosen location; NaN if unmapped",
               nullable=True),
        Column("location_record_id", "str", "record the location comes from; empty if unmapped"),
        Column("provenance", "json", "per field: list of {value, record_id}"),
        Column("search_keys", "list", "normalised name keys the name search matches against"),
        Column("link_reason", "str", "how the members were linked (explicit, name+distance, name only)"),
    ),
)

LINK_CANDIDATES = LayerSchema(
    name="link_candidates",
    geometry_type=None,
    doc="The linkage review queue: pairs of records neither surely one deposit nor surely two, side by side.",
    columns=(
        Column("record_a", "str", "record_id of one record"),
        Column("record_b", "str", "record_id of the other"),
        Column("score", "float", "match weight, log2 odds (Fellegi-Sunter); merges from MERGE_MIN"),
        Column("probability", "float", "the match probability the score stands for"),
        Column("name_level", "str", "exact, translit, number_partial, fuzzy_high, fuzzy_low, conflict, different"),
        Column("distance_km", "float", "geodesic distance between the points; NaN if a side has none",
               nullable=True),
        Column("weights", "json", "the score's parts: comparison -> weight"),
        Column("queue_reason", "str", "why the pair is queued"),
        Column("dataset_a", "str", "dataset of record_a"),
        Column("name_a", "str", "name of record_a"),
        Column("country_a", "str", "country of record_a"),
        Column("commodities_a", "list", "commodities of record_a"),
        Column("lon_a", "float", "longitude of record_a; NaN if unmapped", nullable=True),
        Column("lat_a", "float", "latitude of record_a; NaN if unmapped", nullable=True),
        Column("upstream_url_a", "str", "where record_a can be read upstream"),
        Column("dataset_b", "str", "dataset of record_b"),
        Column("name_b", "str", "name of record_b"),
        Column("country_b", "str", "country of record_b"),
        Column("commodities_b", "list", "commodities of record_b"),
        Column("lon_b", "float", "longitude of record_b; NaN if unmapped", nullable=True),
        Column("lat_b", "float", "latitude of record_b; NaN if unmapped", nullable=True),
        Column("upstream_url_b", "str", "where record_b can be read upstream"),
        Column("links_line", "str", "a data/curated/links.csv line deciding the pair, ready to copy"),
    ),
)

COUNTRIES = LayerSchema(
    name="countries",
    geometry_type="MultiPolygon",
    doc="Admin-0 country outlines, for the offline base map and the country check.",
    columns=(
        Column("iso_a2", "str", "ISO 3166-1 alpha-2 code; empty where Natural Earth has none"),
        Column("name", "str", "English short name"),
        Column("name_ru", "str", "Russian name"),
    ),
)

COMPANIES = LayerSchema(
    name="companies",
    geometry_type=None,
    doc="Companies, state bodies, funds and banks that hold licences or stakes (data/curated/companies.csv).",
    columns=(
        Column("company_id", "str", "slug, the join key"),
        Column("name", "str", "English name"),
        Column("name_ru", "str", "Russian name; empty if unknown"),
        Column("kind", "str", "private, state, state-owned enterprise, development bank, investment fund, unnamed, ''"),
        Column("home_country", "str", "ISO 3166-1 alpha-2; `EU` for EU institutions, `XX` for multilateral bodies"),
        Column("listed_on", "str", "exchange: ticker; empty if not listed or unknown"),
        Column("notes", "str", "curator's notes"),
        Column("source", "str", "`; `-separated sources"),
        Column("source_date", "str", "`YYYY[-MM[-DD]]`: date of the source; empty if not given"),
        Column("confidence", "str", "reported, confirmed or inferred"),
    ),
)

#: Relations of the ownership table. Only EQUITY_RELATIONS carry economic interest; `control` carries
#: control without a known stake; the rest are shown but never add to a share.
OWNERSHIP_RELATIONS = (
    "equity", "joint venture", "control", "pending equity", "offtake", "MoU", "partnership", "financing",
)
EQUITY_RELATIONS = ("equity", "joint venture")

OWNERSHIP = LayerSchema(
    name="ownership",
    geometry_type=None,
    doc="Directed edges owner -> owned (for non-equity relations: first party -> second party).",
    columns=(
        Column("edge_id", "str", "`<owner_id>><owned_id>#<row>`, unique"),
        Column("owner_id", "str", "company_id of the owner (or first party)"),
        Column("owned_id", "str", "company_id of the owned (or second party)"),
        Column("share_pct", "float", "stake in percent; NaN when unknown", nullable=True),
        Column("valid_from", "str", "`YYYY`, `YYYY-MM` or `YYYY-MM-DD`; empty: since an unknown date"),
        Column("valid_to", "str", "same forms; empty: still valid. Validity is [valid_from, valid_to)"),
        Column("relation", "str", "one of OWNERSHIP_RELATIONS"),
        Column("source", "str", "`; `-separated sources"),
        Column("source_date", "str", "`YYYY[-MM[-DD]]`: earliest date a source supports; empty if not given"),
        Column("source_quote", "str", "the source's own words for the share or relation; empty if not given"),
        Column("confidence", "str", "reported, confirmed or inferred"),
        Column("notes", "str", "curator's notes"),
    ),
)

#: Project stages of a licence (empty when not given).
LICENCE_STAGES = ("producing", "construction", "feasibility", "exploration", "care and maintenance", "closed")

LICENCES = LayerSchema(
    name="licences",
    geometry_type="MultiPolygon",
    geometry_nullable=True,
    doc="One row per holder-to-deposit relation; a polygon where the licence area is known.",
    columns=(
        Column("licence_id", "str", "unique id"),
        Column("source", "str", "manifest source id"),
        Column("deposit_name", "str", "deposit name(s) as given, `;`-separated when several"),
        Column("deposit_name_ru", "str", "Russian name(s), `;`-separated"),
        Column("deposit_country", "str", "ISO 3166-1 alpha-2"),
        Column("holder_company_id", "str", "company_id of the holder; empty when only holder text is known"),
        Column("holder_text", "str", "holders as the source writes them (cadastre exports), else empty"),
        Column("licence_kind", "str", "exploration, mining, development agreement, national project, MoU area"),
        Column("commodities", "list", "normalised commodity values"),
        Column("granted", "str", "`YYYY[-MM[-DD]]`; empty if unknown"),
        Column("valid_to", "str", "`YYYY[-MM[-DD]]`; empty if open or unknown"),
        Column("status", "str", "status text; words such as withdrawn, doubtful, contested, historical matter"),
        Column("stage", "str", "one of LICENCE_STAGES"),
        Column("record_ids", "str", "`; `-separated source record ids a curator checked the licence covers; "
               "they override the name join; empty if not given"),
        Column("references", "str", "`; `-separated sources"),
        Column("source_date", "str", "`YYYY[-MM[-DD]]`: earliest date a source supports; empty if not given"),
        Column("source_quote", "str", "the source's own words for the holder; empty if not given"),
        Column("confidence", "str", "reported, confirmed or inferred"),
        Column("notes", "str", "curator's notes"),
    ),
)

LICENCE_SITES = LayerSchema(
    name="licence_sites",
    geometry_type=None,
    doc="Which site(s) each licence covers, and how that was decided.",
    columns=(
        Column("licence_id", "str", "licence"),
        Column("site_id", "str", "site"),
        Column("method", "str", "`polygon` (point in the licence area widened by the site's precision), `record` "
               "(the licence's record_ids) or `name`"),
        Column("detail", "str", "the matched name key, or the distance to the polygon in km"),
    ),
)

CHANGES = LayerSchema(
    name="changes",
    geometry_type=None,
    doc="What each build changed since the previous one (layers/changes.py); one `build` row per build.",
    columns=(
        Column("change_id", "str", "`<built_at>#<n>`, unique"),
        Column("built_at", "str", "ISO time of the build that found the change"),
        Column("kind", "str", "one of layers.changes.CHANGE_KINDS"),
        Column("subject_id", "str", "site_id, licence_id or edge_id; the build time for a `build` row"),
        Column("subject_name", "str", "site or deposit name, or `owner → owned`"),
        Column("field", "str", "the field that changed (`*_changed`, `*_ended`), else empty"),
        Column("old_value", "str", "value before (text); for `build`, the previous build's time"),
        Column("new_value", "str", "value after (text); for `build`, its counts as JSON"),
        Column("countries", "list", "ISO alpha-2 of the countries the change concerns"),
        Column("commodities", "list", "commodity values the change concerns"),
        Column("parties", "list", "company_ids of the holders and owners involved"),
    ),
)

AGREEMENTS = LayerSchema(
    name="agreements",
    geometry_type=None,
    doc="State-level and company-level agreements, MoUs, roadmaps and declarations with partners.",
    columns=(
        Column("agreement_id", "str", "unique id"),
        Column("country", "str", "Central Asian state, ISO alpha-2"),
        Column("partner", "str", "partner: ISO alpha-2, `EU` or `XX`"),
        Column("kind", "str", "MoU, roadmap, declaration, programme, agreement, summit initiative, talks"),
        Column("title", "str", "title"),
        Column("signed", "str", "`YYYY[-MM[-DD]]`; empty if unknown"),
        Column("scope", "str", "what it covers"),
        Column("level", "str", "state or company"),
        Column("source", "str", "`; `-separated sources"),
        Column("confidence", "str", "reported, confirmed or inferred"),
        Column("notes", "str", "curator's notes"),
    ),
)

COUNTRY_PROFILES = LayerSchema(
    name="country_profiles",
    geometry_type=None,
    doc="One row per Central Asian country: strategy typology and key partners (seed 002).",
    columns=(
        Column("country", "str", "ISO alpha-2"),
        Column("name", "str", "English name"),
        Column("name_ru", "str", "Russian name"),
        Column("usgs_ree_rm_occurrences", "int", "USGS Tien Shan REE/RM occurrences in the country"),
        Column("strategy", "str", "typology (English); empty if not classified"),
        Column("strategy_ru", "str", "typology (Russian)"),
        Column("eaeu_member", "str", "yes / no"),
        Column("key_partners", "list", "ISO codes of key partners"),
        Column("notes", "str", "curator's notes"),
        Column("source", "str", "`; `-separated sources"),
        Column("confidence", "str", "reported, confirmed or inferred"),
    ),
)

FACILITIES = LayerSchema(
    name="facilities",
    geometry_type="Point",
    geometry_nullable=True,
    doc="Processing plants, research centres and proposed hubs.",
    columns=(
        Column("facility_id", "str", "unique id"),
        Column("name", "str", "English name"),
        Column("name_ru", "str", "Russian name"),
        Column("country", "str", "ISO alpha-2"),
        Column("kind", "str", "plant, research centre, proposed ..."),
        Column("operator_company_id", "str", "company_id of the operator; empty if none or unknown"),
        Column("city", "str", "city; empty if unknown"),
        Column("location_precision", "str", "how the point was placed"),
        Column("precision_km", "float", "radius in km; NaN when unmapped", nullable=True),
        Column("source", "str", "`; `-separated sources"),
        Column("confidence", "str", "reported, confirmed or inferred"),
        Column("notes", "str", "curator's notes"),
    ),
)

RAILWAYS = LayerSchema(
    name="railways",
    geometry_type="LineString",
    doc="Railway lines in use from every rail source (Natural Earth 10m, OSM extracts), one row per line part.",
    columns=(
        Column("rail_id", "str", "`<source>:<feature id>[:<part>]`, unique"),
        Column("source", "str", "manifest source id"),
        Column("kind", "str", "rail, narrow_gauge, light_rail (OSM railway=* / fclass; `rail` for Natural Earth)"),
        Column("name", "str", "line name where the source gives one"),
    ),
)

STATIONS = LayerSchema(
    name="stations",
    geometry_type="Point",
    doc="Railway stations and halts (OSM).",
    columns=(
        Column("station_id", "str", "`osm:<id>`"),
        Column("name", "str", "name (Latin where OSM gives it)"),
        Column("name_local", "str", "local-script name"),
        Column("kind", "str", "station, halt, ..."),
    ),
)

GATEWAYS = LayerSchema(
    name="gateways",
    geometry_type="Point",
    doc="Border crossings, sea ports and rail junctions an export leaves through (data/curated/nodes.csv).",
    columns=(
        Column("node_id", "str", "unique id"),
        Column("name", "str", "English name"),
        Column("name_ru", "str", "Russian name"),
        Column("kind", "str", "border_crossing, sea_port, rail_junction"),
        Column("country", "str", "ISO alpha-2 of the country the point lies in"),
        Column("location_precision", "str", "how the point was placed"),
        Column("notes", "str", "curator's notes"),
        Column("source", "str", "sources"),
    ),
)

#: Corridor statuses, from built to planned.
CORRIDOR_STATUSES = ("existing", "under_construction", "planned")

CORRIDORS = LayerSchema(
    name="corridors",
    geometry_type=None,
    doc="Named transport corridors (data/curated/corridors.csv); their routed lines are an analysis result.",
    columns=(
        Column("corridor_id", "str", "unique id"),
        Column("name", "str", "English name"),
        Column("name_ru", "str", "Russian name"),
        Column("status", "str", "one of CORRIDOR_STATUSES"),
        Column("opened_or_planned", "str", "when it opened or is planned"),
        Column("orientation", "str", "where the route leads"),
        Column("notes", "str", "curator's notes"),
        Column("source", "str", "sources"),
    ),
)

CORRIDOR_WAYPOINTS = LayerSchema(
    name="corridor_waypoints",
    geometry_type="Point",
    doc="Ordered stations, ports and crossings of each corridor (data/curated/corridor_waypoints.csv).",
    columns=(
        Column("corridor_id", "str", "corridor"),
        Column("seq", "int", "order along the corridor, from 1"),
        Column("node_or_place", "str", "name of the waypoint"),
        Column("mode_to_next", "str", "`rail` or `sea` for the leg to the next waypoint; empty on the last"),
        Column("notes", "str", "curator's notes"),
    ),
)

#: The offline base map's region: the five atlas countries (46.5-87.4E, 35.1-55.5N) and a margin of about 3
#: degrees, west, south, east, north (degrees, EPSG:4326). Base-map layers are clipped to it so the store stays small.
BASEMAP_BBOX_WGS84 = (43.0, 32.0, 91.0, 58.0)

PLACES = LayerSchema(
    name="places",
    geometry_type="Point",
    doc="Towns and cities of the offline base map (Natural Earth populated places), clipped to BASEMAP_BBOX_WGS84.",
    columns=(
        Column("place_id", "str", "`ne:<GeoNames id>` (or `ne:<row>` where Natural Earth has none), unique"),
        Column("name", "str", "Natural Earth NAME (local name in Latin script)"),
        Column("name_en", "str", "English name (NAME_EN; NAME where empty)"),
        Column("name_ru", "str", "Russian name (NAME_RU); empty where Natural Earth has none"),
        Column("country", "str", "ISO 3166-1 alpha-2 (ISO_A2); empty where Natural Earth has none"),
        Column("scalerank", "int", "Natural Earth SCALERANK: 0 (most important) to 10"),
        Column("min_zoom", "float", "Natural Earth min_zoom: the web-map zoom from which to label the place"),
        Column("population", "int", "POP_MAX (0 where unknown)"),
        Column("capital", "bool", "a national capital (ADM0CAP = 1)"),
    ),
)

LAKES = LayerSchema(
    name="lakes",
    geometry_type="MultiPolygon",
    doc="Lakes and inland seas of the offline base map (Natural Earth 1:10m lakes), clipped to BASEMAP_BBOX_WGS84.",
    columns=(
        Column("lake_id", "str", "`<source>:<row>`, unique"),
        Column("name", "str", "English name; empty where Natural Earth has none"),
        Column("name_ru", "str", "Russian name (name_ru of Natural Earth 5); empty where the file has none"),
        Column("kind", "str", "Natural Earth featurecla: Lake, Alkaline Lake, Reservoir"),
        Column("scalerank", "int", "Natural Earth scalerank: 0 (largest) to 10"),
        Column("min_zoom", "float", "Natural Earth min_zoom: the web-map zoom from which to draw the lake"),
    ),
)

RIVERS = LayerSchema(
    name="rivers",
    geometry_type="MultiLineString",
    doc="Rivers of the offline base map (Natural Earth 1:10m rivers and lake centrelines), clipped to "
        "BASEMAP_BBOX_WGS84.",
    columns=(
        Column("river_id", "str", "`<source>:<row>`, unique"),
        Column("name", "str", "English name; empty where Natural Earth has none"),
        Column("name_ru", "str", "Russian name (name_ru of Natural Earth 5); empty where the file has none"),
        Column("kind", "str", "Natural Earth featurecla: River, Lake Centerline, ..."),
        Column("scalerank", "int", "Natural Earth scalerank: 0 (largest) to 10"),
        Column("min_zoom", "float", "Natural Earth min_zoom: the web-map zoom from which to draw the river"),
    ),
)

SCHEMAS: dict[str, LayerSchema] = {
    s.name: s for s in (SOURCE_RECORDS, QUARANTINE, SITES, LINK_CANDIDATES, COUNTRIES, COMPANIES, OWNERSHIP, LICENCES,
                        LICENCE_SITES, AGREEMENTS, COUNTRY_PROFILES, FACILITIES, RAILWAYS, STATIONS, GATEWAYS,
                        CORRIDORS, CORRIDOR_WAYPOINTS, PLACES, LAKES, RIVERS)
}


def validate(frame: gpd.GeoDataFrame | pd.DataFrame, schema: LayerSchema, *, what: str) -> None:
    """Check ``frame`` against ``schema`` and raise if it breaks the contract.

    Parameters
    ----------
    frame : GeoDataFrame or DataFrame
        The layer to check. Spatial schemas need a GeoDataFrame in :data:`STORE_CRS`.
    schema : LayerSchema
        The contract.
    what : str
        Names the layer and source in error messages, e.g. ``"source_records from minmod"``.

    Raises
    ------
    SchemaError
        If a column is missing, extra, out of order or of the wrong kind; if the CRS is not
        :data:`STORE_CRS`; or if a geometry is invalid, null where not allowed or of another type.
    """
    got = [c for c in frame.columns if c != "geometry"]
    if got != schema.column_names:
        missing = [c for c in schema.column_names if c not in got]
        extra = [c for c in got if c not in schema.column_names]
        raise SchemaError(
            f"{what}: columns do not match the {schema.name} contract "
            f"(missing {missing}, unexpected {extra}, expected order {schema.column_names})"
        )
    for column in schema.columns:
        _check_column(frame[column.name], column, what)
    if schema.geometry_type is None:
        if isinstance(frame, gpd.GeoDataFrame) or "geometry" in frame.columns:
            raise SchemaError(f"{what}: {schema.name} is a table without geometry")
        return
    _check_geometry(frame, schema, what)


def _check_column(values: pd.Series, column: Column, what: str) -> None:
    checks = {
        "str": lambda v: isinstance(v, str),
        "float": lambda v: isinstance(v, float | int) and not isinstance(v, bool),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "list": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "json": lambda v: isinstance(v, list | dict),
    }
    ok = checks[column.kind]
    for position, value in enumerate(values.tolist()):
        if column.kind == "float" and isinstance(value, float) and math.isnan(value):
            if column.nullable:
                continue
            raise SchemaError(f"{what}: row {position}: column {column.name!r} is NaN but not nullable")
        if not ok(value):
            raise SchemaError(
                f"{what}: row {position}: column {column.name!r} should be {column.kind}, "
                f"got {type(value).__name__} {value!r:.80}"
            )


def _check_geometry(frame: gpd.GeoDataFrame | pd.DataFrame, schema: LayerSchema, what: str) -> None:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise SchemaError(f"{what}: expected a GeoDataFrame for the spatial layer {schema.name}")
    if frame.crs is None or frame.crs != gpd.GeoSeries([], crs=STORE_CRS).crs:
        raise SchemaError(f"{what}: CRS is {frame.crs}, expected {STORE_CRS}")
    geoms = frame.geometry
    missing = geoms.isna() | geoms.is_empty
    if missing.any() and not schema.geometry_nullable:
        raise SchemaError(f"{what}: {int(missing.sum())} rows have no geometry")
    present = geoms[~missing]
    wrong = present[present.geom_type != schema.geometry_type]
    if len(wrong):
        raise SchemaError(
            f"{what}: expected {schema.geometry_type} geometries, found {sorted(set(wrong.geom_type))}"
        )
    invalid = present[~present.is_valid]
    if len(invalid):
        raise SchemaError(f"{what}: {len(invalid)} invalid geometries (first at index {invalid.index[0]})")

#: An equal-area projection centred on the region (metres), for distances to polygons and buffers.
#: Geodesic distances between points use pyproj.Geod instead.
METRIC_CRS = "+proj=laea +lat_0=43 +lon_0=65 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
