"""Money, dates, status words and segment highlighting for the HTML report."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

DEFAULT_ELEMENT_SEP = "*"
DEFAULT_COMPONENT_SEP = ":"
STATUS_LABELS = {"clean": "Clean", "held": "Held", "rejected": "Rejected"}

# "HI01-2" = element 1, component 2; "SV107" = element 7, whole; "NM109" = element 9.
# The element number is always two digits after the segment id ("HI12-2" is element 12).
_ELEMENT_REF = re.compile(r"^\s*(?:[A-Z][A-Z0-9]{1,2}(\d{2})|(\d{1,2}))(?:\s*-\s*(\d{1,2}))?\s*$")


# --------------------------------------------------------------------------- formatting


def format_money(amount: object) -> str:
    """'2140.00' -> '$2,140.00' (Decimal, never float). Unreadable amounts come back as text."""
    if amount is None or amount == "":
        return "—"
    return _format_money(str(amount))


@lru_cache(maxsize=4096)
def _format_money(text: str) -> str:
    # a report shows the same charges (a visit's usual fee) many times
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return text
    if not value.is_finite():
        return text
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


_ISO_OR_D8 = re.compile(r"(\d{4})-?(\d\d)-?(\d\d)")


def format_date(value: object) -> str:
    """'2026-04-10' or '20260410' -> '04/10/2026'; anything else (a masked '1970') as given."""
    return _format_date(_text(value).strip())


@lru_cache(maxsize=4096)
def _format_date(text: str) -> str:
    # a report shows the same few dates (birth dates, dates of service) many times
    found = _ISO_OR_D8.fullmatch(text)
    if found is not None and (len(text) == 8 or text[4] == text[7] == "-"):
        try:
            d = date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            return text
        return f"{d.month:02d}/{d.day:02d}/{d.year:04d}"
    if not 6 <= len(text) <= 10:  # too short or long for either format
        return text
    for fmt in ("%Y-%m-%d", "%Y%m%d"):  # the rare forms strptime also takes, such as 2026-4-1
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
    return Markup(f"<mark{cls}>{escape(text)}</mark>")


def highlight_element(
    text: str, element_ref: object, element_sep: str = "*", component_sep: str = ":"
) -> tuple[Markup, str]:
    """The segment text, escaped, with the element (or component) named by `element_ref` in
    <mark>. Returns (markup, note); the note says when the named element is not there.
    (Escaping goes character by character, so the text around the mark is escaped whole.)"""
    ref = _parse_element_ref(element_ref)
    if ref is None or not text:
        return Markup(escape(text)), ""
    element, component = ref
    parts = text.split(element_sep)
    if element < 1 or element >= len(parts):
        return Markup(escape(text)), f"{_text(element_ref).strip()} is not present in the segment"
    target = parts[element]
    note = ""
    if component is not None:
        comps = target.split(component_sep)
        if 1 <= component <= len(comps):
            piece = comps[component - 1]
            before = component_sep.join(comps[: component - 1] + [""])
            after = component_sep.join([""] + comps[component:])
            marked = f"{escape(before)}{_mark(piece, '' if piece else 'empty')}{escape(after)}"
        else:
            marked = _mark(target, "" if target else "empty")
            note = f"{_text(element_ref).strip()} is not present in the segment"
    else:
        marked = _mark(target, "" if target else "empty")
    before = element_sep.join(parts[:element] + [""])
    after = element_sep.join([""] + parts[element + 1 :])
    return Markup(f"{escape(before)}{marked}{escape(after)}"), note


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
