"""The HTML report that billing staff open first, and the index of a multi-file run.

`render_html(report)` turns the report dict (the same data as the JSON report) into one
self-contained HTML page: inline CSS and inline JS only, nothing fetched, every value from the
file escaped (Jinja2 autoescape, plus `markupsafe.escape` for the few fragments built here).
A Content-Security-Policy in the page allows only its own inline style and script (by hash), so
the page cannot load anything even if a value slipped through unescaped.

`write_html(out, report, claims)` / `iter_html(...)` do the same as a stream, taking the
claims one at a time (for instance from the run's spool), so a large file's report is never
held in memory whole. `write_index(entries, out_dir)` renders `scrub-index.html`: one row per
scrubbed file.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

import scrubber

__all__ = [
    "INDEX_NAME",
    "format_money",
    "highlight_element",
    "highlight_changes",
    "iter_html",
    "render_html",
    "render_index",
    "status_sentence",
    "templates_dir",
    "write_html",
    "write_index",
]

INDEX_NAME = "scrub-index.html"
DEFAULT_ELEMENT_SEP = "*"
DEFAULT_COMPONENT_SEP = ":"

SEVERITY_LABELS = {"error": "Error", "warning": "Warning", "info": "Info"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
DISPOSITION_LABELS = {"held": "Held", "fixed": "Fixed", "clean": "Clean"}
STATUS_LABELS = {"clean": "Clean", "held": "Held", "rejected": "Rejected"}

# "HI01-2" = element 1, component 2; "SV107" = element 7, whole; "NM109" = element 9.
# The element number is always two digits after the segment id ("HI12-2" is element 12).
_ELEMENT_REF = re.compile(r"^\s*(?:[A-Z][A-Z0-9]{1,2}(\d{2})|(\d{1,2}))(?:\s*-\s*(\d{1,2}))?\s*$")
_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


# --------------------------------------------------------------------------- templates


def templates_dir() -> Path:
    """The Jinja2 templates: inside the installed package, else the repo's top-level folder."""
    package_dir = Path(scrubber.__file__).resolve().parent
    shipped = package_dir / "templates"
    if shipped.is_dir():
        return shipped
    return package_dir.parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["money"] = format_money
    env.filters["num"] = _num
    return env


@lru_cache(maxsize=4)
def _asset(name: str) -> tuple[Markup, str]:
    """A static inline asset (CSS or JS) and its CSP hash source ('sha256-...')."""
    text = _environment().get_template(name).render()
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    # The asset is our own static file, not data from the claim file.
    return Markup(text), f"'sha256-{digest}'"


def _csp(style_hash: str, script_hash: str | None) -> Markup:
    """The page's Content-Security-Policy: nothing but its own inline style and script."""
    script = script_hash if script_hash else "'none'"
    # Our own constant text (hashes are base64), so it needs no escaping.
    return Markup(
        "default-src 'none'; "
        f"style-src {style_hash}; "
        f"script-src {script}; "
        "img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


# --------------------------------------------------------------------------- formatting


def format_money(amount: object) -> str:
    """'2140.00' -> '$2,140.00' (Decimal, never float). Unreadable amounts come back as text."""
    if amount is None or amount == "":
        return "—"
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        return str(amount)
    if not value.is_finite():
        return str(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def _decimal(amount: object) -> Decimal:
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return value if value.is_finite() else Decimal(0)


def _int(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def _num(value: object) -> str:
    """1000 -> '1,000'."""
    return f"{_int(value):,}"


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return word if n == 1 else (plural or word + "s")


def format_date(value: object) -> str:
    """'2026-04-10' or '20260410' -> '04/10/2026'; anything else (a masked '1970') as given."""
    text = _text(value).strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            d = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return f"{d.month:02d}/{d.day:02d}/{d.year:04d}"
    return text


def format_timestamp(value: object) -> str:
    """'2026-11-26T21:00:00Z' -> 'November 26, 2026, 21:00 UTC'."""
    text = _text(value).strip()
    if not text:
        return ""
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return text
    zone = ""
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC)
        zone = " UTC"
    return f"{stamp:%B} {stamp.day}, {stamp.year}, {stamp:%H:%M}{zone}"


def _service_dates(values: object) -> str:
    if values is None:
        return ""
    if isinstance(values, str):
        return format_date(values)
    if not isinstance(values, Iterable):
        return _text(values)
    dates = [format_date(v) for v in values if _text(v).strip()]
    if len(dates) <= 4:
        return ", ".join(dates)
    return f"{', '.join(dates[:3])} and {len(dates) - 3} more"


def status_sentence(report: Mapping[str, Any]) -> str:
    """The headline: '2 of 14 claims held, $320.00 of $2,140.00'."""
    status = _text(report.get("status"))
    counts = report.get("counts") or {}
    charges = report.get("charges") or {}
    total = _int(counts.get("claims"))
    held = _int(counts.get("held"))
    fixed = _int(counts.get("fixed"))
    validate = report.get("mode") == "validate"
    claims_word = _plural(total, "claim")
    total_money = format_money(charges.get("total"))
    if status == "rejected":
        if total == 0:
            return "File rejected: no claims were checked"
        return f"File rejected: {total:,} {claims_word} in the file, {total_money}"
    if total == 0:
        return "No claims in the file"
    if held:
        verb = "with errors" if validate else "held"
        return (
            f"{held:,} of {total:,} {claims_word} {verb}, "
            f"{format_money(charges.get('held'))} of {total_money}"
        )
    ready = "accepted" if validate else "ready to send"
    if total == 1:
        sentence = f"The claim is {ready}, {total_money}"
    else:
        sentence = f"All {total:,} claims {ready}, {total_money}"
    if fixed:
        sentence += f" ({fixed:,} fixed)"
    return sentence


# --------------------------------------------------------------------------- segments


def _parse_element_ref(ref: object) -> tuple[int, int | None] | None:
    match = _ELEMENT_REF.match(_text(ref))
    if not match:
        return None
    element = int(match.group(1) or match.group(2))
    component = int(match.group(3)) if match.group(3) else None
    return element, component


def _delimiters(report: Mapping[str, Any]) -> tuple[str, str]:
    given = report.get("delimiters") or {}
    element = _text(given.get("element")) if isinstance(given, Mapping) else ""
    component = _text(given.get("component")) if isinstance(given, Mapping) else ""
    return element or DEFAULT_ELEMENT_SEP, component or DEFAULT_COMPONENT_SEP


def _mark(text: str, css: str = "") -> Markup:
    cls = f' class="{css}"' if css else ""
    return Markup("<mark{}>{}</mark>").format(Markup(cls), text)


def highlight_element(
    text: str, element_ref: object, element_sep: str = "*", component_sep: str = ":"
) -> tuple[Markup, str]:
    """The segment text, escaped, with the element (or component) named by `element_ref` in
    <mark>. Returns (markup, note); the note says when the named element is not there."""
    ref = _parse_element_ref(element_ref)
    if ref is None or not text:
        return Markup(escape(text)), ""
    element, component = ref
    parts = text.split(element_sep)
    sep = escape(element_sep)
    if element < 1 or element >= len(parts):
        return Markup(escape(text)), f"{_text(element_ref).strip()} is not present in the segment"
    target = parts[element]
    note = ""
    if component is not None:
        comps = target.split(component_sep)
        if 1 <= component <= len(comps):
            piece = comps[component - 1]
            comps_html = [escape(c) for c in comps]
            comps_html[component - 1] = _mark(piece, "" if piece else "empty")
            marked = Markup(escape(component_sep)).join(comps_html)
        else:
            marked = _mark(target, "" if target else "empty")
            note = f"{_text(element_ref).strip()} is not present in the segment"
    else:
        marked = _mark(target, "" if target else "empty")
    pieces = [escape(p) for p in parts]
    pieces[element] = marked
    return Markup(sep).join(pieces), note


def highlight_changes(
    before: str, after: str, element_sep: str = "*", component_sep: str = ":"
) -> tuple[Markup, Markup]:
    """Before and after segment texts, escaped, with the elements (or components) that differ
    in <mark>."""
    a = before.split(element_sep)
    b = after.split(element_sep)
    out_a: list[Markup] = []
    out_b: list[Markup] = []
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else None
        y = b[i] if i < len(b) else None
        if x == y:
            out_a.append(escape(x or ""))
            out_b.append(escape(y or ""))
            continue
        if x is not None and y is not None:
            xc = x.split(component_sep)
            yc = y.split(component_sep)
            if len(xc) == len(yc) and len(xc) > 1:
                csep = Markup(escape(component_sep))
                out_a.append(
                    csep.join(
                        _mark(p) if p != q else escape(p) for p, q in zip(xc, yc, strict=True)
                    )
                )
                out_b.append(
                    csep.join(
                        _mark(q) if p != q else escape(q) for p, q in zip(xc, yc, strict=True)
                    )
                )
                continue
        if x is not None:
            out_a.append(_mark(x, "" if x else "empty"))
        if y is not None:
            out_b.append(_mark(y, "" if y else "empty"))
    sep = Markup(escape(element_sep))
    return sep.join(out_a), sep.join(out_b)


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


def _anchor(edit_id: str) -> str:
    return "edit-" + _ANCHOR_UNSAFE.sub("_", edit_id)


def _severity(value: object) -> tuple[str, str]:
    sev = _text(value).strip().lower()
    if sev in SEVERITY_LABELS:
        return sev, SEVERITY_LABELS[sev]
    return "other", _text(value) or "Unknown"


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
    title = _text(info.get("title")) if isinstance(info, Mapping) else ""
    severity, severity_label = _severity(finding.get("severity"))
    location = finding.get("location") or {}
    if not isinstance(location, Mapping):
        location = {}
    seg_text = _text(location.get("text"))
    segment: Markup | None = None
    note = ""
    if seg_text:
        segment, note = highlight_element(
            seg_text, location.get("element"), element_sep, component_sep
        )
    titles = finding.get("suggestion_titles") or {}
    if not isinstance(titles, Mapping):
        titles = {}
    suggestions = [(_text(s), _text(titles.get(s, ""))) for s in finding.get("suggestions") or []]
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
        fix=_fix_view(fix, element_sep, component_sep) if isinstance(fix, Mapping) else None,
    )


def _findings_summary(findings: Sequence[FindingView]) -> str:
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
    if not isinstance(patient, Mapping):
        patient = {}
    findings = _sorted_findings(
        [
            _finding_view(f, edits, element_sep, component_sep)
            for f in claim.get("findings") or []
            if isinstance(f, Mapping)
        ]
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
            if not isinstance(claim, Mapping):
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


def _rejection(rejection: object, edits: Mapping[str, Any]) -> dict[str, str | None]:
    given = rejection if isinstance(rejection, Mapping) else {}
    edit = _text(given.get("edit"))
    return {
        "edit": edit,
        "anchor": _anchor(edit) if edit and edit in edits else None,
        "message": _text(given.get("message")),
        "what_to_do": _text(given.get("what_to_do")),
    }


def _report_context(
    report: Mapping[str, Any],
    claims: Iterable[Any],
    totals: Mapping[str, GroupTotal],
) -> dict[str, Any]:
    separators = _delimiters(report)
    edits = report.get("edits") or {}
    if not isinstance(edits, Mapping):
        edits = {}
    file_findings = _sorted_findings(
        [
            _finding_view(f, edits, *separators)
            for f in report.get("findings") or []
            if isinstance(f, Mapping)
        ]
    )
    edit_counts: dict[str, int] = {}
    for f in file_findings:
        edit_counts[f.edit] = edit_counts.get(f.edit, 0) + 1
    stream = _ClaimStream(claims, edits, separators, totals, edit_counts)
    counts = report.get("counts") or {}
    charges = report.get("charges") or {}
    status = _text(report.get("status")).lower()
    rejection = report.get("rejection")
    outputs = report.get("outputs") or {}
    css, style_hash = _asset("report.css.j2")
    js, script_hash = _asset("report.js.j2")
    notes = report.get("notes") or []
    nav = [
        (f"g-{key}", _GROUPS[key][0], totals[key].count)
        for key in sorted(totals, key=lambda k: _GROUP_ORDER.get(k, 9))
        if totals[key].count
    ]
    return {
        "input": _text(report.get("input")) or "(unnamed file)",
        "sha256": _text(report.get("sha256")),
        "status": status if status in STATUS_LABELS else "other",
        "status_label": STATUS_LABELS.get(status, _text(report.get("status")) or "Unknown"),
        "headline": status_sentence(report),
        "mode": _text(report.get("mode")) or "scrub",
        "masked": bool(report.get("phi_masked")),
        "scrubber_version": _text(report.get("scrubber_version")),
        "code_set": _text(report.get("code_set")),
        "profile": _text(report.get("profile")) or "default",
        "generated": format_timestamp(report.get("generated_at")),
        "generated_iso": _text(report.get("generated_at")),
        "rejection": _rejection(rejection, edits) if status == "rejected" or rejection else None,
        "notes": [_text(n) for n in notes] if isinstance(notes, list) else [_text(notes)],
        "counts": {
            "claims": _int(counts.get("claims")),
            "clean": _int(counts.get("clean")),
            "fixed": _int(counts.get("fixed")),
            "held": _int(counts.get("held")),
        },
        "charges": {
            "total": format_money(charges.get("total")),
            "clean": format_money(charges.get("clean")),
            "held": format_money(charges.get("held")),
        },
        "outputs": {
            "clean": _text(outputs.get("clean")),
            "held": _text(outputs.get("held")),
            "json": _text(outputs.get("json")),
        },
        "file_findings": file_findings,
        "nav": nav,
        "items": stream,
        "edit_list": lambda: _edit_views(edits, stream.edit_counts),
        "edit_ids": sorted({_text(e) for e in edits} | {f.edit for f in file_findings}),
        "severities": ["error", "warning", "info"],
        "severity_labels": SEVERITY_LABELS,
        "css": css,
        "js": js,
        "csp": _csp(style_hash, script_hash),
    }


def iter_html(
    report: Mapping[str, Any], claims: Iterable[Mapping[str, Any]] | None = None
) -> Iterator[str]:
    """The report page in pieces, for writing to a file as it is rendered.

    Without `claims`, the claims are `report["claims"]`, put in the order held, fixed, clean
    (file order within each). With `claims` (for instance read back from a spool), they are
    taken one at a time in the order given, which should be held, then fixed, then clean;
    the group headings then take their sizes from `report["counts"]` and `report["charges"]`.
    """
    if claims is None:
        given = [c for c in report.get("claims") or [] if isinstance(c, Mapping)]
        ordered = sorted(given, key=lambda c: _GROUP_ORDER[_group_key(c.get("disposition"))])
        context = _report_context(report, ordered, _totals_from_claims(ordered))
    else:
        context = _report_context(report, claims, _totals_from_report(report))
    yield from _environment().get_template("report.html.j2").generate(**context)


def render_html(report: Mapping[str, Any]) -> str:
    """The report page for one input file (apply `mask_report` first for --mask-phi)."""
    return "".join(iter_html(report))


def write_html(
    out: TextIO, report: Mapping[str, Any], claims: Iterable[Mapping[str, Any]] | None = None
) -> None:
    """Write the report page to `out` as it is rendered (see `iter_html` for `claims`)."""
    for chunk in iter_html(report, claims):
        out.write(chunk)


# --------------------------------------------------------------------------- index


@dataclass(slots=True)
class IndexRow:
    input: str
    href: str | None
    status: str
    status_label: str
    reason: str
    claims: int
    held: int
    fixed: int
    clean: int
    total: str
    held_charge: str
    clean_charge: str


def _href(target: str, out_dir: Path | None) -> str | None:
    """A relative link to a report file, percent-quoted so that no file name can become a
    'javascript:' (or any other scheme) URL."""
    if not target:
        return None
    path = target
    if out_dir is not None and os.path.isabs(path):
        with contextlib.suppress(ValueError):  # another drive on Windows
            path = os.path.relpath(path, out_dir)
    path = path.replace(os.sep, "/")
    quoted = quote(path, safe="/")
    if not quoted.startswith(("/", "./", "../")):
        quoted = "./" + quoted
    return quoted


def _index_row(entry: Mapping[str, Any], out_dir: Path | None) -> IndexRow:
    counts = entry.get("counts") or {}
    charges = entry.get("charges") or {}
    outputs = entry.get("outputs") or {}
    target = _text(outputs.get("html") if isinstance(outputs, Mapping) else "") or _text(
        entry.get("html")
    )
    status = _text(entry.get("status")).lower()
    rejection = entry.get("rejection")
    reason = _text(rejection.get("message")) if isinstance(rejection, Mapping) else ""
    return IndexRow(
        input=_text(entry.get("input")) or "(unnamed file)",
        href=_href(target, out_dir),
        status=status if status in STATUS_LABELS else "other",
        status_label=STATUS_LABELS.get(status, _text(entry.get("status")) or "Unknown"),
        reason=reason,
        claims=_int(counts.get("claims")),
        held=_int(counts.get("held")),
        fixed=_int(counts.get("fixed")),
        clean=_int(counts.get("clean")),
        total=format_money(charges.get("total") or "0"),
        held_charge=format_money(charges.get("held") or "0"),
        clean_charge=format_money(charges.get("clean") or "0"),
    )


def render_index(
    entries: Sequence[Mapping[str, Any]],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    generated_at: str | None = None,
) -> str:
    """The `scrub-index.html` page: one row per scrubbed file, linking to its report.
    `entries` are report dicts (or any dicts with input, status, counts, charges and
    outputs.html or html)."""
    base = Path(out_dir) if out_dir is not None else None
    rows = [_index_row(e, base) for e in entries]
    totals = {
        "files": len(rows),
        "claims": sum(r.claims for r in rows),
        "held": sum(r.held for r in rows),
        "fixed": sum(r.fixed for r in rows),
        "clean": sum(r.clean for r in rows),
        "rejected": sum(1 for r in rows if r.status == "rejected"),
    }
    money = {}
    for key in ("total", "held", "clean"):
        amount = sum(
            (_decimal((e.get("charges") or {}).get(key) or "0") for e in entries), Decimal(0)
        )
        money[key] = format_money(amount)
    when = generated_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    css, style_hash = _asset("report.css.j2")
    return (
        _environment()
        .get_template("index.html.j2")
        .render(
            rows=rows,
            totals=totals,
            money=money,
            generated=format_timestamp(when),
            generated_iso=when,
            css=css,
            csp=_csp(style_hash, None),
        )
    )


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path` as mode 0600, via a temporary name renamed into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_index(
    entries: Sequence[Mapping[str, Any]],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    generated_at: str | None = None,
) -> str:
    """Render `scrub-index.html`; with `out_dir`, also write it there (mode 0600, atomic
    rename). Returns the HTML text."""
    html = render_index(entries, out_dir, generated_at=generated_at)
    if out_dir is not None:
        _write_private(Path(out_dir) / INDEX_NAME, html)
    return html
