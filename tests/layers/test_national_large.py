"""Large national registry files: streamed in chunks with progress logged, limits refused with the setting named."""

from __future__ import annotations

import csv
import logging
import shutil
from pathlib import Path

import pytest
from geopandas.testing import assert_geodataframe_equal
from pandas.testing import assert_frame_equal
from pydantic import ValidationError

from layers.build import build_store
from layers.deposits.national import load_national_deposits
from layers.errors import SourceFormatError
from layers.manifest import Source
from layers.settings import SourceSettings, StoreSettings, TableSettings

HEADER = ["deposit_id", "name", "name_ru", "aliases", "country", "lon", "lat", "precision_km", "commodities"]
#: One point well inside each country (checked against the Natural Earth outlines by the build test).
INSIDE = {"KZ": (70.0, 48.0), "KG": (74.5, 41.5), "TJ": (69.5, 38.5), "UZ": (64.5, 41.0), "TM": (59.0, 39.0)}


def _source() -> Source:
    return Source(id="national_registry", title="t", publisher="p", licence="l", attribution="a",
                  url="docs/NATIONAL_TEMPLATE.md", root="raw", files=("national/*.csv",), loader="national_deposits")


def _write_registry(path: Path, rows: int) -> Path:
    """Every 20th row has no location, every 100th (from row 51) a bad longitude; the rest are distinct points."""
    codes = list(INSIDE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            code = codes[n % 5]
            lon, lat = INSIDE[code]
            cells = [f"reg-{n}", f"Registry deposit {n}", f"Месторождение {n}", f"Deposit {n}-A", code,
                     f"{lon + (n % 97) * 0.001:.4f}", f"{lat + (n % 89) * 0.001:.4f}", "5", "REE; Be"]
            if n % 20 == 0:
                cells[5] = cells[6] = ""
            elif n % 100 == 49:
                cells[5] = "76,1,2"
            writer.writerow(cells)
    return path


def test_chunked_reading_gives_the_same_result_as_one_chunk(tmp_path: Path) -> None:
    path = _write_registry(tmp_path / "registry.csv", 1_000)
    whole = load_national_deposits([path], _source(), TableSettings(table_chunk_rows=5_000))
    chunked = load_national_deposits([path], _source(), TableSettings(table_chunk_rows=7))
    assert (len(whole.records), len(whole.quarantine)) == (990, 10)
    assert_geodataframe_equal(chunked.records, whole.records)
    assert_frame_equal(chunked.quarantine, whole.quarantine)
    # Row numbers count across chunks: data row n is file row n + 2 (the header is row 1).
    assert whole.quarantine["reason"].iloc[-1] == (
        "registry.csv row 951: coordinates are not decimal degrees (lon '76,1,2', lat '39.0590')")


def test_a_file_over_the_row_limit_is_refused_naming_the_setting(tmp_path: Path) -> None:
    path = _write_registry(tmp_path / "registry.csv", 101)
    with pytest.raises(SourceFormatError) as exc_info:
        load_national_deposits([path], _source(), TableSettings(max_table_rows=100, table_chunk_rows=30))
    assert str(exc_info.value) == (f"{path}: more than 100 data rows (the limit, setting ATLAS_MAX_TABLE_ROWS); "
                                   "split the national template file or raise the limit")


def test_a_file_at_the_row_limit_is_read(tmp_path: Path) -> None:
    path = _write_registry(tmp_path / "registry.csv", 100)
    result = load_national_deposits([path], _source(), TableSettings(max_table_rows=100, table_chunk_rows=30))
    assert len(result.records) + len(result.quarantine) == 100


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = _write_registry(tmp_path / "registry.csv", 2_000)
    megabytes = path.stat().st_size / 1e6
    with pytest.raises(SourceFormatError) as exc_info:
        load_national_deposits([path], _source(), TableSettings(max_table_mb=0.1))
    assert str(exc_info.value) == (f"{path}: {megabytes:,.1f} MB is larger than the limit of 0.1 MB (setting "
                                   "ATLAS_MAX_TABLE_MB); split the national template file or raise the limit")


@pytest.mark.parametrize("changes", [{"max_table_rows": 0}, {"max_table_mb": 0}, {"table_chunk_rows": 0}],
                         ids=["rows", "megabytes", "chunk"])
def test_table_limits_must_be_positive(changes: dict) -> None:
    with pytest.raises(ValidationError):
        TableSettings(**changes)


MANIFEST = """
[[source]]
id = "national_registry"
title = "t"
publisher = "p"
licence = "l"
attribution = "a"
url = "https://example.org"
root = "raw"
files = ["national/*.csv"]
loader = "national_deposits"

[[source]]
id = "countries_ne10m"
title = "t"
publisher = "p"
licence = "l"
attribution = "a"
url = "https://example.org"
root = "raw"
files = ["geo/countries_ne10m.geojson"]
loader = "countries"
"""


def test_a_20000_row_registry_builds_and_logs_progress(tmp_path: Path, raw_dir: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    raw = tmp_path / "raw"
    _write_registry(raw / "national" / "registry.csv", 20_000)
    (raw / "geo").mkdir()
    shutil.copyfile(raw_dir / "geo" / "countries_ne10m.geojson", raw / "geo" / "countries_ne10m.geojson")
    manifest = tmp_path / "sources.toml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    # The build reads the table settings like a user's build does: from ATLAS_* variables.
    monkeypatch.setenv("ATLAS_TABLE_CHUNK_ROWS", "5000")
    caplog.set_level(logging.INFO)
    report = build_store(SourceSettings(raw_dir=raw, manifest_path=manifest, data_dir=tmp_path),
                         StoreSettings(store_path=tmp_path / "out" / "atlas.gpkg"))
    assert (report.records_in, report.sites_out, report.mapped_sites, report.quarantined) == (
        20_000, 19_800, 18_800, 200)
    assert report.quarantine_by_reason == {"coordinates are not decimal degrees": 200}
    messages = [r.getMessage() for r in caplog.records]
    read = [m.split(" (")[0] for m in messages if m.startswith("registry.csv:") and " rows read " in m]
    assert read == [f"registry.csv: {n} rows read" for n in (5_000, 10_000, 15_000, 20_000)]
    stages = ["loading sources", "country check", "linkage", "relations", "transport",
              "changes since the previous build", "writing the store"]
    assert [m.split(" done")[0] for m in messages if m.startswith("build: ")] == [f"build: {s}" for s in stages]
    assert list(report.stage_seconds) == stages
    assert report.lines()[-2].startswith("stages: loading sources ")
