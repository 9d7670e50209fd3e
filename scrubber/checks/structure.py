"""Structure inside a claim: the LX sequence (the HL tree is checked by the reader)."""

from __future__ import annotations

from collections.abc import Iterator

from scrubber.checks.registry import CheckContext, claim_check
from scrubber.findings import Finding, Fix
from scrubber.model import Claim


@claim_check("IG001")
def claim_lacks_required_segments(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    """What every 2300/2400 loop must hold. pyx12 reports a gap at the segment where it notices
    it, which can be the next claim's; and two CLMs in a row pass its walk. Checking the claim
    itself keeps an incomplete claim out of the clean file whatever the walk said."""
    if claim.diagnosis_segment is None:
        yield Finding(ctx.message("no_diagnosis"), claim.clm, "HI")
    if not claim.lines:
        yield Finding(ctx.message("no_lines"), claim.clm, "LX")
    for number, line in enumerate(claim.lines, start=1):
        missing = [
            name
            for name, present in (
                ("SV1", line.sv1 is not None),
                ("DTP*472", line.service_date_segment is not None),
            )
            if not present
        ]
        if missing:
            yield Finding(
                ctx.message("line_incomplete", number=number, missing=" or ".join(missing)),
                line.segments[0],
                "LX01",
            )


@claim_check("HL001")
def service_line_numbering(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    changes = []
    for expected, line in enumerate(claim.lines, start=1):
        lx = line.segments[0]
        if lx.get(1).strip() != str(expected):
            changes.append(lx.with_elements([lx.elements[0], str(expected)]))
    if changes:
        first = changes[0]
        original = claim.segment(first.number)
        yield Finding(
            ctx.message("lx", found=original.get(1) if original else "", expected=first.get(1)),
            original,
            "LX01",
            fix=Fix("safe", changes),
            severity="info",
        )
