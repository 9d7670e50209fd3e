"""Findings and claims as report entries (plain dicts: the JSON report's shape, SPEC.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrubber.engine import ClaimResult
from scrubber.findings import Finding
from scrubber.model import Claim, Segment, TransactionHeader, parse_d8

TitleLookup = Callable[[str], str | None]


def finding_entry(finding: Finding, titles: TitleLookup) -> dict[str, Any]:
    segment = finding.segment
    location: dict[str, Any] | None = None
    if segment is not None:
        location = {
            "loop": segment.loop or None,
            "segment": segment.id,
            "element": finding.element,
            "segment_number": segment.number,
            "text": segment.text,
        }
    fix = finding.fix
    entry: dict[str, Any] = {
        "edit": finding.edit,
        "severity": finding.severity,
        "message": finding.message,
        "location": location,
        "suggestions": list(finding.suggestions),
        "fix": None,
    }
    if finding.suggestions:
        entry["suggestion_titles"] = {
            code: title for code in finding.suggestions if (title := titles(code))
        }
    if fix is not None:
        entry["fix"] = {
            "safety": fix.safety,
            "applied": fix.applied,
            "before": fix.before or (segment.text if segment else ""),
            "after": fix.after or "\n".join(s.text for s in fix.changes),
        }
    return entry


def _first(
    segments: list[Segment], segment_id: str, qualifier: str | None = None
) -> Segment | None:
    for segment in segments:
        if segment.id == segment_id and (qualifier is None or segment.get(1) == qualifier):
            return segment
    return None


def patient_of(claim: Claim) -> dict[str, str | None]:
    subscriber = claim.subscriber.segments
    own = claim.patient.segments if claim.patient else subscriber
    name_segment = _first(own, "NM1", "QC" if claim.patient else "IL")
    member = _first(subscriber, "NM1", "IL")
    dmg = _first(own, "DMG")
    name = None
    if name_segment is not None:
        last, first = name_segment.get(3).strip(), name_segment.get(4).strip()
        name = f"{last}, {first}" if first else last
    born = parse_d8(dmg.get(2)) if dmg is not None else None
    return {
        "name": name,
        "member_id": member.get(9).strip() or None if member is not None else None,
        "birth_date": born.isoformat() if born else None,
    }


def claim_entry(
    result: ClaimResult, header: TransactionHeader, titles: TitleLookup
) -> dict[str, Any]:
    claim = result.claim
    charge = claim.charge
    dates = sorted({d.isoformat() for line in claim.lines if (d := claim.line_date(line))})
    return {
        "claim_id": claim.claim_id,
        "transaction": header.control_number,
        "disposition": result.disposition,
        "total_charge": f"{charge:.2f}" if charge is not None else claim.clm.get(2),
        "patient": patient_of(claim),
        "service_dates": dates,
        "findings": [finding_entry(f, titles) for f in result.findings],
    }
