"""Tests for the GEM importer: ownership tracker sheets (XLSX and CSV) and asset tracker owner/parent columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from layers.importers._common import ImportFormatError
from layers.importers.gem import ATTRIBUTION, import_gem
from layers.settings import PROJECT_ROOT

ENTITIES = pd.DataFrame([
    {"Entity ID": "E100000000001", "Name": "Alpha", "Full Name": "Alpha Steel LLP", "Entity Type": "Business",
     "Registration Country ISO2": "KZ"},
    {"Entity ID": "E100000000002", "Name": "Beta Holding", "Full Name": "", "Entity Type": "Business",
     "Registration Country ISO2": "nl"},
])
RELATIONS = pd.DataFrame([
    {"Subject Entity ID": "E100000000001", "Interested Party ID": "E100000000002", "% Share Ownership": "75",
     "Data Source URL": "https://example.org/annual-report"},
    {"Subject Entity ID": "E100000000001", "Interested Party ID": "E100000000003", "% Share Ownership": "",
     "Data Source URL": ""},
])


def test_the_ownership_tracker_xlsx_gives_entities_and_shares(tmp_path: Path) -> None:
    path = tmp_path / "geot.xlsx"
    with pd.ExcelWriter(path) as writer:
        ENTITIES.to_excel(writer, sheet_name="Entities", index=False)
        RELATIONS.to_excel(writer, sheet_name="Relationships", index=False)
    imported = import_gem(path, url="https://gem.example/geot.xlsx")
    assert [(c["company_id"], c["name"], c["home_country"]) for c in imported.companies] == [
        ("gem-e100000000001", "Alpha Steel LLP", "KZ"), ("gem-e100000000002", "Beta Holding", "NL")]
    assert [(e["owner_id"], e["owned_id"], e["relation"], e["share_pct"], e["source"]) for e in imported.ownership] == [
        ("gem-e100000000002", "gem-e100000000001", "equity", "75",
         f"GEM geot.xlsx sheet Relationships row 2; https://example.org/annual-report; https://gem.example/geot.xlsx; "
         f"{ATTRIBUTION}"),
        ("gem-e100000000003", "gem-e100000000001", "control", "",
         f"GEM geot.xlsx sheet Relationships row 3; https://gem.example/geot.xlsx; {ATTRIBUTION}"),
    ]


def test_a_relationships_sheet_as_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "relationships.csv"
    RELATIONS.to_csv(path, index=False)
    assert [e["share_pct"] for e in import_gem(path).ownership] == ["75", ""]


def test_asset_files_give_owners_parents_and_parent_edges_for_chosen_countries(tmp_path: Path) -> None:
    path = tmp_path / "plants.csv"
    pd.DataFrame([
        {"plant-name-(english)": "A plant", "owner": "Owner LLC [100.0%]", "owner-gem-id": "E1 [100.0%]",
         "parent": "Parent Group; natural person(s)", "parent-gem-id": "E2; E9", "country/area": "Kazakhstan",
         "gem-wiki-page": "https://gem.wiki/A"},
        {"plant-name-(english)": "B plant", "owner": "Other", "owner-gem-id": "E5", "parent": "Other",
         "parent-gem-id": "E5", "country/area": "Germany", "gem-wiki-page": ""},
    ]).to_csv(path, index=False)
    imported = import_gem(path, countries=("Kazakhstan",), attribution="GEM test tracker")
    assert [(c["company_id"], c["name"]) for c in imported.companies] == [("gem-e1", "Owner LLC"),
                                                                        ("gem-e2", "Parent Group")]
    assert [(e["owner_id"], e["owned_id"], e["relation"], e["source"]) for e in imported.ownership] == [
        ("gem-e2", "gem-e1", "control", "GEM plants.csv row 2 (A plant); https://gem.wiki/A; GEM test tracker")]


def test_a_file_of_neither_shape_is_refused_with_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"other.csv: no sheet has 'Entity ID'.*other: \['a', 'b'\]"):
        import_gem(path)


def test_an_empty_relationship_id_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "relationships.csv"
    path.write_text("Subject Entity ID,Interested Party ID\nE1,\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="relationships.csv row 2: empty 'Subject Entity ID' or"):
        import_gem(path)


def test_the_committed_gem_imports_hold_known_central_asian_owners() -> None:
    imports = PROJECT_ROOT / "data" / "curated" / "imports"
    companies = pd.read_csv(imports / "gem_central_asia_steel_companies.csv", dtype=str, keep_default_na=False)
    qarmet = companies.set_index("company_id").loc["gem-e100002003233"]
    assert qarmet["name"] == "Qazaqstan Steel Group LLP"
    assert "github.com/GlobalEnergyMonitor/maps" in qarmet["source"] and "CC BY 4.0" in qarmet["source"]
    ownership = pd.read_csv(imports / "gem_central_asia_steel_ownership.csv", dtype=str, keep_default_na=False)
    assert ("gem-e100001010426", "gem-e100000130852") in set(zip(ownership["owner_id"], ownership["owned_id"],
                                                                 strict=True))  # Government of Uzbekistan → UMK
