"""Guards for untrusted JSON: nesting depth measured before parsing, and field types checked against a shape."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

#: JSON strings (escapes included); removed before brackets are counted, so ``"[[["`` inside text is not nesting.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_OPEN = np.frombuffer(b"[{", dtype=np.uint8)
_CLOSE = np.frombuffer(b"]}", dtype=np.uint8)


def nesting_depth(data: bytes) -> int:
    """Return the deepest nesting of arrays and objects in JSON text, without parsing it.

    Linear in the size of ``data`` and free of recursion, so a hostile file (200,000 nested lists)
    is measured safely before ``json.loads`` would exhaust Python's recursion limit.

    Parameters
    ----------
    data : bytes
        JSON text (UTF-8). It need not be valid JSON; brackets outside strings are counted.

    Returns
    -------
    int
        0 for a scalar, 1 for ``[]`` or ``{}``, 2 for ``[[]]`` and so on.
    """
    structural = np.frombuffer(_JSON_STRING.sub(b"", data), dtype=np.uint8)
    steps = np.isin(structural, _OPEN).astype(np.int64) - np.isin(structural, _CLOSE)
    return int(np.cumsum(steps).max(initial=0))


@dataclass(frozen=True)
class OneOrMany:
    """A shape that is either one value of ``shape`` or a list of them (MinMod's ``reference``)."""

    shape: object


#: A JSON number (bool is a Python int but is not a number here).
NUMBER = (int, float)

_TYPE_WORDS = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number",
               bool: "a boolean"}


def shape_problem(value: object, shape: object, where: str) -> str:
    """Return why ``value`` does not have ``shape``, or ``""`` when it does.

    ``None`` (JSON null) is accepted for any field, which loaders treat as absent, but not as a list item.
    Keys not named by the shape are ignored, so only the fields a loader reads are checked.

    Parameters
    ----------
    value : object
        A parsed JSON value.
    shape : object
        A type or tuple of types (a leaf), ``[shape]`` (a list of it), ``{key: shape}`` (an object whose keys
        have these shapes when present) or :class:`OneOrMany`.
    where : str
        The path of ``value`` for the message (``"location_info.location"``).

    Returns
    -------
    str
        ``""`` or the first problem found: ``"field 'name' is a list; expected a string"``.
    """
    if value is None:
        return ""
    if isinstance(shape, OneOrMany):
        return shape_problem(value, [shape.shape] if isinstance(value, list) else shape.shape, where)
    if isinstance(shape, dict):
        return _object_problem(value, shape, where)
    if isinstance(shape, list):
        return _list_problem(value, shape[0], where)
    leaf = shape if isinstance(shape, tuple) else (shape,)
    if isinstance(value, bool) or not isinstance(value, leaf):
        return _mismatch(value, leaf[0], where)
    return ""


def _object_problem(value: object, shape: dict, where: str) -> str:
    if not isinstance(value, dict):
        return _mismatch(value, dict, where)
    for key, inner in shape.items():
        problem = shape_problem(value.get(key), inner, f"{where}.{key}" if where else key)
        if problem:
            return problem
    return ""


def _list_problem(value: object, item_shape: object, where: str) -> str:
    if not isinstance(value, list):
        return _mismatch(value, list, where)
    for position, item in enumerate(value):
        if item is None:
            return f"field '{where}[{position}]' is null; expected {_expected_word(item_shape)}"
        problem = shape_problem(item, item_shape, f"{where}[{position}]")
        if problem:
            return problem
    return ""


def _mismatch(value: object, expected: type, where: str) -> str:
    got = _TYPE_WORDS.get(type(value), type(value).__name__)
    return f"field {where!r} is {got}; expected {_TYPE_WORDS.get(expected, expected.__name__)}"


def _expected_word(shape: object) -> str:
    if isinstance(shape, OneOrMany):
        shape = shape.shape
    if isinstance(shape, dict):
        return "an object"
    if isinstance(shape, list):
        return "a list"
    leaf = shape if isinstance(shape, tuple) else (shape,)
    return _TYPE_WORDS.get(leaf[0], leaf[0].__name__)
