"""The findings of a scrub report's claim entry as decisions name them: edit and diagnosis code."""

from __future__ import annotations

from typing import Any

from scrubber.resolve.decisions import normal_code


def finding_code(finding: dict[str, Any], delimiters: dict[str, str]) -> str:
    """The diagnosis code a finding points at (its HI element's code), '' when none."""
    location = finding.get("location") or {}
    if location.get("segment") != "HI":
        return ""
    element = str(location.get("element") or "")
    text = str(location.get("text") or "")
    if not element.startswith("HI") or len(element) < 4 or not element[2:4].isdigit():
        return ""
    parts = text.split(delimiters.get("element") or "*")
    position = int(element[2:4])
    if position >= len(parts):
        return ""
    components = parts[position].split(delimiters.get("component") or ":")
    return components[1].strip() if len(components) > 1 else ""


def known_findings(entry: dict[str, Any], report: dict[str, Any]) -> set[tuple[str, str]]:
    """(edit, code) of each finding of a report's claim entry, the code as X12 carries it."""
    delimiters = report.get("delimiters") or {}
    return {
        (str(f.get("edit") or ""), normal_code(finding_code(f, delimiters)))
        for f in entry.get("findings") or []
    }
