"""Build safety (issue 8 items 2 and 9): unreadable files are errors, not absences; a build never silently
replaces a bigger store; source files stay inside their directory; errors never quote a file's content."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from layers.build import build_store, main
from layers.errors import ColumnMappingError, SourcePathError, SourceUnreadableError, StoreShrinkError
from layers.settings import PROJECT_ROOT, SourceSettings, StoreSettings
from layers.store import read_store

ENTRY = """
[[source]]
id = "{id}"
title = "t"
publisher = "p"
licence = "l"
attribution = "a"
url = "https://example.org"
root = "raw"
files = [{files}]
loader = "national_deposits"
"""

HEADER = "deposit_id,name,country,lon,lat,precision_km,commodities,linked_records\n"
KG = HEADER + "kg-a,Kutessai-II,KG,76.166667,42.666667,15,REE; Be,\n" \
              "kg-b,Aktyuz,KG,76.183333,42.883333,5,Be,\n" \
              "kg-c,Kalesay,KG,75.25,42.05,5,Be,\n"
UZ = HEADER + "uz-c,Aitym,UZ,64.5,41.9,10,REE,\n"
PASSWD_LINE = "root:x:0:0:root:/root:/bin/bash"


def _settings(tmp_path: Path, files: dict[str, str] | None = None, **store) -> tuple[SourceSettings, StoreSettings]:
    raw = tmp_path / "raw"
    (raw / "national").mkdir(parents=True, exist_ok=True)
    for name, text in (files if files is not None else {"kg.csv": KG, "uz.csv": UZ}).items():
        (raw / "national" / name).write_text(text, encoding="utf-8")
    manifest = tmp_path / "sources.toml"
    manifest.write_text(ENTRY.format(id="national_kg", files='"national/kg.csv"')
                        + ENTRY.format(id="national_uz", files='"national/uz.csv"'), encoding="utf-8")
    return (SourceSettings(raw_dir=raw, manifest_path=manifest, data_dir=tmp_path),
            StoreSettings(store_path=tmp_path / "out" / "atlas.gpkg", **store))


def _unreadable(path: Path, kind: str) -> None:
    """Put something that is not a readable file at ``path``."""
    path.unlink()
    if kind == "directory":
        path.mkdir()
    elif kind == "symlink-loop":
        path.symlink_to(path.name)
    elif kind == "dangling-symlink":
        path.symlink_to("gone.csv")


# --- item 2: present but unreadable is an error ----------------------------------------------------------

@pytest.mark.parametrize(("kind", "problem"), [
    ("directory", "is a directory; expected a file"),
    ("symlink-loop", "is a symlink loop; expected a file"),
    ("dangling-symlink", "is a symlink to a file that does not exist; expected a file"),
])
def test_an_unreadable_named_file_fails_the_build_and_keeps_the_store(tmp_path, kind, problem):
    sources, store = _settings(tmp_path)
    build_store(sources, store)
    before = store.store_path.read_bytes()
    target = sources.raw_dir / "national" / "kg.csv"
    _unreadable(target, kind)
    with pytest.raises(SourceUnreadableError) as exc_info:
        build_store(sources, store)
    assert str(exc_info.value) == f"source national_kg: {target} {problem}"
    assert store.store_path.read_bytes() == before


def test_an_unreadable_glob_match_is_an_error_but_a_matching_folder_is_skipped(tmp_path):
    sources, store = _settings(tmp_path)
    sources.manifest_path.write_text(ENTRY.format(id="national_all", files='"national/*.csv"'), encoding="utf-8")
    (sources.raw_dir / "national" / "folder.csv").mkdir()
    assert build_store(sources, store).used == {"national_all": 4}
    (sources.raw_dir / "national" / "loop.csv").symlink_to("loop.csv")
    with pytest.raises(SourceUnreadableError, match=r"^source national_all: .*loop\.csv is a symlink loop"):
        build_store(sources, store)


def test_the_cli_exits_1_on_an_unreadable_file(tmp_path, monkeypatch, capsys):
    sources, store = _settings(tmp_path)
    _unreadable(sources.raw_dir / "national" / "kg.csv", "directory")
    monkeypatch.setenv("ATLAS_MANIFEST_PATH", str(sources.manifest_path))
    assert main(["--raw-dir", str(sources.raw_dir), "--store", str(store.store_path)]) == 1
    assert capsys.readouterr().err.startswith("build failed: source national_kg: ")
    assert not store.store_path.exists()


# --- item 2: a build never silently replaces a bigger store ------------------------------------------------

def test_a_build_that_drops_a_source_refuses_and_keeps_the_store(tmp_path):
    sources, store = _settings(tmp_path)
    build_store(sources, store)
    before = store.store_path.read_bytes()
    (sources.raw_dir / "national" / "uz.csv").unlink()  # truly absent: skipped, but the store had it
    with pytest.raises(StoreShrinkError) as exc_info:
        build_store(sources, store)
    assert str(exc_info.value) == (
        f"refusing to replace {store.store_path}: it would drop the sources national_uz (1 rows before); "
        "sites would fall from 4 to 3 (-25%; at most 10% may go, setting ATLAS_MAX_SITE_LOSS). It is unchanged. "
        "If this is meant, build with --allow-shrink (or ATLAS_ALLOW_SHRINK=1)")
    assert store.store_path.read_bytes() == before
    assert sorted(p.name for p in store.store_path.parent.iterdir()) == ["atlas.gpkg"]


def test_a_build_that_loses_more_than_the_allowed_share_of_sites_refuses(tmp_path):
    sources, store = _settings(tmp_path)
    build_store(sources, store)
    before = store.store_path.read_bytes()
    (sources.raw_dir / "national" / "kg.csv").write_text(KG.rsplit("kg-c", 1)[0], encoding="utf-8")
    with pytest.raises(StoreShrinkError) as exc_info:
        build_store(sources, store)
    assert str(exc_info.value) == (
        f"refusing to replace {store.store_path}: sites would fall from 4 to 3 (-25%; at most 10% may go, "
        "setting ATLAS_MAX_SITE_LOSS). It is unchanged. If this is meant, build with --allow-shrink "
        "(or ATLAS_ALLOW_SHRINK=1)")
    assert store.store_path.read_bytes() == before


def test_a_loss_within_the_allowed_share_replaces_the_store(tmp_path):
    sources, store = _settings(tmp_path, max_site_loss=0.25)
    build_store(sources, store)
    (sources.raw_dir / "national" / "kg.csv").write_text(KG.rsplit("kg-c", 1)[0], encoding="utf-8")
    assert build_store(sources, store).sites_out == 3
    assert read_store(store.store_path).build_info["sites_out"] == 3


def test_allow_shrink_replaces_the_store_naming_nothing_lost(tmp_path):
    sources, store = _settings(tmp_path)
    build_store(sources, store)
    (sources.raw_dir / "national" / "uz.csv").unlink()
    allowed = store.model_copy(update={"allow_shrink": True})
    assert build_store(sources, allowed).skipped == {"national_uz": f"no file at {sources.raw_dir}/national/uz.csv"}
    assert sorted(read_store(store.store_path).sites["site_id"]) == [
        "national-kg:kg-a", "national-kg:kg-b", "national-kg:kg-c"]


def test_the_cli_refuses_a_shrink_and_allow_shrink_overrides(tmp_path, monkeypatch, capsys):
    sources, store = _settings(tmp_path)
    monkeypatch.setenv("ATLAS_MANIFEST_PATH", str(sources.manifest_path))
    args = ["--raw-dir", str(sources.raw_dir), "--store", str(store.store_path)]
    assert main(args) == 0  # the first build: no previous store, nothing to lose
    before = store.store_path.read_bytes()
    (sources.raw_dir / "national" / "uz.csv").unlink()
    capsys.readouterr()
    assert main(args) == 1
    assert capsys.readouterr().err.startswith(
        f"build failed: refusing to replace {store.store_path}: it would drop the sources national_uz")
    assert store.store_path.read_bytes() == before
    assert main([*args, "--allow-shrink"]) == 0
    assert read_store(store.store_path).build_info["sites_out"] == 3


def test_an_unreadable_previous_store_is_not_replaced_without_allow_shrink(tmp_path):
    sources, store = _settings(tmp_path)
    store.store_path.parent.mkdir(parents=True)
    store.store_path.write_bytes(b"not a geopackage")
    with pytest.raises(StoreShrinkError, match=r"^cannot compare with the previous store .*atlas\.gpkg"):
        build_store(sources, store)
    assert store.store_path.read_bytes() == b"not a geopackage"


@pytest.mark.parametrize("share", [-0.1, 1.5])
def test_the_allowed_site_loss_is_a_share_between_0_and_1(share):
    with pytest.raises(ValidationError, match="max_site_loss"):
        StoreSettings(max_site_loss=share)


def test_the_shrink_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ATLAS_MAX_SITE_LOSS", "0.05")
    monkeypatch.setenv("ATLAS_ALLOW_SHRINK", "1")
    assert (StoreSettings().max_site_loss, StoreSettings().allow_shrink) == (0.05, True)


# --- item 9: files stay inside their directory; errors never quote a file ------------------------------

def test_a_symlink_out_of_the_raw_directory_is_refused(tmp_path):
    sources, store = _settings(tmp_path)
    outside = tmp_path / "secret.csv"
    outside.write_text(PASSWD_LINE + "\n", encoding="utf-8")
    target = sources.raw_dir / "national" / "kg.csv"
    target.unlink()
    target.symlink_to(outside)
    with pytest.raises(SourcePathError) as exc_info:
        build_store(sources, store)
    assert str(exc_info.value) == (
        f"source national_kg: {target} resolves to {outside}, outside the source's directory {sources.raw_dir}; "
        "expected a file inside it (copy the file in, or point the directory setting at it)")


def test_a_symlink_inside_the_raw_directory_is_followed(tmp_path):
    sources, store = _settings(tmp_path)
    target = sources.raw_dir / "national" / "uz.csv"
    os.replace(target, sources.raw_dir / "uz-real.csv")
    target.symlink_to(sources.raw_dir / "uz-real.csv")
    assert build_store(sources, store).used == {"national_kg": 3, "national_uz": 1}


def test_a_file_that_is_not_the_table_is_never_quoted(tmp_path):
    sources, store = _settings(tmp_path, {"kg.csv": PASSWD_LINE + "\ndaemon:x:1:1:daemon:/usr/sbin\n", "uz.csv": UZ})
    with pytest.raises(ColumnMappingError) as exc_info:
        build_store(sources, store)
    message = str(exc_info.value)
    assert message.startswith(f"{sources.raw_dir / 'national' / 'kg.csv'}: missing required national template "
                              "columns ['name', 'country', 'lon', 'lat']; the file has 1 column, "
                              "none of the expected names; ")
    assert "/bin/bash" not in message and "daemon" not in message


#: Sites of a build from the real MinMod file and the curated tables (1,430 before issue 10's linkage).
SITES_OUT = 1261

# --- integration: the real MinMod file -----------------------------------------------------------------

@pytest.fixture(scope="module")
def real_minmod_build(tmp_path_factory, raw_dir):
    """A raw directory holding a copy of the real MinMod extract, and the store built from it (+ curated)."""
    root = tmp_path_factory.mktemp("minmod")
    (root / "raw" / "deposits").mkdir(parents=True)
    shutil.copy(raw_dir / "deposits" / "minmod_central_asia_sites.json", root / "raw" / "deposits")
    sources = SourceSettings(raw_dir=root / "raw", manifest_path=PROJECT_ROOT / "data" / "sources.toml")
    store = StoreSettings(store_path=root / "atlas.gpkg")
    build_store(sources, store)
    return sources, store


@pytest.mark.parametrize("kind", ["directory", "symlink-loop"])
def test_real_minmod_replaced_by_an_unreadable_path_keeps_the_full_store(real_minmod_build, kind):
    sources, store = real_minmod_build
    before = store.store_path.read_bytes()
    # 1,430 before issue 10; scored linkage merges duplicates.
    assert read_store(store.store_path).build_info["sites_out"] == SITES_OUT
    minmod = sources.raw_dir / "deposits" / "minmod_central_asia_sites.json"
    kept = minmod.with_name("kept.json")
    os.replace(minmod, kept)
    try:
        minmod.mkdir() if kind == "directory" else minmod.symlink_to(minmod.name)
        with pytest.raises(SourceUnreadableError, match=r"^source minmod: .*minmod_central_asia_sites\.json is a "):
            build_store(sources, store)
    finally:
        minmod.rmdir() if kind == "directory" else minmod.unlink()
        os.replace(kept, minmod)
    assert store.store_path.read_bytes() == before


def test_real_minmod_missing_refuses_to_shrink_the_store(real_minmod_build):
    sources, store = real_minmod_build
    before = store.store_path.read_bytes()
    minmod = sources.raw_dir / "deposits" / "minmod_central_asia_sites.json"
    kept = minmod.with_name("kept.json")
    os.replace(minmod, kept)
    try:
        with pytest.raises(StoreShrinkError) as exc_info:
            build_store(sources, store)
    finally:
        os.replace(kept, minmod)
    assert str(exc_info.value).startswith(
        f"refusing to replace {store.store_path}: it would drop the sources minmod (1387 rows before); "
        f"sites would fall from {SITES_OUT} to 227 (-82%; at most 10% may go")
    assert store.store_path.read_bytes() == before
