from layers.fetch import FetchOutcome, fetch_missing, main
from layers.settings import SourceSettings

MANIFEST = """
[[source]]
id = "{id}"
title = "t"
publisher = "p"
licence = "l"
attribution = "a"
url = "https://example.org/page"
root = "raw"
files = ["{file}"]
loader = "countries"
download = "{download}"
"""


def settings_for(tmp_path, entries: list[dict]) -> SourceSettings:
    manifest = tmp_path / "sources.toml"
    manifest.write_text("".join(MANIFEST.format(**e) for e in entries), encoding="utf-8")
    return SourceSettings(raw_dir=tmp_path / "raw", manifest_path=manifest, data_dir=tmp_path)


def test_missing_file_with_a_direct_url_is_fetched_into_the_raw_dir(tmp_path):
    upstream = tmp_path / "upstream.geojson"
    upstream.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    settings = settings_for(tmp_path, [{"id": "c", "file": "geo/c.geojson", "download": upstream.as_uri()}])
    outcomes = fetch_missing(settings)
    target = settings.raw_dir / "geo" / "c.geojson"
    assert outcomes == [FetchOutcome("c", "fetched", f"{target} from {upstream.as_uri()}",
                                     "p, https://example.org/page")]
    assert target.read_bytes() == upstream.read_bytes()
    assert sorted(p.name for p in target.parent.iterdir()) == ["c.geojson"]


def test_present_file_is_left_alone(tmp_path):
    settings = settings_for(tmp_path, [{"id": "c", "file": "geo/c.geojson", "download": "file:///nowhere"}])
    (settings.raw_dir / "geo").mkdir(parents=True)
    (settings.raw_dir / "geo" / "c.geojson").write_text("{}", encoding="utf-8")
    assert [o.state for o in fetch_missing(settings)] == ["present"]


def test_failed_download_names_file_url_and_error_and_leaves_nothing(tmp_path):
    url = (tmp_path / "absent.geojson").as_uri()
    settings = settings_for(tmp_path, [{"id": "c", "file": "geo/c.geojson", "download": url}])
    [outcome] = fetch_missing(settings)
    assert outcome.state == "failed"
    assert outcome.detail.startswith(f"missing {settings.raw_dir / 'geo' / 'c.geojson'}: could not fetch {url}: ")
    assert list((settings.raw_dir / "geo").iterdir()) == []


def test_source_without_url_is_listed_as_manual(tmp_path, monkeypatch, capsys):
    settings = settings_for(tmp_path, [{"id": "m", "file": "deposits/x.json", "download": ""}])
    monkeypatch.setenv("ATLAS_MANIFEST_PATH", str(settings.manifest_path))
    assert main(["--raw-dir", str(settings.raw_dir)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "missing, to get by hand (optional ones only add to the map):",
        "  m: from p",
        f"    missing {settings.raw_dir / 'deposits' / 'x.json'}; get it from https://example.org/page",
        "still missing: m (the build skips them and says so)",
    ]
