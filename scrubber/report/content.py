"""The HTML report head's content section: releases used, and uncovered dates in words."""

from __future__ import annotations

from typing import Any

from scrubber.content.release import KIND_TITLES
from scrubber.report.formatting import _int, _text

__all__ = ["content_context"]


def content_context(content: object) -> dict[str, Any]:
    """The releases used, and in words each kind whose releases did not cover some claims'
    dates, with the command that installs the missing one."""
    if not isinstance(content, dict):
        return {"releases": [], "warnings": []}
    releases = []
    for r in content.get("releases") or []:
        if isinstance(r, dict):
            title = KIND_TITLES.get(_text(r.get("kind")), _text(r.get("kind")))
            end = _text(r.get("effective_to"))
            to = f"to {end}" if end else "until replaced"
            start = _text(r.get("effective_from"))
            releases.append(f"{title}: {_text(r.get('name'))} ({start} {to})")
    warnings = []
    for m in content.get("uncovered") or []:
        if not isinstance(m, dict):
            continue
        kind = _text(m.get("kind"))
        title = KIND_TITLES.get(kind, kind)
        n = _int(m.get("claims"))
        first, last = _text(m.get("first")), _text(m.get("last"))
        dates = first if first == last else f"{first} to {last}"
        claims = "1 claim has" if n == 1 else f"{n} claims have"
        if kind == "icd10cm":
            nearest = ", ".join(_text(x) for x in m.get("checked_with") or []) or "another release"
            text = (
                f"{claims} dates of service ({dates}) that no installed {title} release covers: "
                f"their diagnosis codes were checked against {nearest} instead, and may be judged "
                "wrongly (DX010 on each claim). Install the release for those dates, then scrub "
                "again:"
            )
        else:
            text = (
                f"{claims} dates of service ({dates}) that no installed {title} release covers: "
                "the checks that need it ran without it for those claims (each says so, or used "
                "only the small lists built in). Install it, then scrub again:"
            )
        warnings.append({"kind": kind, "text": text, "command": _text(m.get("command"))})
    return {"releases": releases, "warnings": warnings}
