"""Transport corridors (data/curated/corridors.csv) and their ordered waypoints (corridor_waypoints.csv)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from layers.errors import SourceFormatError
from layers.features import row_point
from layers.manifest import Source
from layers.schema import CORRIDOR_STATUSES, CORRIDOR_WAYPOINTS, CORRIDORS
from layers.tables import Row, TableSpec, assemble, read_rows

CORRIDOR_SPEC = TableSpec(
    name="corridors",
    required=("corridor_id", "name", "status"),
    optional=("name_ru", "opened_or_planned", "orientation", "notes", "source"),
    doc="data/curated/README.md",
)

WAYPOINT_SPEC = TableSpec(
    name="corridor_waypoints",
    required=("corridor_id", "seq", "node_or_place", "lon", "lat", "mode_to_next"),
    optional=("notes",),
    doc="data/curated/README.md",
)

#: How a corridor travels from one waypoint to the next.
LEG_MODES = ("rail", "sea")


def load_corridors(paths: list[Path], source: Source) -> pd.DataFrame:
    """Load the corridors table.

    Parameters
    ----------
    paths : list of Path
        CSV (UTF-8) or XLSX files with the columns of data/curated/corridors.csv.
    source : Source
        The manifest entry.

    Returns
    -------
    DataFrame
        :data:`layers.schema.CORRIDORS` columns, one row per corridor, in file order (no geometry: a corridor's
        line is routed from its waypoints by an analysis).

    Raises
    ------
    ColumnMappingError
        If ``corridor_id``, ``name`` or ``status`` is missing after the mapping.
    SourceFormatError
        If a file cannot be read, or a row (named by file, row and column) has an empty or duplicate
        ``corridor_id``, an empty ``name``, or a ``status`` not in :data:`layers.schema.CORRIDOR_STATUSES`.
    """
    seen: dict[str, Row] = {}
    rows = [
        {
            "corridor_id": row.identifier("corridor_id", seen),
            "name": row.required("name"),
            "name_ru": row.get("name_ru"),
            "status": row.choice("status", CORRIDOR_STATUSES, empty_ok=False),
            "opened_or_planned": row.get("opened_or_planned"),
            "orientation": row.get("orientation"),
            "notes": row.get("notes"),
            "source": row.get("source"),
        }
        for row in read_rows(paths, source, CORRIDOR_SPEC)
    ]
    return assemble(rows, CORRIDORS, what=f"corridors from {source.id}")


def load_corridor_waypoints(paths: list[Path], source: Source) -> gpd.GeoDataFrame:
    """Load the corridor waypoints table and check each corridor's sequence.

    Parameters
    ----------
    paths : list of Path
        CSV (UTF-8) or XLSX files with the columns of data/curated/corridor_waypoints.csv.
    source : Source
        The manifest entry.

    Returns
    -------
    GeoDataFrame
        :data:`layers.schema.CORRIDOR_WAYPOINTS` columns, one Point (EPSG:4326, from ``lon``/``lat`` in degrees)
        per waypoint, ordered by corridor (in order of first appearance) and ``seq``.

    Raises
    ------
    ColumnMappingError
        If a required column is missing after the mapping.
    SourceFormatError
        Naming file, row and column: an empty ``corridor_id`` or ``node_or_place``; a ``seq`` that is not a
        whole number, repeats, or leaves a gap (each corridor's seq runs 1, 2, 3, ...); an empty ``lon``/``lat``
        or one outside ±180/±90; a ``mode_to_next`` that is not rail or sea on a waypoint before the last, or
        that is not empty on the last. Whether each corridor exists is checked by
        :func:`check_waypoint_corridors` once both tables are loaded.
    """
    by_corridor: dict[str, list[tuple[Row, dict, object]]] = {}
    for row in read_rows(paths, source, WAYPOINT_SPEC):
        record = {
            "corridor_id": row.required("corridor_id"),
            "seq": row.count("seq"),
            "node_or_place": row.required("node_or_place"),
            "mode_to_next": row.choice("mode_to_next", LEG_MODES),
            "notes": row.get("notes"),
        }
        by_corridor.setdefault(record["corridor_id"], []).append((row, record, row_point(row)))
    rows, points = [], []
    for waypoints in by_corridor.values():
        waypoints.sort(key=lambda item: item[1]["seq"])
        _check_sequence(waypoints)
        rows += [record for _, record, _ in waypoints]
        points += [point for _, _, point in waypoints]
    return assemble(rows, CORRIDOR_WAYPOINTS, what=f"corridor_waypoints from {source.id}", geometries=points)


def _check_sequence(waypoints: list[tuple[Row, dict, object]]) -> None:
    """Check one corridor's waypoints, sorted by seq: 1..n without gaps, a mode on every leg, none after the last."""
    corridor = waypoints[0][1]["corridor_id"]
    for expected, (row, record, _) in enumerate(waypoints, start=1):
        if record["seq"] != expected:
            if record["seq"] == expected - 1 and expected > 1:
                problem = "is given twice"
            elif record["seq"] < expected:
                problem = "is below 1"
            else:
                problem = f"leaves a gap (no seq {expected})"
            raise row.error("seq", f"seq {record['seq']} of corridor {corridor!r} {problem}; expected each "
                                   "corridor's seq to run 1, 2, 3, ...")
        last = expected == len(waypoints)
        if last and record["mode_to_next"]:
            raise row.error("mode_to_next", f"{record['mode_to_next']!r} on the last waypoint of corridor "
                                            f"{corridor!r}; expected it empty (there is no next waypoint)")
        if not last and not record["mode_to_next"]:
            raise row.error("mode_to_next", f"is empty on waypoint {expected} of {len(waypoints)} of corridor "
                                            f"{corridor!r}; expected one of {', '.join(LEG_MODES)}")


def check_waypoint_corridors(corridors: pd.DataFrame, waypoints: pd.DataFrame) -> None:
    """Check that every waypoint's corridor is in the corridors table.

    Parameters
    ----------
    corridors : DataFrame
        :data:`layers.schema.CORRIDORS` rows.
    waypoints : GeoDataFrame
        :data:`layers.schema.CORRIDOR_WAYPOINTS` rows.

    Raises
    ------
    SourceFormatError
        Naming each unknown ``corridor_id`` with the seqs of its waypoints.
    """
    known = set(corridors["corridor_id"])
    unknown = waypoints[~waypoints["corridor_id"].isin(known)]
    if len(unknown):
        problems = [
            f"{corridor_id!r} (seq {', '.join(str(s) for s in group['seq'])})"
            for corridor_id, group in unknown.groupby("corridor_id", sort=False)
        ]
        raise SourceFormatError(f"corridor_waypoints: {len(unknown)} waypoints name a corridor_id that is not in "
                                f"corridors: " + "; ".join(problems))
