"""Claims checked in a worker process as well as the reading one (scrubber.claim_checks): the
clean, held and report files are byte for byte those of a run in one process, on the corpus
837P files, the samples and a generated file with repeated claim ids (CLM002, which needs the
claims before) and codes no content covers (PRC002, said once per file); a worker killed
mid-run changes nothing."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import signal
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from scrubber import claim_checks
from scrubber.api import ScrubOptions, scrub
from scrubber.catalogue import load_profile
from scrubber.checks import RunContext
from scrubber.engine import Engine
from scrubber.synth import write_837
from tests.corpus import corpus_files
from tests.helpers import assert_same_outputs

SAMPLES = Path(__file__).resolve().parents[1] / "x12_samples"


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """One block a message, two ahead: a small file's blocks go both ways."""
    monkeypatch.setattr(claim_checks, "BATCH", 1)
    monkeypatch.setattr(claim_checks, "AHEAD", 2)


def _scrub(path: Path, out: Path, workers: int, **more: Any) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    options = ScrubOptions(out_dir=out, ledger=False, check_workers=workers, **more)
    return scrub(path, options).report


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,400 generated claims (over WORKER_FROM_BYTES); claim 300's id again on claims 1,500
    and 2,900, and 99213 (no CPT list is installed) on claims 700 and 2,000."""
    folder = tmp_path_factory.mktemp("made")
    made = folder / "made.837"
    write_837(made, 3400, seed=5)
    segments = made.read_text(encoding="utf-8").split("~")
    claims = [i for i, s in enumerate(segments) if s.lstrip().startswith("CLM*")]
    first_id = segments[claims[299]].split("*")[1]
    for index in (claims[1499], claims[2899]):
        parts = segments[index].split("*")
        parts[1] = first_id
        segments[index] = "*".join(parts)
    for claim in (699, 1999):
        line = next(i for i in range(claims[claim], claims[claim + 1]) if "SV1*" in segments[i])
        segments[line] = re.sub(r"SV1\*HC:\d{5}", "SV1*HC:99213", segments[line])
    path = folder / "generated.837"
    path.write_text("~".join(segments), encoding="utf-8")
    assert path.stat().st_size >= claim_checks.WORKER_FROM_BYTES  # auto would use a worker
    return path


def test_corpus_and_samples_alike_in_one_or_two_processes(
    tmp_path: Path, small_batches: None
) -> None:
    files = corpus_files("837p") + sorted(SAMPLES.glob("*.837"))
    for number, path in enumerate(files):
        one, two = tmp_path / f"{number}-one", tmp_path / f"{number}-two"
        _scrub(path, one, 0, tr3=False)
        _scrub(path, two, 1, tr3=False)
        assert_same_outputs(one, two)


def test_claims_before_and_once_per_file_are_judged_in_file_order(
    tmp_path: Path, generated: Path, small_batches: None
) -> None:
    one = _scrub(generated, tmp_path / "one", 0, tr3=False)
    seen: list[int] = []  # worker processes alive while the file was read

    def watch(_read: int, _total: int) -> None:
        seen.append(len(multiprocessing.active_children()))

    # auto: the file is large enough for a worker
    two = _scrub(generated, tmp_path / "two", None, tr3=False, progress=watch)
    assert max(seen) == 1
    assert_same_outputs(tmp_path / "one", tmp_path / "two")
    assert one["counts"] == two["counts"]
    report = json.loads((tmp_path / "two" / "generated.report.json").read_text())
    ids = [c["claim_id"] for c in report["claims"]]

    def said(edit: str) -> list[tuple[int, str, str]]:
        return [
            (index, f["location"]["segment"], f["location"]["element"])
            for index, c in enumerate(report["claims"])
            for f in c["findings"]
            if f["edit"] == edit
        ]

    # the later claims with claim 300's id, at their CLM01; the first one not
    assert said("CLM002") == [(1499, "CLM", "CLM01"), (2899, "CLM", "CLM01")]
    assert ids[299] == ids[1499] == ids[2899]
    assert said("PRC002") == [(699, "SV1", "SV101-2")]  # once, on the first claim with 99213


def test_with_tr3_alike_in_one_or_two_processes(tmp_path: Path, generated: Path) -> None:
    _scrub(generated, tmp_path / "one", 0)
    _scrub(generated, tmp_path / "two", 1)
    assert_same_outputs(tmp_path / "one", tmp_path / "two")


def test_a_worker_killed_mid_run_changes_nothing(tmp_path: Path, generated: Path) -> None:
    _scrub(generated, tmp_path / "one", 0, tr3=False)
    killed: list[int] = []

    def kill_the_worker(_read: int, _total: int) -> None:
        workers = multiprocessing.active_children()
        if not killed and workers:
            killed.append(workers[0].pid or 0)
            os.kill(killed[0], signal.SIGKILL)

    _scrub(generated, tmp_path / "two", 1, tr3=False, progress=kill_the_worker)
    assert killed
    assert_same_outputs(tmp_path / "one", tmp_path / "two")


def test_auto_leaves_the_worker_out_while_a_tr3_walk_holds_the_second_core(
    tmp_path: Path, generated: Path
) -> None:
    engine = Engine(load_profile("default"), RunContext(run_date=date(2026, 12, 4)))
    small = tmp_path / "small.837"
    small.write_bytes(generated.read_bytes()[: claim_checks.WORKER_FROM_BYTES // 2])

    def has_worker(path: Path, workers: int | None, walk_beside: bool) -> bool:
        checks = claim_checks.claim_checks(engine, path, workers, walk_beside=walk_beside)
        return checks._start_worker is not None

    two_cores = len(os.sched_getaffinity(0)) >= 2
    assert has_worker(generated, None, walk_beside=False) is two_cores
    assert not has_worker(generated, None, walk_beside=True) or len(os.sched_getaffinity(0)) > 2
    assert not has_worker(small, None, walk_beside=False)  # forking costs more than it saves
    assert has_worker(generated, 1, walk_beside=True)  # asked for: one either way
    assert not has_worker(generated, 0, walk_beside=False)


def test_a_scrub_with_tr3_checks_in_one_process_by_default(tmp_path: Path, generated: Path) -> None:
    from scrubber import check_worker

    def workers_seen(**more: Any) -> int:
        """The most check workers alive while the file was read (the TR3 walk's processes
        are not counted)."""
        seen = [0]

        def watch(_read: int, _total: int) -> None:
            children = multiprocessing.active_children()
            seen.append(sum(p.name == check_worker.PROCESS_NAME for p in children))

        _scrub(generated, tmp_path / str(len(more)), None, progress=watch, **more)
        return max(seen)

    assert workers_seen() == 0  # the walk holds the second core
    assert workers_seen(tr3=False) == (1 if len(os.sched_getaffinity(0)) >= 2 else 0)
