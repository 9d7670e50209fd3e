"""What the claim model and the check helpers derive once (issue 15) must follow a fix that
replaces a segment, and must never carry one run's (one profile's) answer into another."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from scrubber.catalogue import load_profile
from scrubber.checks import CheckContext, RunContext
from scrubber.checks.common import in_ranges, normalize_code
from scrubber.checks.therapy_list import therapy_line
from scrubber.codelists import apply_changes
from scrubber.engine import Engine
from scrubber.model import Claim, Segment, SubscriberBlock
from scrubber.x12.reader import Reader
from tests.helpers import wrap

RUN_DATE = date(2026, 4, 15)
TWO_LINES = (
    "CLM*P1*150***11:B:1*Y*A*Y*Y~HI*ABK:M5450*ABF:M6283*BK:7242~DTP*472*D8*20260402~"
    "LX*1~SV1*HC:97110:GP:59*100*UN*2***1:2~"
    "LX*2~SV1*HC:97002:GP*50*UN*1***3~DTP*472*D8*20260409~"
)


def claims_of(tmp_path: Path, text: str) -> list[Claim]:
    path = tmp_path / "claims.837"
    path.write_text(text, encoding="utf-8")
    blocks = [e for e in Reader(path).events() if isinstance(e, SubscriberBlock)]
    return [claim for block in blocks for claim in block.claims()]


def changed(segment: Segment, position: int, value: str) -> Segment:
    elements = list(segment.elements)
    elements[position] = value
    return segment.with_elements(elements)


def test_a_replaced_sv1_gives_the_line_its_new_facts(tmp_path: Path) -> None:
    [claim] = claims_of(tmp_path, wrap(TWO_LINES))
    first = claim.lines[0]
    assert (first.procedure, first.modifiers, first.charge, first.units) == (
        "97110",
        ["GP", "59"],
        Decimal(100),
        Decimal(2),
    )
    assert [d.position for d in claim.pointed_diagnoses(first)] == [1, 2]
    sv1 = first.sv1
    assert sv1 is not None
    sv1 = changed(changed(changed(sv1, 1, "HC:97112:GO"), 2, "80"), 7, "2")
    claim.replace(changed(sv1, 4, "3"))
    line = claim.lines[0]
    assert (line.procedure, line.modifiers, line.charge, line.units) == (
        "97112",
        ["GO"],
        Decimal(80),
        Decimal(3),
    )
    assert line.pointed_positions == [2]
    assert [d.position for d in claim.pointed_diagnoses(line)] == [2]


def test_a_replaced_hi_dtp_or_clm_gives_the_claim_its_new_facts(tmp_path: Path) -> None:
    [claim] = claims_of(tmp_path, wrap(TWO_LINES))
    assert [d.normalized for d in claim.icd10_diagnoses] == ["M5450", "M6283"]
    assert claim.earliest_service_date == date(2026, 4, 2)  # line 1 takes the claim's date
    assert claim.charge == Decimal(150)
    hi = claim.diagnosis_segment
    assert hi is not None
    claim.replace(changed(hi, 2, "ABF:M6289"))
    assert [d.normalized for d in claim.icd10_diagnoses] == ["M5450", "M6289"]
    assert claim.pointed_diagnoses(claim.lines[0])[1].normalized == "M6289"
    claim_dtp = next(s for s in claim.claim_segments if s.id == "DTP")
    claim.replace(changed(claim_dtp, 3, "20260420"))
    assert claim.earliest_service_date == date(2026, 4, 9)
    assert claim.line_date(claim.lines[0]) == date(2026, 4, 20)
    claim.replace(changed(claim.clm, 2, "130"))
    assert claim.charge == Decimal(130)


def test_an_unsafe_fix_is_checked_again_with_the_new_procedure(tmp_path: Path) -> None:
    """PRC001's fix turns 97002 into 97164: the checks that run after it see 97164."""
    [claim] = claims_of(tmp_path, wrap(TWO_LINES))
    assert claim.lines[1].procedure == "97002"
    engine = Engine(load_profile("default"), RunContext(run_date=RUN_DATE), unsafe_fixes=True)
    result = engine.scrub_claim(claim)
    applied = [f for f in result.findings if f.fix is not None and f.fix.applied]
    assert "PRC001" in [f.edit for f in applied]  # CTX002 settles M62.83 on the way
    assert claim.lines[1].procedure == "97164"
    remaining = [f for f in result.findings if f not in applied]
    assert not [f for f in remaining if f.edit == "PRC001"]


def _therapy_lists(change: dict[str, object]) -> dict[str, dict[str, object]]:
    return apply_changes(load_profile("default").lists, {"therapy_codes": change}, "test")


def test_a_therapy_answer_kept_on_a_line_is_not_another_runs(tmp_path: Path) -> None:
    """The same claim judged by two runs whose therapy lists differ (two profiles)."""
    text = TWO_LINES.replace("97110", "97799")  # not on the shipped therapy list
    [claim] = claims_of(tmp_path, wrap(text))
    spec = load_profile("default").edits["THR002"]
    shipped = RunContext(run_date=RUN_DATE, lists=load_profile("default").lists)
    added = RunContext(
        run_date=RUN_DATE,
        lists=_therapy_lists({"add": {"codes": [{"codes": ["97799"], "kind": "always"}]}}),
    )
    line = claim.lines[0]
    assert therapy_line(claim, line, CheckContext(spec, shipped)) is None
    entry = therapy_line(claim, line, CheckContext(spec, added))
    assert entry is not None and entry.code == "97799"
    assert therapy_line(claim, line, CheckContext(spec, shipped)) is None


def test_prc001_lists_follow_the_profile_of_the_run(tmp_path: Path) -> None:
    """PRC001's lists are read once per run: a run with a profile that replaces them, between
    two default runs in one process, sees its own and leaves theirs alone."""
    profile = tmp_path / "deleted.toml"
    profile.write_text(
        'name = "deleted"\n[[edits.PRC001.params.deleted]]\ncodes = ["97110"]\n'
        'deleted = "2026-01-01"\nreplacements = ["97530"]\nsource = "test"\n',
        encoding="utf-8",
    )

    def prc001(profile_name: str) -> list[str]:
        [claim] = claims_of(tmp_path, wrap(TWO_LINES))
        engine = Engine(load_profile(profile_name), RunContext(run_date=RUN_DATE))
        found = engine.scrub_claim(claim).findings
        return [f.message.split()[0] for f in found if f.edit == "PRC001"]

    assert prc001("default") == ["97002"]
    assert prc001(str(profile)) == ["97110"]
    assert prc001("default") == ["97002"]


def _in_ranges_as_written(code: str, ranges: list[str]) -> bool:
    """The loop in_ranges replaced: every range read again for every code."""
    code = normalize_code(code)
    for item in ranges:
        if "-" in item:
            first, last = (normalize_code(part) for part in item.split("-", 1))
            if first <= code[: len(first)] <= last:
                return True
        elif code.startswith(normalize_code(item)):
            return True
    return False


@pytest.mark.parametrize(
    "ranges",
    [
        ["M00-M99"],
        ["Z96.6", "S12-S34", "m62.83"],
        ["M54.5", "M54"],
        ["C50-C50"],
        [],
        ["M6"],
    ],
)
def test_in_ranges_answers_as_the_loop_did(ranges: list[str]) -> None:
    codes = ["M5450", "m54.50", "Z966", "Z9661", "S335XXD", "S34", "M6283", "C50911", "A00", ""]
    for code in codes:
        assert in_ranges(code, ranges) is _in_ranges_as_written(code, ranges), (code, ranges)
        assert in_ranges(code, tuple(ranges)) is _in_ranges_as_written(code, ranges)


def test_in_ranges_answers_each_list_for_itself() -> None:
    assert in_ranges("M5450", ["M54"])
    assert not in_ranges("M5450", ["M55"])
    assert in_ranges("M5450", ["M50-M54"])
    assert not in_ranges("M5450", ["M50-M53"])
