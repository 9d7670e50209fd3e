"""`--mask-phi`: mask patient names, member ids and birth dates in a report dict.

`mask_report(report)` returns a deep copy in which
- each claim's `patient` has its name as initials ("DOE, JANE" -> "J.D."), its member id cut
  to the last four characters ("MBR0000001" -> "******0001") and its birth date cut to the
  year ("1970-01-01" -> "1970");
- segment texts (`location.text`, `fix.before`, `fix.after`) have NM1 segments for the
  subscriber or patient (NM101 `IL` or `QC`) masked in NM103/NM104/NM105 (name parts to
  initials) and NM109 (id to the last four), and DMG02 (birth date) cut to the year;
- every name part, member id and birth date so found (in the patient block or in those
  segments) is also replaced wherever it appears literally in the claim's messages and segment
  texts, and in the file-level findings, notes and rejection text.

The caller applies it before writing both the JSON and the HTML report.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

__all__ = ["mask_birth_date", "mask_id", "mask_name", "mask_report"]

_PERSON_QUALIFIERS = frozenset({"IL", "QC"})
_NAME_ELEMENTS = (3, 4, 5)
_ID_ELEMENT = 9
_DMG_DATE_ELEMENT = 2
_MIN_LITERAL = 2  # a lone initial is not worth rewriting messages for
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def mask_name(name: str) -> str:
    """'DOE, JANE' -> 'J.D.'; 'JANE Q DOE' -> 'J.D.'; one word -> its initial."""
    text = name.strip()
    if not text:
        return ""
    if "," in text:
        last, _, rest = text.partition(",")
        firsts = _WORD.findall(rest)
        lasts = _WORD.findall(last)
        words = ([firsts[0]] if firsts else []) + ([lasts[0]] if lasts else [])
    else:
        found = _WORD.findall(text)
        words = found[:1] + found[-1:] if len(found) > 1 else found
    return "".join(f"{w[0].upper()}." for w in words)


def mask_id(value: str) -> str:
    """'MBR0000001' -> '******0001'; ids of four characters or fewer are masked whole."""
    text = value.strip()
    if not text:
        return ""
    if len(text) <= 4:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


def mask_birth_date(value: str) -> str:
    """'1970-01-01', '19700101' or '01/01/1970' -> '1970'."""
    text = value.strip()
    if not text:
        return ""
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%m/%d/%Y"):
        try:
            return str(datetime.strptime(text, fmt).year)
        except ValueError:
            continue
    match = re.search(r"(?:18|19|20)\d\d", text)
    return match.group(0) if match else "****"


def _date_forms(value: str) -> list[str]:
    """The ways a birth date is written in the file and in messages."""
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%m/%d/%Y"):
        try:
            d = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return [d.strftime("%Y-%m-%d"), d.strftime("%Y%m%d"), d.strftime("%m/%d/%Y")]
    return [text] if text else []


class _Literals:
    """Values to replace wherever they appear as a whole word, case-insensitively."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def add(self, literal: str, replacement: str) -> None:
        literal = literal.strip()
        if len(literal) < _MIN_LITERAL or literal.upper() == replacement.upper():
            return
        self.values.setdefault(literal.upper(), replacement)

    def add_name(self, name: str) -> None:
        self.add(name, mask_name(name))
        for word in _WORD.findall(name):
            self.add(word, f"{word[0].upper()}.")

    def add_id(self, value: str) -> None:
        self.add(value, mask_id(value))

    def add_birth_date(self, value: str) -> None:
        year = mask_birth_date(value)
        for form in _date_forms(value):
            self.add(form, year)

    def apply(self, text: str) -> str:
        if not self.values or not text:
            return text
        upper = text.upper()
        present = [v for v in self.values if v in upper]
        if not present:
            return text
        present.sort(key=len, reverse=True)
        pattern = re.compile(
            r"(?<![^\W_])(?:" + "|".join(re.escape(v) for v in present) + r")(?![^\W_])",
            re.IGNORECASE,
        )
        return pattern.sub(lambda m: self.values.get(m.group(0).upper(), m.group(0)), text)


def _segments(text: str, terminator: str) -> list[str]:
    return text.split(terminator) if terminator else [text]


def _scan_segments(text: str, element_sep: str, terminator: str, literals: _Literals) -> None:
    """Collect the person values in NM1 (IL/QC) and DMG segments of `text`."""
    for segment in _segments(text, terminator):
        parts = segment.strip().split(element_sep)
        tag = parts[0].strip().upper()
        if tag == "NM1" and len(parts) > 1 and parts[1].strip().upper() in _PERSON_QUALIFIERS:
            for i in _NAME_ELEMENTS:
                if i < len(parts) and parts[i]:
                    literals.add_name(parts[i])
            if len(parts) > _ID_ELEMENT and parts[_ID_ELEMENT]:
                literals.add_id(parts[_ID_ELEMENT])
        elif tag == "DMG" and len(parts) > _DMG_DATE_ELEMENT and parts[_DMG_DATE_ELEMENT]:
            literals.add_birth_date(parts[_DMG_DATE_ELEMENT])


def _mask_segments(text: str, element_sep: str, terminator: str) -> str:
    """Mask NM1 (IL/QC) names and ids and DMG02 in `text`, element by element."""
    out: list[str] = []
    for segment in _segments(text, terminator):
        parts = segment.split(element_sep)
        tag = parts[0].strip().upper()
        if tag == "NM1" and len(parts) > 1 and parts[1].strip().upper() in _PERSON_QUALIFIERS:
            for i in _NAME_ELEMENTS:
                if i < len(parts) and parts[i]:
                    parts[i] = mask_name(parts[i])
            if len(parts) > _ID_ELEMENT and parts[_ID_ELEMENT]:
                parts[_ID_ELEMENT] = mask_id(parts[_ID_ELEMENT])
        elif tag == "DMG" and len(parts) > _DMG_DATE_ELEMENT and parts[_DMG_DATE_ELEMENT]:
            parts[_DMG_DATE_ELEMENT] = mask_birth_date(parts[_DMG_DATE_ELEMENT])
        out.append(element_sep.join(parts))
    return terminator.join(out)


def _segment_texts(finding: Mapping[str, Any]) -> Iterable[str]:
    location = finding.get("location")
    if isinstance(location, Mapping) and isinstance(location.get("text"), str):
        yield location["text"]
    fix = finding.get("fix")
    if isinstance(fix, Mapping):
        for key in ("before", "after"):
            if isinstance(fix.get(key), str):
                yield fix[key]


def _mask_person(person: dict[str, Any]) -> None:
    if isinstance(person.get("name"), str):
        person["name"] = mask_name(person["name"])
    if isinstance(person.get("member_id"), str):
        person["member_id"] = mask_id(person["member_id"])
    if isinstance(person.get("birth_date"), str):
        person["birth_date"] = mask_birth_date(person["birth_date"])


def _collect_person(person: object, literals: _Literals) -> None:
    if not isinstance(person, Mapping):
        return
    if isinstance(person.get("name"), str):
        literals.add_name(person["name"])
    if isinstance(person.get("member_id"), str):
        literals.add_id(person["member_id"])
    if isinstance(person.get("birth_date"), str):
        literals.add_birth_date(person["birth_date"])


def _mask_finding(
    finding: dict[str, Any], literals: _Literals, element_sep: str, terminator: str
) -> None:
    if isinstance(finding.get("message"), str):
        finding["message"] = literals.apply(finding["message"])
    location = finding.get("location")
    if isinstance(location, dict) and isinstance(location.get("text"), str):
        location["text"] = literals.apply(_mask_segments(location["text"], element_sep, terminator))
    fix = finding.get("fix")
    if isinstance(fix, dict):
        for key in ("before", "after"):
            if isinstance(fix.get(key), str):
                fix[key] = literals.apply(_mask_segments(fix[key], element_sep, terminator))


def _findings(container: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = container.get("findings")
    if not isinstance(found, list):
        return []
    return [f for f in found if isinstance(f, dict)]


def mask_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of `report` with patient names, member ids and birth dates masked."""
    masked: dict[str, Any] = copy.deepcopy(dict(report))
    delimiters = masked.get("delimiters")
    delimiters = delimiters if isinstance(delimiters, Mapping) else {}
    element_sep = str(delimiters.get("element") or "*")
    terminator = str(delimiters.get("segment") or "~")

    claims = masked.get("claims")
    claims = [c for c in claims if isinstance(c, dict)] if isinstance(claims, list) else []
    everyone = _Literals()
    per_claim: list[_Literals] = []
    for claim in claims:
        literals = _Literals()
        for key in ("patient", "subscriber"):
            _collect_person(claim.get(key), literals)
        for finding in _findings(claim):
            for text in _segment_texts(finding):
                _scan_segments(text, element_sep, terminator, literals)
        per_claim.append(literals)
        everyone.values.update(literals.values)
    for finding in _findings(masked):
        for text in _segment_texts(finding):
            _scan_segments(text, element_sep, terminator, everyone)

    for claim, literals in zip(claims, per_claim, strict=True):
        for key in ("patient", "subscriber"):
            if isinstance(claim.get(key), dict):
                _mask_person(claim[key])
        # A claim's own values first, then anything found on the file level.
        for finding in _findings(claim):
            _mask_finding(finding, literals, element_sep, terminator)
    for finding in _findings(masked):
        _mask_finding(finding, everyone, element_sep, terminator)
    notes = masked.get("notes")
    if isinstance(notes, list):
        masked["notes"] = [everyone.apply(n) if isinstance(n, str) else n for n in notes]
    rejection = masked.get("rejection")
    if isinstance(rejection, dict):
        for key in ("message", "what_to_do"):
            if isinstance(rejection.get(key), str):
                rejection[key] = everyone.apply(rejection[key])
    masked["phi_masked"] = True
    return masked
