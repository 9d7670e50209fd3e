"""The regular-expression tokenizer yields exactly what the cursor tokenizer it replaced did:
the same segments (text, suffix, number, delimiters), the same read notes and the same
NotX12Error, on every corpus file, every sample and generated text, whatever the chunk size."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber.synth import write_837
from scrubber.x12 import tokens
from tests import tokens_reference
from tests.corpus import corpus_files
from tests.helpers import wrap

SAMPLES = Path(__file__).resolve().parents[1] / "x12_samples"


def _read(module: Any, data: bytes) -> tuple[Any, ...]:
    notes = module.ReadNotes()
    got: list[tuple[str, str, int, tuple[str, ...]]] = []
    try:
        for raw in module.iter_segments(io.BytesIO(data), notes):
            d = raw.delimiters
            got.append((raw.text, raw.suffix, raw.number, (d.element, d.component, d.segment)))
    except module.NotX12Error as error:
        return got, ("NotX12Error", str(error), error.segment_number)
    return got, (notes.bom, notes.leading_whitespace, notes.line_breaks)


def _same(data: bytes, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "CHUNK", chunk)
    monkeypatch.setattr(tokens_reference, "CHUNK", chunk)
    assert _read(tokens, data) == _read(tokens_reference, data)


def _inputs() -> list[Path]:
    folders = ("837p", "837i", "837d", "other", "malformed")
    return corpus_files(*folders) + sorted(p for p in SAMPLES.glob("*.837"))


def test_corpus_and_samples_tokenize_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = _inputs()
    assert len(inputs) > 100
    for path in inputs:
        data = path.read_bytes()
        for chunk in (1 << 16, 5, 64):  # small chunks: segments and white space across reads
            _same(data, chunk, monkeypatch)


def test_a_generated_file_tokenizes_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "g.837"
    write_837(path, 300, seed=7)
    data = path.read_bytes()
    _same(data, 1 << 16, monkeypatch)
    _same(data.replace(b"~", b"~\r\n"), 4096, monkeypatch)


_PIECES = st.sampled_from(
    [
        "~",
        "*",
        ":",
        "^",
        " ",
        "\r\n",
        "\n",
        "\t",
        "CLM*1*2~",
        "HI*ABK:M545~",
        "SE*3*1~",
        "ISA",
        "é",
        "\ufeff",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    body=st.lists(_PIECES, max_size=40),
    lead=st.sampled_from(["", "\ufeff", "  \r\n"]),
    second_isa=st.booleans(),
    chunk=st.sampled_from([1, 2, 7, 106, 1 << 16]),
)
def test_mangled_texts_tokenize_as_before(
    body: list[str], lead: str, second_isa: bool, chunk: int
) -> None:
    text = wrap()
    cut = len(text) // 2
    extra = "".join(body)
    if second_isa:
        extra += text[:106].replace("~", "!").replace("*", "|") + "GS|HC!"  # other delimiters
    data = (lead + text[:cut] + extra + text[cut:] + extra).encode("utf-8")
    with pytest.MonkeyPatch.context() as patch:
        _same(data, chunk, patch)
