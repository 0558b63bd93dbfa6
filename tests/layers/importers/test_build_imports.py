"""Tests for imported tables in the build: merged into the curated layers, conflicts counted and listed."""

from __future__ import annotations

from pathlib import Path

from layers.build import build_store
from layers.settings import SourceSettings, StoreSettings
from layers.store import read_store


def _entry(source_id: str, root: str, files: str, loader: str) -> str:
    return (f'[[source]]\nid = "{source_id}"\ntitle = "t"\npublisher = "p"\nlicence = "l"\nattribution = "a"\n'
            f'url = "https://example.org"\nroot = "{root}"\nfiles = ["{files}"]\nloader = "{loader}"\n')


def test_an_imported_stake_that_differs_is_kept_and_reported_by_the_build(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "national").mkdir(parents=True)
    (raw / "ownership").mkdir()
    (raw / "national" / "registry.csv").write_text(
        "deposit_id,name,country,lon,lat,precision_km\nkg-a,Kutessai-II,KG,76.15,42.65,5\n", encoding="utf-8")
    (tmp_path / "companies.csv").write_text("company_id,name,source\na,A LLP,curated.txt\nb,B LLP,curated.txt\n",
                                            encoding="utf-8")
    (tmp_path / "ownership.csv").write_text(
        "owner_id,owned_id,share_pct,relation,source\na,b,60,equity,curated.txt\n", encoding="utf-8")
    (raw / "ownership" / "gem_companies.csv").write_text(
        "company_id,name,source,source_date\nc,C Holding,GEM x row 2,2024\n", encoding="utf-8")
    (raw / "ownership" / "gem_ownership.csv").write_text(
        "owner_id,owned_id,share_pct,relation,source,source_date,source_quote\n"
        "a,b,51,equity,GEM x row 3,2024,\nc,a,100,equity,GEM x row 4,2024,\n", encoding="utf-8")
    manifest = tmp_path / "sources.toml"
    manifest.write_text("\n".join([
        _entry("national_test", "raw", "national/*.csv", "national_deposits"),
        _entry("companies_test", "data", "companies.csv", "companies_table"),
        _entry("ownership_test", "data", "ownership.csv", "ownership_table"),
        _entry("imported_companies", "raw", "ownership/*_companies.csv", "companies_import"),
        _entry("imported_ownership", "raw", "ownership/*_ownership.csv", "ownership_import"),
    ]), encoding="utf-8")
    store = StoreSettings(store_path=tmp_path / "out" / "atlas.gpkg")
    lines = build_store(SourceSettings(raw_dir=raw, manifest_path=manifest, data_dir=tmp_path), store).lines()
    conflict = ("import conflict: ownership a > b > equity: share_pct curated '60' (curated.txt) vs imported '51' "
                "(GEM x row 3)")
    assert conflict in lines
    assert any(line.endswith("import conflicts: 1") for line in lines)
    built = read_store(store.store_path)
    assert list(built.layer("ownership")["edge_id"]) == ["a>b#2", "a>b#2~import", "c>a#3"]
    assert list(built.layer("companies")["company_id"]) == ["a", "b", "c"]
    assert built.build_info["import_conflicts"] == [conflict.removeprefix("import conflict: ")]
