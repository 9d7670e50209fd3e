"""Tr3Stream: validate_tr3's errors while the walk runs in other processes, and no process left."""

from __future__ import annotations

import contextlib
import functools
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from scrubber.api import ScrubOptions, scrub
from scrubber.pipeline import FileRun, Tr3Index
from scrubber.synth import write_837
from scrubber.x12 import tr3
from scrubber.x12.tokens import iter_segments
from scrubber.x12.tr3 import Tr3Error, Tr3Stream, Tr3Unavailable, validate_tr3
from tests.corpus import CORPUS, corpus_files
from tests.helpers import assert_same_outputs

ROOT = Path(__file__).resolve().parents[1]


def plant(text: str) -> str:
    """TR3 errors of many kinds planted in a generated file: bad values, segments missing (some
    at the end of a subscriber, noticed at the next HL), unknown and empty segments, trailing
    element separators and out-of-sequence LX numbers (reader checks)."""
    out: list[str] = []
    counts: dict[str, int] = {}
    for line in text.split("~\n"):
        seg_id = line.split("*", 1)[0]
        k = counts[seg_id] = counts.get(seg_id, 0) + 1
        if seg_id == "DMG" and k % 5 == 2:
            line = line[: line.index("*D8*") + 4] + "19801399" + line[line.index("*D8*") + 12 :]
        elif seg_id == "DTP" and k % 6 == 3 or seg_id == "N3" and k % 12 == 8:
            continue
        elif seg_id == "SBR" and k % 7 == 1:
            line = line[: line.rfind("*")] + "*QZ"
        elif seg_id == "LX" and k % 8 == 5:
            line = "LX*9"
        elif seg_id == "CLM" and k % 10 == 6:
            line += "*"
        out.append(line)
        if seg_id == "HI" and k % 9 == 4:
            out.append("ZZZ*1")
        elif seg_id == "SV1" and k % 11 == 7:
            out.append("")
    return "~\n".join(out)


@functools.cache
def _generated(claims: int) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.837"
        write_837(path, claims)
        return path.read_text()


def planted_file(tmp_path: Path, claims: int = 40, name: str = "planted.837") -> Path:
    path = tmp_path / name
    path.write_text(plant(_generated(claims)), newline="")
    return path


def streamed(path: Path, jobs: int, chunk_claims: int, step: int) -> list[Tr3Error]:
    """All errors of a stream, asked for `step` segments at a time; checks each answer."""
    found: list[Tr3Error] = []
    with path.open("rb") as data:
        segments = sum(1 for _ in iter_segments(data))
    with Tr3Stream(path, jobs=jobs, chunk_claims=chunk_claims) as stream:
        asked = 0
        while asked < segments:
            errors = stream.errors_through(asked + step)
            assert all(asked < e.segment_number <= asked + step for e in errors)
            found += errors
            asked += step
            if stream.errors_through(asked) != []:  # asked again: nothing new
                raise AssertionError(asked)
        found += stream.rest()
    assert multiprocessing.active_children() == []
    return found


CASES = [(1, 200, 7), (2, 1, 3), (2, 3, 50)]


@pytest.mark.parametrize(("jobs", "chunk_claims", "step"), CASES)
def test_stream_gives_validate_tr3s_errors_on_corpus_files(
    jobs: int, chunk_claims: int, step: int
) -> None:
    corpus_files("837p")
    for name in (
        "837p/imsweb__x12-parser__x12_complex.txt",  # 2000C patients, two transactions
        "837p/imsweb__x12-parser__x12_multiple_isa.txt",
        "837p/Inteligenz__X12Parser__MedicaidExample.txt",  # BOM, CRLF, indented
        "837p/LinuxForHealth__x12__demo.example11.837",
        "malformed/imsweb__x12-parser__x12_missing_required_loops_mult_repeats.txt",
        "malformed/imsweb__x12-parser__x12_segment_errors.txt",
    ):
        path = CORPUS / name
        assert streamed(path, jobs, chunk_claims, step) == validate_tr3(path), name


@pytest.mark.parametrize(("jobs", "chunk_claims", "step"), CASES)
def test_stream_gives_validate_tr3s_errors_on_planted_errors(
    tmp_path: Path, jobs: int, chunk_claims: int, step: int
) -> None:
    path = planted_file(tmp_path)
    expected = validate_tr3(path)
    kinds = {(e.code, e.repaired_by_writer) for e in expected}
    assert {("3", False), ("8", False), ("7", False), ("1", False), ("LX", True)} <= kinds
    assert {("SEG1", False), ("4", True)} <= kinds
    assert streamed(path, jobs, chunk_claims, step) == expected


@pytest.mark.parametrize("jobs", [1, 2])
def test_trailers_missing_at_the_end_come_with_the_header(tmp_path: Path, jobs: int) -> None:
    text = plant(_generated(12))
    path = tmp_path / "cut.837"
    path.write_text(text[: text.rindex("SE*")], newline="")  # no SE, GE, IEA
    expected = validate_tr3(path)
    openers = [e for e in expected if e.segment_id in ("SE", "GE", "IEA") and e.code != "4"]
    assert [(e.segment_number, e.segment_id) for e in openers] == [(1, "IEA"), (2, "GE"), (3, "SE")]
    with Tr3Stream(path, jobs=jobs, chunk_claims=2) as stream:
        first = stream.errors_through(3)  # raised at the end of the file, known from the start
        assert [e for e in first if e in openers] == openers
        assert first + stream.rest() == expected


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"hello, this is not a claim file\n", "X12"), (b"ISA*00*short~GS*HC~", "X12")],
)
@pytest.mark.parametrize("jobs", [1, 2])
def test_unreadable_input_is_unavailable_at_start(
    tmp_path: Path, content: bytes, words: str, jobs: int
) -> None:
    path = tmp_path / "input.837"
    path.write_bytes(content)
    with pytest.raises(Tr3Unavailable, match=words), Tr3Stream(path, jobs=jobs):
        pass
    assert multiprocessing.active_children() == []


def test_version_without_a_map_is_unavailable_at_start() -> None:
    corpus_files("837p")
    with pytest.raises(Tr3Unavailable, match="00403"):
        Tr3Stream(CORPUS / "837p/bots-edi__bots-plugins__837_01.x12").start()
    assert multiprocessing.active_children() == []


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")  # ended, not reaped yet


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
@pytest.mark.parametrize("jobs", [1, 2])
def test_an_exception_in_the_caller_leaves_no_process(
    tmp_path: Path, jobs: int, error: type[BaseException]
) -> None:
    path = planted_file(tmp_path, claims=120)
    pids: list[int] = []
    started = time.monotonic()
    with pytest.raises(error), Tr3Stream(path, jobs=jobs, chunk_claims=1) as stream:
        assert stream.errors_through(30) is not None
        pids = [p.pid for p in multiprocessing.active_children() if p.pid is not None]
        assert len(pids) >= jobs  # the walk, or the pool (the reader may be done)
        raise error("the caller failed")
    assert time.monotonic() - started < 30
    assert multiprocessing.active_children() == []
    assert all(_gone(pid) for pid in pids)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("jobs", [1, 2])
def test_killing_the_caller_ends_its_processes(tmp_path: Path, jobs: int) -> None:
    path = planted_file(tmp_path, claims=600)
    script = textwrap.dedent(
        """
        import multiprocessing, sys, time
        from pathlib import Path
        from scrubber.x12.tr3 import Tr3Stream
        # pyx12's own pass: slow enough that every process is still at work when killed (the
        # compiled one may have finished a 600-claim file already; same processes either way)
        stream = Tr3Stream(
            Path(sys.argv[1]), jobs=int(sys.argv[2]), chunk_claims=5, engine="pyx12"
        )
        stream.start()
        stream.errors_through(20)
        print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
        time.sleep(60)
        """
    )
    pids: list[int] = []
    caller = subprocess.Popen(
        [sys.executable, "-c", script, str(path), str(jobs)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert caller.stdout is not None
        pids = [int(p) for p in caller.stdout.readline().split()]
        assert pids and not any(_gone(pid) for pid in pids)
        caller.send_signal(signal.SIGTERM)
        caller.wait(timeout=10)
        deadline = time.monotonic() + 10
        while not all(_gone(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(_gone(pid) for pid in pids)
    finally:
        caller.kill()
        caller.wait()
        for pid in pids:  # when the test fails: leave nothing behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


# --------------------------------------------------------------------------------------------
# The pipeline pulls errors block by block: same reports as with the whole list up front


def _report(folder: Path) -> dict[str, Any]:
    (report,) = folder.glob("*.report.json")
    data = json.loads(report.read_text())
    data.pop("generated_at", None)
    return data


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.837"))}


def _two_transactions(text: str) -> str:
    """A second transaction in the group, and a GS04 error every transaction header shows."""
    start = text.index("ST*837*")
    end = text.index("~\n", text.index("SE*")) + 2
    second = text[start:end].replace("ST*837*0001", "ST*837*0002").replace("*0001~\n", "*0002~\n")
    text = text[:end] + second + text[end:]
    text = text.replace("GE*1*", "GE*2*", 1)
    return text.replace("*20260415*1200*1*X*", "*20261399*1200*1*X*", 1)


@pytest.mark.parametrize("jobs", [1, 2])
def test_pipeline_reports_do_not_change_with_the_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    source = tmp_path / "two.837"
    source.write_text(_two_transactions(plant(_generated(30))), newline="")
    gs_errors = [e for e in validate_tr3(source) if e.segment_id == "GS"]
    assert [e.element for e in gs_errors] == ["GS04"]
    monkeypatch.setattr(tr3, "Tr3Stream", functools.partial(tr3.Tr3Stream, chunk_claims=2))
    streamed_out = tmp_path / "streamed"
    scrub(source, ScrubOptions(out_dir=streamed_out, jobs=jobs))

    def whole_list(self: FileRun) -> None:
        self.tr3 = Tr3Index.build(validate_tr3(self.path))

    monkeypatch.setattr(FileRun, "_validate_tr3", whole_list)
    whole_out = tmp_path / "whole"
    scrub(source, ScrubOptions(out_dir=whole_out, jobs=jobs))
    report = _report(streamed_out)
    assert report == _report(whole_out)
    assert _outputs(streamed_out) == _outputs(whole_out)
    shown = [f for c in report["claims"] for f in c["findings"] if f["edit"] == "IG002"]
    assert len(shown) == report["counts"]["claims"]  # the GS04 error, on both transactions
    assert multiprocessing.active_children() == []


class FakeStream:
    """errors_through over a fixed list, failing from a segment on; records what was asked."""

    def __init__(self, errors: list[Tr3Error], fail_at: int | None = None) -> None:
        self.errors = errors
        self.fail_at = fail_at
        self.asked: list[int] = []
        self.returned = 0
        self.closed = False

    def errors_through(self, number: int) -> list[Tr3Error]:
        self.asked.append(number)
        if self.fail_at is not None and number >= self.fail_at:
            raise Tr3Unavailable(f"pyx12 stopped at segment {self.fail_at} of the file")
        found = [e for e in self.errors if self.returned < e.segment_number <= number]
        self.returned = max(self.returned, number)
        return found

    def finish(self) -> None:
        self.errors_through(1 << 40)

    def close(self) -> None:
        self.closed = True


def _error(number: int, repaired: bool = False) -> Tr3Error:
    return Tr3Error(number, "NM1", "2010BA", None, None, None, "8", "segment", "x", repaired)


def test_index_pulls_forward_releases_and_keeps_pinned_segments() -> None:
    errors = [_error(1), _error(2), _error(5), _error(6, repaired=True), _error(9), _error(12)]
    stream = FakeStream(errors)
    index = Tr3Index(stream)
    index.pin(1, 2)
    assert [e.segment_number for e in index.at([1, 2, 3])] == [1, 2]
    assert [e.segment_number for e in index.between(4, 10)] == [5, 9]  # repaired: left out
    index.release(10)
    # each look-up asks one segment further: a gap is noticed at the segment after it
    assert index.kept == 0 and stream.asked == [4, 11]
    assert [e.segment_number for e in index.at([1, 2, 11, 12])] == [1, 2, 12]  # pinned kept
    index.pin(11)
    assert index.at([1, 2]) == []
    index.finish()
    assert index.failure is None and stream.closed


def test_index_releases_many_errors_block_by_block() -> None:
    """Errors on every other segment of 6,000, looked up and released three segments at a
    time: each look-up finds its own, and what was released is gone (dropped in bulk)."""
    stream = FakeStream([_error(n) for n in range(2, 6001, 2)])
    index = Tr3Index(stream)
    for first in range(1, 6001, 3):
        last = first + 2
        expected = [n for n in range(first, last + 1) if n % 2 == 0]
        assert [e.segment_number for e in index.between(first, last)] == expected
        index.release(last)
        assert index.between(1, last) == []
        # (and the one segment further each look-up asks for)
        assert index.kept == len([n for n in range(last + 1, index.checked + 2) if n % 2 == 0])


def test_index_stops_using_a_stream_that_fails_part_way() -> None:
    stream = FakeStream([_error(3), _error(30)], fail_at=20)
    index = Tr3Index(stream)
    assert [e.segment_number for e in index.between(1, 10)] == [3]
    assert index.between(11, 40) == []
    assert isinstance(index.failure, Tr3Unavailable) and index.checked == 10
    assert stream.closed and index.between(41, 50) == []


def test_stream_from_a_threaded_process(tmp_path: Path) -> None:
    # a process with threads (the drop-folder watcher) starts its processes with forkserver
    path = planted_file(tmp_path, claims=20)
    expected = validate_tr3(path)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert tr3._mp_context().get_start_method() != "fork"
        for jobs in (1, 2):
            assert streamed(path, jobs, 2, 40) == expected
    finally:
        stop.set()
        thread.join()


def test_a_missing_segment_belongs_to_the_loop_before_the_segment_that_noticed_it() -> None:
    gap = replace(_error(10), code="3", level="segment")  # e.g. 2010AA N3 missing, seen at HL*2
    index = Tr3Index.build([gap, _error(10)])
    assert index.between(9, 9) == [gap]
    assert index.between(10, 10) == [_error(10)]


def test_a_terminated_worker_never_runs_the_callers_clean_ups(tmp_path: Path) -> None:
    """Workers fork from the caller and inherit its signal handlers. With the CLI's SIGTERM
    handler, a worker stopped right after its fork (a stream closed at once, e.g. because the
    file is not X12) must die, not unwind the caller's frames copied into it and run their
    clean-ups there, such as removing the caller's temporary folder."""
    from scrubber.cli import _terminate

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        for attempt in range(30):
            with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
                path = Path(folder) / "batch.837"
                path.write_text("ISA*00*          *00*")  # not X12: start() fails, close() at once
                with contextlib.suppress(tr3.Tr3Unavailable):
                    tr3.Tr3Stream(path, jobs=1 + attempt % 2).start()
                time.sleep(0.05)
                assert path.exists(), f"a worker removed the caller's folder (attempt {attempt})"
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_passed_says_without_waiting_what_errors_through_would_give_at_once(
    tmp_path: Path,
) -> None:
    """The scrub pass goes on reading while the walk has not passed a block (passed False),
    and takes the block's errors once it has: the same errors as validate_tr3."""
    path = planted_file(tmp_path, claims=2000)
    expected = validate_tr3(path)
    last = max(e.segment_number for e in expected)
    found = []
    with tr3.Tr3Stream(path) as stream:
        assert not stream.passed(last)  # just started: 2,000 claims take the walk a while
        deadline = time.monotonic() + 120
        while not stream.passed(last):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        found += stream.errors_through(last)
        found += stream.rest()
    assert found == expected


def test_reading_ahead_of_the_walk_holds_the_same_claims_when_pyx12_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pyx12's reader stops on a 20,000-character element in claim 1,500 of 2,000: the claims
    it never reached are held (IG002) as when each block waited for the walk; taking in what
    the walk sent ahead (and meeting the stop early) changes no claim, and the note names the
    segment the walk got to either way."""
    made = tmp_path / "made.837"
    write_837(made, 2000, seed=3)
    segments = made.read_text(encoding="utf-8").split("~")
    claims = [i for i, s in enumerate(segments) if s.lstrip().startswith("CLM*")]
    segments.insert(claims[1499] + 1, "NTE*ADD*" + "A" * 20000)
    path = tmp_path / "stops.837"
    path.write_text("~".join(segments), encoding="utf-8")

    def run(out: Path) -> dict[str, Any]:
        out.mkdir()
        return scrub(path, ScrubOptions(out_dir=out, ledger=False)).report

    ahead = run(tmp_path / "ahead")
    run(tmp_path / "again")
    assert_same_outputs(tmp_path / "ahead", tmp_path / "again")  # whenever the stop is met
    monkeypatch.setattr(Tr3Stream, "arrived", lambda self, limit=0: 0)
    monkeypatch.setattr(Tr3Stream, "passed", lambda self, number: False)
    waiting = run(tmp_path / "waiting")
    for name in ("stops.clean.837", "stops.held.837"):
        assert (tmp_path / "ahead" / name).read_bytes() == (
            tmp_path / "waiting" / name
        ).read_bytes()
    note = next(n for n in ahead["notes"] if "stopped part way" in n)
    waited = next(n for n in waiting["notes"] if "stopped part way" in n)
    number = re.compile(r"up to segment (\d+)")
    reach, last_block = (int(number.findall(n)[0]) for n in (note, waited))
    # each block waiting for the walk named the last block's last segment; the walk got further
    assert number.sub("", note) == number.sub("", waited)
    assert last_block <= reach < 21159  # (pyx12 stopped on segment 21,159)
    assert 0 < ahead["counts"]["held"] < ahead["counts"]["claims"] == 2000
    assert waiting["counts"] == ahead["counts"]
    for name in ("stops.report.json",):
        ahead_json, waiting_json = (
            json.loads((tmp_path / run_ / name).read_text()) for run_ in ("ahead", "waiting")
        )
        assert ahead_json["claims"] == waiting_json["claims"]


def test_a_stop_after_the_last_claim_read_is_still_said(tmp_path: Path) -> None:
    """pyx12 stops in a second transaction that is not 837P (so nothing looks its errors up)
    after the reading has taken in every message of the walk: the run still says that TR3
    stopped part way."""
    first, second = tmp_path / "a.837", tmp_path / "b.837"
    write_837(first, 300, seed=3)
    write_837(second, 20, seed=4)
    own, other = first.read_text().split("~"), second.read_text().split("~")

    def where(segments: list[str], tag: str) -> int:
        return next(i for i, s in enumerate(segments) if s.lstrip().startswith(tag))

    st, se = where(other, "ST*"), where(other, "SE*")
    transaction = [
        s.replace("005010X222A1", "005010X223A2").replace("ST*837*0001", "ST*837*0002")
        for s in other[st : se + 1]
    ]
    transaction.insert(len(transaction) - 1, "NTE*ADD*" + "A" * 20000)
    ge = where(own, "GE*")
    path = tmp_path / "stops_late.837"
    path.write_text("~".join(own[:ge] + transaction + own[ge:]), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    report = scrub(path, ScrubOptions(out_dir=out, ledger=False)).report
    assert any("stopped part way" in note for note in report["notes"]), report["notes"]
