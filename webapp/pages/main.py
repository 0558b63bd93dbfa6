"""HTML pages: the map, a site page with every source record, company, country, partner and sources pages."""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.leaflet as xs_leaflet
from flask import Blueprint, Flask, Response, render_template, send_from_directory, url_for
from flask_babel import gettext, lazy_gettext

from geo.analyze import RASTERS
from geo.coverage import coverage_rollup
from geo.partners import PARTNER_COLOURS, PARTNER_GROUPS, partner_of_country
from geo.rollups import partner_matrix
from geo.site_ownership import site_ownership
from layers.deposits.commodities import OTHER_GROUP
from layers.deposits.records import ATLAS_COUNTRIES
from webapp.api.ownership import as_of_from_request, company_json
from webapp.contrast import text_colour
from webapp.errors import NotFound
from webapp.exports import EXPORTERS
from webapp.maps import (
    GROUP_COLOURS,
    DownloadPanel,
    MapAssets,
    MapEndpoints,
    RasterOverlay,
    build_sites_map,
    externalise_scripts,
    map_parts,
)
from webapp.pages.js_messages import js_messages
from webapp.pages.site_map import site_map_markup
from webapp.params import parse_company_id, parse_countries, parse_site_id
from webapp.state import get_state

bp = Blueprint("pages", __name__)

#: Source ids whose absence means the store holds only the embedded sample (the committed curated table).
FULL_DATA_SOURCES = ("minmod",)


@bp.record_once
def _install_page_parts(setup) -> None:
    """Install i18n, the presentation helpers and the list, change and chart pages with the pages blueprint."""
    from webapp import i18n
    from webapp.pages import changes, charts, lists, present

    app: Flask = setup.app
    i18n.init_i18n(app)
    present.install_filters(app)
    app.jinja_env.globals["sample_notice"] = sample_notice
    app.jinja_env.filters["css_slug"] = css_slug
    for blueprint in (lists.bp, changes.bp, charts.bp):
        app.register_blueprint(blueprint)




def css_slug(name: str) -> str:
    """A CSS class suffix for a partner or group name (``domestic state`` → ``domestic-state``)."""
    return "".join(c if c.isalnum() else "-" for c in name.lower())


@bp.get("/colours.css")
def colours_css():
    """Partner badge and group swatch colours as classes, so pages need no inline style (CSP)."""
    # Black or white text, whichever reaches WCAG AA (4.5:1) on the fill (webapp/contrast.py).
    rules = [f".partner-{css_slug(name)} {{ background: {fill}; color: {text_colour(fill)}; }}"
             for name, fill in PARTNER_COLOURS.items()]
    rules += [f".group-{css_slug(group)} {{ background: {fill}; }}" for group, fill in GROUP_COLOURS.items()]
    rules += [f".depth-{level} {{ padding-left: {12 + level * 18}px; }}" for level in range(10)]
    return Response("\n".join(rules) + "\n", mimetype="text/css", headers={"Cache-Control": "max-age=3600"})


def sample_notice() -> str:
    """The banner a store without the full deposit data shows; empty when the full data was built."""
    skipped = get_state().store.build_info.get("skipped", {})
    if not any(source in skipped for source in FULL_DATA_SOURCES):
        return ""
    return gettext("This is the embedded sample: the curated table of %(n)s deposits only. The full data "
                   "(MinMod and the other raw sources) is not present: see README, \"Raw data\", and run "
                   "`make data` then `make build`.", n=len(get_state().sites))

#: Front-end packages served from their installed XStatic folders (no CDN, no copies in the repo).
VENDOR_DIRS: dict[str, Path] = {
    "leaflet": Path(xs_leaflet.BASE_DIR),
}

#: Commodities the map's filter offers after the commodity groups (critical minerals of the region).
FILTER_COMMODITIES = ("Li", "Be", "Ta", "Nb", "W", "Mo", "Sn", "Sb", "Co", "Ni", "graphite", "Cu", "Au", "U")

#: First day of the map's date slider (ownership replays from here to today).
TIMELINE_START = "2000-01-01"

#: Source-record fields shown side by side on a site page, with their labels.
RECORD_FIELDS = (
    ("record_id", lazy_gettext("Record")), ("dataset", lazy_gettext("Dataset")), ("name", lazy_gettext("Name")),
    ("aliases", lazy_gettext("Aliases")), ("country", lazy_gettext("Country")),
    ("commodities", lazy_gettext("Commodities")), ("deposit_types", lazy_gettext("Deposit types")),
    ("status", lazy_gettext("Status")), ("location_raw", lazy_gettext("Location as given")),
    ("location_precision_km", lazy_gettext("Precision (km)")), ("location_status", lazy_gettext("Location status")),
    ("country_check", lazy_gettext("Country check")), ("references", lazy_gettext("References")),
)


@bp.get("/")
def index():
    """The sites map."""
    return Response(_map_page()[0], mimetype="text/html")


@bp.get("/map/scripts/<digest>.js")
def map_script(digest: str):
    """A script of the map page (folium's set-up, moved out of the page for the Content-Security-Policy)."""
    scripts = _map_page()[1]
    if digest not in scripts:
        raise NotFound(f"No map script {digest!r}.")
    response = Response(scripts[digest], mimetype="text/javascript")
    response.cache_control.public = True
    response.cache_control.max_age = 31536000  # named by its digest: a new script gets a new name
    response.cache_control.immutable = True
    return response


def _map_page() -> tuple[str, dict[str, str]]:
    """The map page and its scripts, rendered on first use (in each worker: renderings are identical)."""
    state = get_state()
    if state.map_parts is None:
        state.map_parts = map_parts(_render_map())
    # The page is rendered per request (its language, its choices); folium's inline set-up script is moved out
    # to /map/scripts/<digest>.js for the Content-Security-Policy, and the scripts are kept by digest.
    page, scripts = externalise_scripts(render_template("map.html", parts=state.map_parts, js_messages=js_messages(),
                                                        **_workspace_choices()),
                                        lambda digest: url_for("pages.map_script", digest=digest))
    state.map_scripts.update(scripts)
    return page, state.map_scripts


@bp.get("/sites/<path:site_id>")
def site(site_id: str):
    """A site: its chosen values with provenance, and every source record side by side."""
    state = get_state()
    row, records = state.site_with_records(parse_site_id(site_id))
    as_of = as_of_from_request()
    ownership = site_ownership(row.to_dict(), state.licences_of(row["site_id"]), state.graph, as_of)
    names = {cid: entity["name"] for cid, entity in state.graph.companies.items()}
    # Dicts, not Series: in Jinja `site.name` would be the Series' index label, not the site's name.
    return render_template("site.html", site=row.to_dict(), records=[r.to_dict() for r in records],
                           fields=RECORD_FIELDS, colour=GROUP_COLOURS.get(row["primary_group"], "#999"),
                           own=ownership, names=names, colours=PARTNER_COLOURS,
                           access=state.access_by_site.get(row["site_id"]),
                           site_map=site_map_markup(state, row.to_dict(), state.access_by_site.get(row["site_id"]),
                                                    GROUP_COLOURS.get(row["primary_group"], "#999")))


@bp.get("/companies/<company_id>")
def company(company_id: str):
    """A company: owners, holdings, licences and partner attribution on ``as_of``."""
    state = get_state()
    as_of = as_of_from_request()
    data = company_json(state, parse_company_id(company_id), as_of, None)
    names = {cid: row["name"] for cid, row in state.graph.companies.items()}
    return render_template("company.html", c=data, names=names, colours=PARTNER_COLOURS)


@bp.get("/countries/<code>")
def country(code: str):
    """A country: its profile, the partner matrix row and the agreements timeline."""
    state = get_state()
    iso = (parse_countries(code) or [""])[0]
    as_of = as_of_from_request()
    profiles = state.store.country_profiles
    profile = profiles[profiles["country"] == iso].to_dict("records")
    matrix = partner_matrix(state.partners_at(as_of), state.sites, by="country")
    agreements = state.store.agreements[state.store.agreements["country"] == iso]
    agreements = agreements.sort_values("signed", kind="stable").to_dict("records")
    n_sites = int((state.sites["country"] == iso).sum())
    return render_template("country.html", iso=iso, n_sites=n_sites, profile=profile[0] if profile else None,
                           as_of=as_of,
                           matrix=matrix[matrix["key"] == iso].to_dict("records"), agreements=agreements,
                           colours=PARTNER_COLOURS, partner_of=partner_of_country)


@bp.get("/partners")
def partners():
    """The country x partner and commodity x partner matrices on ``as_of``, with CSV downloads."""
    state = get_state()
    as_of = as_of_from_request()
    table = state.partners_at(as_of)
    from webapp.pages.charts import chart_titles

    return render_template("partners.html", as_of=as_of, colours=PARTNER_COLOURS, **_coverage_tables(as_of),
                           timeline=chart_titles(as_of)["partner-timeline"],
                           by_country=partner_matrix(table, state.sites, by="country").to_dict("records"),
                           by_commodity=partner_matrix(table, state.sites, by="commodity_group").to_dict("records"),
                           countries=sorted(state.store.country_profiles["country"]))


@bp.get("/sources")
def sources():
    """Every source, its licence and attribution, and what the last build did with it."""
    state = get_state()
    as_of = as_of_from_request()
    return render_template("sources.html", sources=state.store.sources.to_dict("records"),
                           info=state.store.build_info, as_of=as_of, **_coverage_tables(as_of))


def _coverage_tables(as_of) -> dict[str, list[dict]]:
    state = get_state()
    flags = state.coverage_at(as_of)
    return {by: coverage_rollup(flags, state.sites, by=key).to_dict("records")
            for by, key in (("coverage_by_country", "country"), ("coverage_by_commodity", "commodity_group"))}


@bp.get("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):
    """Serve a front-end library file from its installed package."""
    if package not in VENDOR_DIRS:
        raise NotFound(f"No front-end package {package!r}.")
    return send_from_directory(VENDOR_DIRS[package], filename, max_age=86400)


def _render_map():
    settings = get_state().settings.map
    assets = MapAssets(
        leaflet_js=url_for("pages.vendor", package="leaflet", filename="leaflet.js"),
        leaflet_css=url_for("pages.vendor", package="leaflet", filename="leaflet.css"),
        clusters_js=url_for("static", filename="clusters.js"),
        atlas_js=url_for("static", filename="atlas.js"),
        atlas_css=url_for("static", filename="atlas.css"),
        basemap_js=url_for("static", filename="basemap.js"),
        basemap_css=url_for("static", filename="basemap.css"),
    )
    endpoints = MapEndpoints(
        sites=url_for("api.sites", limit=get_state().settings.api.max_limit),
        countries=url_for("api.countries"),
        search=url_for("search.search"),
        corridor_segments=url_for("corridors.segments"),
        gateways=url_for("corridors.gateways"),
        buffers=url_for("corridors.buffers"),
        coverage=url_for("ownership.coverage"),
        facets=url_for("filters.facets"),
        between=url_for("between.page"),
        clusters=url_for("clusters.clusters"),
    )
    rasters = tuple(
        RasterOverlay(title=o["title"], png=url_for("corridors.raster_overlay", name=name),
                      bounds_wgs84=tuple(o["bounds_wgs84"]), attribution=o["attribution"])
        for name, o in get_state().analysis.info.get("overlays", {}).items()
    )
    fmap = build_sites_map(assets, endpoints, tile_url=settings.tile_url, tile_attribution=settings.tile_attribution,
                           center=(settings.center_lat, settings.center_lon), zoom=settings.zoom,
                           title="Central Asia Critical Minerals Atlas", rasters=rasters,
                           downloads=_download_panel())
    return fmap


def _workspace_choices() -> dict:
    """The choices of the workspace's filter controls (their counts come from /api/facets in the page)."""
    state = get_state()
    panel = _download_panel()
    corridors = state.store.corridors
    return {"countries": panel.countries, "commodities": panel.commodities, "formats": panel.formats,
            "rasters": panel.rasters, "partners": [g for g in PARTNER_GROUPS if g != "unknown"],
            "corridors": list(zip(corridors["corridor_id"], corridors["name"], strict=True)),
            "distances": (25, 50, 100, 250, 500), "sites_url": url_for("api.sites"),
            "between_url": url_for("between.page"), "timeline_start": TIMELINE_START}


def _download_panel() -> DownloadPanel:
    state = get_state()
    names = dict(zip(state.store.country_profiles["country"], state.store.country_profiles["name"], strict=True))
    folder = state.analysis.rasters_dir
    return DownloadPanel(
        sites=url_for("api.sites"),
        formats=tuple((name, exporter.label) for name, exporter in EXPORTERS.items()),
        countries=tuple((code, names.get(code, code)) for code in ATLAS_COUNTRIES),
        commodities=(*[group for group in GROUP_COLOURS if group != OTHER_GROUP], *FILTER_COMMODITIES),
        rasters=tuple((f"{title} (GeoTIFF)", url_for("corridors.raster_download", name=name))
                      for name, (title, _) in RASTERS.items() if (folder / f"{name}.tif").is_file()),
    )
