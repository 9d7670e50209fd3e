"""SNIP 3 balancing: the claim total equals its lines."""

from __future__ import annotations

from collections.abc import Iterator

from scrubber.checks.registry import CheckContext, claim_check
from scrubber.findings import Finding
from scrubber.model import Claim


@claim_check("BAL001")
def claim_total_differs_from_lines(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    total = claim.charge
    if total is None:  # an amount that is not a number holds its claim, with TR3 on or off
        yield Finding(ctx.message("not_a_number", value=claim.clm.get(2)), claim.clm, "CLM02")
        return
    charges = [line.charge for line in claim.lines]
    for line in claim.lines:
        if line.sv1 is not None and line.charge is None:
            yield Finding(
                ctx.message("line_not_a_number", value=line.sv1.get(2)), line.sv1, "SV102"
            )
    if not charges or any(c is None for c in charges):
        return
    lines_sum = sum(c for c in charges if c is not None)
    if total != lines_sum:
        yield Finding(
            ctx.message(total=f"{total:.2f}", lines=f"{lines_sum:.2f}", count=len(charges)),
            claim.clm,
            "CLM02",
        )
