"""Diagnosis pointers (SV107): each names an HI position the claim has."""

from __future__ import annotations

from collections.abc import Iterator

from scrubber.checks.registry import CheckContext, claim_check
from scrubber.findings import Finding, Fix
from scrubber.model import Claim

POINTER_VALUES = frozenset(str(n) for n in range(1, 13))  # SV107: 1..12 written plainly


@claim_check("PTR001")
def pointer_to_missing_diagnosis(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    positions = {d.position for d in claim.diagnoses}
    for line in claim.lines:
        sv1 = line.sv1
        if sv1 is None:
            continue
        for pointer in line.pointers:
            value = pointer.strip()
            if value not in POINTER_VALUES:  # "01", "١" and " 1" are not pointers
                yield Finding(
                    ctx.message("range", pointer=value, procedure=line.procedure), sv1, "SV107"
                )
            elif int(value) not in positions:
                yield Finding(
                    ctx.message(pointer=value, procedure=line.procedure, count=len(positions)),
                    sv1,
                    "SV107",
                )


@claim_check("PTR002")
def pointer_repeated_on_line(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    for line in claim.lines:
        sv1 = line.sv1
        pointers = [p.strip() for p in line.pointers]
        unique = list(dict.fromkeys(pointers))
        if sv1 is None or len(unique) == len(pointers):
            continue
        elements = list(sv1.elements)
        elements[7] = sv1.join_components(unique)
        yield Finding(
            ctx.message(pointers=":".join(pointers), procedure=line.procedure),
            sv1,
            "SV107",
            fix=Fix("safe", [sv1.with_elements(elements)]),
        )


@claim_check("PTR003")
def diagnosis_no_line_points_to(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    pointed = {p.strip() for line in claim.lines for p in line.pointers}
    never_pointed = ctx.params.get("never_pointed", [])  # external causes say how, not what
    for diagnosis in claim.diagnoses:
        if never_pointed and ctx.in_ranges(diagnosis.code, never_pointed, "never_pointed"):
            continue
        if diagnosis.code.strip() and str(diagnosis.position) not in pointed:
            yield Finding(
                ctx.message(position=diagnosis.position),
                diagnosis.segment,
                diagnosis.location,
            )
