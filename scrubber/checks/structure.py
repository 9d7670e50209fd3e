"""Structure inside a claim: the LX sequence (the HL tree is checked by the reader)."""

from __future__ import annotations

from collections.abc import Iterator

from scrubber.checks.registry import CheckContext, claim_check
from scrubber.findings import Finding, Fix
from scrubber.model import Claim


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
