"""`scrub837 watch`: the drop-folder service, on real folders and real processes (no mocks).
The helpers (folders, logs, claim ids) are in tests/watching.py, the `dirs` fixture in
conftest.py."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from scrubber.cli_watch import watch
from scrubber.synth import ClaimSpec, build_837, write_837
from scrubber.watch import Watcher
from scrubber.watch.service import CRASH_ENV, crash_hook
from tests.watching import (
    REPO,
    SAMPLES,
    Background,
    Dirs,
    assert_exactly_once,
    claim_ids,
    events,
    phi_values,
    read_log,
    synth_file,
    temporaries,
    wait_for,
    watch_command,
)


@pytest.fixture(autouse=True)
def _no_crash_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CRASH_ENV, raising=False)


# -- --once on a folder of samples
def readable_samples() -> list[Path]:
    """The samples a watcher takes in and archives: not the ones rejected on purpose (ENV001,
    ENV002), nor the cut-off one, which waits in the inbox as an upload still under way."""
    kept_out = ("_env001", "_env002", "_env005")
    return sorted(p for p in SAMPLES.glob("*.837") if not p.stem.endswith(kept_out))


def test_once_scrubs_every_sample_then_moves_it(dirs: Dirs, tmp_path: Path) -> None:
    inputs: dict[str, list[str]] = {}
    for sample in readable_samples():
        shutil.copy(sample, dirs.inbox / sample.name)
        inputs[sample.name] = claim_ids(sample)
    (dirs.inbox / "notes.txt").write_text("not an X12 file\n")
    inputs["notes.txt"] = []
    # what the watcher must leave alone: upload temporaries, hidden files, links, folders
    leave = ["upload.837.part", "upload.837.filepart", "x.837.tmp", ".hidden.837"]
    for name in leave:
        shutil.copy(SAMPLES / "clean.837", dirs.inbox / name)
    outside = tmp_path / "outside.837"
    shutil.copy(SAMPLES / "clean.837", outside)
    (dirs.inbox / "link.837").symlink_to(outside)
    (dirs.inbox / "sub").mkdir()
    leave += ["link.837", "sub"]

    assert Watcher(dirs.config(once=True)).run() == 0

    left = sorted(p.name for p in dirs.inbox.iterdir())
    assert left == sorted(leave)
    # notes.txt is rejected: it goes to the failed folder with its report beside it
    assert sorted(p.name for p in dirs.failed.iterdir()) == [
        "notes.report.html",
        "notes.report.json",
        "notes.txt",
    ]
    report = json.loads((dirs.failed / "notes.report.json").read_text())
    assert report["status"] == "rejected"
    assert sorted(p.name for p in dirs.archive.iterdir()) == sorted(
        p.name for p in readable_samples()
    )
    for path in [*dirs.archive.iterdir(), *dirs.out.iterdir(), *dirs.held.iterdir()]:
        assert path.stat().st_mode & 0o077 == 0, path
    assert_exactly_once(dirs, inputs, left=tuple(n for n in leave if not n.startswith(".")))
    # each file once in the log, with what operations need and nothing from inside the claims
    processed = {e["file"]: e for e in events(dirs.log, "processed")}
    mixed = processed["mixed.837"]
    assert mixed["status"] == "held" and mixed["exit_status"] == 1
    assert mixed["counts"] == {"claims": 5, "clean": 2, "fixed": 1, "held": 2, "rejected": 0}
    assert re.fullmatch(r"[0-9a-f]{64}", mixed["sha256"])
    assert mixed["duration_s"] >= 0
    assert processed["notes.txt"]["exit_status"] == 3
    assert events(dirs.log, "not a regular file")[0]["file"] == "link.837"
    log_text = dirs.log.read_text()
    for value in phi_values(readable_samples()):
        assert value not in log_text, f"{value!r} (patient data) is in the log"


def test_reupload_is_a_logged_no_op_but_a_new_file_of_the_same_name_is_scrubbed(
    dirs: Dirs,
) -> None:
    shutil.copy(SAMPLES / "mixed.837", dirs.inbox / "batch.837")
    assert Watcher(dirs.config(once=True)).run() == 0
    before = sorted(p.name for d in (dirs.out, dirs.held, dirs.reports) for p in d.iterdir())

    # the same bytes again, under the same name and under another name: nothing is written
    shutil.copy(SAMPLES / "mixed.837", dirs.inbox / "batch.837")
    shutil.copy(SAMPLES / "mixed.837", dirs.inbox / "copy.837")
    assert Watcher(dirs.config(once=True)).run() == 0
    after = sorted(p.name for d in (dirs.out, dirs.held, dirs.reports) for p in d.iterdir())
    assert after == before
    duplicates = events(dirs.log, "duplicate")
    assert sorted(e["file"] for e in duplicates) == ["batch.837", "copy.837"]
    assert all(e["first_file"] == "batch.837" for e in duplicates)
    assert len(events(dirs.log, "processed")) == 1
    assert list(dirs.inbox.glob("*.837")) == []

    # different bytes under the same name: scrubbed, and the first outputs are not overwritten
    first_clean = (dirs.out / "batch.clean.837").read_bytes()
    ids = synth_file(dirs.inbox / "batch.837", 4, "NEW", control=7)
    assert Watcher(dirs.config(once=True)).run() == 0
    processed = events(dirs.log, "processed")
    assert [e["file"] for e in processed] == ["batch.837", "batch.837"]
    assert processed[1]["stem"] == "batch-2"
    assert (dirs.out / "batch.clean.837").read_bytes() == first_clean
    assert claim_ids(dirs.out / "batch-2.clean.837") == ids
    assert sorted(p.name for p in dirs.archive.iterdir()) == [
        "batch-2.837",
        "batch.837",
        "batch.duplicate.837",
        "copy.duplicate.837",
    ]


def test_a_bad_file_goes_to_failed_and_does_not_block_the_files_behind_it(
    dirs: Dirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = {
        "a.837": synth_file(dirs.inbox / "a.837", 2, "A", control=1),
        "b.837": synth_file(dirs.inbox / "b.837", 2, "B", control=2),
        "c.837": synth_file(dirs.inbox / "c.837", 2, "C", control=3),
    }
    (dirs.inbox / "b0.pdf").write_bytes(b"%PDF-1.7\n\x00\x01binary")
    # an internal error while scrubbing b.837 (fault injection hook of the service)
    crash = crash_hook("raise:after-scrub@b.837")
    assert Watcher(dirs.config(once=True), crash).run() == 4  # --once reports the internal error
    assert sorted(p.name for p in dirs.failed.iterdir()) == [
        "b.837",
        "b.report.json",
        "b0.pdf",
        "b0.report.html",
        "b0.report.json",
    ]
    report = json.loads((dirs.failed / "b.report.json").read_text())
    assert report["status"] == "error" and "internal error" in report["rejection"]["message"]
    assert sorted(p.name for p in dirs.archive.iterdir()) == ["a.837", "c.837"]
    assert [p.name for p in dirs.out.iterdir()] != []
    for name in ("a.837", "c.837"):
        stem = name.removesuffix(".837")
        assert claim_ids(dirs.out / f"{stem}.clean.837") == inputs[name]
    assert not (dirs.out / "b.clean.837").exists()  # its staged outputs were dropped
    error = events(dirs.log, "internal error")[0]
    assert error["file"] == "b.837" and error["error"] == "RuntimeError"
    assert events(dirs.log, "failed")[0]["file"] == "b.837"
    assert temporaries(*dirs.output_dirs()) == []
    # fixed and uploaded again, the same bytes are scrubbed (an error is not a result)
    shutil.copy(dirs.failed / "b.837", dirs.inbox / "b.837")
    assert Watcher(dirs.config(once=True)).run() == 0
    assert claim_ids(dirs.out / "b-2.clean.837") == inputs["b.837"]


def test_a_settled_x12_file_without_its_iea_waits_for_the_rest(dirs: Dirs) -> None:
    text = build_837([ClaimSpec(claim_id=f"T{n}") for n in range(30)])
    half = len(text) // 2
    path = dirs.inbox / "slow.837"
    path.write_text(text[:half])
    running = Background(dirs.config(settle=0.3, poll=0.1))
    try:
        wait_for(lambda: bool(events(dirs.log, "waiting")), 15, "the no-IEA wait")
        time.sleep(0.5)  # well past --settle
        assert events(dirs.log, "scrubbing") == []
        with path.open("a") as out:
            out.write(text[half:])
        wait_for(lambda: bool(events(dirs.log, "processed")), 30, "the completed file")
    finally:
        assert running.stop() == 0
    processed = events(dirs.log, "processed")
    assert len(processed) == 1 and processed[0]["counts"]["claims"] == 30
    assert claim_ids(dirs.out / "slow.clean.837") == [f"T{n}" for n in range(30)]


def test_file_events_wake_the_watcher_between_rescans(dirs: Dirs) -> None:
    running = Background(dirs.config(settle=0.0, poll=60.0))  # no rescan during the test
    try:
        # "watching" is logged once the inotify observer runs: no sleep needed
        wait_for(lambda: bool(events(dirs.log, "watching")), 10, "the watcher to watch")
        ids = synth_file(dirs.inbox / "evented.837", 2, "E")
        wait_for(lambda: bool(events(dirs.log, "processed")), 10, "an inotify wake-up")
    finally:
        assert running.stop() == 0
    assert_exactly_once(dirs, {"evented.837": ids})


def test_usage_errors(dirs: Dirs) -> None:
    runner = CliRunner()
    result = runner.invoke(watch, [str(dirs.inbox), "--out", str(dirs.inbox), "--once"])
    assert result.exit_code == 2 and "inbox" in result.output
    result = runner.invoke(watch, [*dirs.args("--once", "--profile", "no-such-payer")])
    assert result.exit_code == 2 and "no-such-payer" in result.output
    result = runner.invoke(watch, [str(dirs.inbox / "missing"), "--out", str(dirs.out)])
    assert result.exit_code == 2
    # a second watcher on the same state folder refuses to start
    dirs.state.mkdir(parents=True)
    fd = os.open(dirs.state / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        result = runner.invoke(watch, [*dirs.args("--once")])
        assert result.exit_code == 2 and "already" in result.output
    finally:
        os.close(fd)


# -- real processes
def _start(dirs: Dirs, *extra: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    return subprocess.Popen(
        [*watch_command(), *dirs.args(*extra)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_200_files_dropped_at_once_are_all_scrubbed(
    dirs: Dirs, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    inputs = {
        f"f{n:03d}.837": synth_file(staging / f"f{n:03d}.837", 1, f"F{n:03d}-", control=n + 1)
        for n in range(200)
    }
    process = _start(dirs, "--no-tr3", "--settle", "0.5", "--poll", "0.5")
    processes.append(process)
    wait_for(lambda: bool(events(dirs.log, "started")), 30, "the watcher to start")
    for name in inputs:  # dropped at once: renamed into the inbox one after another
        os.rename(staging / name, dirs.inbox / name)
    wait_for(lambda: len(events(dirs.log, "processed")) >= 200, 90, "200 files")
    time.sleep(0.3)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert len(events(dirs.log, "processed")) == 200
    assert_exactly_once(dirs, inputs)
    assert len(list(dirs.archive.iterdir())) == 200


def test_sigterm_finishes_the_file_in_hand_then_exits_0(
    dirs: Dirs, processes: list[subprocess.Popen[bytes]]
) -> None:
    write_837(dirs.inbox / "a.837", 1500, seed=3)
    ids = claim_ids(dirs.inbox / "a.837")
    synth_file(dirs.inbox / "b.837", 2, "B")
    process = _start(dirs, "--no-tr3", "--settle", "0", "--poll", "0.2")
    processes.append(process)
    wait_for(lambda: bool(events(dirs.log, "scrubbing")), 30, "a.837 to be taken")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    log = [e["event"] for e in read_log(dirs.log)]
    assert log.index("stopping") < log.index("processed") < log.index("stopped")
    processed = events(dirs.log, "processed")
    assert [e["file"] for e in processed] == ["a.837"]
    assert Counter(claim_ids(dirs.out / "a.clean.837") + claim_ids(dirs.held / "a.held.837")) == (
        Counter(ids)
    )
    assert [p.name for p in dirs.inbox.glob("*.837")] == ["b.837"]  # for the next start
    assert temporaries(*dirs.output_dirs()) == []
