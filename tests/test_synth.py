"""The synthetic 837P generator writes what pyx12's TR3 map walk accepts, and loses nothing."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber.synth import (
    DEFECTS,
    ClaimSpec,
    LineSpec,
    amount,
    build_837,
    iter_synth_claims,
    write_837,
)
from scrubber.x12.conformance import pyx12_errors


def tr3_errors(text: str) -> list[str]:
    """pyx12's TR3 validation, in-process: the error strings (empty when the file is valid)."""
    return pyx12_errors(text)


def segments(text: str) -> list[list[str]]:
    terminator = text[105]
    return [s.strip().split("*") for s in text.split(terminator) if s.strip()]


def claims_in(text: str) -> list[tuple[str, Decimal, Decimal]]:
    """(CLM01, CLM02, sum of SV102) for every claim, in file order."""
    found: list[tuple[str, Decimal, Decimal]] = []
    for seg in segments(text):
        if seg[0] == "CLM":
            found.append((seg[1], Decimal(seg[2]), Decimal(0)))
        elif seg[0] == "SV1":
            clm01, clm02, lines = found[-1]
            found[-1] = (clm01, clm02, lines + Decimal(seg[2]))
    return found


def check_envelope(text: str) -> None:
    segs = segments(text)
    assert len(text.split(text[105], 1)[0]) + 1 == 106
    ids = [s[0] for s in segs]
    assert ids[:3] == ["ISA", "GS", "ST"] and ids[-3:] == ["SE", "GE", "IEA"]
    st_index = ids.index("ST")
    assert int(segs[-3][1]) == len(segs) - 2 - st_index  # SE01 counts ST..SE
    assert segs[-3][2] == segs[st_index][2]
    assert segs[-2] == ["GE", "1", segs[1][6]]
    assert segs[-1] == ["IEA", "1", segs[0][13]]
    hls = [s for s in segs if s[0] == "HL"]
    assert [int(h[1]) for h in hls] == list(range(1, len(hls) + 1))
    levels = {h[1]: h[3] for h in hls}
    for i, hl in enumerate(hls):
        has_child = any(later[2] == hl[1] for later in hls[i + 1 :])
        assert hl[4] == ("1" if has_child else "0")
        if hl[3] != "20":
            assert levels[hl[2]] == {"22": "20", "23": "22"}[hl[3]]
    lx: list[int] = []
    for seg in segs:
        if seg[0] == "CLM":
            assert lx == list(range(1, len(lx) + 1))
            lx = []
        elif seg[0] == "LX":
            lx.append(int(seg[1]))
    assert lx == list(range(1, len(lx) + 1))


THERAPY = ClaimSpec(
    claim_id="PCN0001",
    diagnoses=("M5450", "M62830"),
    lines=(
        LineSpec(procedure="97161", charge=Decimal("120.00"), pointers=(1, 2)),
        LineSpec(procedure="97110", charge=Decimal("100.00"), units="2"),
        LineSpec(procedure="97140", modifiers=("GP", "59"), charge=Decimal("80.00")),
    ),
    filing_indicator="MB",
)


@pytest.mark.parametrize(
    ("claims", "options"),
    [
        ([THERAPY], {}),
        ([ClaimSpec("A1"), ClaimSpec("A2"), ClaimSpec("A3")], {"claims_per_subscriber": 2}),
        (
            [
                ClaimSpec("D1", dependent=True, member_id="FAM01"),
                ClaimSpec("D2", dependent=True, member_id="FAM01", patient_first="TOM", sex="M"),
                ClaimSpec("S1", member_id="FAM01"),
            ],
            {"claims_per_subscriber": 5, "segment_suffix": "~\r\n", "control_number": 42},
        ),
        ([ClaimSpec("R1", frequency="7", original_claim_ref="PAYER123")], {"segment_suffix": "~"}),
    ],
)
def test_built_files_are_tr3_valid(claims: list[ClaimSpec], options: dict[str, Any]) -> None:
    text = build_837(claims, **options)
    check_envelope(text)
    assert tr3_errors(text) == []
    assert [c[0] for c in claims_in(text)] == [c.claim_id for c in claims]


def test_therapy_claim_text() -> None:
    text = build_837([THERAPY])
    assert "CLM*PCN0001*300***11:B:1*Y*A*Y*Y~\n" in text
    assert "HI*ABK:M5450*ABF:M62830~\n" in text
    assert "SV1*HC:97140:GP:59*80*UN*1***1~\n" in text
    assert "SBR*P*18*******MB~\n" in text
    assert text.endswith("SE*29*0001~\nGE*1*1~\nIEA*1*000000001~\n")


def test_dependent_and_grouping_shape() -> None:
    claims = [
        ClaimSpec("D1", dependent=True, member_id="FAM01"),
        ClaimSpec("D2", dependent=True, member_id="FAM01"),
        ClaimSpec("S1", member_id="FAM01"),
        ClaimSpec("S2", member_id="FAM01"),
        ClaimSpec("S3", member_id="OTHER"),
    ]
    hls = [s for s in segments(build_837(claims, claims_per_subscriber=5)) if s[0] == "HL"]
    assert [h[1:] for h in hls] == [
        ["1", "", "20", "1"],
        ["2", "1", "22", "1"],
        ["3", "2", "23", "0"],
        ["4", "2", "23", "0"],
        ["5", "1", "22", "0"],
        ["6", "1", "22", "0"],
    ]


def test_decimal_points_and_bad_pointers_pass_pyx12() -> None:
    # pyx12 does not check ICD-10 format or pointer targets: these are the scrubber's edits
    fixable = ClaimSpec(
        "F1", diagnoses=("M62.830", "M62.830", "M54.50"), lines=(LineSpec(pointers=(1, 2, 3)),)
    )
    dangling = ClaimSpec("P1", diagnoses=("M5450", "M62830"), lines=(LineSpec(pointers=(1, 3)),))
    assert tr3_errors(build_837([fixable, dangling])) == []


def test_tr3_errors_are_seen() -> None:
    # the checker itself is not blind
    assert tr3_errors(build_837([ClaimSpec("X", place_of_service="30")]))
    assert tr3_errors(build_837([ClaimSpec("X", hi_qualifiers=("ABF",))]))
    assert tr3_errors(build_837([ClaimSpec("X", lines=(LineSpec(pointers=(13,)),))]))


def test_amount_format() -> None:
    assert amount(Decimal("100.00")) == "100"
    assert amount(Decimal("12.50")) == "12.5"
    assert amount(Decimal("0.05")) == "0.05"
    assert amount(Decimal("1E+3")) == "1000"


def test_bad_suffix_rejected() -> None:
    with pytest.raises(ValueError):
        build_837([ClaimSpec("A")], segment_suffix="\n")


# --- properties ---------------------------------------------------------------------------------

CODES = ("M5450", "M5451", "M62830", "S39012A", "M25561", "M1711", "Z471", "M6283", "M545", "Z0000")
NAME = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=20)
MONEY = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
SERVICE = st.dates(min_value=date(2015, 10, 1), max_value=date(2026, 11, 1))


@st.composite
def claim_specs(draw: st.DrawFn, index: int) -> ClaimSpec:
    diagnoses = tuple(draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=12)))
    pointer = st.integers(min_value=1, max_value=len(diagnoses))
    line = st.builds(
        LineSpec,
        procedure=st.sampled_from(("97110", "97112", "97140", "97161", "97530", "92507")),
        modifiers=st.lists(st.sampled_from(("GP", "GO", "GN", "59", "KX", "CQ")), max_size=4).map(
            tuple
        ),
        charge=MONEY,
        units=st.integers(min_value=1, max_value=8).map(str),
        pointers=st.lists(pointer, min_size=1, max_size=4).map(tuple),
        service_date=SERVICE,
    )
    frequency = draw(st.sampled_from(("1", "1", "7")))
    return ClaimSpec(
        claim_id=f"C{index}" + draw(st.text(alphabet="0123456789ABCDEF", max_size=12)),
        diagnoses=diagnoses,
        lines=tuple(draw(st.lists(line, min_size=1, max_size=5))),
        place_of_service=draw(st.sampled_from(("11", "12", "22", "02", "10"))),
        frequency=frequency,
        original_claim_ref="ORIG1" if frequency == "7" else None,
        filing_indicator=draw(st.sampled_from(("CI", "MB", "MC", "BL", "HM"))),
        patient_last=draw(NAME),
        patient_first=draw(NAME),
        member_id=draw(st.sampled_from(("MBR01", "MBR02", "MBR03"))),
        birth_date=draw(st.dates(min_value=date(1920, 1, 1), max_value=date(2015, 1, 1))),
        dependent=draw(st.booleans()),
        sex=draw(st.sampled_from(("F", "M", "U"))),
        claim_charge=draw(st.none() | MONEY),
    )


@st.composite
def claim_lists(draw: st.DrawFn) -> list[ClaimSpec]:
    count = draw(st.integers(min_value=1, max_value=6))
    return [draw(claim_specs(i)) for i in range(count)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    claims=claim_lists(),
    per_subscriber=st.integers(min_value=1, max_value=4),
    suffix=st.sampled_from(("~", "~\n", "~\r\n")),
    control=st.integers(min_value=1, max_value=999_999_999),
)
def test_generated_claims_are_tr3_valid_and_conserved(
    claims: list[ClaimSpec], per_subscriber: int, suffix: str, control: int
) -> None:
    text = build_837(
        claims, claims_per_subscriber=per_subscriber, segment_suffix=suffix, control_number=control
    )
    check_envelope(text)
    assert tr3_errors(text) == []
    written = claims_in(text)
    assert [c[0] for c in written] == [c.claim_id for c in claims]
    assert [c[1] for c in written] == [c.total_charge for c in claims]
    for spec, (_, _, line_sum) in zip(claims, written, strict=True):
        assert line_sum == sum((line.charge for line in spec.lines), Decimal(0))
    assert sum(c[1] for c in written) == sum(c.total_charge for c in claims)


# --- large files --------------------------------------------------------------------------------


def _synth(n: int, seed: int) -> Iterator[tuple[ClaimSpec, str | None]]:
    return iter_synth_claims(n, seed=seed)


def test_write_837_is_valid_deterministic_and_conserving(tmp_path: Path) -> None:
    first, second = tmp_path / "a.837", tmp_path / "b.837"
    write_837(first, 400, seed=7)
    write_837(second, 400, seed=7)
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="ascii")
    check_envelope(text)
    assert tr3_errors(text) == []
    specs = list(_synth(400, 7))
    written = claims_in(text)
    assert [c[0] for c in written] == [s.claim_id for s, _ in specs]
    assert [c[1] for c in written] == [s.total_charge for s, _ in specs]
    unbalanced = {s.claim_id for s, d in specs if d == "unbalanced"}
    assert {c[0] for c in written if c[1] != c[2]} == unbalanced


def test_write_837_plants_every_defect_and_varies_subscribers(tmp_path: Path) -> None:
    specs = list(_synth(3000, 0))
    defects = [d for _, d in specs if d is not None]
    assert set(defects) == set(DEFECTS)
    assert 0.02 < len(defects) / len(specs) < 0.09
    path = tmp_path / "big.837"
    write_837(path, 3000, seed=0, lines_per_claim=3)
    segs = segments(path.read_text(encoding="ascii"))
    subscribers = sum(1 for s in segs if s[0] == "HL" and s[3] == "22")
    patients = sum(1 for s in segs if s[0] == "HL" and s[3] == "23")
    assert len([s for s in segs if s[0] == "CLM"]) == 3000
    assert len([s for s in segs if s[0] == "LX"]) == 9000
    assert 1500 < subscribers < 3000 and patients > 100


def _peak_bytes(path: Path, n_claims: int) -> int:
    tracemalloc.start()
    try:
        write_837(path, n_claims, seed=3)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_write_837_streams(tmp_path: Path) -> None:
    small = _peak_bytes(tmp_path / "small.837", 500)
    large = _peak_bytes(tmp_path / "large.837", 6000)
    assert (tmp_path / "large.837").stat().st_size > 10 * (tmp_path / "small.837").stat().st_size
    # flat: a 12x larger file costs no more memory (the 1 MiB write buffer dominates)
    assert large < small + 200_000, (small, large)
    assert large < 2_500_000
