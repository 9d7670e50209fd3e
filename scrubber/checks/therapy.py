"""Therapy lines (SNIP 6): code lists and supporting-diagnosis ranges are data in edits/."""

from __future__ import annotations

from collections.abc import Iterator

from scrubber.checks.common import (
    dotted,
    expand_codes,
    in_ranges,
    normalize_code,
    pointed_diagnoses,
)
from scrubber.checks.registry import CheckContext, claim_check
from scrubber.findings import Finding
from scrubber.model import Claim


@claim_check("THR001")
def therapy_line_without_supporting_diagnosis(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    therapy = expand_codes(ctx.params["therapy_codes"])
    supporting = ctx.params["supporting"]
    for line in claim.lines:
        if line.procedure not in therapy:
            continue
        pointed = pointed_diagnoses(claim, line)
        if not pointed:
            continue  # PTR001 says what is wrong with the pointers
        if not any(in_ranges(normalize_code(d.code), supporting) for d in pointed):
            yield Finding(
                ctx.message(
                    procedure=line.procedure, codes=", ".join(dotted(d.code) for d in pointed)
                ),
                line.sv1,
                "SV107",
            )


@claim_check("THR008")
def same_procedure_twice_on_one_day(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    """A later line that repeats an earlier line's procedure and modifiers on its date."""
    first: dict[tuple[object, ...], int] = {}
    for number, line in enumerate(claim.lines, 1):
        day = claim.line_date(line)
        if line.sv1 is None or day is None or not line.procedure:
            continue
        key = (line.procedure, tuple(sorted(line.modifiers)), day)
        if key not in first:
            first[key] = number
            continue
        yield Finding(
            ctx.message(
                procedure=":".join([line.procedure, *line.modifiers]),
                first=first[key],
                line=number,
                day=day.isoformat(),
            ),
            line.sv1,
            "SV101",
        )
