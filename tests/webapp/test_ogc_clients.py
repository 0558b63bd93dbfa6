"""Real GIS clients against a live server: every field reaches GDAL with its declared type.

GDAL 3.12 (pyogrio, in a child process: it keeps the GIL while it downloads) reads ``/ogc`` through the OAPIF
driver with default options and ``/api/sites`` by its URL; Debian's GDAL 3.6 (``ogrinfo``) reads the same and
opens the GeoPackage download. Each check compares with the declared schema of ``webapp.ogc.fields``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from webapp.ogc.collections import COLLECTIONS

pytestmark = pytest.mark.integration

LOCAL_HOST = "127.0.0.1"
KATPAR = "national:kz-northern-katpar"
#: pyogrio dtypes of each declared field type (integers come back as int32 or int64, by GDAL's width).
DTYPES = {"string": {"object"}, "number": {"float64"}, "integer": {"int32", "int64"}, "boolean": {"bool"},
          "string-list": {"list(str)"}, "json": {"object"}}
#: GDAL field types (ogrinfo) of each declared type.
OGR_TYPES = {"string": {"String"}, "number": {"Real"}, "integer": {"Integer", "Integer64"},
             "boolean": {"Integer(Boolean)"}, "string-list": {"StringList"}, "json": {"String", "String(JSON)"}}
ENV = {**os.environ, "NO_PROXY": LOCAL_HOST, "no_proxy": LOCAL_HOST, "GDAL_HTTP_MAX_RETRY": "0",
       "GDAL_HTTP_TIMEOUT": "60", "CPL_DEBUG": "OFF"}


@pytest.fixture(scope="module")
def root(real_app) -> Iterator[str]:
    """The app served on a free local port from a background thread: its root URL."""
    server = make_server(LOCAL_HOST, 0, real_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="ogc-clients-server", daemon=True)
    thread.start()
    try:
        yield f"http://{LOCAL_HOST}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def _pyogrio(script: str, *args: str) -> dict:
    """Run ``script`` in a child Python (pyogrio, GDAL 3.12) and return the JSON it prints."""
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=300,
                            env=ENV, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


#: Reads a layer with default options; prints its field dtypes, row count and a few values.
READ_LAYER = """
import json, sys
import numpy as np
import pyogrio
url, layer = sys.argv[1], sys.argv[2]
options = dict(a.split("=", 1) for a in sys.argv[3:])
info = pyogrio.read_info(url, layer=layer, **options)
frame = pyogrio.read_dataframe(url, layer=layer, **options)
lists = {c: sorted({type(v).__name__ for v in frame[c] if v is not None}) for c in frame.columns
         if c != "geometry" and frame[c].dtype == object}
print(json.dumps({"dtypes": dict(zip(info["fields"], info["dtypes"])), "rows": len(frame),
                  "ids": frame["id"].tolist() if "id" in frame else [],
                  "value_types": lists,
                  "partner": {i: p for i, p in zip(frame.get("id", []), frame.get("controlling_partner", []))
                              if i == "national:kz-northern-katpar"}}))
"""


def _expected_dtypes(collection_id: str) -> dict[str, set[str]]:
    return {f.name: DTYPES[f.type] for f in COLLECTIONS[collection_id].fields}


@pytest.mark.parametrize("collection_id", ["sites", "source_records"])
def test_gdal_oapif_with_default_options_reads_every_field_as_its_declared_type(root, real_app, collection_id):
    out = _pyogrio(READ_LAYER, f"OAPIF:{root}/ogc", collection_id)
    expected = _expected_dtypes(collection_id)
    assert {name: out["dtypes"][name] for name in expected} == {
        name: next(iter(dtypes & {out["dtypes"][name]}), f"one of {sorted(dtypes)}")
        for name, dtypes in expected.items()}
    lists = [f.name for f in COLLECTIONS[collection_id].fields if f.type == "string-list"]
    assert lists and all(out["value_types"][name] == ["ndarray"] for name in lists)
    store = real_app.extensions["atlas"].store
    assert out["rows"] == len(store.sites if collection_id == "sites" else store.source_records)


def test_gdal_page_size_above_the_maximum_reads_every_feature(root, real_app):
    out = _pyogrio(READ_LAYER, f"OAPIF:{root}/ogc", "sites", "PAGE_SIZE=20000")
    assert out["ids"] == real_app.extensions["atlas"].sites["site_id"].tolist()


@pytest.mark.parametrize(("when", "partner"), [
    ("2025-01-01", "domestic state"), ("2025-12-01", "USA"),
    ("2024-06-01/2025-01-01", "domestic state"), ("2025-06-01T00:00:00Z/2025-12-01T00:00:00Z", "USA")])
def test_gdal_datetime_in_the_dataset_url_opens_it_and_sets_the_partners(root, when, partner):
    out = _pyogrio(READ_LAYER, f"OAPIF:{root}/ogc?datetime={when}", "sites")
    assert out["partner"] == {KATPAR: partner}


def test_gdal_reads_api_sites_by_its_url_whole_through_byte_ranges(root, real_app):
    out = _pyogrio(READ_LAYER, f"{root}/api/sites", "sites")
    assert out["rows"] == len(real_app.extensions["atlas"].sites)
    assert out["dtypes"]["share_usa"] == "float64" and out["dtypes"]["commodities"] == "list(str)"


# --- Debian's GDAL 3.6 -----------------------------------------------------------------------------------------

def _ogrinfo(*args: str) -> subprocess.CompletedProcess:
    """``ogrinfo`` of Debian's gdal-bin (GDAL 3.6; `.ci/run` installs it)."""
    assert shutil.which("ogrinfo"), "ogrinfo (Debian gdal-bin) is not installed: apt-get install -y gdal-bin"
    return subprocess.run(["ogrinfo", "-ro", "-so", *args], capture_output=True, text=True, timeout=300, env=ENV,
                          check=False)


def _ogr_fields(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines():
        name, sep, rest = line.partition(": ")
        if sep and rest.endswith(")") and " (" in rest and " " not in name:
            fields[name] = rest.rsplit(" (", 1)[0]
    return fields


@pytest.mark.parametrize("collection_id", ["sites", "source_records"])
def test_gdal_3_6_oapif_reads_the_declared_types(root, collection_id):
    result = _ogrinfo(f"OAPIF:{root}/ogc", collection_id)
    assert result.returncode == 0, result.stderr[-2000:]
    fields = _ogr_fields(result.stdout)
    declared = COLLECTIONS[collection_id].fields
    assert {f.name: fields.get(f.name) for f in declared} == {
        f.name: next(iter(OGR_TYPES[f.type] & {fields.get(f.name)}), f"one of {sorted(OGR_TYPES[f.type])}")
        for f in declared}


def test_gdal_3_6_opens_the_geopackage_download_without_a_warning(root, tmp_path, client):
    path = tmp_path / "sites.gpkg"
    path.write_bytes(client.get("/api/sites?f=gpkg").data)
    result = _ogrinfo(str(path), "sites")
    assert result.returncode == 0 and "Warning" not in result.stderr + result.stdout, result.stderr
    fields = _ogr_fields(result.stdout)
    assert (fields["share_usa"], fields["n_sources"], fields["commodities"]) == ("Real", "Integer64", "String")
