"""Payer-scoped rules learned from remittances (RMT001): the rules are data in the payer profile,
written there by `scrub837 denials --accept`."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from scrubber.checks.common import normalize_code, pointed_diagnoses
from scrubber.checks.registry import CheckContext, claim_check
from scrubber.findings import Finding
from scrubber.model import Claim


def _payer_id(claim: Claim) -> str:
    for segment in claim.subscriber.segments:
        if segment.id == "NM1" and segment.get(1) == "PR":
            return segment.get(9).strip().upper()
    return ""


@claim_check("RMT001")
def learned_payer_rule(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    rules = ctx.params.get("rules") or []
    payer = _payer_id(claim) if rules else ""
    for rule in rules:
        if str(rule.get("payer", "")).upper() != payer:
            continue
        kind = rule.get("kind")
        procedure = str(rule.get("procedure", "")).upper()
        values = {
            "rule": rule.get("id", ""),
            "payer": rule.get("payer", ""),
            "procedure": procedure,
            "reason": rule.get("reason", ""),
            "evidence": rule.get("evidence", ""),
        }
        for line in claim.lines:
            if line.procedure != procedure or line.sv1 is None:
                continue
            if kind == "procedure-diagnosis":
                wanted = normalize_code(str(rule.get("diagnosis", "")))
                pointed = {normalize_code(d.code) for d in pointed_diagnoses(claim, line)}
                if wanted in pointed:
                    message = ctx.message(kind, diagnosis=rule.get("diagnosis"), **values)
                    yield Finding(message, line.sv1, "SV107")
            elif kind == "modifier-required":
                if str(rule.get("modifier", "")).upper() not in line.modifiers:
                    yield Finding(
                        ctx.message(kind, modifier=rule.get("modifier"), **values),
                        line.sv1,
                        "SV101",
                    )
            elif kind == "max-units":
                try:
                    limit = Decimal(str(rule.get("max_units")))
                except InvalidOperation:
                    continue
                if line.units is not None and line.units > limit:
                    message = ctx.message(
                        kind, max_units=rule.get("max_units"), units=line.units, **values
                    )
                    yield Finding(message, line.sv1, "SV104")
