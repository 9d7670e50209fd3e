"""Diagnosis codes (SNIP 5): exist, billable, well formed, once each, right qualifiers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from scrubber.checks.common import dotted
from scrubber.checks.registry import CheckContext, claim_check, diagnosis_date
from scrubber.codesets.icd10cm import Icd10cm
from scrubber.findings import Finding, Fix
from scrubber.model import Claim

ICD10_START = date(2015, 10, 1)


def _near_miss(codes: Icd10cm, code: str) -> tuple[str, list[str]]:
    """What an unknown code was probably meant to be: placeholder X left out (S335D ->
    S335XXD), or a 7th character the code does not take (S39012Z -> A, D, S). ("", []) if
    neither."""
    if 4 <= len(code) < 7 and code[-1].isalpha():
        padded = code[:-1].ljust(6, "X") + code[-1]
        if codes.is_billable(padded):
            return "placeholder", [padded]
    if len(code) == 7:
        base = code[:6].rstrip("X")
        if codes.exists(base):
            valid = [c for c in codes.billable_under(base) if len(c) == 7 and c[:6] == code[:6]]
            if valid:
                return "seventh", valid
    return "", []


@claim_check("DX001")
def unknown_diagnosis_code(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    for diagnosis in ctx.icd10_codes(claim):
        code = diagnosis.normalized
        for day, codes in ctx.codes_on_each(claim, diagnosis):
            if not codes.exists(code):
                key, choices = _near_miss(codes, code)
                yield Finding(
                    ctx.message(
                        key or "default",
                        code=dotted(code),
                        release=codes.release.name,
                        date=day.isoformat() if day else "the claim's dates",
                        choices=", ".join(dotted(c) for c in choices),
                        characters=", ".join(c[-1] for c in choices),
                        base=dotted(code[:6].rstrip("X")),
                    ),
                    diagnosis.segment,
                    diagnosis.location,
                    suggestions=choices,
                )
                break


@claim_check("DX002")
def non_billable_diagnosis(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    refined = ctx.refined_codes(claim)
    for diagnosis in ctx.icd10_codes(claim):
        code = diagnosis.normalized
        judged = ctx.codes_on_each(claim, diagnosis)
        # the release of the first date that finds the code non-billable (each line's date)
        codes = next(
            (c for _day, c in judged if c.exists(code) and not c.is_billable(code)), judged[0][1]
        )
        if code in refined or not codes.exists(code) or codes.is_billable(code):
            continue
        suggestions = codes.billable_under(code)
        limit = int(ctx.params.get("max_suggestions", 12))
        key = "seventh" if suggestions and all(len(s) == 7 for s in suggestions) else "default"
        yield Finding(
            ctx.message(
                key,
                code=dotted(code),
                title=codes.title(code) or "",
                choices=", ".join(dotted(s) for s in suggestions[:limit]),
            ),
            diagnosis.segment,
            diagnosis.location,
            suggestions=suggestions[:limit],
        )


@claim_check("DX003")
def diagnosis_code_format(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    hi = claim.diagnosis_segment
    if hi is None:
        return
    elements = list(hi.elements)
    bad = []
    for diagnosis in claim.diagnoses:
        clean = diagnosis.normalized
        if clean != diagnosis.code:
            bad.append(diagnosis.code)
            parts = hi.components(diagnosis.element)
            parts[1] = clean
            elements[diagnosis.element] = hi.join_components(parts)
    if bad:
        yield Finding(
            ctx.message(codes=", ".join(repr(b) for b in bad)),
            hi,
            "HI",
            fix=Fix("safe", [hi.with_elements(elements)]),
        )


@claim_check("DX004")
def diagnosis_code_repeated(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    hi = claim.diagnosis_segment
    diagnoses = claim.diagnoses
    if hi is None:
        return
    first_position: dict[str, int] = {}
    remap: dict[int, int] = {}
    kept = []
    for diagnosis in diagnoses:
        code = diagnosis.normalized
        if code and code in first_position:  # an empty code is a TR3 error, not a repeat
            remap[diagnosis.position] = remap[first_position[code]]
        else:
            first_position[code] = diagnosis.position
            kept.append(diagnosis)
            remap[diagnosis.position] = len(kept)
    if len(kept) == len(diagnoses):
        return
    repeated = [dotted(d.code) for d in diagnoses if d not in kept]
    new_hi = [hi.elements[0]] + [hi.get(d.element) for d in kept]
    changes = [hi.with_elements(new_hi)]
    for line in claim.lines:
        sv1 = line.sv1
        if sv1 is None or not line.pointers:
            continue
        pointers = []
        for pointer in line.pointers:
            value = pointer.strip()
            new = str(remap[int(value)]) if value.isdigit() and int(value) in remap else value
            if new not in pointers:
                pointers.append(new)
        if pointers != line.pointers:
            elements = list(sv1.elements)
            elements[7] = sv1.join_components(pointers)
            changes.append(sv1.with_elements(elements))
    yield Finding(ctx.message(codes=", ".join(repeated)), hi, "HI", fix=Fix("safe", changes))


@claim_check("DX005")
def diagnosis_qualifier(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    hi = claim.diagnosis_segment
    diagnoses = claim.diagnoses
    if hi is None or not diagnoses:
        return
    wanted = {d.position: ("ABK" if i == 0 else "ABF") for i, d in enumerate(diagnoses)}
    wrong = [d for d in diagnoses if d.qualifier != wanted[d.position]]
    if not wrong:
        return
    service_date = claim.earliest_service_date  # only now: most claims have no wrong qualifier
    icd10_era = service_date is None or service_date >= ICD10_START
    if not icd10_era:
        return  # ICD-9 qualifiers are right before 2015-10-01; DX009 covers ICD-10 codes then
    icd9 = [
        d
        for d in wrong
        if d.qualifier in ("BK", "BF") and not ctx.codes_on(claim, d).exists(d.normalized)
    ]
    if icd9:
        yield Finding(
            ctx.message(
                "icd9",
                codes=", ".join(d.code for d in icd9),
                date=service_date.isoformat() if service_date else "?",
            ),
            hi,
            icd9[0].location,
        )
        return
    elements = list(hi.elements)
    for diagnosis in wrong:
        parts = hi.components(diagnosis.element)
        parts[0] = wanted[diagnosis.position]
        elements[diagnosis.element] = hi.join_components(parts)
    yield Finding(
        ctx.message(
            found=", ".join(f"HI{d.element:02d}-1 {d.qualifier or '(empty)'}" for d in wrong)
        ),
        hi,
        f"HI{wrong[0].element:02d}-1",
        fix=Fix("safe", [hi.with_elements(elements)]),
    )


@claim_check("DX010")
def no_code_set_for_service_date(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    """On each claim: the first date a diagnosis is judged on (see diagnosis_date; on or after
    the ICD-10 start, DX009 covers earlier ones) that no installed release covers, the nearest
    release, which judged it instead, and the command that installs the one it needs."""
    from scrubber.content.advice import install_command

    sent = ctx.icd10_codes(claim)
    days = {diagnosis_date(claim, d) for d in sent}
    for day in sorted(d for d in days if d is not None and d >= ICD10_START):
        index, covered = ctx.run.release_for(day)
        if covered:
            continue
        line = next((ln for ln in claim.lines if claim.line_date(ln) == day), None)
        segment = line.service_date_segment if line is not None else None
        yield Finding(
            ctx.message(
                date=day.isoformat(),
                release=index.release.name,
                command=install_command("icd10cm", day),
            ),
            segment if segment is not None else sent[0].segment,
            "DTP03" if segment is not None else sent[0].location,
        )
        return
