"""Therapy line rules (SNIP 6): discipline modifiers, untimed units, CQ/CO, NCCI pairs.

Code lists, modifier pairs and the NCCI pair table are data in edits/ (each with its source and,
where known, effective dates); a CMS practitioner PTP file given with --ncci replaces the table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from scrubber.checks.common import expand_codes
from scrubber.checks.dates import entries_in_force
from scrubber.checks.registry import CheckContext, claim_check
from scrubber.content.release import PtpRelease
from scrubber.findings import Finding, Severity
from scrubber.model import Claim, ServiceLine
from scrubber.ncci import PtpTable, table_from_params


def _always_therapy(entries: list[Mapping[str, Any]], day: date | None) -> dict[str, str]:
    """Always-therapy codes in force on the day -> required discipline modifier ('' = any)."""
    found: dict[str, str] = {}
    for entry in entries_in_force(entries, day):
        discipline = str(entry.get("discipline", "")).upper()
        for code in expand_codes(entry["codes"]):
            if discipline or code not in found:
                found[code] = discipline
    return found


@claim_check("THR002")
def discipline_modifier(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    disciplines = [m.upper() for m in ctx.params["discipline_modifiers"]]
    medicare = claim.subscriber.filing_indicator.strip() in ctx.params["medicare_filing_indicators"]
    severity: Severity = "error" if medicare else "warning"
    for line in claim.lines:
        day = claim.line_date(line)
        in_force = f"always_therapy:{day}"
        required = ctx.run.notes.get(in_force)
        if required is None:  # the list in force on a day, worked out once per day
            required = _always_therapy(ctx.params["always_therapy"], day)
            ctx.run.notes[in_force] = required
        if line.procedure not in required:
            continue
        present = [m for m in line.modifiers if m in disciplines]
        wanted = required[line.procedure]
        if len(present) == 0:
            key = "missing"
        elif len(present) > 1:
            key = "several"
        elif wanted and present[0] != wanted and ctx.params.get("check_discipline", True):
            key = "wrong"
        else:
            continue
        yield Finding(
            ctx.message(
                key,
                procedure=line.procedure,
                found=", ".join(present),
                wanted=wanted or "GP, GO or GN",
            ),
            line.sv1,
            "SV101",
            severity=severity,
        )


@claim_check("THR003")
def untimed_code_units(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    untimed = expand_codes(ctx.params["untimed_codes"])
    for line in claim.lines:
        units = line.units
        if line.procedure not in untimed or units is None or units == Decimal(1):
            continue
        sv1 = line.sv1
        basis = sv1.get(3).strip() if sv1 else ""
        yield Finding(
            ctx.message(
                procedure=line.procedure, units=sv1.get(4).strip() if sv1 else "", basis=basis
            ),
            sv1,
            "SV104",
        )


@claim_check("THR004")
def assistant_modifier_pairing(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    pairs: dict[str, str] = {k.upper(): v.upper() for k, v in ctx.params["pairs"].items()}
    for line in claim.lines:
        modifiers = line.modifiers
        assistants = [m for m in modifiers if m in pairs]
        if len(assistants) > 1:
            yield Finding(
                ctx.message("both", procedure=line.procedure, found=" and ".join(assistants)),
                line.sv1,
                "SV101",
            )
            continue
        for assistant in assistants:
            if pairs[assistant] not in modifiers:
                yield Finding(
                    ctx.message(
                        procedure=line.procedure, modifier=assistant, wanted=pairs[assistant]
                    ),
                    line.sv1,
                    "SV101",
                )


def _ptp_table(ctx: CheckContext, day: date | None) -> PtpTable:
    """The installed PTP release in force on the day (the store's or --ncci), else the small
    table of edits/THR005.toml."""
    release = ctx.run.content.release("ptp", day)
    if isinstance(release, PtpRelease):
        return release.table
    built = ctx.run.notes.get("ncci_from_params")
    if not isinstance(built, PtpTable):  # built once per run, not per claim
        built = table_from_params(ctx.params["pairs"], origin="edits/THR005.toml")
        ctx.run.notes["ncci_from_params"] = built
    return built


@claim_check("THR005")
def ncci_pair(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    bypass = {m.upper() for m in ctx.params["bypass_modifiers"]}
    by_day: dict[date | None, list[ServiceLine]] = defaultdict(list)
    for line in claim.lines:
        if line.procedure:
            by_day[claim.line_date(line)].append(line)
    for day, lines in by_day.items():
        table = _ptp_table(ctx, day)
        for edit in table.pairs((line.procedure for line in lines), day):
            firsts = [x for x in lines if x.procedure == edit.column1]
            seconds = [x for x in lines if x.procedure == edit.column2]
            # Where the column order is not verified, a modifier on either code is accepted.
            first_ok = edit.unverified and any(bypass & set(x.modifiers) for x in firsts)
            for line in seconds:
                values = {
                    "column1": edit.column1,
                    "column2": edit.column2,
                    "date": day.isoformat() if day else "?",
                    "source": edit.source or table.origin,
                }
                if not edit.bypassable:
                    yield Finding(ctx.message("not_allowed", **values), line.sv1, "SV101")
                elif not (bypass & set(line.modifiers)) and not first_ok:
                    yield Finding(ctx.message(**values), line.sv1, "SV101")
