"""The therapy code list (edits/lists/therapy_codes.toml) and the diagnosis lists, as lookups."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from scrubber.checks.common import CodeRanges, expand_codes, in_ranges
from scrubber.checks.dates import in_force
from scrubber.checks.registry import CheckContext
from scrubber.model import Claim, Diagnosis, ServiceLine

DISCIPLINES = ("GP", "GO", "GN")
MAX_ANSWERS = 65536  # kept look-ups (a long-running desk or watcher sees many files)


@dataclass(frozen=True, slots=True)
class TherapyCode:
    """One code of the therapy list as it stands on a day."""

    code: str
    always: bool  # always therapy; False: sometimes therapy
    disciplines: tuple[str, ...]  # the discipline modifiers the code allows
    timed: bool
    evaluation: str  # "PT" / "OT" / "SLP" for evaluation codes, else ""
    reevaluation: bool
    evaluation_like: bool  # untimed evaluations outside the three groups (92610 ...)
    supervised_modality: bool
    source: str
    unverified: bool


class TherapyCodes:
    """The list's entries by code; an entry applies between its effective dates."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.source = str(data.get("source", ""))
        self._entries: dict[str, list[tuple[Mapping[str, Any], TherapyCode]]] = {}
        default_unverified = bool(data.get("unverified", False))
        for entry in data.get("codes", []):
            for code in expand_codes(entry["codes"]):
                item = TherapyCode(
                    code=code,
                    always=entry.get("kind", "always") == "always",
                    disciplines=tuple(
                        str(d).upper() for d in entry.get("disciplines", DISCIPLINES)
                    ),
                    timed=bool(entry.get("timed", True)),
                    evaluation=str(entry.get("evaluation", "")),
                    reevaluation=bool(entry.get("reevaluation", False)),
                    evaluation_like=bool(entry.get("evaluation_like", False)),
                    supervised_modality=bool(entry.get("supervised_modality", False)),
                    source=str(entry.get("source", self.source)),
                    unverified=bool(entry.get("unverified", default_unverified)),
                )
                self._entries.setdefault(code, []).append((entry, item))
        taxonomies = data.get("taxonomies", {})
        self.therapist_taxonomies = tuple(str(p).upper() for p in taxonomies.get("prefixes", []))
        # every line of a file asks about one of a few codes on one of a few days
        self._answers: dict[tuple[str, date | None], TherapyCode | None] = {}

    def get(self, code: str, day: date | None) -> TherapyCode | None:
        """The code's entry in force on the day (the last one listed wins, so a profile's added
        entry replaces the shipped one)."""
        key = (code, day)
        try:
            return self._answers[key]
        except KeyError:
            pass
        found = None
        for entry, item in self._entries.get(code.strip().upper(), []):
            if in_force(entry, day):
                found = item
        if len(self._answers) >= MAX_ANSWERS:
            self._answers.clear()
        self._answers[key] = found
        return found

    def is_therapist(self, taxonomy: str) -> bool:
        taxonomy = taxonomy.strip().upper()
        return bool(taxonomy) and taxonomy.startswith(self.therapist_taxonomies)


def therapy_codes(ctx: CheckContext) -> TherapyCodes:
    """The run's therapy list, built once."""
    built = ctx.run.notes.get("therapy_codes")
    if not isinstance(built, TherapyCodes):
        built = TherapyCodes(ctx.code_list("therapy_codes"))
        ctx.run.notes["therapy_codes"] = built
    return built


def therapy_line(claim: Claim, line: ServiceLine, ctx: CheckContext) -> TherapyCode | None:
    """The line's therapy-list entry when its procedure is a therapy code on its date."""
    codes = therapy_codes(ctx)
    held = line.facts.get("therapy")
    if held is not None and held[0] is codes:
        return held[1]
    code = line.procedure
    entry = codes.get(code, claim.line_date(line)) if code else None
    line.facts["therapy"] = (codes, entry)
    return entry


def _ranges(entries: list[Mapping[str, Any]]) -> list[str]:
    return [code for entry in entries for code in entry.get("codes", [])]


def diagnosis_ranges(ctx: CheckContext, key: str) -> CodeRanges:
    """The ``supporting`` or ``not_supporting`` ranges of the diagnosis list, read once."""
    note = f"therapy_diagnoses:{key}"
    found = ctx.run.notes.get(note)
    if not isinstance(found, CodeRanges):
        found = CodeRanges(_ranges(list(ctx.code_list("therapy_diagnoses").get(key, []))))
        ctx.run.notes[note] = found
    return found


def label_of(ctx: CheckContext, key: str, code: str) -> str:
    """The label of the diagnosis-list entry a code falls under ("" if none)."""
    for entry in ctx.code_list("therapy_diagnoses").get(key, []):
        if in_ranges(code, entry.get("codes", [])):
            return str(entry.get("label", ""))
    return ""


def pointed_codes(claim: Claim, line: ServiceLine) -> list[tuple[Diagnosis, str]]:
    """The line's pointed diagnoses with their normalised codes (empty codes left out)."""
    return [(d, d.normalized) for d in claim.pointed_diagnoses(line) if d.code.strip()]
