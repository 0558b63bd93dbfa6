"""``make data``: say which raw sources are present, fetch the missing ones that have a direct URL.

Run ``python -m layers.fetch``. A source whose files are present is left alone. A missing source with a
``download`` URL in the manifest is fetched into the raw-data directory (to a temporary name, then
moved into place); when that fails (no network, say) the command names the file, the URL and the
error. A missing source without a direct URL is listed with its upstream page to get it from by hand.
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
from layers.manifest import Source, load_manifest
from layers.registry import LOADERS
from layers.settings import SourceSettings

log = logging.getLogger(__name__)

#: Seconds to wait for a download to start.
TIMEOUT_S = 30


@dataclass(frozen=True)
class FetchOutcome:
    """What happened to one source."""

    source_id: str
    state: str  # "present", "fetched", "failed", "manual"
    detail: str


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
        if present:
            outcomes.append(FetchOutcome(source.id, "present", ", ".join(str(p) for p in present)))
        elif not source.download or source.root != "raw" or _is_pattern(source.files[0]):
            where = ", ".join(str(p) for p in source.expected(settings))
            outcomes.append(FetchOutcome(source.id, "manual", f"missing {where}; get it from {source.url}"))
        else:
            outcomes.append(_download(source, settings.raw_dir / source.files[0], timeout_s))
    return outcomes


def _is_pattern(path: str) -> bool:
    return any(ch in path for ch in "*?[")


def _download(source: Source, target: Path, timeout_s: float) -> FetchOutcome:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(source.download, timeout=timeout_s) as response:
            shutil.copyfileobj(response, out)
        os.replace(temporary, target)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return FetchOutcome(source.id, "failed", f"missing {target}: could not fetch {source.download}: {exc}")
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return FetchOutcome(source.id, "fetched", f"{target} from {source.download}")


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
    for outcome in outcomes:
        sys.stdout.write(f"{outcome.source_id}: {outcome.state}: {outcome.detail}\n")
    missing = [o.source_id for o in outcomes if o.state in ("failed", "manual")]
    if missing:
        sys.stdout.write(f"still missing: {', '.join(missing)} (the build skips them and says so)\n")
    return 1 if any(o.state == "failed" for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
