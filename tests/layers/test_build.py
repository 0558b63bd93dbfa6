import pytest

from layers.build import build_store, main
from layers.errors import BuildError, ColumnMappingError
from layers.settings import SourceSettings, StoreSettings
from layers.store import read_store

MANIFEST = """
[[source]]
id = "national_test"
title = "t"
publisher = "p"
licence = "l"
attribution = "a"
url = "https://example.org"
root = "raw"
files = ["national/*.csv"]
loader = "national_deposits"

[[source]]
id = "countries_test"
title = "t"
publisher = "p"
licence = "l"
attribution = "a"
url = "https://example.org"
root = "raw"
files = ["geo/countries.geojson"]
loader = "countries"
"""

CSV = "deposit_id,name,country,lon,lat,precision_km,commodities,linked_records\n" \
      "kg-a,Kutessai-II,KG,76.166667,42.666667,15,REE; Be,\n" \
      "kg-b,Aktyuz,KG,76.183333,42.883333,5,Be,\n" \
      "uz-c,Aitym,UZ,,,,REE,\n"


@pytest.fixture()
def settings(tmp_path):
    raw = tmp_path / "raw"
    (raw / "national").mkdir(parents=True)
    (raw / "national" / "registry.csv").write_text(CSV, encoding="utf-8")
    manifest = tmp_path / "sources.toml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    return (SourceSettings(raw_dir=raw, manifest_path=manifest, data_dir=tmp_path),
            StoreSettings(store_path=tmp_path / "out" / "atlas.gpkg"))


def test_build_from_what_is_present_and_report_what_was_skipped(settings):
    sources, store = settings
    report = build_store(sources, store)
    assert report.used == {"national_test": 3}
    assert report.skipped == {"countries_test": f"no file at {sources.raw_dir / 'geo' / 'countries.geojson'}"}
    assert report.notes == ["country check skipped: no countries source present"]
    assert (report.records_in, report.sites_out, report.mapped_sites, report.quarantined) == (3, 3, 2, 0)
    built = read_store(store.store_path)
    assert sorted(built.sites["site_id"]) == ["national-registry:kg-a", "national-registry:kg-b",
                                              "national-registry:uz-c"]
    assert built.sources.set_index("id")["status"].to_dict() == {"national_test": "used", "countries_test": "skipped"}
    assert built.build_info["records_in"] == 3


def test_build_report_lines_name_every_skipped_source(settings):
    sources, store = settings
    lines = build_store(sources, store).lines()
    assert any(line.startswith("source countries_test: SKIPPED: no file at") for line in lines)
    assert lines[-1].startswith("records in: 3; sites out: 3 (2 mapped); multi-source sites: 0; quarantined rows: 0")


def test_no_deposit_source_is_an_error_and_the_previous_store_stays(settings):
    sources, store = settings
    build_store(sources, store)
    before = store.store_path.read_bytes()
    (sources.raw_dir / "national" / "registry.csv").unlink()
    with pytest.raises(BuildError, match="no deposit source is present; national_test: no file at"):
        build_store(sources, store)
    assert store.store_path.read_bytes() == before


def test_a_loader_error_fails_the_build_and_leaves_the_previous_store(settings):
    sources, store = settings
    build_store(sources, store)
    before = store.store_path.read_bytes()
    (sources.raw_dir / "national" / "registry.csv").write_text("title,country\nx,KG\n", encoding="utf-8")
    expected = r"registry.csv: missing required national template columns \['name', 'lon', 'lat'\]"
    with pytest.raises(ColumnMappingError, match=expected):
        build_store(sources, store)
    assert store.store_path.read_bytes() == before
    assert sorted(p.name for p in store.store_path.parent.iterdir()) == ["atlas.gpkg"]


def test_duplicate_record_ids_fail_the_build(settings):
    sources, store = settings
    again = MANIFEST.split("[[source]]")[1].replace('id = "national_test"', 'id = "national_again"')
    sources.manifest_path.write_text(MANIFEST + "[[source]]" + again, encoding="utf-8")
    with pytest.raises(BuildError, match=r"record ids given by more than one row: \['national-registry:kg-a'"):
        build_store(sources, store)
    assert not store.store_path.exists()


def test_cli_exits_1_with_the_reason(settings, monkeypatch, capsys):
    sources, store = settings
    (sources.raw_dir / "national" / "registry.csv").unlink()
    monkeypatch.setenv("ATLAS_MANIFEST_PATH", str(sources.manifest_path))
    code = main(["--raw-dir", str(sources.raw_dir), "--store", str(store.store_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("build failed: no deposit source is present")
    assert "the previous store, if any, is unchanged" in err


def test_cli_prints_the_report(settings, monkeypatch, capsys):
    sources, store = settings
    monkeypatch.setenv("ATLAS_MANIFEST_PATH", str(sources.manifest_path))
    assert main(["--raw-dir", str(sources.raw_dir), "--store", str(store.store_path)]) == 0
    out = capsys.readouterr().out
    assert "source national_test: 3 rows read" in out and f"store: {store.store_path}" in out


# --- integration: the real staged data --------------------------------------------------------------------

def test_real_build_reads_every_record(real_store):
    info = read_store(real_store).build_info
    # Lyangar (labelled KG, its point in Uzbekistan) is kept under UZ since issue 10, so 37, not 38.
    assert (info["records_in"], info["quarantined"]) == (1387 + 25, 37)
    assert info["quarantine_by_reason"] == {"coordinates look swapped": 22, "no name": 13, "placeholder point": 1,
                                            "placeholder point at a pole": 1}
    assert info["mapped_sites"] >= 1080
    assert set(info["skipped"]) == {"usgs_tienshan_ree", "national_registry", "licence_areas",
                                    "raw_ownership_imports_companies", "raw_ownership_imports_ownership",
                                    "raw_ownership_imports_licences",
                                    "rivers_ne10m"}  # Natural Earth rivers: in the manifest, not staged
