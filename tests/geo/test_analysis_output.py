"""The analysis outputs are published as one unit: a kill or a disk error leaves the previous pair intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from geo.analysis_output import AnalysisOutputError, generations, publish
from geo.analyze import AnalysisSettings, read_analysis
from layers.settings import PROJECT_ROOT


def _write_pair(folder: Path, text: str) -> None:
    """Stand-in parts of one analysis: the store and a raster, both carrying ``text``."""
    (folder / "analysis.gpkg").write_text(text)
    (folder / "rasters").mkdir()
    (folder / "rasters" / "access_cost.tif").write_text(text)


def _pair(target: Path) -> tuple[str, str]:
    return (target / "analysis.gpkg").read_text(), (target / "rasters" / "access_cost.tif").read_text()


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.endswith((".tmp", ".link")))


@pytest.fixture()
def published(tmp_path: Path) -> Path:
    """A target already holding generation A."""
    target = tmp_path / "analysis"
    with publish(target) as folder:
        _write_pair(folder, "A")
    return target


def test_a_run_publishes_a_link_to_a_complete_generation(published):
    assert published.is_symlink() and _pair(published) == ("A", "A")
    assert [p.name for p in generations(published)] == [os.readlink(published)]


def test_a_second_run_swaps_the_pair_and_keeps_one_previous_generation(published):
    first = published.resolve()
    for text in ("B", "C"):
        with publish(published) as folder:
            _write_pair(folder, text)
    assert _pair(published) == ("C", "C")
    assert first not in generations(published) and len(generations(published)) == 2
    assert _leftovers(published.parent) == []


def test_a_failure_between_the_parts_leaves_the_previous_pair(published):
    before = published.resolve()
    with pytest.raises(RuntimeError, match="stopped between the raster and the store"), publish(published) as folder:
        (folder / "rasters").mkdir()
        (folder / "rasters" / "access_cost.tif").write_text("B")
        raise RuntimeError("stopped between the raster and the store")
    assert (published.resolve(), _pair(published)) == (before, ("A", "A"))
    assert _leftovers(published.parent) == []


KILLED_RUN = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from geo.analysis_output import publish
    with publish(Path(sys.argv[1])) as folder:
        (folder / "rasters").mkdir()
        (folder / "rasters" / "access_cost.tif").write_bytes(b"B" * 1_000_000)
        os.kill(os.getpid(), signal.SIGKILL)
""")


def test_a_killed_run_leaves_the_previous_pair_and_its_temporaries_go_at_the_next_start(published):
    run = subprocess.run([sys.executable, "-c", KILLED_RUN, str(published)], cwd=PROJECT_ROOT, check=False)
    assert run.returncode == -signal.SIGKILL
    assert _pair(published) == ("A", "A")
    assert len(_leftovers(published.parent)) == 1  # the killed run's folder, holding its raster
    # The flat layout's temporaries (before data/analysis/) are removed too.
    (published.parent / ".analysis.x1y2.tmp.gpkg").write_bytes(b"old")
    (published.parent / "rasters").mkdir()
    (published.parent / "rasters" / ".distance_to_corridor.tif.x1y2.tmp").write_bytes(b"old")
    with publish(published) as folder:
        assert _leftovers(published.parent) == [folder.name]  # stale ones gone before the work starts
        assert not (published.parent / ".analysis.x1y2.tmp.gpkg").exists()
        assert list((published.parent / "rasters").iterdir()) == []
        _write_pair(folder, "B")
    assert _pair(published) == ("B", "B")


def test_a_full_disk_is_one_clear_error_and_the_previous_pair_stays(published):
    before = published.resolve()
    with pytest.raises(AnalysisOutputError) as caught, publish(published) as folder:
        os.symlink("/dev/full", folder / "analysis.gpkg")  # the kernel answers every write with ENOSPC
        with open(folder / "analysis.gpkg", "wb") as out:
            out.write(b"x" * 1_000_000)
            out.flush()
    assert str(caught.value) == f"cannot write the analysis at {folder}: No space left on device"
    assert (published.resolve(), _pair(published)) == (before, ("A", "A"))
    assert _leftovers(published.parent) == []


def test_a_target_under_a_file_is_one_clear_error(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file, not a folder")
    with pytest.raises(AnalysisOutputError, match=r"^cannot write the analysis at .*/data/sub: Not a directory$"), \
            publish(blocker / "sub" / "analysis"):
        pytest.fail("publish() must refuse before its body runs")


def test_a_second_run_at_the_same_time_is_refused(published):
    with publish(published) as folder:
        with pytest.raises(AnalysisOutputError, match="another analysis run is writing"), publish(published):
            pytest.fail("publish() must refuse before its body runs")
        _write_pair(folder, "B")
    assert _pair(published) == ("B", "B")


def test_a_real_folder_at_the_target_is_not_replaced(tmp_path):
    target = tmp_path / "analysis"
    target.mkdir()
    (target / "mine.txt").write_text("kept")
    with pytest.raises(AnalysisOutputError, match="is not a link made by the analysis stage"), publish(target):
        pytest.fail("publish() must refuse before its body runs")
    assert (target / "mine.txt").read_text() == "kept"


def test_the_stage_fails_with_one_line_on_an_unwritable_target(real_store, tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file, not a folder")
    out = blocker / "sub" / "analysis"
    command = [sys.executable, "-m", "geo.analyze", "--store", str(real_store), "--out", str(out)]
    run = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    assert (run.returncode, run.stdout, run.stderr) == (1, "", (
        f"analysis failed: cannot write the analysis at {blocker / 'sub'}: Not a directory; "
        "the previous results, if any, are unchanged\n"))


def test_the_real_analysis_is_published_as_one_generation(real_analysis):
    analysis = read_analysis(real_analysis)
    assert real_analysis.analysis_dir.is_symlink()
    assert analysis.rasters_dir == real_analysis.analysis_dir.resolve() / "rasters"
    assert analysis.info["generation"] == real_analysis.analysis_dir.resolve().name
    assert sorted(p.name for p in analysis.rasters_dir.iterdir()) == [
        "access_cost.png", "access_cost.tif", "distance_to_corridor.png", "distance_to_corridor.tif"]
    assert _leftovers(real_analysis.analysis_dir.parent) == []


def test_reading_an_absent_analysis_says_how_to_make_it(tmp_path):
    from layers.errors import StoreError

    with pytest.raises(StoreError, match="run `make build`"):
        read_analysis(AnalysisSettings(analysis_dir=tmp_path / "analysis"))


def test_a_store_of_another_generation_is_refused(real_analysis, tmp_path):
    """The app never pairs one run's store with another run's rasters, however the folders were moved about."""
    from layers.errors import StoreError

    other = tmp_path / "analysis-20000101T000000.000000-abcdef"
    other.mkdir()
    (other / "analysis.gpkg").symlink_to(real_analysis.analysis_path.resolve())
    (tmp_path / "analysis").symlink_to(other.name)
    with pytest.raises(StoreError, match=r"was written for generation 'analysis-\d{8}T.*', not "
                                         r"'analysis-20000101T000000.000000-abcdef'"):
        read_analysis(AnalysisSettings(analysis_dir=tmp_path / "analysis"))
