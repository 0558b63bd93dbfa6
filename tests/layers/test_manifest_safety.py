"""Manifest safety (issue 8 items 3 and 9): single-line text fields, and file patterns that stay inside their
directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.build import build_store
from layers.errors import ManifestError
from layers.manifest import load_manifest
from layers.settings import SourceSettings, StoreSettings

KNOWN_LOADERS = {"minmod_sites", "national_deposits"}
BASE = {"id": "minmod", "title": "MinMod sites", "publisher": "DARPA", "licence": "MIT", "attribution": "(c) DARPA",
        "url": "https://example.org", "root": "raw", "files": ["deposits/minmod.json"], "loader": "minmod_sites"}


def _toml(value: object) -> str:
    if isinstance(value, str):  # a TOML basic string, every control character escaped
        return '"' + "".join(ch if ch.isprintable() and ch not in '"\\' else f"\\u{ord(ch):04X}" for ch in value) + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _manifest(tmp_path: Path, **changes: object) -> Path:
    path = tmp_path / "sources.toml"
    entry = {**BASE, **changes}
    path.write_text("[[source]]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in entry.items()), encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(ManifestError) as exc_info:
        load_manifest(path, KNOWN_LOADERS)
    return str(exc_info.value)


# --- item 3: one line of text ------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["title", "publisher", "licence", "attribution", "url", "download"])
@pytest.mark.parametrize(("text", "code", "position"), [
    ("(c) DARPA\nX-Injected: 1", "000A", 9), ("(c) DARPA\r", "000D", 9), ("a\tb", "0009", 1),
    ("nul\x00", "0000", 3), ("line\u2028separator", "2028", 4), ("c1 \x85", "0085", 3),
], ids=["newline", "carriage-return", "tab", "nul", "line-separator", "c1-next-line"])
def test_a_control_character_in_a_single_line_field_is_an_error(tmp_path, field, text, code, position):
    path = _manifest(tmp_path, **{field: text})
    assert _error(path) == (
        f"{path}: [[source]] #1 (minmod): field {field!r} holds control character U+{code} at position {position}; "
        "expected one line of text without newlines, tabs or other control characters")


def test_a_control_character_in_the_id_names_the_entry(tmp_path):
    path = _manifest(tmp_path, id="min\nmod")
    assert _error(path).startswith(f"{path}: [[source]] #1: field 'id' holds control character U+000A at position 3")


def test_a_note_may_span_lines_but_holds_no_other_control_character(tmp_path):
    assert load_manifest(_manifest(tmp_path, note="first line\nsecond\tline"), KNOWN_LOADERS)[0].note == \
        "first line\nsecond\tline"
    path = _manifest(tmp_path, note="bell\x07")
    assert _error(path).startswith(f"{path}: [[source]] #1 (minmod): field 'note' holds control character U+0007")


@pytest.mark.parametrize(("field", "value", "kind"), [("title", 3, "int"), ("attribution", ["a", "b"], "list"),
                                                      ("note", True, "bool")])
def test_a_text_field_that_is_not_text_is_an_error(tmp_path, field, value, kind):
    path = _manifest(tmp_path, **{field: value})
    assert _error(path) == f"{path}: [[source]] #1 (minmod): field {field!r} must be text, got {kind}"


def test_non_ascii_text_on_one_line_is_fine(tmp_path):
    source = load_manifest(_manifest(tmp_path, attribution="© OpenStreetMap contributors; Недра РК"), KNOWN_LOADERS)
    assert source[0].attribution == "© OpenStreetMap contributors; Недра РК"


def test_a_multi_line_attribution_fails_the_build_before_the_store_is_touched(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    store = StoreSettings(store_path=tmp_path / "atlas.gpkg")
    store.store_path.write_bytes(b"previous")
    path = _manifest(tmp_path, attribution="(c) DARPA\nX-Injected: 1")
    with pytest.raises(ManifestError, match=r"\(minmod\): field 'attribution' holds control character U\+000A"):
        build_store(SourceSettings(raw_dir=raw, manifest_path=path, data_dir=tmp_path), store)
    assert store.store_path.read_bytes() == b"previous"


# --- item 9: files stay inside their directory -----------------------------------------------------------

@pytest.mark.parametrize(("pattern", "problem"), [
    ("/etc/shadow", "is absolute; expected a path relative to the source's directory"),
    ("~/secrets.csv", "is absolute; expected a path relative to the source's directory"),
    ("../../etc/passwd", "steps out of the source's directory with '..'; expected a path inside it"),
    ("national/../../etc/*.csv", "steps out of the source's directory with '..'; expected a path inside it"),
    ("", "is empty"),
])
def test_a_files_pattern_that_leaves_the_directory_is_an_error(tmp_path, pattern, problem):
    path = _manifest(tmp_path, files=["deposits/minmod.json", pattern])
    assert _error(path) == f"{path}: [[source]] #1 (minmod): files entry {pattern!r} {problem}"


def test_a_files_pattern_with_a_newline_is_an_error(tmp_path):
    path = _manifest(tmp_path, files=["deposits/\nminmod.json"])
    assert _error(path).startswith(f"{path}: [[source]] #1 (minmod): files entry 'deposits/\\nminmod.json' holds "
                                   "control character U+000A")


def test_an_absolute_path_never_reaches_a_loader(tmp_path):
    """Today's code would read /etc/passwd as a deposits table and quote its first line in the error."""
    raw = tmp_path / "raw"
    raw.mkdir()
    path = _manifest(tmp_path, files=["/etc/passwd"], loader="national_deposits")
    with pytest.raises(ManifestError) as exc_info:
        build_store(SourceSettings(raw_dir=raw, manifest_path=path, data_dir=tmp_path),
                    StoreSettings(store_path=tmp_path / "atlas.gpkg"))
    assert str(exc_info.value) == (f"{path}: [[source]] #1 (minmod): files entry '/etc/passwd' is absolute; "
                                   "expected a path relative to the source's directory")
