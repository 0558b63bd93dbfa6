"""Typed fields: one declared schema per collection or download layer, and the values written through it.

A :class:`Field` names a property, its type, whether it may be null, its description and unit. The same
declaration drives every writer (GeoJSON of ``/ogc`` and ``/api``, every export format), the collection's JSON
Schema (``/ogc/collections/{id}/schema``), its queryables (OGC API – Features Part 3) and the OpenAPI documents.
Missing values are ``null`` in every format: an empty string or an empty list is written as ``null``, never as
``""`` or ``[]``, so ``IS NULL`` finds them and a client that guesses types from the first rows never meets an
empty list standing for a list of unknown type.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from layers.errors import AtlasError

#: Field types: JSON Schema's, plus ``string-list`` (an array of strings) and ``json`` (any JSON value).
FIELD_TYPES = ("string", "integer", "number", "boolean", "string-list", "json")

#: The JSON Schema dialect of ``/schema`` and ``/queryables`` (OGC API – Features Part 3 uses 2019-09).
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2019-09/schema"


class UndeclaredFieldError(AtlasError):
    """A frame written through a schema has a column the schema does not declare, or lacks a declared one."""


@dataclass(frozen=True)
class Field:
    """One declared property: name, type (one of :data:`FIELD_TYPES`), nullable, description and unit."""

    name: str
    type: str
    description: str
    nullable: bool = True
    unit: str | None = None
    enum: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name!r}: type {self.type!r} is not one of {FIELD_TYPES}")

    def value(self, raw):
        """Return ``raw`` as this field writes it to JSON: ``None`` for missing, empty text or an empty list."""
        if raw is None or raw is pd.NA or raw is pd.NaT:
            return None
        if isinstance(raw, np.generic):
            raw = raw.item()
        if self.type == "string":
            if isinstance(raw, float) and math.isnan(raw):
                return None
            text = str(raw)
            return text if text != "" else None
        if self.type == "number":
            number = float(raw)
            return number if math.isfinite(number) else None
        if self.type == "integer":
            if isinstance(raw, float) and not math.isfinite(raw):
                return None
            return int(raw)
        if self.type == "boolean":
            return bool(raw)
        if self.type == "string-list":
            if isinstance(raw, float) and math.isnan(raw):
                return None
            items = [str(v) for v in (raw if isinstance(raw, list | tuple | np.ndarray) else [raw]) if v is not None]
            return items or None
        return json_ready(raw)

    def json_schema(self) -> dict:
        """The property's JSON Schema: one ``type`` (what GDAL reads), ``nullable`` when null may appear."""
        schema: dict = {"title": self.name, "description": self.description}
        if self.type == "string-list":
            schema.update(type="array", items={"type": "string"})
        elif self.type == "json":
            pass  # any JSON value (an object, a list of objects): no single type to name
        else:
            schema["type"] = self.type
        if self.enum:
            schema["enum"] = list(self.enum) + ([None] if self.nullable else [])
        if self.unit:
            schema["x-ogc-unit"] = self.unit
        if self.nullable:
            schema["nullable"] = True
        return schema


def json_ready(value):
    """A JSON-ready value: NaN as None, numpy scalars as Python ones, containers walked."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def by_name(fields: Iterable[Field]) -> dict[str, Field]:
    """Index fields by name; a name declared twice is an error."""
    index: dict[str, Field] = {}
    for f in fields:
        if f.name in index:
            raise ValueError(f"field {f.name!r} is declared twice")
        index[f.name] = f
    return index


def checked_columns(columns: Iterable[str], fields: Iterable[Field], layer: str) -> list[Field]:
    """Return the fields of ``columns`` in column order; UndeclaredFieldError naming any column the schema lacks."""
    index = by_name(fields)
    columns = list(columns)
    unknown = [c for c in columns if c not in index]
    if unknown:
        raise UndeclaredFieldError(f"layer {layer!r} writes columns its schema does not declare: {unknown}")
    return [index[c] for c in columns]


def property_rows(frame: pd.DataFrame, fields: tuple[Field, ...]) -> list[dict]:
    """Return one dict per row of ``frame`` with each field's value as JSON writes it (see :meth:`Field.value`)."""
    table = pd.DataFrame(frame[[f.name for f in fields]])
    columns = [[f.value(v) for v in table[f.name].tolist()] for f in fields]
    names = [f.name for f in fields]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def typed_table(frame: pd.DataFrame, fields: Iterable[Field], *, layer: str, join: str | None) -> pd.DataFrame:
    """The attribute table of ``frame`` with one column of the declared type per field, for a file format.

    Numbers are float64 (NaN for null), integers Int64 (nullable), booleans ``boolean``; strings are text with
    None for null; string lists are joined with ``join`` (JSON text when None), other JSON values are JSON text.

    Raises
    ------
    UndeclaredFieldError
        If ``frame`` has a column the schema does not declare.
    """
    columns = [c for c in frame.columns if c != getattr(frame, "_geometry_column_name", None)]
    declared = checked_columns(columns, fields, layer)
    out = {}
    for f in declared:
        values = [f.value(v) for v in frame[f.name].tolist()]
        out[f.name] = _column(values, f, join)
    return pd.DataFrame(out, index=range(len(frame)), columns=[f.name for f in declared])


def _column(values: list, f: Field, join: str | None) -> pd.Series:
    if f.type == "number":
        return pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    if f.type == "integer":
        return pd.Series(values, dtype="Int64")
    if f.type == "boolean":
        return pd.Series(values, dtype="boolean")
    if f.type == "string-list":
        return pd.Series([None if v is None else (join.join(v) if join is not None else
                                                  json.dumps(v, ensure_ascii=False)) for v in values], dtype=object)
    if f.type == "json":
        return pd.Series([None if v is None else json.dumps(v, ensure_ascii=False, allow_nan=False)
                          for v in values], dtype=object)
    return pd.Series(values, dtype=object)


def feature_schema(fields: tuple[Field, ...], *, title: str, description: str, schema_id: str,
                   geometry: str | None, id_field: str) -> dict:
    """The JSON Schema of one GeoJSON Feature of a collection (``/ogc/collections/{id}/schema``).

    Every feature the collection writes validates against it. Each property has one ``type`` (GDAL's OAPIF
    driver reads field types from it) and ``nullable: true`` where null may appear (the OpenAPI 3.0 keyword; a
    JSON Schema validator that ignores it sees a null where a type is named, so :func:`validating_schema` turns
    it into a ``["type", "null"]`` pair for validation).
    """
    geometry_schema = ({"type": "object", "nullable": True, "properties": {"type": {"type": "string",
                                                                                      "enum": [geometry]}}}
                       if geometry else {"type": "object", "nullable": True})
    return {
        "$schema": JSON_SCHEMA_DIALECT, "$id": schema_id, "title": title, "description": description,
        "type": "object", "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string", "description": f"the feature's stable id (its {id_field})"},
            "geometry": geometry_schema,
            "properties": {"type": "object", "properties": {f.name: f.json_schema() for f in fields},
                           "additionalProperties": False},
            "links": {"type": "array"},
        },
    }


def queryables(fields: tuple[Field, ...], names: Iterable[str], *, title: str, schema_id: str) -> dict:
    """The queryables of a collection (Part 3, ``/queryables``): the named fields with their JSON Schemas."""
    index = by_name(fields)
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": schema_id, "type": "object", "title": title,
            "properties": {name: index[name].json_schema() for name in names}, "additionalProperties": False}


def validating_schema(schema):
    """A copy of a schema of this module with each ``nullable: true`` as a JSON Schema null alternative."""
    if isinstance(schema, list):
        return [validating_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: validating_schema(v) for k, v in schema.items() if k != "nullable"}
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out
