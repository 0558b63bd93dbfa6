"""Data flows one way: raw sources → layers/ → the store → geo/ → webapp/. geo/ and layers/ never import Flask
or the web app, and layers/ never imports geo/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"layers": ("flask", "webapp", "geo"), "geo": ("flask", "webapp")}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_never_import_upper_ones(package):
    modules = sorted((ROOT / package).rglob("*.py"))
    assert len(modules) > 10
    offenders = {str(p.relative_to(ROOT)): sorted(_imports(p) & set(FORBIDDEN[package])) for p in modules}
    assert {k: v for k, v in offenders.items() if v} == {}
