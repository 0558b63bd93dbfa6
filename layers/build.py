"""The build: sources present → layers → checks → linkage → relations → the store. Run ``python -m layers.build``."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from layers.basemap.stage import BASEMAP_LAYERS, build_basemap
from layers.changes import read_snapshot, record_changes, snapshot_of
from layers.checks import check_countries
from layers.deposits.licence_deposits import DATASET, licence_deposit_records
from layers.deposits.records import LoadResult
from layers.errors import AtlasError, BuildError
from layers.linkage import LinkageReport, link_sites, load_decisions
from layers.linkage.evaluation import evaluate, load_pairs
from layers.manifest import Source, load_manifest
from layers.ownership.relations import IMPORT_LAYERS, RELATION_LAYERS, RelationsReport, build_relations
from layers.postgis import write_postgis
from layers.rasters import RasterInfo
from layers.registry import LOADERS, get_loader
from layers.schema import COUNTRIES, QUARANTINE, SOURCE_RECORDS, STORE_CRS
from layers.settings import PROJECT_ROOT, SourceSettings, StoreSettings
from layers.shrink import check_shrink
from layers.store import write_store
from layers.transport.railways import RailwayLoad
from layers.transport.transport import RASTERS, TRANSPORT_LAYERS, TransportReport, build_transport

log = logging.getLogger(__name__)

#: Curated link decisions, relative to the data directory (``SourceSettings.data_dir``).
LINKS_PATH = Path("curated") / "links.csv"
#: The hand-labelled pairs the build report measures linkage against, when the file is present.
LABELLED_PAIRS = PROJECT_ROOT / "tests" / "data" / "link_pairs.csv"


@dataclass
class BuildReport:
    """What a build read, skipped, refused and produced."""

    used: dict[str, int] = field(default_factory=dict)  # source id -> records read (rows for countries)
    skipped: dict[str, str] = field(default_factory=dict)  # source id -> why
    notes: list[str] = field(default_factory=list)
    records_in: int = 0
    sites_out: int = 0
    mapped_sites: int = 0
    multi_source_sites: int = 0
    quarantined: int = 0
    quarantine_by_reason: dict[str, int] = field(default_factory=dict)
    linkage: LinkageReport | None = None
    evaluation: list[str] = field(default_factory=list)  # precision and recall per class of labelled pairs
    relations: RelationsReport = field(default_factory=RelationsReport)
    transport: TransportReport = field(default_factory=TransportReport)
    seconds: float = 0.0  # loading, checking and linking
    write_seconds: float = 0.0  # writing the store
    stage_seconds: dict[str, float] = field(default_factory=dict)  # stage -> seconds, in build order

    def stage(self, name: str, since: float) -> float:
        """Record and log (INFO) that stage ``name`` ran from ``since`` until now; return now."""
        now = time.perf_counter()
        self.stage_seconds[name] = now - since
        log.info("build: %s done in %.1f s", name, now - since)
        return now

    def lines(self) -> list[str]:
        """Return the report as lines of text for a terminal."""
        out = [f"source {sid}: {n} rows read" for sid, n in self.used.items()]
        out += [f"source {sid}: SKIPPED: {why}" for sid, why in self.skipped.items()]
        out += [f"note: {note}" for note in self.notes]
        out += [f"quarantined {n}: {reason}" for reason, n in sorted(self.quarantine_by_reason.items())]
        out += self.linkage.lines() if self.linkage is not None else []
        out += [f"linkage evaluation {line}" for line in self.evaluation]
        out += self._relation_lines()
        out += self.transport.lines()
        out.append("stages: " + "; ".join(f"{name} {s:.1f} s" for name, s in self.stage_seconds.items()))
        out.append(
            f"records in: {self.records_in}; sites out: {self.sites_out} ({self.mapped_sites} mapped); "
            f"multi-source sites: {self.multi_source_sites}; quarantined rows: {self.quarantined}; "
            f"{self.seconds:.1f} s (+ {self.write_seconds:.1f} s writing the store)"
        )
        return out

    def _relation_lines(self) -> list[str]:
        rel = self.relations
        out = [
            f"licences: {rel.licences}; joined to sites: {rel.licences_joined} ({rel.licence_links} links); "
            f"unjoined: {len(rel.licences_unjoined)}; ambiguous: {len(rel.licences_ambiguous)}; "
            f"companies added from holder text: {rel.companies_added}; holder text problems: "
            f"{len(rel.holder_problems)}; import conflicts: {len(rel.conflicts)}"
        ]
        out += [f"unjoined licence {line}" for line in rel.licences_unjoined]
        out += [f"ambiguous licence {line}" for line in rel.licences_ambiguous]
        out += [f"licence name not joined: {line}" for line in rel.licence_names_unmatched]
        out += [f"holder text: {line}" for line in rel.holder_problems]
        out += [f"import conflict: {c.line()}" for c in rel.conflicts]
        return out


def build_store(sources: SourceSettings, store: StoreSettings) -> BuildReport:
    """Build the store from the sources present.

    Parameters
    ----------
    sources : SourceSettings
        Where the manifest and raw files are.
    store : StoreSettings
        Where to write the store.

    Returns
    -------
    BuildReport
        Counts and every skipped source with its reason.

    Raises
    ------
    BuildError
        If no deposit source is present, or two sources give the same record id.
    StoreShrinkError
        If the new store would drop a source the previous one had or lose more than
        ``store.max_site_loss`` of its sites (unless ``store.allow_shrink``).
    SourceUnreadableError, SourcePathError
        If a source's file is present but unreadable, or resolves outside its directory.
    SourceFormatError
        If the relation tables refer to a company that is not in companies, a corridor waypoint names a corridor
        that is not in corridors, or two sources give one id.
    AtlasError
        Any loader's error (naming file and row); the previous store is left untouched.
    """
    started = time.perf_counter()
    report = BuildReport()
    manifest = load_manifest(sources.manifest_path, set(LOADERS))
    loaded = _load_all(manifest, sources, report)
    stage = report.stage("loading sources", started)
    results, countries = loaded.results, loaded.countries
    if not results:
        raise BuildError("no deposit source is present; " + "; ".join(f"{k}: {v}" for k, v in report.skipped.items()))
    records = pd.concat([r.records for r in results], ignore_index=True)
    extra = licence_deposit_records(loaded.licence_frames, records)
    if len(extra):
        records = pd.concat([records, extra], ignore_index=True)
        report.notes.append(f"licensed deposits no deposit source names: {len(extra)} unmapped records "
                            f"({DATASET}) made from the licence tables")
    records = gpd.GeoDataFrame(records, geometry="geometry", crs=STORE_CRS)
    duplicated = records["record_id"][records["record_id"].duplicated()].unique().tolist()
    if duplicated:
        raise BuildError(f"record ids given by more than one row: {duplicated[:10]}")
    quarantine = [r.quarantine for r in results]
    if countries is None:
        report.notes.append("country check skipped: no countries source present")
        countries = COUNTRIES.empty()
    else:
        records, refused = check_countries(records, countries)
        quarantine.append(refused)
    stage = report.stage("country check", stage)
    quarantine_table = pd.concat([q for q in quarantine if len(q)] or [QUARANTINE.empty()], ignore_index=True)
    records = records.sort_values("record_id", ignore_index=True)
    decisions = load_decisions(sources.data_dir / LINKS_PATH)
    linked = link_sites(records, decisions, decided_on=datetime.now(UTC).date().isoformat())
    sites, linkage = linked.sites, linked.report
    report.linkage = linkage
    if LABELLED_PAIRS.is_file():
        scores = evaluate(sites, load_pairs(LABELLED_PAIRS))
        if scores[-1].missing < scores[-1].pairs:  # only a build holding the labelled records is measured
            report.evaluation = [score.line() for score in scores]
    stage = report.stage("linkage", stage)
    if linkage.unknown_decisions:
        report.notes.append(f"{len(linkage.unknown_decisions)} curated link decisions name records not present: "
                            + "; ".join(linkage.unknown_decisions[:3]))
    if linkage.unknown_same_as:
        shown = ", ".join(linkage.unknown_same_as[:3]) + (", ..." if len(linkage.unknown_same_as) > 3 else "")
        report.notes.append(f"{len(linkage.unknown_same_as)} explicit links to records not present: {shown}")
    deposit_sources = [s.id for s in manifest if get_loader(s.loader).layer == "source_records"]
    report.records_in = sum(report.used.get(sid, 0) for sid in deposit_sources)
    report.sites_out, report.mapped_sites = linkage.sites_out, linkage.mapped_sites
    report.multi_source_sites, report.quarantined = linkage.multi_source_sites, len(quarantine_table)
    report.quarantine_by_reason = _reason_counts(quarantine_table)
    relations, report.relations = build_relations(loaded.tables, sites)
    stage = report.stage("relations", stage)
    transport, report.transport = build_transport(loaded.tables, loaded.railways, loaded.rasters)
    stage = report.stage("transport", stage)
    basemap = build_basemap(loaded.tables)
    report.seconds = time.perf_counter() - started
    layers = {"sites": sites, "link_candidates": linked.candidates,
              "source_records": records[SOURCE_RECORDS.column_names + ["geometry"]],
              "quarantine": quarantine_table, "countries": countries, **relations, **transport, **basemap}
    sources_table = _sources_table(manifest, report)
    check_shrink(store, sources_table, report.sites_out)
    info = _build_info(report)
    layers["changes"] = record_changes(read_snapshot(store.store_path), snapshot_of(layers, info["built_at"]))
    stage = report.stage("changes since the previous build", stage)
    if store.database_url:
        # PostGIS first, in its one transaction: if it fails, neither store is replaced.
        write_postgis(store.database_url, layers, sources_table, info, schema_name=store.database_schema)
    write_store(store.store_path, layers, sources_table, info)
    report.write_seconds = time.perf_counter() - started - report.seconds
    report.stage("writing the store", stage)
    return report


@dataclass
class _Loaded:
    """What the loaders of the present sources gave, by kind."""

    results: list[LoadResult] = field(default_factory=list)
    countries: gpd.GeoDataFrame | None = None
    tables: dict[str, list[pd.DataFrame]] = field(
        default_factory=lambda: {name: [] for name in [*RELATION_LAYERS, *IMPORT_LAYERS, *TRANSPORT_LAYERS,
                                                       *BASEMAP_LAYERS]})
    railways: dict[str, RailwayLoad] = field(default_factory=dict)  # source id → lines, in manifest order
    rasters: dict[str, RasterInfo] = field(default_factory=dict)
    licence_frames: list[tuple[str, pd.DataFrame]] = field(default_factory=list)  # (source id, licences)


def _load_all(manifest: list[Source], settings: SourceSettings, report: BuildReport) -> _Loaded:
    loaded = _Loaded()
    for source in manifest:
        paths = source.resolve(settings)
        if not paths:
            expected = ", ".join(str(p) for p in source.expected(settings))
            report.skipped[source.id] = f"no file at {expected}"
            continue
        _load_source(source, paths, loaded, report)
    return loaded


def _load_source(source: Source, paths: list[Path], loaded: _Loaded, report: BuildReport) -> None:
    loader = get_loader(source.loader)
    if loader.layer == "countries":
        loaded.countries = loader.function(paths)
        report.used[source.id] = len(loaded.countries)
    elif loader.layer == "railways":
        rail = loader.function(paths, source)
        loaded.railways[source.id] = rail
        report.used[source.id] = rail.features_read
        report.notes += [f"{source.id}: {note}" for note in rail.notes]
    elif loader.layer == RASTERS:
        loaded.rasters[source.id] = loader.function(paths, source)
    elif loader.layer in loaded.tables:
        table = loader.function(paths, source)
        loaded.tables[loader.layer].append(table)
        if loader.layer == "licences":
            loaded.licence_frames.append((source.id, table))
        report.used[source.id] = len(table)
    else:
        result = loader.function(paths, source)
        loaded.results.append(result)
        report.used[source.id] = len(result.records) + len(result.quarantine)
        report.notes += [f"{source.id}: {note}" for note in result.notes]


def _reason_counts(quarantine: pd.DataFrame) -> dict[str, int]:
    # Group reasons by their text before the first ':' or '(' so that per-row details don't split them.
    heads = quarantine["reason"].str.replace(r"^[^:]*row \d+: ", "", regex=True).str.split(r"[:(]").str[0].str.strip()
    return {str(k): int(v) for k, v in heads.value_counts().items()}


def _sources_table(manifest: list[Source], report: BuildReport) -> pd.DataFrame:
    return pd.DataFrame([
        {"id": s.id, "title": s.title, "publisher": s.publisher, "licence": s.licence,
         "attribution": s.attribution, "url": s.url, "loader": s.loader,
         "status": _status(s.id, report),
         "rows": report.used.get(s.id, 0), "skipped_because": report.skipped.get(s.id, "")}
        for s in manifest
    ])


def _status(source_id: str, report: BuildReport) -> str:
    if source_id in report.transport.rasters:
        return "present"  # found for the analyses; rasters are not read into the store
    return "used" if source_id in report.used else "skipped"


def _build_info(report: BuildReport) -> dict:
    rel = report.relations
    return {
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "records_in": report.records_in, "sites_out": report.sites_out, "mapped_sites": report.mapped_sites,
        "multi_source_sites": report.multi_source_sites, "quarantined": report.quarantined,
        "quarantine_by_reason": report.quarantine_by_reason, "skipped": report.skipped, "notes": report.notes,
        "licences": rel.licences, "licence_site_links": rel.licence_links, "licences_joined": rel.licences_joined,
        "licences_unjoined": rel.licences_unjoined, "licences_ambiguous": rel.licences_ambiguous,
        "licence_names_not_joined": rel.licence_names_unmatched, "holder_text_problems": rel.holder_problems,
        "companies_added_from_holder_text": rel.companies_added,
        "import_conflicts": [c.line() for c in rel.conflicts],
        **report.transport.info(),
        **_linkage_info(report),
        "seconds": round(report.seconds, 2),
    }


def _linkage_info(report: BuildReport) -> dict:
    linkage = report.linkage
    if linkage is None:
        return {}
    return {"link_pairs_scored": linkage.pairs_scored, "link_pairs_merged": linkage.pairs_merged,
            "link_pairs_queued": linkage.pairs_queued,
            "sites_by_sources": {str(k): v for k, v in linkage.sites_by_sources.items()},
            "linkage_evaluation": report.evaluation}


def main(argv: list[str] | None = None) -> int:
    """Command line: build the store and print the report; exit 1 with the reason on failure."""
    parser = argparse.ArgumentParser(prog="python -m layers.build", description=__doc__)
    parser.add_argument("--raw-dir", type=Path, help="raw-data directory (default: ATLAS_RAW_DIR or data/raw)")
    parser.add_argument("--store", type=Path, help="store path (default: ATLAS_STORE_PATH or data/atlas.gpkg)")
    parser.add_argument("--allow-shrink", action="store_true",
                        help="replace the store even if a source it had is gone or more sites than "
                             "ATLAS_MAX_SITE_LOSS (default 10 %%) would be lost")
    args = parser.parse_args(argv)
    # INFO: a long build shows its progress (rows read per chunk, each stage's time) as it goes.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    source_settings = SourceSettings(**({"raw_dir": args.raw_dir} if args.raw_dir else {}))
    store_settings = StoreSettings(**({"store_path": args.store} if args.store else {}),
                                   **({"allow_shrink": True} if args.allow_shrink else {}))
    try:
        report = build_store(source_settings, store_settings)
    except AtlasError as exc:
        sys.stderr.write(f"build failed: {exc}\n")
        sys.stderr.write(f"the previous store, if any, is unchanged: {store_settings.store_path}\n")
        return 1
    postgis = f"\nPostGIS schema: {store_settings.database_schema}" if store_settings.database_url else ""
    sys.stdout.write("\n".join(report.lines()) + f"\nstore: {store_settings.store_path}{postgis}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
