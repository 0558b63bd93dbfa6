"""Tests for the BODS 0.4 importer: entity, person and relationship statements → companies and ownership rows."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from layers.importers._common import ImportFormatError
from layers.importers.bods import import_bods
from layers.manifest import Source
from layers.ownership.ownership import load_ownership

SOURCE = {"type": ["officialRegister"], "description": "State register", "url": "https://register.example/kz/1"}
STATEMENTS = [
    {"statementId": "st-e1", "statementDate": "2024-03-01", "recordId": "ent-1", "recordType": "entity",
     "recordDetails": {"isComponent": False, "entityType": {"type": "registeredEntity"}, "name": "Alpha Mining LLP",
                       "jurisdiction": {"name": "Kazakhstan", "code": "KZ"}}, "source": SOURCE},
    {"statementId": "st-p1", "statementDate": "2024-03-01", "recordId": "per-1", "recordType": "person",
     "recordDetails": {"isComponent": False, "personType": "knownPerson", "names": [{"fullName": "A. Person"}]}},
    {"statementId": "st-r1", "statementDate": "2024-03-02", "recordId": "rel-1", "recordType": "relationship",
     "recordDetails": {"isComponent": False, "subject": "ent-1", "interestedParty": "per-1", "interests": [
         {"type": "shareholding", "share": {"exact": 60}, "startDate": "2019-05-01", "endDate": "2023-12-31"},
         {"type": "votingRights", "share": {"minimum": 25, "maximum": 50}, "startDate": "2020"},
         {"type": "boardMember"}]},
     "source": SOURCE},
]


def _write(tmp_path: Path, statements: object) -> Path:
    path = tmp_path / "bods.json"
    path.write_text(json.dumps(statements), encoding="utf-8")
    return path


def test_entities_and_persons_become_companies_with_statement_provenance(tmp_path: Path) -> None:
    companies = import_bods(_write(tmp_path, STATEMENTS)).companies
    assert companies == [
        {"company_id": "bods-ent-1", "name": "Alpha Mining LLP", "kind": "private", "home_country": "KZ",
         "source": "BODS bods.json statement st-e1; https://register.example/kz/1", "source_date": "2024-03-01",
         "confidence": "reported"},
        {"company_id": "bods-per-1", "name": "A. Person", "kind": "person",
         "notes": "natural person (BODS person statement)", "source": "BODS bods.json statement st-p1",
         "source_date": "2024-03-01", "confidence": "reported"},
    ]


def test_interests_become_equity_with_a_share_and_control_without(tmp_path: Path) -> None:
    edges = [(e["owner_id"], e["owned_id"], e["relation"], e["share_pct"], e["valid_from"], e["valid_to"],
              e["notes"]) for e in import_bods(_write(tmp_path, STATEMENTS)).ownership]
    assert edges == [
        ("bods-per-1", "bods-ent-1", "equity", "60", "2019-05-01", "2023-12-31", "BODS interest shareholding"),
        ("bods-per-1", "bods-ent-1", "control", "", "2020", "",
         "BODS interest votingRights; share between 25 and 50 %"),
        ("bods-per-1", "bods-ent-1", "control", "", "", "", "BODS interest boardMember"),
    ]


def test_imported_ownership_loads_with_the_ownership_loader(tmp_path: Path) -> None:
    frame = import_bods(_write(tmp_path, STATEMENTS)).frames()["ownership"]
    path = tmp_path / "imported_ownership.csv"
    frame.to_csv(path, index=False)
    source = Source(id="t", title="t", publisher="p", licence="l", attribution="a", url="u", root="data",
                    files=("x",), loader="ownership_import")
    loaded = load_ownership([path], source)
    assert list(loaded["edge_id"]) == ["bods-per-1>bods-ent-1#2", "bods-per-1>bods-ent-1#3",
                                       "bods-per-1>bods-ent-1#4"]
    assert loaded["share_pct"].iloc[0] == 60.0 and math.isnan(loaded["share_pct"].iloc[1])


@pytest.mark.parametrize(("statements", "message"), [
    ([{"statementId": "s1", "recordType": "entity", "recordDetails": {"name": "x"}}],
     "statement 1 (s1): no 'recordId'"),
    ([{"statementId": "s1", "recordId": "r", "recordType": "annotation", "recordDetails": {"a": 1}}],
     "recordType 'annotation'; expected entity, person or relationship"),
    ([{"statementId": "s1", "recordId": "r", "recordType": "relationship",
       "recordDetails": {"subject": "a", "interestedParty": {"reason": "unknown"}}}],
     "recordDetails.interestedParty is not a recordId"),
])
def test_bad_statements_name_file_statement_and_field(tmp_path: Path, statements: list, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_bods(_write(tmp_path, statements))


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bods.json"
    path.write_text("not json", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="bods.json: not JSON or JSON Lines"):
        import_bods(path)
