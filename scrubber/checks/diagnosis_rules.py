"""Diagnosis rules from the tabular: Excludes1 pairs, what may not be first-listed, ICD-10 before
its start date, and unspecified codes with specific siblings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from scrubber.checks.common import dotted
from scrubber.checks.registry import CheckContext, claim_check
from scrubber.codesets.icd10cm import Excludes1Pairs, Icd10cm
from scrubber.codesets.notes import text_note_ranges
from scrubber.findings import Finding
from scrubber.model import Claim, Diagnosis

_OTHER = re.compile(r"\bother\b", re.IGNORECASE)


def _node_name(node: str) -> str:
    """M545 -> M54.5; a block (M60-M63) or "chapter 13" stays as it is."""
    return node if " " in node or "-" in node else dotted(node)


def _principal(claim: Claim, ctx: CheckContext) -> Diagnosis | None:
    """The HI01 diagnosis when it is sent as ICD-10-CM."""
    return next((d for d in ctx.icd10_codes(claim) if d.position == 1), None)


def _excludes1_pairs(text_list: dict[str, Any]) -> Excludes1Pairs:
    """Pair verdicts for the run, with the text notes of the list as the profile left it."""
    return Excludes1Pairs(text_note_ranges(text_list.get("notes", [])))


@claim_check("DX006")
def excludes1_pair(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    # each code is judged by the release in force on its date; a pair by the later code's
    known: list[tuple[Diagnosis, Icd10cm]] = []
    for diagnosis in ctx.icd10_codes(claim):
        codes = ctx.codes_on(claim, diagnosis)
        if codes.exists(diagnosis.normalized):
            known.append((diagnosis, codes))
    if len(known) < 2:
        return
    # each (release, pair) judged once per run; notes written as text ("current injury - see
    # injury of spine by body region") send the coder to the codes of
    # edits/lists/excludes1_text.toml as the profile changed it
    pairs = ctx.derived("pairs", ctx.code_list("excludes1_text"), _excludes1_pairs)
    for index, (later, codes) in enumerate(known):
        b = later.normalized
        for earlier, _codes in known[:index]:
            a = earlier.normalized
            if a == b:
                continue  # DX004
            rule = pairs.conflict(codes, a, b)
            if rule is None:
                continue
            yield Finding(
                ctx.message(
                    first=dotted(a),
                    second=dotted(b),
                    note=rule.note,
                    node=_node_name(rule.source_node),
                ),
                later.segment,
                later.location,
            )
            break  # one finding per later code


@claim_check("DX007")
def external_cause_first(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    principal = _principal(claim, ctx)
    external = ctx.params["external_cause"]
    if principal is not None and ctx.in_ranges(principal.code, external, "external_cause"):
        yield Finding(
            ctx.message(code=dotted(principal.code)), principal.segment, principal.location
        )


@claim_check("DX008")
def manifestation_first(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    principal = _principal(claim, ctx)
    if principal is None:
        return
    codes = ctx.codes_on(claim, principal)
    code = principal.normalized
    if codes.is_manifestation(code):
        yield Finding(
            ctx.message(code=dotted(code), title=codes.title(code) or ""),
            principal.segment,
            principal.location,
        )


def _iso_date(value: object) -> date:
    return date.fromisoformat(str(value))


@claim_check("DX009")
def icd10_before_start(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    start = ctx.derived("start", ctx.params["icd10_effective"], _iso_date)
    sent = ctx.icd10_codes(claim)
    if not sent:
        return
    dates = [d for d in (claim.line_date(line) for line in claim.lines) if d is not None]
    if not dates and claim.earliest_service_date is not None:
        dates = [claim.earliest_service_date]
    early = min((d for d in dates if d < start), default=None)
    if early is None:
        return
    yield Finding(
        ctx.message(
            date=early.isoformat(),
            start=start.isoformat(),
            codes=", ".join(dotted(d.code) for d in sent),
        ),
        sent[0].segment,
        f"HI{sent[0].element:02d}-1",
    )


def _specific_siblings(codes: Icd10cm, code: str) -> list[str]:
    """The named alternatives to a billable unspecified code ([] for any other code)."""
    if not (codes.is_billable(code) and codes.is_unspecified(code)):
        return []
    # an "other" sibling (M54.59 Other low back pain) is a residual code, not a more
    # specific one: only named alternatives are offered
    return [
        s
        for s in codes.siblings(code)
        if not codes.is_unspecified(s) and not _OTHER.search(codes.title(s) or "")
    ]


@claim_check("SPC001")
def unspecified_with_specific_siblings(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    limit = int(ctx.params.get("max_suggestions", 12))
    for diagnosis in ctx.icd10_codes(claim):
        code = diagnosis.normalized
        codes = ctx.codes_on(claim, diagnosis)
        specific = ctx.per_release("specific", codes, code, _specific_siblings)
        if not specific:
            continue
        yield Finding(
            ctx.message(
                code=dotted(code),
                title=codes.title(code) or "",
                choices=", ".join(dotted(s) for s in specific[:limit]),
            ),
            diagnosis.segment,
            diagnosis.location,
            suggestions=specific[:limit],
        )
