"""The build's relation stage: companies, ownership, licences, agreements, profiles and facilities combined,
holder text resolved, references checked, and licences joined to sites."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from layers.errors import SourceFormatError
from layers.importers.merge import Conflict, merge_imports
from layers.ownership.companies import check_references
from layers.ownership.holders import resolve_holders
from layers.ownership.licence_sites import match_licences_to_sites
from layers.schema import (
    AGREEMENTS,
    COMPANIES,
    COUNTRY_PROFILES,
    FACILITIES,
    LICENCES,
    OWNERSHIP,
    STORE_CRS,
    LayerSchema,
    validate,
)

#: The relation layers loaders feed, each with the column that identifies a row.
RELATION_LAYERS: dict[str, tuple[LayerSchema, str]] = {
    "companies": (COMPANIES, "company_id"),
    "ownership": (OWNERSHIP, "edge_id"),
    "licences": (LICENCES, "licence_id"),
    "agreements": (AGREEMENTS, "agreement_id"),
    "country_profiles": (COUNTRY_PROFILES, "country"),
    "facilities": (FACILITIES, "facility_id"),
}

#: Layers fed by importer output (manifest loaders ``*_import``), merged into their curated layer by
#: :func:`layers.importers.merge.merge_imports`: imported layer → the layer it is merged into.
IMPORT_LAYERS: dict[str, str] = {
    "companies_imports": "companies",
    "ownership_imports": "ownership",
    "licences_imports": "licences",
}


@dataclass
class RelationsReport:
    """What the relation stage made and could not make."""

    licences: int = 0
    licence_links: int = 0
    licences_joined: int = 0
    licences_unjoined: list[str] = field(default_factory=list)
    licences_ambiguous: list[str] = field(default_factory=list)
    licence_names_unmatched: list[str] = field(default_factory=list)
    holder_problems: list[str] = field(default_factory=list)
    companies_added: int = 0
    conflicts: list[Conflict] = field(default_factory=list)


def build_relations(tables: dict[str, list[pd.DataFrame]],
                    sites: gpd.GeoDataFrame) -> tuple[dict[str, pd.DataFrame], RelationsReport]:
    """Combine the relation tables of every source, resolve holder text, check references, join licences.

    Parameters
    ----------
    tables : dict
        Layer name (a key of :data:`RELATION_LAYERS` or :data:`IMPORT_LAYERS`) → the validated frames its
        sources gave; a layer without frames becomes empty with its schema. Imported layers are merged into
        their curated layer (curated rows kept; disagreements in ``report.conflicts``).
    sites : GeoDataFrame
        The linked sites (:data:`layers.schema.SITES`), EPSG:4326.

    Returns
    -------
    layers : dict
        Every layer of :data:`RELATION_LAYERS` plus ``licence_sites``; companies and ownership include the
        placeholder and synthetic holders made from licence holder text.
    report : RelationsReport
        Counts, unjoined and ambiguous licences, and holder-text problems.

    Raises
    ------
    SourceFormatError
        If two sources give the same id, or a table refers to a company that is not in companies.
    CRSMismatchError
        If licences and sites do not share a CRS.
    """
    layers = {name: combine_layer(tables.get(name, []), schema, key)
              for name, (schema, key) in RELATION_LAYERS.items()}
    conflicts: list[Conflict] = []
    for imported_name, name in IMPORT_LAYERS.items():
        schema, key = RELATION_LAYERS[name]
        imported = combine_layer(tables.get(imported_name, []), schema, key)
        merged, found = merge_imports(layers[name], imported, name)
        layers[name] = combine_layer([merged], schema, key)
        conflicts += found
    holders = resolve_holders(layers["licences"], layers["companies"])
    layers["licences"] = holders.licences
    layers["companies"] = combine_layer([layers["companies"], holders.companies], COMPANIES, "company_id")
    layers["ownership"] = combine_layer([layers["ownership"], holders.ownership], OWNERSHIP, "edge_id")
    check_references(layers["companies"], layers["ownership"], layers["licences"], layers["facilities"])
    join = match_licences_to_sites(layers["licences"], sites)
    layers["licence_sites"] = join.links
    report = RelationsReport(
        licences=len(layers["licences"]), licence_links=len(join.links), licences_joined=len(join.joined),
        licences_unjoined=join.unjoined, licences_ambiguous=join.ambiguous,
        licence_names_unmatched=join.partial, holder_problems=holders.problems,
        companies_added=len(holders.companies), conflicts=conflicts,
    )
    return layers, report


def combine_layer(frames: list[pd.DataFrame], schema: LayerSchema, key: str | tuple[str, ...]) -> pd.DataFrame:
    """Concatenate the frames several sources gave for one layer, checking that no two give the same id.

    Parameters
    ----------
    frames : list of DataFrame or GeoDataFrame
        Validated frames of ``schema`` (spatial ones in EPSG:4326); empty ones are ignored.
    schema : LayerSchema
        The layer's contract.
    key : str or tuple of str
        The column (or columns) that identify a row.

    Returns
    -------
    DataFrame or GeoDataFrame
        The rows of every frame in order, validated; ``schema.empty()`` when there are none.

    Raises
    ------
    SourceFormatError
        If a key value is given more than once.
    """
    present = [f for f in frames if len(f)]
    if not present:
        return schema.empty()
    combined = pd.concat(present, ignore_index=True) if len(present) > 1 else present[0].reset_index(drop=True)
    if schema.geometry_type is not None:
        combined = gpd.GeoDataFrame(combined, geometry="geometry", crs=STORE_CRS)
    columns = [key] if isinstance(key, str) else list(key)
    repeated = combined.duplicated(subset=columns)
    if repeated.any():
        duplicated = [row[0] if len(row) == 1 else row for row in combined.loc[repeated, columns]
                      .drop_duplicates().itertuples(index=False, name=None)][:10]
        label = key if isinstance(key, str) else "(" + ", ".join(key) + ")"
        raise SourceFormatError(f"{schema.name}: {label} values given by more than one source: {duplicated}")
    validate(combined, schema, what=f"{schema.name} from every source")
    return combined
