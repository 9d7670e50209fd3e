"""What an edit says about a claim, and the fix it offers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from scrubber.model import Segment

Severity = Literal["error", "warning", "info"]
Safety = Literal["safe", "unsafe"]  # of a fix a check offers
FixSafety = Literal["none", "safe", "unsafe"]  # of an edit in the catalogue
FIX_SAFETIES: tuple[FixSafety, ...] = ("none", "safe", "unsafe")
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(slots=True)
class Fix:
    """New versions of segments of the claim (each replaces the segment with the same number)."""

    safety: Safety
    changes: list[Segment]
    applied: bool = False
    before: str = ""
    after: str = ""


@dataclass(slots=True)
class Finding:
    """One problem: a check fills in message and location; the engine stamps edit and severity."""

    message: str
    segment: Segment | None = None
    element: str | None = None  # e.g. "HI01-2", "SV107"
    suggestions: list[str] = field(default_factory=list)
    fix: Fix | None = None
    severity: Severity | None = None  # set by a check only where the catalogue says it depends
    edit: str = ""
