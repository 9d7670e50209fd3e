from __future__ import annotations

import io
from pathlib import Path

import pytest

from scrubber.x12.tokens import NotX12Error, ReadNotes, iter_segments
from tests.corpus import corpus_files
from tests.helpers import wrap


def test_every_corpus_file_round_trips_byte_for_byte() -> None:
    for path in corpus_files("837p", "837i", "837d", "other", "malformed"):
        data = path.read_bytes()
        try:
            segments = list(iter_segments(io.BytesIO(data)))
        except NotX12Error:
            continue
        written = "".join(s.text + s.suffix for s in segments).encode("utf-8", "surrogateescape")
        assert data.endswith(written), path.name
        assert len(data) - len(written) in (0, 3), path.name  # only a BOM may be dropped


def test_bom_crlf_and_leading_whitespace_are_read_and_noted() -> None:
    text = wrap().replace("~\n", "~\r\n")
    data = "\ufeff  \r\n".encode() + text.encode()
    notes = ReadNotes()
    segments = list(iter_segments(io.BytesIO(data), notes))
    assert segments[0].text.startswith("ISA*00")
    assert segments[1].text.startswith("GS*HC")
    assert notes.bom and notes.leading_whitespace and notes.line_breaks == "CRLF"
    assert all(s.suffix == "~\r\n" for s in segments)


def test_other_delimiters_come_from_the_isa() -> None:
    text = wrap().replace("*", "|").replace(":", ">").replace("~\n", "\n")
    segments = list(iter_segments(io.BytesIO(text.encode())))
    assert segments[0].delimiters.element == "|"
    assert segments[0].delimiters.component == ">"
    assert segments[0].delimiters.segment == "\n"
    assert segments[2].text.startswith("ST|837")


@pytest.mark.parametrize(
    "data",
    [b"", b"hello world", b"GS*HC*A*B~", b"ISA*00*short~", "\u00e9t\u00e9".encode()],
)
def test_garbage_is_not_x12(data: bytes) -> None:
    with pytest.raises(NotX12Error):
        list(iter_segments(io.BytesIO(data)))


def test_streaming_reads_in_chunks(tmp_path: Path) -> None:
    # a file larger than one read chunk still splits exactly
    claims = "".join(
        f"CLM*P{i}*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~"
        for i in range(2000)
    )
    data = wrap(claims).encode()
    segments = list(iter_segments(io.BytesIO(data)))
    assert sum(1 for s in segments if s.text.startswith("CLM*")) == 2000
