"""compiled.lines.FastLines against the reference layers (iter_segments, _Normalized, _Feed and
pyx12's RawX12File): the same (tag, line) pairs, the same empty segments, the same place where
pyx12's reader stops, the same refusals, on the corpus, the samples and fuzzed files, and on
files that send it back to the reference layers part way (another delimiter set, a byte that is
not UTF-8, an ISA cut short)."""

from __future__ import annotations

from collections import deque
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
import pyx12.errors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyx12.rawx12file import RawX12File

from scrubber.x12.tokens import NotX12Error
from scrubber.x12.tr3.compiled.lines import EnvelopeLines, FastLines
from scrubber.x12.tr3.errors import Tr3Unavailable
from scrubber.x12.tr3.feed import _Feed, _Normalized
from scrubber.x12.tr3.walk import _fed, _Run
from tests.corpus import corpus_files
from tests.test_tr3_compiled import fuzzed

SAMPLES = Path(__file__).resolve().parents[1] / "x12_samples"
BASE = (SAMPLES / "clean.837").read_bytes()


def reference(path: Path) -> Any:
    with path.open("rb") as stream:
        lines = _Normalized(stream)
        tags: deque[int] = deque()
        feed = _Feed(_fed(lines), tags)
        try:
            raw = RawX12File(feed)
        except pyx12.errors.X12Error as error:
            return ("refused", str(error))
        except NotX12Error as error:
            return ("not x12", str(error))
        head = (raw.icvn, raw.seg_term, raw.ele_term, raw.subele_term)
        pairs, previous = [], 0
        try:
            for text in raw:
                previous = tags.popleft() if tags else previous + 1
                pairs.append((previous, text))
            stopped = (tags[0] if tags else previous + 1) if tags or not feed.exhausted() else None
        except NotX12Error as error:
            return ("not x12 after", pairs, str(error))
        return (head, pairs, stopped, list(lines.empties))


def fast(path: Path) -> Any:
    with path.open("rb") as stream:
        lines = FastLines(stream)
        try:
            raw = lines.open()
        except pyx12.errors.X12Error as error:
            return ("refused", str(error))
        except NotX12Error as error:
            return ("not x12", str(error))
        head = (raw.icvn, raw.seg_term, raw.ele_term, raw.subele_term)
        pairs = []
        try:
            for pair in lines.lines():
                pairs.append(pair)
        except NotX12Error as error:
            return ("not x12 after", pairs, str(error))
        return (head, pairs, lines.stopped_at, list(lines.empties))


def reference_prescan(path: Path) -> Any:
    """stream._prescan as it read the file before EnvelopeLines: _Normalized's lines."""
    last = 0
    with path.open("rb") as stream:
        lines = _Normalized(stream)

        def envelope() -> Any:
            nonlocal last
            for line in lines:
                last = line.number
                if line.seg_id in ("ISA", "GS", "ST", "SE", "GE", "IEA"):
                    yield line.number, line.text + lines.ending

        try:
            result = _Run(walk=False).execute(envelope(), end_tag=lambda: last)
        except (Tr3Unavailable, NotX12Error) as error:
            return (type(error).__name__, str(error))
    return (result.found[result.ended :], result.validated_groups, result.skipped_versions)


def prescan(path: Path) -> Any:
    """stream._prescan's run over EnvelopeLines, as reference_prescan returns it."""
    with path.open("rb") as stream:
        lines = EnvelopeLines(stream)
        fed = ((number, text + lines.ending) for number, text in lines)
        try:
            result = _Run(walk=False).execute(fed, end_tag=lambda: lines.last)
        except (Tr3Unavailable, NotX12Error) as error:
            return (type(error).__name__, str(error))
    return (result.found[result.ended :], result.validated_groups, result.skipped_versions)


def assert_same(path: Path) -> None:
    assert fast(path) == reference(path), path.name
    assert prescan(path) == reference_prescan(path), path.name


@pytest.mark.parametrize(
    "path",
    [*corpus_files("837p", "malformed", "837i", "837d", "other"), *sorted(SAMPLES.glob("*.837"))],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_corpus_and_samples(path: Path) -> None:
    assert_same(path)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(fuzzed(), st.sampled_from(["", "other", "byte", "short", "empty", "long", "bom"]))
def test_fuzzed_files(text: str, tail: str) -> None:
    data = text.encode("utf-8", "surrogateescape")
    if tail == "other":  # a second interchange with other delimiters: back to the reference
        data += BASE.replace(b"*", b"|").replace(b"~", b"!")
    elif tail == "byte":
        data += b"NTE*ADD*\xff\xfe~\n"
    elif tail == "short":
        data += b"ISA*00*~\n"
    elif tail == "empty":
        data += b"~~\n~"
    elif tail == "long":
        data += b"NTE*ADD*" + b"B" * 8300 + b"~\nNTE*ADD*" + b"C" * 17000 + b"~\n"
    elif tail == "bom":
        data = b"\xef\xbb\xbf" + data
    with TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.837"
        path.write_bytes(data)
        assert_same(path)


def test_long_segments_stop_both_at_the_same_place(tmp_path: Path) -> None:
    head, _, rest = BASE.partition(b"~")
    for size in (8000, 8100, 8191, 8192, 8193, 8300, 16000, 16384, 16500, 20000):
        for at in range(1, 6):
            segments = rest.split(b"~")
            segments.insert(at, b"\nNTE*ADD*" + b"A" * size)
            path = tmp_path / f"long{size}-{at}.837"
            path.write_bytes(head + b"~" + b"~".join(segments))
            result = fast(path)
            assert result == reference(path), (size, at)
    assert any(fast(tmp_path / f"long20000-{at}.837")[2] for at in range(1, 6))


def test_empty_segments_after_where_pyx12_stops_are_not_reported(tmp_path: Path) -> None:
    """The tokenizer runs ahead of pyx12's reader; empty segments past the segment it stopped
    on (a segment longer than its read-ahead) were never read by pyx12 (found by hypothesis)."""
    head, _, rest = BASE.partition(b"~")
    path = tmp_path / "stop-then-empties.837"
    path.write_bytes(head + b"~\nNTE*ADD*" + b"A" * 20000 + b"~" + rest + b"~~\n~")
    result = fast(path)
    assert result == reference(path)
    assert result[2] == 2 and result[3] == []


def test_another_delimiter_set_part_way(tmp_path: Path) -> None:
    other = BASE.replace(b"*", b"|").replace(b"~", b"!")
    for data in (BASE + other, BASE + other + BASE, BASE + b"~~" + other):
        path = tmp_path / "two.837"
        path.write_bytes(data)
        result = fast(path)
        assert result == reference(path)
        assert len(result[1]) > BASE.count(b"~")  # both interchanges' lines were given
