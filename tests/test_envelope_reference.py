"""The envelope pass over segment runs finds exactly what the pass over one RawSegment per
segment did (tests/envelope_reference.py): the same transactions closed, stray envelope
segments, segment and claim counts, and the same NotX12Error, on every corpus file, every
sample, generated and mangled texts, whatever the chunk size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber.synth import write_837
from scrubber.x12 import envelope, tokens
from tests import envelope_reference
from tests.corpus import corpus_files
from tests.helpers import wrap

SAMPLES = Path(__file__).resolve().parents[1] / "x12_samples"


def _facts(scan: Any, path: Path) -> tuple[Any, ...]:
    try:
        found = scan(path)
    except tokens.NotX12Error as error:
        return ("NotX12Error", str(error), error.segment_number, error.kind)
    return (found.transactions_closed, found.stray, found.segments, found.claims)


def _same(path: Path, chunk: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tokens, "CHUNK", chunk)
        expected = _facts(envelope_reference.scan_trailers, path)
        assert _facts(envelope.scan_trailers, path) == expected, (path.name, chunk)


def test_corpus_and_samples_scan_as_before() -> None:
    folders = ("837p", "837i", "837d", "other", "malformed")
    inputs = corpus_files(*folders) + sorted(SAMPLES.glob("*.837"))
    assert len(inputs) > 100
    for path in inputs:
        for chunk in (1 << 16, 5, 64):  # small chunks: runs cut short by every read
            _same(path, chunk)


def test_a_generated_file_scans_as_before(tmp_path: Path) -> None:
    path = tmp_path / "g.837"
    write_837(path, 300, seed=7)
    data = path.read_bytes()
    assert envelope.scan_trailers(path).claims == 300  # the comparison can fail
    for name, variant in (
        ("plain", data),
        ("crlf", data.replace(b"~", b"~\r\n")),
        ("newline", data.replace(b"~", b"\n")),  # a white-space terminator: no runs
        ("no_se", data.replace(b"~SE*", b"~XE*")),
        ("stray", data.replace(b"~CLM*", b"~GE*1*1~CLM*", 1)),
    ):
        named = tmp_path / f"{name}.837"  # named in the assertion
        named.write_bytes(variant)
        for chunk in (1 << 16, 4096, 333):
            _same(named, chunk)


_PIECES = st.sampled_from(
    [
        "~",
        "*",
        " ",
        "\r\n",
        "\t",
        "CLM*1*2~",
        "ST*837*2~",
        "SE*3*1~",
        "GS~",
        "GE*1*1~",
        "IEA*1~",
        "ST~",
        "ISA",
        "é",
        "\udcff",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    body=st.lists(_PIECES, max_size=40),
    second_isa=st.booleans(),
    chunk=st.sampled_from([1, 7, 106, 200, 1 << 16]),
)
def test_mangled_texts_scan_as_before(
    tmp_path_factory: pytest.TempPathFactory, body: list[str], second_isa: bool, chunk: int
) -> None:
    text = wrap()
    cut = len(text) // 2
    extra = "".join(body)
    if second_isa:
        extra += text[:106].replace("~", "!").replace("*", "|") + "GS|HC!ST|837!CLM|1!"
    data = (text[:cut] + extra + text[cut:] + extra).encode("utf-8", "surrogateescape")
    path = tmp_path_factory.mktemp("mangled") / "m.837"
    path.write_bytes(data)
    _same(path, chunk)
