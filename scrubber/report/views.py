"""The report's view model: claims, findings and edits as the templates show them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeGuard

from markupsafe import Markup

from scrubber.report.formatting import (
    _decimal,
    _delimiters,
    _int,
    _service_dates,
    _text,
    format_date,
    format_money,
    highlight_changes,
    highlight_element,
)

SEVERITY_LABELS = {"error": "Error", "warning": "Warning", "info": "Info"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
DISPOSITION_LABELS = {"held": "Held", "fixed": "Fixed", "clean": "Clean"}
_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


# --------------------------------------------------------------------------- view model


@dataclass(slots=True)
class FixView:
    safety: str
    applied: bool
    label: str
    css: str
    before: Markup
    after: Markup


@dataclass(slots=True)
class FindingView:
    edit: str
    anchor: str | None
    title: str
    severity: str
    severity_label: str
    message: str
    where: str
    segment: Markup | None
    segment_note: str
    suggestions: list[tuple[str, str]]
    fix: FixView | None


@dataclass(slots=True)
class ClaimView:
    key: str
    claim_id: str
    search: str
    transaction: str
    disposition: str
    disposition_label: str
    charge: str
    patient_name: str
    member_id: str
    birth_date: str
    service_dates: str
    summary: str
    findings: list[FindingView]


@dataclass(slots=True)
class EditView:
    edit: str
    anchor: str
    title: str
    severity: str
    severity_label: str
    fix: str
    what: str
    why: str
    example: str
    fix_text: str
    source: str
    count: int


@lru_cache(maxsize=1024)
def _anchor(edit_id: str) -> str:
    return "edit-" + _ANCHOR_UNSAFE.sub("_", edit_id)


def _mapping(value: object) -> TypeGuard[Mapping[str, Any]]:
    # a report read back from JSON holds dicts: the ABC check only for anything else
    return type(value) is dict or isinstance(value, Mapping)


def _severity(value: object) -> tuple[str, str]:
    if type(value) is str:
        return _severity_of(value)
    return _severity_of.__wrapped__(_text(value))


@lru_cache(maxsize=64)
def _severity_of(value: str) -> tuple[str, str]:
    sev = value.strip().lower()
    if sev in SEVERITY_LABELS:
        return sev, SEVERITY_LABELS[sev]
    return "other", value or "Unknown"


def _where(location: Mapping[str, Any]) -> str:
    bits: list[str] = []
    if location.get("segment_number") not in (None, ""):
        bits.append(f"segment {location.get('segment_number')}")
    if location.get("loop"):
        bits.append(f"loop {location.get('loop')}")
    element = location.get("element") or location.get("segment")
    if element:
        bits.append(_text(element))
    return ", ".join(bits)


def _fix_view(fix: Mapping[str, Any], element_sep: str, component_sep: str) -> FixView:
    safety = _text(fix.get("safety")).lower() or "unknown"
    applied = bool(fix.get("applied"))
    if safety == "safe":
        label = "Safe fix, applied" if applied else "Safe fix, not applied"
        css = "safe" if applied else "pending"
    elif safety == "unsafe":
        if applied:
            label = "Unsafe fix, applied (--unsafe-fixes): check it"
            css = "unsafe"
        else:
            label = "Unsafe fix, not applied: a coder decides"
            css = "pending"
    else:
        label = f"Fix ({safety}), {'applied' if applied else 'not applied'}"
        css = "pending"
    before, after = highlight_changes(
        _text(fix.get("before")), _text(fix.get("after")), element_sep, component_sep
    )
    return FixView(safety, applied, label, css, before, after)


def _finding_view(
    finding: Mapping[str, Any],
    edits: Mapping[str, Any],
    element_sep: str,
    component_sep: str,
) -> FindingView:
    edit = _text(finding.get("edit"))
    info = edits.get(edit)
    title = _text(info.get("title")) if _mapping(info) else ""
    severity, severity_label = _severity(finding.get("severity"))
    location = finding.get("location") or {}
    if not _mapping(location):
        location = {}
    seg_text = _text(location.get("text"))
    segment: Markup | None = None
    note = ""
    if seg_text:
        segment, note = highlight_element(
            seg_text, location.get("element"), element_sep, component_sep
        )
    suggestions: list[tuple[str, str]] = []
    given = finding.get("suggestions")
    if given:
        titles = finding.get("suggestion_titles") or {}
        if not _mapping(titles):
            titles = {}
        suggestions = [(_text(s), _text(titles.get(s, ""))) for s in given]
    fix = finding.get("fix")
    return FindingView(
        edit=edit,
        anchor=_anchor(edit) if edit in edits else None,
        title=title,
        severity=severity,
        severity_label=severity_label,
        message=_text(finding.get("message")),
        where=_where(location),
        segment=segment,
        segment_note=note,
        suggestions=suggestions,
        fix=_fix_view(fix, element_sep, component_sep)
        if fix is not None and _mapping(fix)
        else None,
    )


def _findings_summary(findings: Sequence[FindingView]) -> str:
    if not findings:
        return "no findings"
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    words = (
        ("error", "error", "errors"),
        ("warning", "warning", "warnings"),
        ("info", "info", "info"),
        ("other", "other", "other"),
    )
    parts = [
        f"{counts[sev]} {one if counts[sev] == 1 else many}"
        for sev, one, many in words
        if counts.get(sev)
    ]
    return ", ".join(parts) if parts else "no findings"


def _sorted_findings(findings: list[FindingView]) -> list[FindingView]:
    return sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 3))


def _claim_view(
    index: int,
    claim: Mapping[str, Any],
    edits: Mapping[str, Any],
    element_sep: str,
    component_sep: str,
) -> ClaimView:
    patient = claim.get("patient") or {}
    if not _mapping(patient):
        patient = {}
    given = claim.get("findings")
    findings = (
        _sorted_findings(
            [_finding_view(f, edits, element_sep, component_sep) for f in given if _mapping(f)]
        )
        if given
        else []
    )
    disposition = _text(claim.get("disposition")).lower() or "held"
    claim_id = _text(claim.get("claim_id"))
    return ClaimView(
        key=f"c{index}",
        claim_id=claim_id,
        search=claim_id.lower(),
        transaction=_text(claim.get("transaction")),
        disposition=disposition,
        disposition_label=DISPOSITION_LABELS.get(disposition, disposition.title()),
        charge=format_money(claim.get("total_charge")),
        patient_name=_text(patient.get("name")),
        member_id=_text(patient.get("member_id")),
        birth_date=format_date(patient.get("birth_date")),
        service_dates=_service_dates(claim.get("service_dates")),
        summary=_findings_summary(findings),
        findings=findings,
    )


def claim_view(index: int, claim: Mapping[str, Any], report: Mapping[str, Any]) -> ClaimView:
    """One claim entry of a report as the report shows it (the desk's claim page uses it)."""
    edits = report.get("edits") or {}
    if not isinstance(edits, Mapping):
        edits = {}
    return _claim_view(index, claim, edits, *_delimiters(report))


_GROUPS: dict[str, tuple[str, str, bool]] = {
    "held": ("Held claims", "Not sent. They are in the held file for a coder.", False),
    "fixed": ("Fixed claims", "Corrected by safe fixes and ready to send.", False),
    "clean": ("Clean claims", "Ready to send, nothing changed.", True),
    "other": ("Other claims", "", False),
}
_GROUP_ORDER = {"held": 0, "fixed": 1, "clean": 2, "other": 3}


def _group_key(disposition: object) -> str:
    key = _text(disposition).lower() or "held"
    return key if key in DISPOSITION_LABELS else "other"


@dataclass(slots=True)
class GroupTotal:
    count: int
    charge: str


def _totals_from_claims(claims: Iterable[Mapping[str, Any]]) -> dict[str, GroupTotal]:
    counts: dict[str, int] = {}
    sums: dict[str, Decimal] = {}
    for claim in claims:
        key = _group_key(claim.get("disposition"))
        counts[key] = counts.get(key, 0) + 1
        sums[key] = sums.get(key, Decimal(0)) + _decimal(claim.get("total_charge"))
    return {k: GroupTotal(counts[k], format_money(sums[k])) for k in counts}


def _totals_from_report(report: Mapping[str, Any]) -> dict[str, GroupTotal]:
    """Group sizes for a streamed report, from its counts and charges (clean = clean + fixed
    in `charges`, so the clean and fixed groups get a sum only when the other is empty)."""
    counts = report.get("counts") or {}
    charges = report.get("charges") or {}
    held, fixed, clean = (_int(counts.get(k)) for k in ("held", "fixed", "clean"))
    ready = format_money(charges.get("clean")) if charges.get("clean") is not None else ""
    totals = {
        "held": GroupTotal(held, format_money(charges.get("held")) if held else ""),
        "fixed": GroupTotal(fixed, ready if not clean else ""),
        "clean": GroupTotal(clean, ready if not fixed else ""),
    }
    return {k: v for k, v in totals.items() if v.count}


@dataclass(slots=True)
class GroupView:
    key: str
    dom_id: str
    title: str
    blurb: str
    collapsed: bool
    count: int
    charge: str


class _ClaimStream:
    """Turns claims (held, then fixed, then clean) into ("open", group), ("claim", view) and
    ("close", group) items for the template, one claim at a time, counting edits as it goes
    so that the explanations at the end can say how often each one fired."""

    def __init__(
        self,
        claims: Iterable[Any],
        edits: Mapping[str, Any],
        separators: tuple[str, str],
        totals: Mapping[str, GroupTotal],
        edit_counts: dict[str, int],
    ) -> None:
        self._claims = claims
        self._edits = edits
        self._separators = separators
        self._totals = totals
        self.edit_counts = edit_counts

    def _group(self, key: str, seen: int) -> GroupView:
        title, blurb, collapsed = _GROUPS[key]
        total = self._totals.get(key, GroupTotal(0, ""))
        dom_id = f"g-{key}" if seen == 1 else f"g-{key}-{seen}"
        return GroupView(key, dom_id, title, blurb, collapsed, total.count, total.charge)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        element_sep, component_sep = self._separators
        current: GroupView | None = None
        seen: dict[str, int] = {}
        for index, claim in enumerate(self._claims, start=1):
            if not _mapping(claim):
                continue
            view = _claim_view(index, claim, self._edits, element_sep, component_sep)
            for finding in view.findings:
                self.edit_counts[finding.edit] = self.edit_counts.get(finding.edit, 0) + 1
            key = _group_key(view.disposition)
            if current is None or current.key != key:
                if current is not None:
                    yield "close", current
                seen[key] = seen.get(key, 0) + 1
                current = self._group(key, seen[key])
                yield "open", current
            yield "claim", view
        if current is not None:
            yield "close", current


def _edit_views(edits: Mapping[str, Any], counts: Mapping[str, int]) -> list[EditView]:
    views = []
    for edit_id in sorted(edits, key=str):
        info = edits[edit_id]
        if not isinstance(info, Mapping):
            info = {}
        severity, severity_label = _severity(info.get("severity"))
        views.append(
            EditView(
                edit=_text(edit_id),
                anchor=_anchor(_text(edit_id)),
                title=_text(info.get("title")),
                severity=severity,
                severity_label=severity_label,
                fix=_text(info.get("fix")),
                what=_text(info.get("what")),
                why=_text(info.get("why")),
                example=_text(info.get("example")),
                fix_text=_text(info.get("fix_text")),
                source=_text(info.get("source")),
                count=counts.get(_text(edit_id), 0),
            )
        )
    return views


def edit_views(report: Mapping[str, Any], wanted: Iterable[str]) -> list[EditView]:
    """The report's explanations of the edits in `wanted` (the desk's claim page shows them)."""
    edits = report.get("edits") or {}
    if not isinstance(edits, Mapping):
        edits = {}
    keep = set(wanted)
    return _edit_views({k: v for k, v in edits.items() if k in keep}, {})


def _rejection(rejection: object, edits: Mapping[str, Any]) -> dict[str, str | None]:
    given = rejection if isinstance(rejection, Mapping) else {}
    edit = _text(given.get("edit"))
    return {
        "edit": edit,
        "anchor": _anchor(edit) if edit and edit in edits else None,
        "message": _text(given.get("message")),
        "what_to_do": _text(given.get("what_to_do")),
    }
