"""Corridor API: corridors and their legs, gateways, distance bands, per-site access, the analysis CSV, rasters."""

from __future__ import annotations

import io
from datetime import date

import shapely
from flask import Blueprint, Response, jsonify, request, send_from_directory

from geo.analyze import RASTERS
from webapp.api.sites import credit, download_headers, download_response, geojson_response, parse_format
from webapp.errors import NotFound
from webapp.exports import csv_text, geotiff_with_named_crs
from webapp.geojson import feature_collection
from webapp.params import parse_site_id
from webapp.state import get_state

bp = Blueprint("corridors", __name__)

#: Columns of each transport layer, as the JSON view and the downloads write them.
CORRIDOR_COLUMNS = ("corridor_id", "name", "status", "length_km", "track_share", "schematic_share")
SEGMENT_COLUMNS = ("corridor_id", "corridor_name", "status", "seq", "from_name", "to_name", "mode", "on_track",
                   "reason", "detail", "length_km", "straight_km")
GATEWAY_COLUMNS = ("node_id", "name", "name_ru", "kind", "country", "location_precision", "notes")


@bp.get("/api/corridors")
def corridors():
    """Corridors as GeoJSON: ``corridor_id``, ``name``, ``status``, ``length_km``, ``schematic_share`` ..."""
    lines = get_state().analysis.layer("corridor_lines")
    fmt = parse_format(request.args.get("f"))
    if fmt is not None:
        return download_response(lines[[*CORRIDOR_COLUMNS, "geometry"]], fmt, "corridors", date.today())
    body = feature_collection(lines, CORRIDOR_COLUMNS, attribution=credit("corridors").attribution)
    for feature in body["features"]:
        feature["id"] = feature["properties"]["corridor_id"]
    return geojson_response(body)


@bp.get("/api/corridors/segments")
def segments():
    """Every corridor leg: along track, or schematic with its reason (``missing_in_data``, ``planned``, ``sea``)."""
    state = get_state()
    legs = state.analysis.layer("corridor_segments")
    meta = state.store.corridors.set_index("corridor_id")
    legs = legs.assign(corridor_name=meta.loc[legs["corridor_id"], "name"].to_numpy(),
                       status=meta.loc[legs["corridor_id"], "status"].to_numpy())
    fmt = parse_format(request.args.get("f"))
    if fmt is not None:
        return download_response(legs[[*SEGMENT_COLUMNS, "geometry"]], fmt, "corridor_segments", date.today())
    return geojson_response(feature_collection(legs, SEGMENT_COLUMNS,
                                               attribution=credit("corridor_segments").attribution))


@bp.get("/api/corridors/buffers")
def buffers():
    """Bands within 50, 100 and 250 km of existing corridors (exteriors counter-clockwise, RFC 7946)."""
    bands = get_state().analysis.layer("corridor_buffers")
    fmt = parse_format(request.args.get("f"))
    if fmt is not None:
        return download_response(bands[["distance_km", "geometry"]], fmt, "corridor_buffers", date.today())
    bands = bands.set_geometry(shapely.orient_polygons(bands.geometry.to_numpy(), exterior_cw=False), crs=bands.crs)
    return geojson_response(feature_collection(bands, ("distance_km",),
                                               attribution=credit("corridor_buffers").attribution))


@bp.get("/api/corridors/catchments")
def catchments():
    """Mapped sites within 50, 100 and 250 km of each corridor, per country."""
    frame = get_state().analysis.layer("catchments")
    return jsonify({"rows": frame.to_dict("records"), "attribution": credit("corridor_access").attribution})


@bp.get("/api/gateways")
def gateways():
    """Border crossings, sea ports and rail junctions."""
    frame = get_state().store.gateways
    fmt = parse_format(request.args.get("f"))
    if fmt is not None:
        return download_response(frame[[*GATEWAY_COLUMNS, "geometry"]], fmt, "gateways", date.today())
    return geojson_response(feature_collection(frame, GATEWAY_COLUMNS, attribution=credit("gateways").attribution))


@bp.get("/api/sites/<path:site_id>/access")
def site_access(site_id: str):
    """One site's distance to each corridor, its nearest gateway, railhead and rail km to each gateway."""
    state = get_state()
    row, _ = state.site_with_records(parse_site_id(site_id))
    analysis = state.analysis
    table = analysis.layer("site_access")
    found = table[table["site_id"] == row["site_id"]]
    if found.empty:
        raise NotFound(f"site {row['site_id']!r} has no location, so no corridor distances")
    corridors = analysis.layer("site_corridors")
    rail = analysis.layer("site_gateway_rail")
    names = dict(zip(state.store.gateways["node_id"], state.store.gateways["name"], strict=True))
    access = found.iloc[0].to_dict()
    return jsonify({
        "site_id": row["site_id"], "name": row["name"],
        "location_precision_km": access.pop("precision_km"),
        "access": {k: (None if isinstance(v, float) and v != v else v) for k, v in access.items() if k != "site_id"},
        "corridors": corridors[corridors["site_id"] == row["site_id"]].sort_values("distance_km")
        .drop(columns=["site_id", "precision_km"]).to_dict("records"),
        "rail_to_gateways": [
            {**r, "gateway_name": names.get(r["gateway_id"])}
            for r in rail[rail["site_id"] == row["site_id"]].drop(columns="site_id").to_dict("records")
        ],
        "gateways_off_network": [n for n in analysis.info.get("notes", []) if n.startswith("gateway ")],
        "attribution": credit("corridor_access").attribution,
    })


@bp.get("/api/access.csv")
def access_csv():
    """The per-site analysis table as CSV."""
    state = get_state()
    table = state.analysis.layer("site_access").merge(
        state.sites[["site_id", "name", "country"]], on="site_id", how="left")
    columns = ["site_id", "name", "country", *[c for c in table.columns if c not in ("site_id", "name", "country")]]
    buffer = io.StringIO()
    buffer.write(f"# Corridor access of mapped deposits. {credit('corridor_access').attribution}\n")
    buffer.write(csv_text(table[columns], float_format="%.3f"))
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers=download_headers("atlas-corridor-access.csv", "corridor_access"))


@bp.get("/downloads/<name>.tif")
def raster_download(name: str):
    """A GeoTIFF of the analysis (distance to corridor, access cost)."""
    return _raster_file(name, ".tif", as_attachment=True)


@bp.get("/overlays/<name>.png")
def raster_overlay(name: str):
    """A raster rendered for the map (Web Mercator PNG)."""
    return _raster_file(name, ".png", as_attachment=False)


def _raster_file(name: str, suffix: str, *, as_attachment: bool):
    if name not in RASTERS:
        raise NotFound(f"no raster {name!r}; there are {sorted(RASTERS)}")
    folder = get_state().analysis.rasters_dir
    if not (folder / f"{name}{suffix}").is_file():
        raise NotFound(f"raster {name!r} was not produced (see the analysis notes)")
    if suffix == ".tif":
        # The GeoTIFF with its CRS named (webapp.exports.geotiff_with_named_crs), so QGIS does not call it unknown.
        response = Response(geotiff_with_named_crs(folder / f"{name}{suffix}"), mimetype="image/tiff")
    else:
        response = send_from_directory(folder, f"{name}{suffix}", as_attachment=as_attachment,
                                       download_name=f"atlas-{name}{suffix}", max_age=3600)
    if as_attachment:
        response.headers.update(download_headers(f"atlas-{name}{suffix}", name))
    return response
