"""Clinical context: the muscle-spasm rules (back spasm alone; M62.83 settled by body region)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from scrubber.checks.common import dotted, icd10_codes, in_ranges
from scrubber.checks.registry import CheckContext, claim_check, settles
from scrubber.checks.therapy_list import pointed_codes, therapy_line
from scrubber.findings import Finding, Fix
from scrubber.model import Claim


def settled_regions(claim: Claim, params: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Non-billable codes on this claim that the body region of its other codes settles:
    {category: (fitting code, region)}. Codes of two regions that want different codes settle
    nothing (the coder decides; DX002 lists every choice)."""
    found: dict[str, tuple[str, str]] = {}
    codes = [d.normalized for d in icd10_codes(claim)]
    for rule in params.get("refine", []):
        category = rule["code"]
        if category not in codes:
            continue
        others = [c for c in codes if c != category]
        fitting = {
            region["suggest"]: region["region"]
            for region in rule["regions"]
            if any(in_ranges(c, region["context"]) for c in others)
        }
        if len(fitting) == 1:
            target, region = next(iter(fitting.items()))
            found[category] = (target, region)
    return found


@settles("CTX002")
def refinement(claim: Claim, params: dict[str, Any]) -> dict[str, str]:
    """Non-billable codes on this claim that the context settles: {category: fitting code}."""
    return {code: target for code, (target, _region) in settled_regions(claim, params).items()}


@claim_check("CTX002")
def spasm_category_by_region(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    settled = settled_regions(claim, ctx.params)
    for diagnosis in ctx.icd10_codes(claim):
        code = diagnosis.normalized
        if code not in settled:
            continue
        target, region = settled[code]
        codes = ctx.codes_on(claim, diagnosis)
        others = [s for s in codes.billable_under(code) if s != target]
        hi = diagnosis.segment
        elements = list(hi.elements)
        parts = hi.components(diagnosis.element)
        parts[1] = target
        elements[diagnosis.element] = hi.join_components(parts)
        yield Finding(
            ctx.message(
                code=dotted(code),
                target=dotted(target),
                title=codes.title(target) or "",
                region=region,
            ),
            hi,
            diagnosis.location,
            suggestions=[target, *others],
            fix=Fix("unsafe", [hi.with_elements(elements)]),
        )


@claim_check("CTX001")
def back_spasm_without_context(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    spasm = ctx.params["spasm_code"]
    codes = [d.normalized for d in ctx.icd10_codes(claim)]
    context = ctx.params["context"]
    if spasm not in codes or any(ctx.in_ranges(c, context, "context") for c in codes):
        return
    for line in claim.lines:
        if therapy_line(claim, line, ctx) is None:
            continue
        if {code for _d, code in pointed_codes(claim, line)} == {spasm}:
            yield Finding(ctx.message(procedure=line.procedure), line.sv1, "SV107")
            return
