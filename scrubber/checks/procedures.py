"""Procedure codes (SV101-2): deleted or not paid under that number (PRC001), and codes no
installed content could check (PRC002, once per file). Built-in lists are data in the TOMLs."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from scrubber.checks.common import expand_codes
from scrubber.checks.dates import in_force
from scrubber.checks.registry import CheckContext, claim_check
from scrubber.checks.therapy_list import therapy_codes
from scrubber.findings import Finding, Fix
from scrubber.model import Claim, ServiceLine

_HCPCS = re.compile(r"^[A-V][0-9]{4}$")
_CPT = re.compile(r"^[0-9]{4}[0-9FTU]$")


@lru_cache(maxsize=4096)
def content_kind(code: str) -> str:
    """Which list can check a procedure code: "hcpcs" (Level II, A0000-V9999), "cpt" (5 digits,
    or 4 and F/T/U), else ""."""
    if _HCPCS.match(code):
        return "hcpcs"
    return "cpt" if _CPT.match(code) else ""


def _with_procedure(line: ServiceLine, code: str) -> list[Any]:
    sv1 = line.sv1
    assert sv1 is not None
    elements = list(sv1.elements)
    parts = sv1.components(1)
    parts[1] = code
    elements[1] = sv1.join_components(parts)
    return [sv1.with_elements(elements)]


class BuiltInLists:
    """PRC001's built-in lists (its params), by code: read once per run, not once per line."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.deleted: dict[str, list[Mapping[str, Any]]] = {}
        for entry in params.get("deleted", []):
            for code in expand_codes(entry["codes"]):
                self.deleted.setdefault(code, []).append(entry)
        self.not_paid: dict[str, Mapping[str, Any]] = {}
        for entry in params.get("medicare_not_paid", []):
            self.not_paid.setdefault(entry["code"], entry)
        self.sections = [
            (expand_codes([section["range"]]), section, expand_codes(section.get("codes", [])))
            for section in params.get("known_sections", [])
        ]

    def deleted_entry(self, code: str, day: date | None) -> Mapping[str, Any]:
        """The first deletion entry of the code in force on the day ({} if none)."""
        for entry in self.deleted.get(code, ()):
            if day is None or day >= date.fromisoformat(str(entry["deleted"])):
                return entry
        return {}

    def section_of(self, code: str, day: date | None) -> tuple[Mapping[str, Any], bool] | None:
        """The first section in force on the day whose range holds the code, and whether the
        section lists it; None: no built-in section covers it."""
        for codes, section, listed in self.sections:
            if code in codes and in_force(section, day):
                return section, code in listed
        return None


def built_in(ctx: CheckContext, params: Mapping[str, Any]) -> BuiltInLists:
    return ctx.derived("built_in", params, BuiltInLists)


def _known_section(
    ctx: CheckContext, lists: BuiltInLists, code: str, day: date | None
) -> bool | None:
    """True/False: the code is (not) a code of a section the built-in list covers whole; None:
    no built-in section covers it."""
    found = lists.section_of(code, day)
    if found is None:
        return None
    return found[1] or therapy_codes(ctx).get(code, day) is not None


@claim_check("PRC001")
def procedure_not_valid(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    medicare = (
        claim.subscriber.filing_indicator.strip().upper()
        in ctx.params["medicare_filing_indicators"]
    )
    lists = built_in(ctx, ctx.params)
    for line in claim.lines:
        code, day = line.procedure, claim.line_date(line)
        if not code:
            continue
        values = {"procedure": code, "date": day.isoformat() if day else "?"}
        deleted = lists.deleted_entry(code, day)
        if deleted:
            replacements = list(deleted["replacements"])
            fix = (
                Fix("unsafe", _with_procedure(line, replacements[0]))
                if len(replacements) == 1
                else None
            )
            yield Finding(
                ctx.message(
                    "deleted",
                    **values,
                    deleted=deleted["deleted"],
                    replacements=", ".join(replacements),
                    source=deleted["source"],
                ),
                line.sv1,
                "SV101-2",
                suggestions=replacements,
                fix=fix,
            )
            continue
        not_paid = lists.not_paid.get(code)
        if medicare and not_paid is not None and in_force(not_paid, day):
            yield Finding(
                ctx.message(
                    "medicare",
                    **values,
                    replacement=not_paid["replacement"],
                    source=not_paid["source"],
                ),
                line.sv1,
                "SV101-2",
                suggestions=[not_paid["replacement"]],
                fix=Fix("unsafe", _with_procedure(line, not_paid["replacement"])),
            )
            continue
        if _known_section(ctx, lists, code, day) is False:
            yield Finding(ctx.message("unknown", **values), line.sv1, "SV101-2")
            continue
        kind = content_kind(code)
        release = ctx.run.content.release(kind, day) if kind else None
        if release is not None and not release.has(code, day):  # type: ignore[attr-defined]
            key = "not_in_hcpcs" if kind == "hcpcs" else "not_in_cpt"
            yield Finding(ctx.message(key, **values, origin=release.name), line.sv1, "SV101-2")


@claim_check("PRC002", once_per_file=True)
def procedure_not_checked(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    """The first procedure code of the claim that no installed content covers; the engine
    says it once per file (on the first claim that has one)."""
    prc001 = ctx.run.edits.get("PRC001")
    for line in claim.lines:
        code, day = line.procedure, claim.line_date(line)
        if not code or therapy_codes(ctx).get(code, day) is not None:
            continue
        if prc001 is not None and _known_in(ctx, prc001.params, code, day):
            continue
        kind = content_kind(code)
        if kind and ctx.run.content.release(kind, day) is not None:
            continue
        yield Finding(ctx.message(procedure=code), line.sv1, "SV101-2")
        return


def _known_in(ctx: CheckContext, params: Mapping[str, Any], code: str, day: date | None) -> bool:
    """Built-in PRC001 content covers the code (a known-section list, a deleted code)."""
    lists = built_in(ctx, params)
    return lists.section_of(code, day) is not None or code in lists.deleted
