"""``make data``: say which raw sources are present, fetch the missing ones that have a direct URL.

Run ``python -m layers.fetch``. A source whose files are present is left alone. A missing source with a
``download`` URL in the manifest is fetched into the raw-data directory (to a temporary name, then
moved into place); a source with an ``extract`` too is made from the download by that extractor (the
MinMod extract is rebuilt from an archive of the upstream repository). When that fails (no network, say)
the command names the file, the URL and the error. A missing source without a direct URL is listed with
its publisher and upstream page to get it from by hand. The command ends with one summary line and exits
1 if a download failed.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from layers.errors import AtlasError
from layers.importers.minmod_extract import MinmodExtractError, extract_from_archive, write_extract
from layers.manifest import Source, load_manifest
from layers.registry import LOADERS
from layers.settings import SourceSettings

log = logging.getLogger(__name__)

#: Seconds to wait for a download to start.
TIMEOUT_S = 30


def _minmod_central_asia(archive: Path, target: Path) -> str:
    records = extract_from_archive(archive)
    write_extract(records, target)
    return f"{len(records)} Central Asian records"


#: Extractors a manifest ``extract`` may name: (downloaded archive, target file) -> what was written.
EXTRACTORS = {"minmod_central_asia": _minmod_central_asia}


@dataclass(frozen=True)
class FetchOutcome:
    """What happened to one source."""

    source_id: str
    state: str  # "present", "fetched", "failed", "manual"
    detail: str
    #: Who publishes the source and where it comes from (for the missing ones).
    origin: str = ""


def fetch_missing(settings: SourceSettings, *, timeout_s: float = TIMEOUT_S) -> list[FetchOutcome]:
    """Fetch every missing source that has a direct download URL.

    Parameters
    ----------
    settings : SourceSettings
        Manifest path and raw-data directory.
    timeout_s : float
        Connection timeout of each download, in seconds.

    Returns
    -------
    list of FetchOutcome
        One per manifest source, in manifest order.
    """
    outcomes = []
    for source in load_manifest(settings.manifest_path, set(LOADERS)):
        present = source.resolve(settings)
        origin = source.publisher if source.url in source.publisher else f"{source.publisher}, {source.url}"
        if present:
            outcomes.append(FetchOutcome(source.id, "present", ", ".join(str(p) for p in present)))
        elif not source.download or source.root != "raw" or _is_pattern(source.files[0]):
            where = ", ".join(str(p) for p in source.expected(settings))
            outcomes.append(FetchOutcome(source.id, "manual", f"missing {where}; get it from {source.url}",
                                         source.publisher))
        else:
            outcome = _download(source, settings.raw_dir / source.files[0], timeout_s)
            outcomes.append(FetchOutcome(outcome.source_id, outcome.state, outcome.detail, origin))
    return outcomes


def _is_pattern(path: str) -> bool:
    return any(ch in path for ch in "*?[")


def _download(source: Source, target: Path, timeout_s: float) -> FetchOutcome:
    extractor = EXTRACTORS.get(source.extract) if source.extract else None
    if source.extract and extractor is None:
        return FetchOutcome(source.id, "failed", f"missing {target}: unknown extractor {source.extract!r} in the "
                            f"manifest; known: {sorted(EXTRACTORS)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(source.download, timeout=timeout_s) as response:
            shutil.copyfileobj(response, out)
        if extractor is None:
            os.replace(temporary, target)
            made = ""
        else:
            made = f" ({extractor(Path(temporary), target)}, extracted by {source.extract})"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return FetchOutcome(source.id, "failed", f"missing {target}: could not fetch {source.download}: {exc}")
    except MinmodExtractError as exc:
        return FetchOutcome(source.id, "failed", f"missing {target}: could not extract {source.download}: {exc}")
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return FetchOutcome(source.id, "fetched", f"{target} from {source.download}{made}")


def main(argv: list[str] | None = None) -> int:
    """Command line: report every source; exit 1 if a download failed."""
    parser = argparse.ArgumentParser(prog="python -m layers.fetch", description=__doc__)
    parser.add_argument("--raw-dir", type=Path, help="raw-data directory (default: ATLAS_RAW_DIR or data/raw)")
    args = parser.parse_args(argv)
    settings = SourceSettings(**({"raw_dir": args.raw_dir} if args.raw_dir else {}))
    try:
        outcomes = fetch_missing(settings)
    except AtlasError as exc:
        sys.stderr.write(f"make data failed: {exc}\n")
        return 1
    sys.stdout.write(report(outcomes))
    return 1 if any(o.state == "failed" for o in outcomes) else 0


def report(outcomes: list[FetchOutcome]) -> str:
    """Return what ``make data`` prints: what is present, each missing source with its origin, one summary line."""
    present = [o.source_id for o in outcomes if o.state == "present"]
    lines = [f"present: {len(present)} sources ({', '.join(present)})"] if present else []
    lines += [f"fetched {o.source_id}: {o.detail}" for o in outcomes if o.state == "fetched"]
    failed = [o for o in outcomes if o.state == "failed"]
    manual = [o for o in outcomes if o.state == "manual"]
    if failed:
        lines.append("missing, and the download failed (run `make data` again when online, or fetch the URL by hand):")
        lines += [line for o in failed for line in (f"  {o.source_id}: from {o.origin}", f"    {o.detail}")]
    if manual:
        lines.append("missing, to get by hand (optional ones only add to the map):")
        lines += [line for o in manual for line in (f"  {o.source_id}: from {o.origin}", f"    {o.detail}")]
    if failed:
        lines.append(f"make data: {len(failed)} download(s) failed ({', '.join(o.source_id for o in failed)}; "
                     f"no network?) and {len(manual)} source(s) are to get by hand. The build skips missing "
                     "sources and says so; with no raw data at all the map shows the embedded sample.")
    elif manual:
        lines.append(f"still missing: {', '.join(o.source_id for o in manual)} (the build skips them and says so)")
    return "".join(f"{line}\n" for line in lines)


if __name__ == "__main__":
    sys.exit(main())
