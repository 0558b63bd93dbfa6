"""``/api/clusters``: the map's sites for one view, clustered on the server (geo.clusters), exact counts.

The filters are the one filter model of ``/api/sites`` (webapp.filters), so the counts of an answer add up to
``numberMatched`` of ``/api/sites`` with the same filters and ``bbox``. The filtered sites' positions and colour
categories are kept per (filters, as_of, colour), and whole answers per view, in a small per-worker cache.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.datastructures import MultiDict

from geo.clusters import COLOURINGS, MAX_ZOOM, Clusters, cluster_sites, cluster_zoom, site_categories
from geo.partners import PARTNER_COLOURS
from geo.site_filters import SiteFilter, apply_filter
from webapp.api.sites import credit, site_frame
from webapp.errors import BadRequest
from webapp.exports import geojson_document
from webapp.filters import filter_context, parse_site_filter
from webapp.ogc.fields import LAYER_FIELDS
from webapp.params import parse_bbox, parse_choice, parse_int
from webapp.state import AtlasState, get_state

bp = Blueprint("clusters", __name__, url_prefix="/api")

#: Filtered frames kept (each holds a few arrays of the matched sites) and whole answers kept, per worker.
FRAME_CACHE_SIZE = 16
ANSWER_CACHE_SIZE = 256
#: Name of the cache in ``app.extensions``.
_EXTENSION = "atlas_clusters"


@dataclass(frozen=True)
class _Matched:
    """The mapped sites one filter keeps: positions (in ``state.sites``), lon/lat, category; and the totals."""

    rows: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    categories: np.ndarray
    matched: int  # every site the filter keeps, mapped or not
    as_of: str


class _Cache:
    """Two small LRU maps under one lock: filtered frames and rendered answers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.frames: OrderedDict = OrderedDict()
        self.answers: OrderedDict = OrderedDict()

    def get(self, store: OrderedDict, key):
        with self.lock:
            if key in store:
                store.move_to_end(key)
                return store[key]
        return None

    def put(self, store: OrderedDict, key, value, size: int) -> None:
        with self.lock:
            store[key] = value
            store.move_to_end(key)
            while len(store) > size:
                store.popitem(last=False)


@bp.record_once
def _install_cache(setup) -> None:
    app: Flask = setup.app
    app.extensions[_EXTENSION] = _Cache()


def parse_zoom(value: str | None) -> int:
    """Parse ``zoom``, required: a whole number 0..MAX_ZOOM."""
    if value is None or value == "":
        raise BadRequest(f"zoom is required: the map's zoom level, a whole number from 0 to {MAX_ZOOM}",
                         parameter="zoom")
    return parse_int(value, "zoom", default=0, minimum=0, maximum=MAX_ZOOM)


@bp.get("/clusters")
def clusters():
    """The mapped sites of a view (``bbox``, ``zoom``) that the filters keep, as GeoJSON: clusters with exact
    ``count`` and per-category ``categories`` where sites crowd, the sites themselves (the properties of
    ``/api/sites``) where they do not. See the OpenAPI document for every member."""
    state = get_state()
    zoom = parse_zoom(request.args.get("zoom"))
    bbox = parse_bbox(request.args.get("bbox"))
    colour = parse_choice(request.args.get("colour"), "colour", COLOURINGS, "group")
    args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k not in ("bbox", "zoom", "colour")])
    site_filter = replace(parse_site_filter(args, state), bbox=None, mapped_only=False)
    cache: _Cache = current_app.extensions[_EXTENSION]
    key = (site_filter, colour, bbox, zoom, request.script_root)
    body = cache.get(cache.answers, key)
    if body is None:
        matched = _matched(state, cache, site_filter, colour)
        body = json.dumps(_answer(state, matched, site_filter, colour, bbox, zoom), ensure_ascii=False,
                          allow_nan=False)
        cache.put(cache.answers, key, body, ANSWER_CACHE_SIZE)
    return Response(body, mimetype="application/geo+json")


def _matched(state: AtlasState, cache: _Cache, site_filter: SiteFilter, colour: str) -> _Matched:
    key = (site_filter, colour)
    found = cache.get(cache.frames, key)
    if found is not None:
        return found
    context = filter_context(state, site_filter.as_of)
    sites = apply_filter(context, site_filter)
    geometry = sites.geometry
    located = (~(geometry.isna() | geometry.is_empty)).to_numpy()
    mapped = sites[located]
    partners = tuple(p for p in PARTNER_COLOURS if p != "unknown")
    categories = site_categories(mapped["site_id"], mapped["primary_group"], mapped["status"], colour,
                                 context.partner_table, context.coverage, partners)
    rows = state.sites.index.get_indexer(mapped.index)  # positions in the sites layer (its index is unique)
    found = _Matched(rows=rows, lon=mapped.geometry.x.to_numpy(), lat=mapped.geometry.y.to_numpy(),
                     categories=categories, matched=len(sites), as_of=site_filter.as_of.isoformat())
    cache.put(cache.frames, key, found, FRAME_CACHE_SIZE)
    return found


def _answer(state: AtlasState, matched: _Matched, site_filter: SiteFilter, colour: str, bbox, zoom: int) -> dict:
    # A filter that keeps few sites is answered with all of them, whatever the view: the client then keeps the
    # answer while the map pans and zooms, and clusters the points itself.
    points_below = state.settings.map.cluster_points_below
    everything = len(matched.rows) <= points_below
    result: Clusters = cluster_sites(matched.lon, matched.lat, matched.categories, zoom=zoom,
                                     bbox=None if everything else bbox, points_below=points_below)
    features = [_cluster_feature(result, i) for i in range(len(result.count))]
    features.extend(_point_features(state, matched, site_filter, result))
    text = credit("sites")
    return {"type": "FeatureCollection", "as_of": matched.as_of, "zoom": zoom, "cluster_zoom": cluster_zoom(zoom, bbox),
            "bbox": None if bbox is None else list(bbox), "colour": colour,
            "mode": "points" if not len(result.count) else "clusters", "extent": "all" if everything else "view",
            "numberMatched": result.total, "numberReturned": len(features),
            "totals": {"matched": matched.matched, "mapped": len(matched.rows)},
            "categories": list(result.categories),
            "attribution": text.attribution, "licence": text.licence, "features": features}


def _cluster_feature(result: Clusters, i: int) -> dict:
    counts = result.category_counts[i]
    return {"type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(float(result.lon[i]), 6),
                                                          round(float(result.lat[i]), 6)]},
            "properties": {"cluster": True, "count": int(result.count[i]),
                           "categories": {result.categories[j]: int(counts[j]) for j in np.flatnonzero(counts)},
                           "bbox": [round(float(v), 6) for v in result.bounds[i]]}}


def _point_features(state: AtlasState, matched: _Matched, site_filter: SiteFilter, result: Clusters) -> list[dict]:
    if not len(result.points):
        return []
    rows = state.sites.iloc[matched.rows[result.points]]
    frame = site_frame(rows, state.partners_at(site_filter.as_of), state.coverage_at(site_filter.as_of), state,
                       external=False)
    text = credit("sites")
    return geojson_document(frame, attribution=text.attribution, licence=text.licence, id_column="site_id",
                            fields=LAYER_FIELDS["sites"], layer="sites")["features"]
