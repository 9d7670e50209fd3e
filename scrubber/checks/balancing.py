"""SNIP 3 balancing: the claim total equals its lines."""

from __future__ import annotations

from collections.abc import Iterator

from scrubber.checks.registry import CheckContext, claim_check
from scrubber.findings import Finding
from scrubber.model import Claim


@claim_check("BAL001")
def claim_total_differs_from_lines(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    total = claim.charge
    charges = [line.charge for line in claim.lines]
    if total is None or not charges or any(c is None for c in charges):
        return  # unreadable amounts are TR3 errors (IG001)
    lines_sum = sum(c for c in charges if c is not None)
    if total != lines_sum:
        yield Finding(
            ctx.message(total=f"{total:.2f}", lines=f"{lines_sum:.2f}", count=len(charges)),
            claim.clm,
            "CLM02",
        )
