"""Command line: ``python -m layers.importers <format> <file> --out <dir/name>.csv`` converts one file."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from layers.importers._common import ImportFormatError, slug
from layers.importers.bods import import_bods
from layers.importers.eiti import import_eiti
from layers.importers.gem import ATTRIBUTION, import_gem


def main(argv: list[str] | None = None) -> int:
    """Convert a file; write ``<stem>_companies.csv``, ``<stem>_ownership.csv``, ``<stem>_licences.csv`` (non-empty)."""
    parser = argparse.ArgumentParser(prog="python -m layers.importers", description=__doc__)
    parser.add_argument("format", choices=("bods", "gem", "eiti"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="e.g. data/curated/imports/gem_central_asia.csv")
    parser.add_argument("--url", default="", help="where the file was published (added to every source)")
    parser.add_argument("--attribution", default="", help="gem: the credit line (default: the ownership tracker's)")
    parser.add_argument("--ids-from", type=Path, action="append", default=[],
                        help="gem: an imported companies CSV whose gem- ids are used for owners named without an id")
    parser.add_argument("--country", action="append", default=[],
                        help="gem: keep assets in this country/area (repeatable); eiti: the reporting country")
    args = parser.parse_args(argv)
    try:
        if args.format == "bods":
            imported = import_bods(args.file)
        elif args.format == "gem":
            known = _known_ids(args.ids_from)
            imported = import_gem(args.file, url=args.url, countries=tuple(args.country),
                                  attribution=args.attribution or ATTRIBUTION, known_ids=known)
            # companies already in an --ids-from file stay there: one row per company_id across the import files
            already = {"gem-" + slug(gem_id) for gem_id in known.values()}
            imported.companies = [c for c in imported.companies if c["company_id"] not in already]
        else:
            imported = import_eiti(args.file, country=(args.country or [""])[0], url=args.url)
    except ImportFormatError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for table, frame in imported.frames().items():
        if len(frame):
            target = args.out.with_name(f"{args.out.stem}_{table}.csv")
            frame.to_csv(target, index=False)
            sys.stdout.write(f"{target}: {len(frame)} rows\n")
    return 0


def _known_ids(paths: list[Path]) -> dict[str, str]:
    """Name → GEM entity id from companies files written by this importer (rows with a ``gem-<id>`` id)."""
    known: dict[str, str] = {}
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                company_id = row.get("company_id", "")
                if company_id.startswith("gem-") and not company_id.startswith("gem-name-"):
                    known.setdefault(row["name"], company_id.removeprefix("gem-"))
    return known


if __name__ == "__main__":
    sys.exit(main())
