"""Diagnosis rules from the tabular: Excludes1 pairs, what may not be first-listed, ICD-10 before
its start date, and unspecified codes with specific siblings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from scrubber.checks.common import dotted, icd10_codes, in_ranges
from scrubber.checks.registry import CheckContext, claim_check
from scrubber.codesets.icd10cm import Icd10cm, excludes1_conflict
from scrubber.codesets.notes import text_note_ranges
from scrubber.findings import Finding
from scrubber.model import Claim, Diagnosis

_OTHER = re.compile(r"\bother\b", re.IGNORECASE)


def _node_name(node: str) -> str:
    """M545 -> M54.5; a block (M60-M63) or "chapter 13" stays as it is."""
    return node if " " in node or "-" in node else dotted(node)


def _principal(claim: Claim) -> Diagnosis | None:
    """The HI01 diagnosis when it is sent as ICD-10-CM."""
    return next((d for d in icd10_codes(claim) if d.position == 1), None)


@claim_check("DX006")
def excludes1_pair(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    # each code is judged by the release in force on its date; a pair by the later code's
    known: list[tuple[Diagnosis, Icd10cm]] = []
    for diagnosis in icd10_codes(claim):
        codes = ctx.codes_on(claim, diagnosis)
        if codes.exists(diagnosis.normalized):
            known.append((diagnosis, codes))
    if len(known) < 2:
        return
    # notes written as text ("current injury - see injury of spine by body region"): the codes
    # they send the coder to, from edits/lists/excludes1_text.toml as the profile changed it
    text_notes = text_note_ranges(ctx.code_list("excludes1_text").get("notes", []))
    for index, (later, codes) in enumerate(known):
        b = later.normalized
        for earlier, _codes in known[:index]:
            a = earlier.normalized
            if a == b:
                continue  # DX004
            rule = excludes1_conflict(codes, a, b, text_notes)
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
    principal = _principal(claim)
    if principal is not None and in_ranges(principal.code, ctx.params["external_cause"]):
        yield Finding(
            ctx.message(code=dotted(principal.code)), principal.segment, principal.location
        )


@claim_check("DX008")
def manifestation_first(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    principal = _principal(claim)
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


@claim_check("DX009")
def icd10_before_start(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    start = date.fromisoformat(str(ctx.params["icd10_effective"]))
    sent = icd10_codes(claim)
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


@claim_check("SPC001")
def unspecified_with_specific_siblings(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    limit = int(ctx.params.get("max_suggestions", 12))
    for diagnosis in icd10_codes(claim):
        code = diagnosis.normalized
        codes = ctx.codes_on(claim, diagnosis)
        if not (codes.is_billable(code) and codes.is_unspecified(code)):
            continue
        # an "other" sibling (M54.59 Other low back pain) is a residual code, not a more
        # specific one: only named alternatives are offered
        specific = [
            s
            for s in codes.siblings(code)
            if not codes.is_unspecified(s) and not _OTHER.search(codes.title(s) or "")
        ]
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
