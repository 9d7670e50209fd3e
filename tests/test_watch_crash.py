"""Killed with SIGKILL at any point, then restarted: no file lost, no output written twice.

The service's test hook SCRUB837_WATCH_CRASH_AT=POINT[@FILE] makes it SIGKILL itself at a named
point. Most scenarios run the watcher in a forked child of this (already warmed-up) process, which
is a real process killed for real but starts in milliseconds; two run the command line itself.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from scrubber.api import ScrubOptions, scrub
from scrubber.synth import write_837
from scrubber.watch import WatchConfig, Watcher
from scrubber.watch.service import CRASH_ENV, CRASH_POINTS, MAX_ATTEMPTS, crash_hook
from tests.watching import (
    REPO,
    SAMPLES,
    Dirs,
    assert_exactly_once,
    claim_ids,
    events,
    synth_file,
    temporaries,
    watch_command,
)

KILLED = -signal.SIGKILL
DEAD_PID = 4194305  # above the largest pid_max: no process has it


def _child(config: WatchConfig, crash: str) -> None:
    sys.exit(Watcher(config, crash_hook(crash)).run())


def run_forked(config: WatchConfig, crash: str = "") -> int | None:
    process = multiprocessing.get_context("fork").Process(target=_child, args=(config, crash))
    process.start()
    process.join(timeout=60)
    if process.is_alive():
        process.kill()
        process.join()
        pytest.fail("the watcher did not finish")
    return process.exitcode


@pytest.fixture(scope="module", autouse=True)
def _warm(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Load the code sets here once, so that forked watchers start warm."""
    out = tmp_path_factory.mktemp("warm")
    scrub(SAMPLES / "clean.837", ScrubOptions(out_dir=out, tr3=False))


def _inputs(dirs: Dirs) -> dict[str, list[str]]:
    """a.837 has clean and held claims (so several outputs); b.837 waits behind it."""
    shutil.copy(SAMPLES / "mixed.837", dirs.inbox / "a.837")
    return {
        "a.837": claim_ids(dirs.inbox / "a.837"),
        "b.837": synth_file(dirs.inbox / "b.837", 3, "B", control=2),
    }


def _in_place(dirs: Dirs, stem: str) -> list[str]:
    candidates = [
        dirs.out / f"{stem}.clean.837",
        dirs.held / f"{stem}.held.837",
        dirs.reports / f"{stem}.report.json",
        dirs.reports / f"{stem}.report.html",
    ]
    return [p.name for p in candidates if p.exists()]


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_killed_at_a_point_then_restarted(point: str, tmp_path: Path) -> None:
    dirs = Dirs.make(tmp_path)
    inputs = _inputs(dirs)
    dirs.out.mkdir()
    stale = dirs.out / f".z.clean.837.{DEAD_PID}.tmp"  # as a killed run of the API leaves
    stale.write_text("ISA*partial")

    assert run_forked(dirs.config(once=True), f"{point}@a.837") == KILLED

    in_place = _in_place(dirs, "a")
    archived = (dirs.archive / "a.837").exists()
    assert (dirs.inbox / "a.837").exists() == (not archived)
    assert (dirs.inbox / "b.837").exists()
    if point in ("after-journal", "after-scrub", "after-stage"):
        assert in_place == [] and not archived
    elif point == "between-outputs":
        assert in_place == ["a.held.837"] and not archived
    elif point == "before-move":
        assert len(in_place) == 4 and not archived
    else:  # after-move
        assert len(in_place) == 4 and archived
    assert events(dirs.log, "processed") == []

    assert run_forked(dirs.config(once=True)) == 0

    assert_exactly_once(dirs, inputs)
    assert not stale.exists()
    resumed = events(dirs.log, "resuming")
    assert [e["file"] for e in resumed] == ["a.837"]
    recovered = [e for e in events(dirs.log, "processed") if e.get("recovered")]
    assert [e["file"] for e in recovered] == ["a.837"]
    scrubbed = [e["file"] for e in events(dirs.log, "scrubbing")]
    if point == "after-scrub":  # its outputs were not staged yet: the snapshot is scrubbed again
        assert scrubbed == ["a.837", "a.837", "b.837"]
    else:  # killed before the scrub began, or after its outputs were staged: scrubbed once
        assert scrubbed == ["a.837", "b.837"]


def test_killed_again_and_again_while_recovering(tmp_path: Path) -> None:
    """Each start resumes the job one step and is killed at the next point."""
    dirs = Dirs.make(tmp_path)
    inputs = _inputs(dirs)
    for point in CRASH_POINTS:
        assert run_forked(dirs.config(once=True), point) == KILLED, point
    assert run_forked(dirs.config(once=True)) == 0
    assert_exactly_once(dirs, inputs)
    assert [e["state"] for e in events(dirs.log, "resuming")] == [
        "scrubbing",  # killed after the journal entry
        "scrubbing",  # killed after the scrub
        "staged",  # killed after staging
        "staged",  # killed between outputs
        "committed",  # killed before the move
        "committed",  # killed after the move
    ]


def test_a_file_that_keeps_killing_the_watcher_is_failed_not_retried_forever(
    tmp_path: Path,
) -> None:
    dirs = Dirs.make(tmp_path)
    inputs = _inputs(dirs)
    for _ in range(MAX_ATTEMPTS):
        assert run_forked(dirs.config(once=True), "after-scrub@a.837") == KILLED
    assert run_forked(dirs.config(once=True)) == 4  # --once: an error was met
    assert sorted(p.name for p in dirs.failed.iterdir()) == ["a.837", "a.report.json"]
    assert [e["file"] for e in events(dirs.log, "failed")] == ["a.837"]
    assert [e["file"] for e in events(dirs.log, "processed")] == ["b.837"]
    assert Counter(claim_ids(dirs.out / "b.clean.837")) == Counter(inputs["b.837"])
    assert not (dirs.out / "a.clean.837").exists()
    assert temporaries(*dirs.output_dirs()) == []
    assert list((dirs.state / "work").iterdir()) == []


# -- the command line itself, killed for real
def _cli(dirs: Dirs, *extra: str, crash: str = "") -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    if crash:
        env[CRASH_ENV] = crash
    return subprocess.Popen(
        [*watch_command(), *dirs.args(*extra)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_cli_killed_before_the_input_moves_then_restarted(tmp_path: Path) -> None:
    dirs = Dirs.make(tmp_path)
    inputs = _inputs(dirs)
    flags = ("--once", "--no-tr3", "--settle", "0")
    process = _cli(dirs, *flags, crash="before-move@a.837")
    assert process.wait(timeout=60) == KILLED
    assert len(_in_place(dirs, "a")) == 4 and (dirs.inbox / "a.837").exists()
    process = _cli(dirs, *flags)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr.decode()
    assert_exactly_once(dirs, inputs)


def test_cli_sigkill_while_the_outputs_are_being_written(tmp_path: Path) -> None:
    dirs = Dirs.make(tmp_path)
    write_837(dirs.inbox / "big.837", 2000, seed=5)
    inputs = {
        "big.837": claim_ids(dirs.inbox / "big.837"),
        "small.837": synth_file(dirs.inbox / "small.837", 2, "S"),
    }
    process = _cli(dirs, "--no-tr3", "--settle", "0", "--poll", "0.2")
    work = dirs.state / "work"
    deadline = time.monotonic() + 60
    partial: list[Path] = []
    while not partial and time.monotonic() < deadline and process.poll() is None:
        partial = temporaries(work)  # the API's output, half written, under its temporary name
        time.sleep(0.002)
    process.kill()
    assert process.wait(timeout=30) == KILLED
    assert partial, "the kill did not land while the outputs were being written"
    assert events(dirs.log, "processed") == []
    assert _in_place(dirs, "big") == []

    process = _cli(dirs, "--once", "--no-tr3", "--settle", "0")
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr.decode()
    assert_exactly_once(dirs, inputs)
    assert not any(p.exists() for p in partial)
