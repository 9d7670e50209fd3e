"""Claim-level edits: total charge, repeated claim ids, place of service, replacement/void."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from scrubber.checks.common import expand_codes
from scrubber.checks.dates import entries_in_force
from scrubber.checks.registry import CheckContext, claim_check
from scrubber.findings import Finding
from scrubber.model import Claim
from scrubber.seen_ids import SeenIds


@claim_check("CLM001")
def claim_charge_not_positive(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    charge = claim.charge
    if charge is not None and charge <= Decimal(0):
        yield Finding(ctx.message(charge=claim.clm.get(2).strip()), claim.clm, "CLM02")


@claim_check("CLM002", in_file_order=True)
def claim_id_repeated(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    """The first claim with an id is fine; later ones are errors. State lives for one file,
    and the claims before are known: the check runs in file order."""
    claim_id = claim.claim_id.strip()
    if not claim_id:
        return
    seen = ctx.run.notes.get("CLM002")
    if seen is None:  # the ids of the file so far, kept mostly on disk (a file may hold millions)
        seen = ctx.run.notes["CLM002"] = SeenIds()
    first = seen.setdefault(claim_id, claim.clm.number)
    if first != claim.clm.number:  # the same claim checked again after a fix is not a repeat
        yield Finding(ctx.message(claim_id=claim_id, first=first), claim.clm, "CLM01")


def _place_codes(entries: list[dict[str, Any]], day: date | None) -> frozenset[str]:
    codes: set[str] = set()
    for entry in entries_in_force(entries, day):
        codes.update(expand_codes(entry["codes"]))
    return frozenset(codes)


@claim_check("CLM003")
def place_of_service(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    entries = ctx.params["codes"]
    by_day = ctx.memo("codes", entries)  # {day: the codes in force}: a file has a few days

    def place_codes(day: date | None) -> frozenset[str]:
        found = by_day.get(day)
        if found is None:
            found = by_day[day] = _place_codes(entries, day)
        return found

    place = claim.clm.component(5, 1).strip()
    if place and place not in place_codes(claim.earliest_service_date):
        yield Finding(ctx.message(code=place, where="CLM05-1"), claim.clm, "CLM05-1")
    for line in claim.lines:
        sv1 = line.sv1
        if sv1 is None:
            continue
        line_place = sv1.get(5).strip()
        if line_place and line_place not in place_codes(claim.line_date(line)):
            yield Finding(ctx.message(code=line_place, where="SV105"), sv1, "SV105")


@claim_check("CLM004")
def replacement_without_original_reference(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    frequency = claim.clm.component(5, 3).strip()
    if frequency not in ctx.params["frequency_codes"]:
        return
    if any(s.id == "REF" and s.get(1).strip() == "F8" for s in claim.claim_segments):
        return
    kind = ctx.params.get("names", {}).get(frequency, frequency)
    yield Finding(ctx.message(frequency=frequency, kind=kind), claim.clm, "CLM05-3")
