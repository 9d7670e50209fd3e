"""Every real file of the shared corpus goes through the scrubber without a traceback."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from scrubber.api import ScrubOptions, scrub
from scrubber.x12.tr3 import Tr3Unavailable, validate_tr3
from tests.corpus import CORPUS, claims_in, corpus_files


def _tr3_problems(path: Path) -> list[object] | None:
    try:
        return [e for e in validate_tr3(path) if not e.repaired_by_writer]
    except Tr3Unavailable:
        return None


def _amount(value: str) -> Decimal:
    return Decimal(value.strip())


@pytest.mark.parametrize("path", corpus_files("837p"), ids=lambda p: p.name)
def test_professional_file_conserves_every_claim(tmp_path: Path, path: Path) -> None:
    result = scrub(path, ScrubOptions(out_dir=tmp_path, jobs=1))
    assert result.exit_status in (0, 1, 3)
    report = json.loads((tmp_path / f"{path.stem}.report.json").read_text())
    assert (tmp_path / f"{path.stem}.report.html").exists()
    if result.exit_status == 3:
        assert report["rejection"]["message"]
        return
    source = claims_in(path)
    clean = claims_in(result.outputs["clean"]) if result.outputs["clean"] else []
    held = claims_in(result.outputs["held"]) if result.outputs["held"] else []
    assert sorted(clean + held) == sorted(source)  # each claim exactly once, same CLM02
    assert clean == [c for c in source if c in clean]  # original order kept
    assert held == [c for c in source if c in held]
    total = sum((_amount(c[1]) for c in source), Decimal(0))
    assert Decimal(report["charges"]["total"]) == total
    assert Decimal(report["charges"]["clean"]) + Decimal(report["charges"]["held"]) == total
    assert report["counts"]["claims"] == len(source)
    # an input that passes pyx12's TR3 validation gives outputs that pass it too
    if _tr3_problems(path) == []:
        for name in ("clean", "held"):
            output = result.outputs[name]
            if output is not None:
                assert _tr3_problems(output) == [], f"{name} output of {path.name}"


@pytest.mark.parametrize(
    "path", corpus_files("837i", "837d", "other", "malformed"), ids=lambda p: p.name
)
def test_other_files_never_raise(tmp_path: Path, path: Path) -> None:
    result = scrub(path, ScrubOptions(out_dir=tmp_path, jobs=1))
    assert result.exit_status in (0, 1, 3)
    report = json.loads((tmp_path / f"{path.stem}.report.json").read_text())
    if path.parent.name in ("837i", "837d", "other"):
        # other = 835, 999, 4010 837s...: each rejected with a report saying what it is
        assert result.exit_status == 3, path.name
        assert report["rejection"]["message"]
    if path.parent.name in ("837i", "837d"):
        kind = "institutional" if path.parent.name == "837i" else "dental"
        assert kind in report["rejection"]["message"]


def test_corpus_is_there() -> None:
    assert (CORPUS / "837p").is_dir()
