import urllib.parse

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from webapp.openapi import OPERATIONS, flask_rule_to_path, inline_code, schema_summary

#: Methods Flask adds to every route by itself.
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture(scope="module")
def document(real_app):
    return real_app.test_client().get("/api/openapi.json").get_json()


@pytest.fixture(scope="module")
def api_schema(real_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", real_app)


def _described(document) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in document["paths"].items() for method in item}


def _url(path: str, operation: dict, **query) -> str:
    for param in operation["parameters"]:
        if param["in"] == "path":
            value = param.get("example", param["schema"].get("enum", [""])[0])
            path = path.replace("{" + param["name"] + "}", urllib.parse.quote(str(value), safe=":"))
    # A required query parameter (zoom of /api/clusters) takes its example unless the row sets it.
    query = {**{p["name"]: p["example"] for p in operation["parameters"] if p["in"] == "query" and p["required"]},
             **query}
    return path + ("?" + urllib.parse.urlencode(query) if query else "")


# --- the document covers the app ----------------------------------------------------------------------------------

def test_every_api_route_is_described(real_app, document):
    routes = {(flask_rule_to_path(rule.rule), method) for rule in real_app.url_map.iter_rules()
              if rule.rule.startswith("/api") for method in rule.methods - IMPLICIT_METHODS}
    assert routes - _described(document) == set()


def test_every_described_operation_is_a_route(real_app, document):
    routes = {(flask_rule_to_path(rule.rule), method) for rule in real_app.url_map.iter_rules()
              for method in rule.methods - IMPLICIT_METHODS}
    assert _described(document) - routes == set()


def test_each_operation_is_described_once():
    keys = [(op.path, op.operation_id) for op in OPERATIONS]
    assert len({path for path, _ in keys}) == len({oid for _, oid in keys}) == len(keys)


def test_document_is_valid_openapi_3_0(api_schema, document):
    api_schema.validate()
    assert document["openapi"] == "3.0.3"


@pytest.mark.parametrize(("rule", "path"), [
    ("/api/sites", "/api/sites"),
    ("/api/sites/<path:site_id>/access", "/api/sites/{site_id}/access"),
    ("/downloads/<name>.tif", "/downloads/{name}.tif"),
    ("/x/<int(min=1):n>", "/x/{n}"),
])
def test_flask_rules_are_written_as_openapi_paths(rule, path):
    assert flask_rule_to_path(rule) == path


def test_parameters_carry_the_parsers_limits(document):
    sites = {p["name"]: p for p in document["paths"]["/api/sites"]["get"]["parameters"]}
    # No maximum: a larger limit is capped, not refused (so no default either: absent means every match).
    assert sites["limit"]["schema"] == {"type": "integer", "minimum": 1}
    assert "capped to 10000" in sites["limit"]["description"]
    assert sites["country"]["schema"]["items"]["enum"] == ["KZ", "KG", "TJ", "UZ", "TM"]
    assert (sites["country"]["style"], sites["country"]["explode"]) == ("form", False)
    assert sites["corridor"]["schema"]["enum"] == sorted(["titr_south", "titr_central", "northern",
                                                           "china_central_asia", "north_south_east", "cku",
                                                           "trans_afghan"])
    assert "domestic state" in sites["partner"]["schema"]["items"]["enum"]


# --- the limits written in the document are the ones the app enforces ----------------------------------------------

def _bounds(document):
    """(url, expected status) at each documented minimum and maximum, and one step beyond each."""
    rows = []
    for path, item in document["paths"].items():
        operation = item["get"]
        for param in operation["parameters"]:
            schema = param["schema"]
            if param["in"] != "query" or schema.get("type") not in ("integer", "number"):
                continue
            # `to` is checked against `from` too: pair it with a `from` inside the span.
            for bound, step in (("minimum", -1), ("maximum", 1)):
                if bound not in schema:  # unbounded (limit: capped, not refused)
                    continue
                value = schema[bound]
                extra = {"from": max(1990, min(value, 2100))} if param["name"] == "to" else {}
                rows.append((_url(path, operation, **{param["name"]: value, **extra}), 200, None))
                rows.append((_url(path, operation, **{param["name"]: value + step, **extra}), 400, param["name"]))
    return rows


def _enum_values(document):
    rows = []
    for path, item in document["paths"].items():
        operation = item["get"]
        for param in operation["parameters"]:
            schema = param["schema"].get("items", param["schema"])
            if param["in"] == "query" and "enum" in schema:
                rows += [(_url(path, operation, **{param["name"]: value}), 200, None) for value in schema["enum"]]
                rows.append((_url(path, operation, **{param["name"]: "not-a-value"}), 400, param["name"]))
    return rows


def test_documented_bounds_and_enums_are_what_the_app_accepts(client, document):
    rows = _bounds(document) + _enum_values(document)
    answers = [(url, client.get(url)) for url, _, _ in rows]
    got = [(url, r.status_code, (r.get_json() or {}).get("error", {}).get("parameter") if r.status_code == 400
            else None) for url, r in answers]
    assert got == [(url, status, parameter) for url, status, parameter in rows]


def test_every_operation_answers_its_documented_200_for_its_examples(client, api_schema, document):
    for path, item in document["paths"].items():
        with client.get(_url(path, item["get"])) as response:
            assert response.status_code == 200, path
            api_schema[path]["GET"].validate_response(response)


@pytest.mark.parametrize(("url", "parameter"), [("/api/sites?country=,", "country"),
                                                ("/api/sites?partner=,", "partner")])
def test_a_comma_list_naming_nothing_is_a_400(client, url, parameter):
    # The document says minItems 1; an empty value (`country=`) is the parameter left out (allowEmptyValue).
    response = client.get(url)
    assert (response.status_code, response.get_json()["error"]["parameter"]) == (400, parameter)


def test_a_site_id_with_spaces_and_brackets_is_parsed(client):
    # Since issue 10 this Mudd-Jowitt record (no coordinates) belongs to the Kempirsai site, so no site carries its
    # id any more: the id with spaces and brackets is parsed (404, not 400) and the record is served in its site.
    response = client.get("/api/sites/mudd-jowitt-nickel:Kempirsai%20(Kempirsay)")
    assert (response.status_code, response.get_json()["error"].get("parameter")) == (404, None)
    site = client.get("/api/sites/mrdata-major-deposits:1435").get_json()
    assert "mudd-jowitt-nickel:Kempirsai (Kempirsay)" in site["properties"]["source_record_ids"]


# --- the HTML page --------------------------------------------------------------------------------------------------

def test_docs_page_lists_every_operation(client, document):
    response = client.get("/api/docs")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert [path for path in document["paths"] if f"GET {path}" not in html] == []
    assert "https://" not in html.split("<main>")[0].split("</header>")[0] and "cdn" not in html.lower()


def test_header_links_to_the_docs_page(client):
    assert '<a href="/api/docs">API</a>' in client.get("/sources").get_data(as_text=True)


def test_descriptions_are_escaped_before_code_spans_are_set():
    assert str(inline_code("`a<b>` & <script>")) == "<code>a&lt;b&gt;</code> &amp; &lt;script&gt;"


@pytest.mark.parametrize(("schema", "text"), [
    ({"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000}, "integer; 1..10000; default 1000"),
    ({"type": "array", "items": {"type": "string", "enum": ["KZ", "KG"]}}, "comma-separated, any of: KZ, KG"),
    ({"type": "string", "maxLength": 200}, "string; at most 200 characters"),
])
def test_schema_summary(schema, text):
    assert schema_summary(schema) == text


# --- property-based: schemathesis over every operation ------------------------------------------------------------

#: Every response must be a documented status with a documented media type whose body fits its schema; no 5xx.
CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
#: Generated requests per operation (valid and invalid parameters, and valid ones on the example ids).
MAX_EXAMPLES = 20


@pytest.mark.parametrize("path", [op.path for op in OPERATIONS])
def test_api_conforms_to_its_document(api_schema, document, path):
    # Not `schema.parametrize()`: its lazy fixture loader reads a pytest node attribute that pytest 9 no longer has.
    operation = api_schema[path]["GET"]
    parameters = document["paths"][path]["get"]["parameters"]
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    if parameters:
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    examples = {p["name"]: p["example"] for p in parameters if p["in"] == "path" and "example" in p}
    if examples:
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=examples))

    @given(case=st.one_of(strategies))
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        # identity: schemathesis's WSGI transport asks for gzip like requests does, but never decompresses.
        case.call_and_validate(checks=CHECKS, buffered=True,  # buffered: file responses are closed
                               headers={"Accept-Encoding": "identity"})

    check()
