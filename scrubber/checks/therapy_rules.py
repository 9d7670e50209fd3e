"""Therapy line rules (SNIP 6): discipline modifiers, untimed units, CQ/CO, NCCI pairs, units.

Which codes are therapy, their discipline, timed or untimed: edits/lists/therapy_codes.toml. The
NCCI pair table is data in edits/THR005.toml (each pair with its source and dates); a CMS
practitioner PTP file given with --ncci replaces it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from scrubber.checks.registry import CheckContext, claim_check
from scrubber.checks.therapy_list import DISCIPLINES, TherapyCode, therapy_codes, therapy_line
from scrubber.content.release import MueRelease, PtpRelease
from scrubber.findings import Finding, Severity
from scrubber.model import Claim, ServiceLine
from scrubber.ncci import PtpTable, table_from_params


def _filing_indicator(claim: Claim) -> str:
    return claim.subscriber.filing_indicator.strip().upper()


def _severity_for(claim: Claim, ctx: CheckContext, key: str) -> Severity:
    """Error for the filing indicators the edit names (Medicare, Medicare Advantage, ...)."""
    return "error" if _filing_indicator(claim) in ctx.params[key] else "warning"


def _therapist_taxonomy(claim: Claim, line: ServiceLine, ctx: CheckContext) -> bool:
    """The billing (PRV*BI) or rendering (PRV*PE, claim or line) provider is a therapist."""
    codes = therapy_codes(ctx)
    for segment in (*claim.provider.segments, *claim.claim_segments, *line.segments):
        role = segment.get(1).strip()
        if segment.id == "PRV" and role in ("BI", "PE") and codes.is_therapist(segment.get(3)):
            return True
    return False


@claim_check("THR002")
def discipline_modifier(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    for line in claim.lines:
        entry = therapy_line(claim, line, ctx)
        if entry is None:
            continue
        if not entry.always and not _therapist_taxonomy(claim, line, ctx):
            continue  # sometimes therapy, not furnished by a therapist
        present = [m for m in line.modifiers if m in DISCIPLINES]
        if not present:
            key = "missing" if entry.always else "sometimes"
        elif len(present) > 1:
            key = "several"
        elif present[0] not in entry.disciplines:
            key = "wrong"
        else:
            continue
        wanted = " or ".join(d for d in DISCIPLINES if d in entry.disciplines)
        yield Finding(
            ctx.message(key, procedure=line.procedure, found=", ".join(present), wanted=wanted),
            line.sv1,
            "SV101",
            severity=_severity_for(claim, ctx, "medicare_filing_indicators"),
        )


ONE = Decimal(1)


def _untimed_evaluation(entry: TherapyCode | None) -> bool:
    return entry is not None and not entry.timed and bool(entry.evaluation or entry.evaluation_like)


@claim_check("THR003")
def untimed_code_units(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    for line in claim.lines:
        units = line.units
        if units is None or units == ONE:
            continue
        if not _untimed_evaluation(therapy_line(claim, line, ctx)):
            continue
        sv1 = line.sv1
        yield Finding(
            ctx.message(
                procedure=line.procedure,
                units=sv1.get(4).strip() if sv1 else "",
                basis=sv1.get(3).strip() if sv1 else "",
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
        if not assistants:
            continue
        assistant = assistants[0]
        entry = therapy_line(claim, line, ctx)
        if entry is not None and (entry.evaluation or entry.evaluation_like):
            yield Finding(
                ctx.message("evaluation", procedure=line.procedure, modifier=assistant),
                line.sv1,
                "SV101",
            )
        elif pairs[assistant] not in modifiers:
            yield Finding(
                ctx.message(procedure=line.procedure, modifier=assistant, wanted=pairs[assistant]),
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


def _lines_by_day(claim: Claim) -> dict[date | None, list[ServiceLine]]:
    by_day: dict[date | None, list[ServiceLine]] = {}
    for line in claim.lines:
        if line.procedure:
            day = claim.line_date(line)
            if day in by_day:
                by_day[day].append(line)
            else:
                by_day[day] = [line]
    return by_day


def _upper_set(modifiers: list[str]) -> frozenset[str]:
    return frozenset(m.upper() for m in modifiers)


@claim_check("THR005")
def ncci_pair(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    bypass = ctx.derived("bypass", ctx.params["bypass_modifiers"], _upper_set)
    for day, lines in _lines_by_day(claim).items():
        when = day.isoformat() if day else "?"
        yield from _evaluation_levels(claim, lines, ctx, when)
        table = _ptp_table(ctx, day)
        for edit in table.pairs((line.procedure for line in lines), day):
            firsts = [x for x in lines if x.procedure == edit.column1]
            seconds = [x for x in lines if x.procedure == edit.column2]
            # Where the column order is not verified, a modifier on either code is accepted.
            first_ok = edit.unverified and any(bypass & set(x.modifiers) for x in firsts)
            values = {
                "column1": edit.column1,
                "column2": edit.column2,
                "date": when,
                "source": edit.source or table.origin,
            }
            for line in seconds:
                if not edit.bypassable:
                    yield Finding(
                        ctx.message("not_allowed", **values), line.sv1, "SV101", severity="error"
                    )
                elif not (bypass & set(line.modifiers)) and not first_ok:
                    severity = _severity_for(claim, ctx, "strict_filing_indicators")
                    yield Finding(ctx.message(**values), line.sv1, "SV101", severity=severity)


def _evaluation_levels(
    claim: Claim, lines: list[ServiceLine], ctx: CheckContext, when: str
) -> Iterator[Finding]:
    """Two different evaluation or re-evaluation codes of one discipline on one day."""
    seen: dict[str, str] = {}
    groups = ctx.params["one_evaluation_a_day"]
    for line in lines:
        entry = therapy_line(claim, line, ctx)
        if entry is None or entry.evaluation not in groups:
            continue
        first = seen.setdefault(entry.evaluation, line.procedure)
        if first != line.procedure:
            yield Finding(
                ctx.message(
                    "two_evaluations",
                    first=first,
                    second=line.procedure,
                    discipline=entry.evaluation,
                    date=when,
                ),
                line.sv1,
                "SV101",
                severity="error",
            )


@claim_check("THR007")
def therapy_units(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    modality_units: dict[tuple[date | None, str], Decimal] = defaultdict(Decimal)
    for line in claim.lines:
        units, sv1 = line.units, line.sv1
        if sv1 is None or units is None:
            continue
        entry = therapy_line(claim, line, ctx)
        if entry is None or _untimed_evaluation(entry):
            continue  # evaluations: THR003
        written = sv1.get(4).strip()
        if units <= 0 or (sv1.get(3).strip() == "UN" and units != units.to_integral_value()):
            yield Finding(
                ctx.message("units", procedure=line.procedure, units=written), sv1, "SV104"
            )
            continue
        if entry.supervised_modality and sv1.get(3).strip() == "UN":
            day = claim.line_date(line)
            total = modality_units[(day, line.procedure)] + units
            modality_units[(day, line.procedure)] = total
            if total > 1:
                yield Finding(
                    ctx.message(
                        "once_a_day",
                        procedure=line.procedure,
                        units=f"{total.normalize():f}",
                        date=day.isoformat() if day else "?",
                    ),
                    sv1,
                    "SV104",
                )
    yield from _above_mue(claim, ctx)


def _above_mue(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    """Units above the code's practitioner MUE (the installed MUE release for the line's date):
    per line for MAI 1, over the day's lines of the code for MAI 2 and 3."""
    per_day: dict[tuple[date | None, str], Decimal] = defaultdict(Decimal)
    for line in claim.lines:
        units, sv1 = line.units, line.sv1
        if sv1 is None or units is None or units <= 0 or sv1.get(3).strip() != "UN":
            continue
        day = claim.line_date(line)
        release = ctx.run.content.release("mue", day)
        limit = release.limit(line.procedure) if isinstance(release, MueRelease) else None
        if release is None or limit is None:
            continue
        if limit.mai == "1":
            total = units
        else:
            before = per_day[(day, line.procedure)]
            total = per_day[(day, line.procedure)] = before + units
            if before > limit.value:
                continue  # said on the line that went over
        if total > limit.value:
            yield Finding(
                ctx.message(
                    "mue",
                    procedure=line.procedure,
                    units=f"{total.normalize():f}",
                    date=day.isoformat() if day else "?",
                    limit=limit.value,
                    origin=release.name,
                ),
                sv1,
                "SV104",
            )
