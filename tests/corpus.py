"""Where the shared corpus is; under CI a missing corpus is a failure, never a skip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def corpus_files(*folders: str) -> list[Path]:
    if not CORPUS.is_dir():
        if os.environ.get("CI") == "true":
            raise AssertionError(f"the shared corpus is missing at {CORPUS}")
        pytest.skip("shared corpus not present")
    return sorted(p for folder in folders for p in (CORPUS / folder).iterdir() if p.is_file())


def claims_in(path: Path) -> list[tuple[str, str]]:
    """(CLM01, CLM02) of every claim in a file, in order, read with the tokenizer."""
    from scrubber.x12.tokens import iter_segments

    found = []
    with path.open("rb") as stream:
        for raw in iter_segments(stream):
            elements = raw.text.split(raw.delimiters.element)
            if elements[0].strip() == "CLM":
                found.append(tuple((elements + ["", ""])[1:3]))  # type: ignore[arg-type]
    return found
