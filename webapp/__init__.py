"""The web app: Flask application factory, map pages, API and exports."""

from __future__ import annotations

from flask import Flask

from webapp.settings import WebSettings
from webapp.state import AtlasState


def create_app(settings: WebSettings | None = None) -> Flask:
    """Build the app: read the store once, register blueprints and error handlers.

    Parameters
    ----------
    settings : WebSettings, optional
        Defaults come from ``ATLAS_*`` environment variables; tests pass their own.

    Returns
    -------
    Flask
        Ready to serve.

    Raises
    ------
    StoreError
        If the store is missing or was written by an incompatible build.
    """
    from webapp import filters, openapi, search
    from webapp.api import basemap as api_basemap
    from webapp.api import clusters as api_clusters
    from webapp.api import corridors as api_corridors
    from webapp.api import ownership as api_ownership
    from webapp.api import sites as api
    from webapp.backends import site_source_for
    from webapp.contrast import text_colour
    from webapp.errors import register_error_handlers
    from webapp.ogc import routes as ogc
    from webapp.pages import basemap_options, between, map_png, review
    from webapp.pages import main as pages
    from webapp.public_url import install_url_policy
    from webapp.security import install_response_policy

    settings = settings or WebSettings()
    app = Flask(__name__)
    app.json.ensure_ascii = False
    app.config["MAX_CONTENT_LENGTH"] = settings.serving.max_body_bytes
    app.extensions["atlas"] = AtlasState.load(settings)
    app.extensions["atlas"].site_source = site_source_for(settings)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(api_ownership.bp)
    app.register_blueprint(api_corridors.bp)
    app.register_blueprint(api_basemap.bp)
    app.register_blueprint(api_clusters.bp)
    app.register_blueprint(ogc.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(filters.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(between.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(basemap_options.bp)
    app.register_blueprint(map_png.bp)
    # i18n (Flask-Babel) provides `_` where installed; until then templates' `_()` returns its text.
    app.jinja_env.globals["text_on"] = text_colour
    app.jinja_env.globals.setdefault("_", lambda text, **values: text % values if values else text)
    register_error_handlers(app)
    install_response_policy(app, settings.map.tile_url, settings.serving)
    install_url_policy(app, settings.server.public_url, settings.server.trusted_proxies)
    return app
