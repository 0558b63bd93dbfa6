"""No data reaches a template compiler: templates are literals, Flask autoescapes, nothing marks data as safe."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

WEBAPP = Path(__file__).resolve().parents[2] / "webapp"
TEMPLATES = sorted((WEBAPP / "templates").rglob("*.html"))
#: Calls that compile their first argument as Jinja2 source (branca's Element does too).
COMPILERS = {"Template", "Element", "render_template_string", "from_string"}


def _compiler_calls(path: Path) -> list[tuple[int, str, ast.expr]]:
    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args:
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in COMPILERS:
                calls.append((node.lineno, name, node.args[0]))
    return calls


@pytest.mark.parametrize("path", sorted(WEBAPP.rglob("*.py")), ids=lambda p: str(p.relative_to(WEBAPP)))
def test_template_source_is_always_a_literal(path):
    built = [(line, name) for line, name, arg in _compiler_calls(path)
             if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str))]
    assert built == [], f"{path.name} compiles template source built at run time"


def test_the_check_sees_a_template_built_from_data(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('from branca.element import Element\nElement(f"<title>{name}</title>")\n', encoding="utf-8")
    assert [(line, name) for line, name, _ in _compiler_calls(bad)] == [(2, "Element")]


def test_flask_autoescapes_every_template(real_app):
    assert TEMPLATES
    names = [str(path.relative_to(WEBAPP / "templates")) for path in TEMPLATES]
    assert [name for name in names if not real_app.jinja_env.autoescape(name)] == []


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_no_template_marks_text_safe_or_turns_autoescape_off(path):
    text = path.read_text(encoding="utf-8")
    assert re.findall(r"\|\s*safe\b|autoescape\s+false|Markup", text) == []
