"""Clinical context: the muscle-spasm rules."""

from __future__ import annotations

from collections.abc import Iterator

from scrubber.checks.common import (
    dotted,
    expand_codes,
    icd10_codes,
    in_ranges,
    normalize_code,
    pointed_diagnoses,
)
from scrubber.checks.registry import CheckContext, claim_check, settles
from scrubber.findings import Finding, Fix
from scrubber.model import Claim


@settles("CTX002")
def refinement(claim: Claim, params: dict[str, object]) -> dict[str, str]:
    """Non-billable codes on this claim that the context settles: {category: fitting code}."""
    found: dict[str, str] = {}
    rules = params.get("refine", [])
    assert isinstance(rules, list)
    codes = [normalize_code(d.code) for d in icd10_codes(claim)]
    for rule in rules:
        category, target, context = rule["code"], rule["suggest"], rule["context"]
        if category in codes and any(c != category and in_ranges(c, context) for c in codes):
            found[category] = target
    return found


@claim_check("CTX002")
def spasm_category_with_back_context(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    settled = refinement(claim, ctx.params)
    for diagnosis in icd10_codes(claim):
        code = normalize_code(diagnosis.code)
        if code not in settled:
            continue
        target = settled[code]
        codes = ctx.codes_on(claim, diagnosis)
        others = [s for s in codes.billable_under(code) if s != target]
        hi = diagnosis.segment
        elements = list(hi.elements)
        parts = hi.components(diagnosis.element)
        parts[1] = target
        elements[diagnosis.element] = hi.join_components(parts)
        yield Finding(
            ctx.message(code=dotted(code), target=dotted(target), title=codes.title(target) or ""),
            hi,
            diagnosis.location,
            suggestions=[target, *others],
            fix=Fix("unsafe", [hi.with_elements(elements)]),
        )


@claim_check("CTX001")
def back_spasm_without_context(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    spasm = ctx.params["spasm_code"]
    codes = [normalize_code(d.code) for d in icd10_codes(claim)]
    if spasm not in codes or any(in_ranges(c, ctx.params["context"]) for c in codes):
        return
    therapy = expand_codes(ctx.params["therapy_codes"])
    for line in claim.lines:
        if line.procedure not in therapy:
            continue
        pointed = {normalize_code(d.code) for d in pointed_diagnoses(claim, line)}
        if pointed == {spasm}:
            yield Finding(ctx.message(procedure=line.procedure), line.sv1, "SV107")
            return
