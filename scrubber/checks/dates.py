"""Dates: service dates in the future, before birth, past timely filing, or not real dates.

Also the helper that code lists in edits/ use to say from when to when an entry applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from scrubber.checks.registry import CheckContext, claim_check
from scrubber.findings import Finding
from scrubber.model import Claim, Segment, dtp_dates, parse_d8


def _as_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return _iso_date(str(value))


@lru_cache(maxsize=1024)
def _iso_date(text: str) -> date:
    # code lists write a few dates, asked about on every line of every claim
    return date.fromisoformat(text)


def in_force(entry: Mapping[str, Any], day: date | None) -> bool:
    """A code-list entry applies on a day: ``effective_from`` <= day <= ``effective_to`` (both
    optional, ISO dates or TOML dates). With no day known, every entry applies."""
    if day is None:
        return True
    start = entry.get("effective_from")
    if start is not None and (start := _as_date(start)) is not None and day < start:
        return False
    end = entry.get("effective_to")
    return end is None or (end := _as_date(end)) is None or day <= end


def entries_in_force(
    entries: Iterable[Mapping[str, Any]], day: date | None
) -> list[Mapping[str, Any]]:
    return [entry for entry in entries if in_force(entry, day)]


def date_range(dtp: Segment) -> tuple[date, date] | None:
    """(from, to) of a D8 or RD8 DTP; None when it is not a real date or range (DTE004)."""
    qualifier, value = dtp.get(2), dtp.get(3)
    key = (qualifier, value)
    try:
        return _RANGES[key]
    except KeyError:
        pass
    found: tuple[date, date] | None = None
    if qualifier.strip() in ("D8", "RD8"):
        start, end = dtp_dates(dtp)
        if start is not None and end is not None and start <= end:
            found = (start, end)
    if len(_RANGES) >= 4096:  # a file states a few hundred dates; keep it bounded regardless
        _RANGES.clear()
    _RANGES[key] = found
    return found


#: date_range by (DTP02, DTP03) as written: what it reads of the segment, and nothing else
_RANGES: dict[tuple[str, str], tuple[date, date] | None] = {}


def claim_service_dates(claim: Claim, ctx: CheckContext) -> list[tuple[Segment, date, date]]:
    """:func:`service_dates`, found once per claim for the edits that read them."""
    return ctx.per_claim(claim, "service_dates", _all_service_dates)


def _all_service_dates(claim: Claim) -> list[tuple[Segment, date, date]]:
    return list(service_dates(claim))


def service_dates(claim: Claim) -> Iterator[tuple[Segment, date, date]]:
    """Each line's DTP*472 (the claim's own DTP*472 where a line has none), once each."""
    candidates: list[Segment | None] = [line.service_date_segment for line in claim.lines]
    if not candidates or any(dtp is None for dtp in candidates):  # the claim's date is needed
        claim_level = next(
            (s for s in claim.claim_segments if s.id == "DTP" and s.get(1) == "472"), None
        )
        candidates = [dtp or claim_level for dtp in candidates] or [claim_level]
    seen: set[int] = set()
    for dtp in candidates:
        if dtp is None or dtp.number in seen:
            continue
        seen.add(dtp.number)
        found = date_range(dtp)
        if found is not None:
            yield dtp, found[0], found[1]


def reference_date(claim: Claim, ctx: CheckContext) -> tuple[date, str]:
    """The day dates are judged against: the run date, or BHT04 in validate mode."""
    if ctx.run.mode == "validate" and claim.header.created is not None:
        return claim.header.created, "the transaction date (BHT04)"
    return ctx.run.run_date, "the run date"


def birth_date(claim: Claim) -> date | None:
    for segment in claim.patient_segments:
        if segment.id == "DMG" and segment.get(1).strip() == "D8":
            return parse_d8(segment.get(2))
    return None


@claim_check("DTE001")
def service_date_in_future(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    reference, label = reference_date(claim, ctx)
    for dtp, _start, end in claim_service_dates(claim, ctx):
        if end > reference:
            yield Finding(
                ctx.message(date=end.isoformat(), reference=reference.isoformat(), label=label),
                dtp,
                "DTP03",
            )


@claim_check("DTE002")
def service_date_before_birth(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    born = birth_date(claim)
    if born is None:
        return
    for dtp, start, _end in claim_service_dates(claim, ctx):
        if start < born:
            yield Finding(ctx.message(date=start.isoformat(), birth=born.isoformat()), dtp, "DTP03")


@claim_check("DTE003")
def timely_filing(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    limit = int(ctx.params["timely_filing_days"])
    reference, label = reference_date(claim, ctx)
    for dtp, start, _end in claim_service_dates(claim, ctx):
        age = (reference - start).days
        if age > limit:
            yield Finding(
                ctx.message(
                    date=start.isoformat(),
                    days=age,
                    limit=limit,
                    deadline=(start + timedelta(days=limit)).isoformat(),
                    label=label,
                ),
                dtp,
                "DTP03",
            )


@claim_check("DTE004")
def invalid_date(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    formats = set(ctx.params.get("formats", ["D8", "RD8"]))
    for segment in claim.segments:
        if segment.id != "DTP":
            continue
        qualifier = segment.get(2).strip()
        if qualifier not in formats or date_range(segment) is not None:
            continue
        value = segment.get(3).strip()
        key = "default"
        if qualifier == "RD8":
            parts = value.split("-")
            if len(parts) == 2 and all(parse_d8(p) for p in parts):
                key = "reversed"
        yield Finding(
            ctx.message(key, value=value, format=qualifier, qualifier=segment.get(1)),
            segment,
            "DTP03",
        )
