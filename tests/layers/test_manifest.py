"""Tests for the source manifest: its checks, file resolution, and the project's own data/sources.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import ManifestError
from layers.manifest import Source, load_manifest
from layers.registry import LOADERS
from layers.settings import PROJECT_ROOT, SourceSettings

KNOWN_LOADERS = {"minmod_sites", "national_deposits"}


def _entry(**changes: str | None) -> str:
    """One [[source]] table; a value of None leaves the key out, other values are TOML text."""
    keys = {"id": '"minmod"', "title": '"MinMod sites"', "publisher": '"DARPA"', "licence": '"MIT"',
            "attribution": '"(c) DARPA"', "url": '"https://example.org"', "root": '"raw"',
            "files": '["deposits/minmod.json"]', "loader": '"minmod_sites"', **changes}
    return "[[source]]\n" + "".join(f"{key} = {value}\n" for key, value in keys.items() if value is not None)


def _manifest(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(ManifestError) as exc_info:
        load_manifest(path, KNOWN_LOADERS)
    return str(exc_info.value)


def test_a_good_manifest_loads_in_order(tmp_path: Path) -> None:
    path = _manifest(
        tmp_path,
        _entry(note='"an extract"'),
        _entry(id='"curated"', root='"data"', files='["curated/*.csv", "curated/**/*.xlsx"]',
               loader='"national_deposits"') + '[source.columns]\nname = "Наименование"\n',
    )
    common = {"title": "MinMod sites", "publisher": "DARPA", "licence": "MIT", "attribution": "(c) DARPA",
              "url": "https://example.org"}
    assert load_manifest(path, KNOWN_LOADERS) == [
        Source(id="minmod", root="raw", files=("deposits/minmod.json",), loader="minmod_sites", note="an extract",
               **common),
        Source(id="curated", root="data", files=("curated/*.csv", "curated/**/*.xlsx"), loader="national_deposits",
               columns={"name": "Наименование"}, **common),
    ]


def test_a_missing_manifest_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    assert _error(path) == f"source manifest not found: {path}"


def test_a_manifest_that_is_not_toml_is_an_error(tmp_path: Path) -> None:
    path = _manifest(tmp_path, "[[source]\nid = minmod\n")
    assert _error(path).startswith(f"{path}: not valid TOML: ")


@pytest.mark.parametrize("text", ["", "title = 'no sources'\n", "[source]\nid = 'minmod'\n"],
                         ids=["empty", "no-source", "table-not-array"])
def test_a_manifest_without_source_tables_is_an_error(tmp_path: Path, text: str) -> None:
    path = _manifest(tmp_path, text)
    assert _error(path) == f"{path}: expected one or more [[source]] tables"


@pytest.mark.parametrize(
    ("changes", "missing"),
    [({"licence": None}, ["licence"]), ({"id": None, "url": '""'}, ["id", "url"]), ({"files": "[]"}, ["files"])],
    ids=["licence", "id-and-empty-url", "empty-files"],
)
def test_an_entry_missing_required_keys_is_an_error(tmp_path: Path, changes: dict, missing: list[str]) -> None:
    path = _manifest(tmp_path, _entry(id='"curated"'), _entry(**changes))
    assert _error(path) == f"{path}: [[source]] #2: missing required keys {missing}"


def test_an_unknown_root_is_an_error(tmp_path: Path) -> None:
    path = _manifest(tmp_path, _entry(root='"home"'))
    assert _error(path) == f"{path}: [[source]] #1 (minmod): root must be one of ('raw', 'data'), got 'home'"


def test_an_unknown_loader_is_an_error(tmp_path: Path) -> None:
    path = _manifest(tmp_path, _entry(loader='"shapefile"'))
    assert _error(path) == (
        f"{path}: [[source]] #1 (minmod): unknown loader 'shapefile'; known: ['minmod_sites', 'national_deposits']"
    )


def test_duplicate_ids_are_an_error(tmp_path: Path) -> None:
    path = _manifest(tmp_path, _entry(), _entry(id='"curated"'), _entry())
    assert _error(path) == f"{path}: duplicate source ids ['minmod']"


@pytest.mark.parametrize(
    "files",
    ['"deposits/minmod.json"', "[1, 2]", "3", '{ path = "deposits/minmod.json" }'],
    ids=["string", "numbers", "number", "table"],
)
def test_files_that_are_not_a_list_of_strings_are_an_error(tmp_path: Path, files: str) -> None:
    path = _manifest(tmp_path, _entry(files=files))
    assert _error(path) == f"{path}: [[source]] #1 (minmod): files must be a list of strings"


@pytest.mark.parametrize("columns", ["[source.columns]\nname = 3\n", 'columns = "name"\n'],
                         ids=["number-value", "not-a-table"])
def test_columns_that_are_not_a_table_of_strings_are_an_error(tmp_path: Path, columns: str) -> None:
    path = _manifest(tmp_path, _entry() + columns)
    assert _error(path) == f"{path}: [[source]] #1 (minmod): [source.columns] must map names to strings"


def test_resolve_finds_present_files_by_name_and_glob(tmp_path: Path) -> None:
    raw, data = tmp_path / "raw", tmp_path / "data"
    for relative in ("national/kg.csv", "national/kz.csv", "national/sub/tj.xlsx", "national/notes.txt",
                     "deposits/minmod.json"):
        (raw / relative).parent.mkdir(parents=True, exist_ok=True)
        (raw / relative).write_text("x", encoding="utf-8")
    (raw / "national" / "folder.csv").mkdir()
    (data / "curated").mkdir(parents=True)
    (data / "curated" / "deposits.csv").write_text("x", encoding="utf-8")
    settings = SourceSettings(raw_dir=raw, data_dir=data, manifest_path=tmp_path / "sources.toml")
    common = {"title": "t", "publisher": "p", "licence": "l", "attribution": "a", "url": "u",
              "loader": "national_deposits"}
    registry = Source(id="registry", root="raw", files=("national/*.csv", "national/**/*.xlsx", "absent.csv",
                                                        "deposits/minmod.json", "national/kg.csv"), **common)
    curated = Source(id="curated", root="data", files=("curated/deposits.csv",), **common)
    missing = Source(id="missing", root="raw", files=("usgs/*.csv", "usgs.csv"), **common)
    assert (registry.resolve(settings), curated.resolve(settings), missing.resolve(settings)) == (
        [raw / "deposits/minmod.json", raw / "national/kg.csv", raw / "national/kz.csv", raw / "national/sub/tj.xlsx"],
        [data / "curated/deposits.csv"],
        [],
    )
    assert missing.expected(settings) == [raw / "usgs/*.csv", raw / "usgs.csv"]


def test_the_project_manifest_loads_with_the_registered_loaders() -> None:
    sources = load_manifest(PROJECT_ROOT / "data" / "sources.toml", set(LOADERS))
    assert [(s.id, s.root, s.files, s.loader) for s in sources] == [
        ("minmod", "raw", ("deposits/minmod_central_asia_sites.json",), "minmod_sites"),
        ("usgs_tienshan_ree", "raw", ("deposits/usgs_tienshan_ree.*",), "usgs_tienshan"),
        ("national_curated", "data", ("curated/deposits.csv",), "national_deposits"),
        ("national_registry", "raw", ("national/*.csv", "national/*.xlsx"), "national_deposits"),
        ("countries_ne10m", "raw", ("geo/countries_ne10m.geojson",), "countries"),
        ("curated_companies", "data", ("curated/companies.csv",), "companies_table"),
        ("curated_ownership", "data", ("curated/ownership.csv",), "ownership_table"),
        ("curated_licences", "data", ("curated/licences.csv",), "licences_table"),
        ("gem_central_asia_companies", "data", ("curated/imports/gem_central_asia_*_companies.csv",),
         "companies_import"),
        ("gem_central_asia_ownership", "data", ("curated/imports/gem_central_asia_*_ownership.csv",),
         "ownership_import"),
        ("raw_ownership_imports_companies", "raw", ("ownership/*_companies.csv",), "companies_import"),
        ("raw_ownership_imports_ownership", "raw", ("ownership/*_ownership.csv",), "ownership_import"),
        ("raw_ownership_imports_licences", "raw", ("ownership/*_licences.csv",), "licences_import"),
        ("curated_agreements", "data", ("curated/agreements.csv",), "agreements_table"),
        ("curated_country_profiles", "data", ("curated/country_profiles.csv",), "country_profiles_table"),
        ("curated_facilities", "data", ("curated/facilities.csv",), "facilities_table"),
        ("licence_areas", "raw", ("licences/*.geojson", "licences/*.gpkg", "licences/*.shp", "licences/*.zip"),
         "licence_areas"),
        ("railways_ne10m", "raw", ("geo/railways_ne10m.geojson",), "railways"),
        ("railways_osm_tkm_afg_aze", "raw", ("geo/railways_osm_tkm_afg_aze_bbox.geojson",), "railways"),
        ("railways_osm_uzbekistan", "raw", ("geo/railways_osm_uzbekistan.geojson",), "railways"),
        ("stations_osm", "raw", ("geo/railway_stations_osm.geojson",), "stations"),
        ("gateways", "data", ("curated/nodes.csv",), "gateways_table"),
        ("corridors", "data", ("curated/corridors.csv",), "corridors_table"),
        ("corridor_waypoints", "data", ("curated/corridor_waypoints.csv",), "corridor_waypoints_table"),
        ("dem_globe_30s", "raw", ("geo/dem_globe_30s_40-90E_25-50N.tif",), "raster"),
        ("dem_pvlib_5min", "raw", ("geo/dem_pvlib_5min_40-95E_25-58N.tif",), "raster"),
        ("populated_places_ne10m", "raw", ("geo/populated_places_ne10m.geojson",), "places"),
        ("lakes_ne10m", "raw", ("geo/lakes_ne10m.geojson",), "lakes"),
        ("rivers_ne10m", "raw", ("geo/rivers_ne10m.geojson",), "rivers"),
    ]


def test_a_source_entry_that_is_not_a_table_is_an_error(tmp_path: Path) -> None:
    path = _manifest(tmp_path, 'source = ["minmod"]\n')
    assert _error(path).startswith(f"{path}: [[source]] #1")
