"""Tests for rebuilding the MinMod extract from upstream files: real upstream files (tests/data/minmod_upstream)."""

from __future__ import annotations

import functools
import http.server
import json
import tarfile
import threading
from pathlib import Path

import pytest

from layers.deposits.minmod import load_minmod_sites
from layers.fetch import FetchOutcome, fetch_missing, main
from layers.importers.minmod_extract import (
    MinmodExtractError,
    extract_from_archive,
    extract_from_directory,
    in_central_asia,
    iter_ids,
    write_extract,
)
from layers.manifest import load_manifest
from layers.registry import LOADERS
from layers.settings import SourceSettings

UPSTREAM = Path(__file__).resolve().parents[2] / "data" / "minmod_upstream"
COMMIT = "050de430cb38b9c8b43f4bb67387f561bc096ab0"
#: The Central Asian records of the four fixture files, in path order (Karajilga, Balakarak, Taskazgan).
FIXTURE_IDS = [
    ("https://mrdata.usgs.gov/ofr20151121", "330"),
    ("https://doi.org/10.3133/pp1802J", "107"),
    ("https://doi.org/10.2113/econgeo.110.8.1925", "karajilga__172"),
]
KZ = "https://minmod.isi.edu/resource/Q1112"


def _pack(folder: Path, archive: Path, prefix: str = f"ta2-minmod-data-{COMMIT}") -> Path:
    """Pack ``folder`` the way GitHub's /archive/<commit>.tar.gz does: every path under one ``<repo>-<commit>/``."""
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=prefix)
    return archive


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    return _pack(UPSTREAM, tmp_path / f"{COMMIT}.tar.gz")


@pytest.fixture(scope="module")
def staged(raw_dir: Path) -> list[dict]:
    return json.loads((raw_dir / "deposits" / "minmod_central_asia_sites.json").read_text(encoding="utf-8"))


def test_archive_gives_the_central_asian_records_in_path_order(archive: Path) -> None:
    assert list(iter_ids(extract_from_archive(archive))) == FIXTURE_IDS


@pytest.mark.integration
def test_archive_records_equal_the_staged_records(archive: Path, staged: list[dict]) -> None:
    by_id = dict(zip(iter_ids(staged), staged, strict=True))
    assert extract_from_archive(archive) == [by_id[key] for key in FIXTURE_IDS]


@pytest.mark.integration
def test_rebuilt_file_loads_to_the_staged_ids_coordinates_and_commodities(
        archive: Path, raw_dir: Path, source_settings: SourceSettings, tmp_path: Path) -> None:
    source = next(s for s in load_manifest(source_settings.manifest_path, set(LOADERS)) if s.id == "minmod")
    rebuilt = tmp_path / "minmod_central_asia_sites.json"
    write_extract(extract_from_archive(archive), rebuilt)
    mine = load_minmod_sites([rebuilt], source).records.set_index("record_id")
    theirs = load_minmod_sites([raw_dir / "deposits" / "minmod_central_asia_sites.json"], source).records
    theirs = theirs.set_index("record_id").loc[mine.index]
    assert list(mine.index) == ["mrdata-ofr20151121:330", "doi-10-3133-pp1802j:107", "jowitt-ree:karajilga__172"]
    assert [(g.x, g.y) if g is not None else None for g in mine.geometry] == [
        (64.193, 41.162), (63.38, 40.81), None]
    assert mine[["name", "country", "commodities"]].to_dict("records") == \
        theirs[["name", "country", "commodities"]].to_dict("records")
    assert mine.geometry.geom_equals(theirs.geometry).tolist()[:2] == [True, True]


def test_checked_out_copy_gives_the_same_records_as_the_archive(archive: Path) -> None:
    assert extract_from_directory(UPSTREAM) == extract_from_archive(archive)


def test_written_extract_is_a_json_list_with_one_space_indent(archive: Path, tmp_path: Path) -> None:
    target = tmp_path / "deposits" / "out.json"
    records = extract_from_archive(archive)
    write_extract(records, target)
    assert target.read_text(encoding="utf-8") == json.dumps(records, indent=1, ensure_ascii=False)
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.json"]


@pytest.mark.parametrize(("record", "expected"), [
    ({"location_info": {"country": [{"normalized_uri": KZ}]}}, True),
    ({"location_info": {"country": [{"observed_name": " KAZAKSTAN "}]}}, True),
    ({"location_info": {"country": [{"observed_name": "Iran"}, {"observed_name": "Tajikistan"}]}}, True),
    ({"location_info": {"country": [{"observed_name": "Russia", "normalized_uri": "x"}]}}, False),
    ({"location_info": {"country": "Kazakhstan"}}, False),
    ({"location_info": None}, False),
    ({}, False),
])
def test_country_rule(record: dict, expected: bool) -> None:
    assert in_central_asia(record) is expected


def test_not_an_archive_is_an_error_naming_the_file(tmp_path: Path) -> None:
    bogus = tmp_path / "page.tar.gz"
    bogus.write_text("<html>rate limited</html>", encoding="utf-8")
    with pytest.raises(MinmodExtractError, match=r"page\.tar\.gz: cannot read the archive"):
        extract_from_archive(bogus)


def test_archive_of_another_repository_is_an_error(tmp_path: Path) -> None:
    other = tmp_path / "other"
    (other / "docs").mkdir(parents=True)
    (other / "docs" / "b000.json").write_text("[]", encoding="utf-8")
    with pytest.raises(MinmodExtractError, match="no data/mineral-sites/<creator>/<dataset>/b\\*.json files"):
        extract_from_archive(_pack(other, tmp_path / "other.tar.gz"))


def test_site_file_that_is_not_a_list_is_an_error_naming_the_member(tmp_path: Path) -> None:
    broken = tmp_path / "broken" / "data" / "mineral-sites" / "umn" / "mrdata_ree"
    broken.mkdir(parents=True)
    (broken / "b000.json").write_text('{"record_id": "1"}', encoding="utf-8")
    with pytest.raises(MinmodExtractError, match=r"umn/mrdata_ree/b000\.json: expected a JSON list"):
        extract_from_archive(_pack(tmp_path / "broken", tmp_path / "broken.tar.gz"))


# --- make data: the download step, served locally (tests never use the network) -----------------------------------

MANIFEST = """
[[source]]
id = "minmod"
title = "MinMod mineral sites"
publisher = "DARPA CriticalMAAS TA2"
licence = "MIT"
attribution = "a"
url = "https://github.com/DARPA-CRITICALMAAS/ta2-minmod-data"
root = "raw"
files = ["deposits/minmod_central_asia_sites.json"]
loader = "minmod_sites"
download = "{download}"
extract = "{extract}"
"""


def _settings(tmp_path: Path, download: str, extract: str = "minmod_central_asia") -> SourceSettings:
    manifest = tmp_path / "sources.toml"
    manifest.write_text(MANIFEST.format(download=download, extract=extract), encoding="utf-8")
    return SourceSettings(raw_dir=tmp_path / "raw", manifest_path=manifest, data_dir=tmp_path)


@pytest.fixture()
def served(archive: Path):
    """A local HTTP server serving the archive's folder; yields the archive's URL."""
    handler = functools.partial(_QuietHandler, directory=str(archive.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{archive.name}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        return None


def test_make_data_rebuilds_the_extract_from_the_served_archive(tmp_path: Path, served: str) -> None:
    settings = _settings(tmp_path, served)
    target = settings.raw_dir / "deposits" / "minmod_central_asia_sites.json"
    outcomes = fetch_missing(settings)
    assert outcomes == [FetchOutcome(
        "minmod", "fetched", f"{target} from {served} (3 Central Asian records, extracted by minmod_central_asia)",
        "DARPA CriticalMAAS TA2, https://github.com/DARPA-CRITICALMAAS/ta2-minmod-data")]
    assert list(iter_ids(json.loads(target.read_text(encoding="utf-8")))) == FIXTURE_IDS
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]


def test_make_data_with_a_page_instead_of_an_archive_fails_and_leaves_nothing(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html>not here</html>", encoding="utf-8")
    settings = _settings(tmp_path, page.as_uri())
    [outcome] = fetch_missing(settings)
    assert (outcome.state, outcome.detail.split(": could not extract ")[0]) == (
        "failed", f"missing {settings.raw_dir / 'deposits' / 'minmod_central_asia_sites.json'}")
    assert list((settings.raw_dir / "deposits").iterdir()) == []


def test_unknown_extractor_is_reported_not_raised(tmp_path: Path, archive: Path) -> None:
    [outcome] = fetch_missing(_settings(tmp_path, archive.as_uri(), extract="nope"))
    assert (outcome.state, outcome.detail.endswith("unknown extractor 'nope' in the manifest; known: "
                                                   "['minmod_central_asia']")) == ("failed", True)


def test_make_data_offline_names_origin_and_ends_with_one_summary_line(tmp_path: Path, monkeypatch, capsys) -> None:
    url = (tmp_path / "absent.tar.gz").as_uri()
    settings = _settings(tmp_path, url)
    monkeypatch.setenv("ATLAS_MANIFEST_PATH", str(settings.manifest_path))
    assert main(["--raw-dir", str(settings.raw_dir)]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert (captured.err, lines[:2]) == ("", [
        "missing, and the download failed (run `make data` again when online, or fetch the URL by hand):",
        "  minmod: from DARPA CriticalMAAS TA2, https://github.com/DARPA-CRITICALMAAS/ta2-minmod-data",
    ])
    assert lines[2].startswith(f"    missing {settings.raw_dir / 'deposits' / 'minmod_central_asia_sites.json'}: "
                               f"could not fetch {url}: ")
    assert lines[3:] == ["make data: 1 download(s) failed (minmod; no network?) and 0 source(s) are to get by "
                         "hand. The build skips missing sources and says so; with no raw data at all the map "
                         "shows the embedded sample."]
