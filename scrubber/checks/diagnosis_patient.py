"""Diagnoses against the patient and the service: codes the tabular reserves for one sex (DX011),
and injuries coded as initial encounters on therapy lines (DX012)."""

from __future__ import annotations

from collections.abc import Iterator

from scrubber.checks.common import dotted, in_ranges
from scrubber.checks.registry import CheckContext, claim_check
from scrubber.checks.therapy_list import pointed_codes, therapy_line
from scrubber.findings import Finding
from scrubber.model import Claim


def patient_sex(claim: Claim) -> str:
    """DMG03 of the patient (2010CA, else 2010BA): F, M, U or ''."""
    for segment in claim.patient_segments:
        if segment.id == "DMG":
            return segment.get(3).strip().upper()
    return ""


@claim_check("DX011")
def sex_conflict(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    sex = patient_sex(claim)
    blocks = ctx.params["blocks"]
    other = {"F": "M", "M": "F"}.get(sex)
    if other is None:
        return  # unknown or not sent: nothing to compare
    reserved = ctx.memo("reserved", blocks)  # {(code, sex): the block reserving it, or None}
    for diagnosis in ctx.icd10_codes(claim):
        code = diagnosis.normalized
        key = (code, other)
        if key not in reserved:
            reserved[key] = next(
                (b for b in blocks if b["sex"] == other and in_ranges(code, b["codes"])), None
            )
        block = reserved[key]
        if block is not None:
            yield Finding(
                ctx.message(
                    code=dotted(code),
                    label=block["label"],
                    reserved="female" if other == "F" else "male",
                    sex="male" if sex == "M" else "female",
                ),
                diagnosis.segment,
                diagnosis.location,
            )


@claim_check("DX012")
def initial_encounter_on_therapy(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    ranges = ctx.params["injury_codes"]
    flagged: set[int] = set()
    for line in claim.lines:
        if therapy_line(claim, line, ctx) is None:
            continue
        for diagnosis, code in pointed_codes(claim, line):
            if (
                diagnosis.position in flagged
                or len(code) != 7
                or not ctx.in_ranges(code, ranges, "injury_codes")
            ):
                continue
            codes = ctx.codes_on(claim, diagnosis)
            title = codes.title(code) or ""
            if "initial encounter" not in title.lower():
                continue
            flagged.add(diagnosis.position)
            subsequent = code[:6] + "D"
            suggestions = [subsequent] if codes.is_billable(subsequent) else []
            yield Finding(
                ctx.message(
                    code=dotted(code),
                    procedure=line.procedure,
                    target=dotted(subsequent) if suggestions else "the D code",
                ),
                diagnosis.segment,
                diagnosis.location,
                suggestions=suggestions,
            )
