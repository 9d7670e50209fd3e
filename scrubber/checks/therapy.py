"""Therapy lines and their diagnoses (SNIP 6): codes that cannot justify treatment (THR001) and
medical necessity not confirmed by the supporting list or a coverage list (THR006). The lists are
data in edits/lists/."""

from __future__ import annotations

from collections.abc import Iterator

from scrubber.checks.common import dotted
from scrubber.checks.registry import CheckContext, claim_check
from scrubber.checks.therapy_list import diagnosis_ranges, label_of, pointed_codes, therapy_line
from scrubber.content.release import CoverageRelease, CoverageRule
from scrubber.findings import Finding
from scrubber.model import Claim, ServiceLine


@claim_check("THR001")
def therapy_line_without_supporting_diagnosis(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    not_supporting = diagnosis_ranges(ctx, "not_supporting")
    for line in claim.lines:
        pointed = pointed_codes(claim, line)
        if not pointed or therapy_line(claim, line, ctx) is None:
            continue  # no pointers: PTR001 says what is wrong with them
        if all(code in not_supporting for _d, code in pointed):
            labels = dict.fromkeys(label_of(ctx, "not_supporting", c) for _d, c in pointed)
            yield Finding(
                ctx.message(
                    procedure=line.procedure,
                    codes=", ".join(dotted(c) for _d, c in pointed),
                    why="; ".join(label for label in labels if label),
                ),
                line.sv1,
                "SV107",
            )


def payer_id(claim: Claim) -> str:
    """The payer's id (2010BB NM1*PR NM109)."""
    for segment in claim.subscriber.segments:
        if segment.id == "NM1" and segment.get(1).strip() == "PR":
            return segment.get(9).strip()
    return ""


def coverage_rules(claim: Claim, line: ServiceLine, ctx: CheckContext) -> list[CoverageRule]:
    """The installed coverage lists' rules for the line's procedure and the claim's payer, in
    force on the line's date (none installed or none naming them: [])."""
    day = claim.line_date(line)
    release = ctx.run.content.release("coverage", day)
    if not isinstance(release, CoverageRelease):
        return []
    return release.rules(payer_id(claim), line.procedure, day)


@claim_check("THR006")
def medical_necessity_not_confirmed(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    supporting = diagnosis_ranges(ctx, "supporting")
    not_supporting = diagnosis_ranges(ctx, "not_supporting")
    for line in claim.lines:
        pointed = pointed_codes(claim, line)
        if not pointed or therapy_line(claim, line, ctx) is None:
            continue
        if all(code in not_supporting for _d, code in pointed):
            continue  # THR001
        rules = coverage_rules(claim, line, ctx)
        if rules:  # the payer's list decides, whatever the supporting list says
            if not any(rule.covers(code) for rule in rules for _d, code in pointed):
                codes = ", ".join(dotted(c) for _d, c in pointed)
                origin = ", ".join(dict.fromkeys(r.source for r in rules))
                yield Finding(
                    ctx.message(
                        "not_covered", procedure=line.procedure, codes=codes, origin=origin
                    ),
                    line.sv1,
                    "SV107",
                    severity="error",
                )
            continue
        if any(code in supporting for _d, code in pointed):
            continue
        yield Finding(
            ctx.message(procedure=line.procedure, codes=", ".join(dotted(c) for _d, c in pointed)),
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
