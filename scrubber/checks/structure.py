"""Structure: the loops and segments every claim needs, and the LX sequence (the HL tree is
checked by the reader)."""

from __future__ import annotations

from collections.abc import Iterator

from scrubber.checks.registry import CheckContext, claim_check
from scrubber.findings import Finding, Fix
from scrubber.model import Claim, Segment

Required = tuple[tuple[str, str | None, tuple[str, ...]], ...]


def _lacks(segments: list[Segment], required: Required) -> list[str]:
    """Required (segment id, loop or None, first-element values or ()) not among the segments.
    The blocks above a claim are the same for every claim under them, so the last answer for
    each list of requirements is kept (for a block of the same segments)."""
    held = _last_answer.get(required)
    if held is not None and held[0] is segments and held[1] == segments:
        return held[2]
    missing = []
    for segment_id, loop, qualifiers in required:
        for s in segments:
            if (
                s.id == segment_id
                and (loop is None or s.loop == loop)
                and (not qualifiers or s.get(1) in qualifiers)
            ):
                break
        else:
            missing.append(segment_id + (f"*{'/'.join(qualifiers)}" if qualifiers else ""))
    _last_answer[required] = (segments, list(segments), missing)
    return missing


#: per list of requirements: (the list of segments it was asked about, a copy of that list as it
#: was then, what they lack)
_last_answer: dict[Required, tuple[list[Segment], list[Segment], list[str]]] = {}


HEADER_REQUIRED: Required = (("BHT", None, ()), ("NM1", None, ("41",)), ("NM1", None, ("40",)))
PROVIDER_REQUIRED: Required = (
    ("NM1", None, ("85",)),
    ("N3", "2010AA", ()),
    ("N4", "2010AA", ()),
    ("REF", "2010AA", ("EI", "SY")),
)
SUBSCRIBER_REQUIRED: Required = (("SBR", None, ()), ("NM1", None, ("IL",)), ("NM1", None, ("PR",)))
PATIENT_REQUIRED: Required = (("PAT", None, ()), ("NM1", None, ("QC",)))


@claim_check("IG002")
def header_or_provider_lacks_required_segments(
    claim: Claim, ctx: CheckContext
) -> Iterator[Finding]:
    """The transaction header and the billing provider every claim under them needs (pyx12
    can lose track of the loops when an HL is broken, and then misses these)."""
    for part, segments, required in (
        ("transaction header", claim.header.segments, HEADER_REQUIRED),
        ("billing provider (2000A/2010AA)", claim.provider.segments, PROVIDER_REQUIRED),
    ):
        for missing in _lacks(segments, required):
            anchor = segments[0] if segments else claim.clm
            yield Finding(ctx.message("missing", part=part, segment=missing), anchor)


@claim_check("IG001")
def claim_lacks_required_segments(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    """What every 2300/2400 loop must hold. pyx12 reports a gap at the segment where it notices
    it, which can be the next claim's; and two CLMs in a row pass its walk. Checking the claim
    itself keeps an incomplete claim out of the clean file whatever the walk said."""
    above = [("subscriber (2000B/2010BA/2010BB)", claim.subscriber.segments, SUBSCRIBER_REQUIRED)]
    if claim.patient is not None:
        above.append(("patient (2000C/2010CA)", claim.patient.segments, PATIENT_REQUIRED))
    for part, segments, required in above:
        for lacking in _lacks(segments, required):
            anchor = segments[0] if segments else claim.clm
            yield Finding(ctx.message("missing_above", part=part, segment=lacking), anchor)
    if claim.diagnosis_segment is None:
        yield Finding(ctx.message("no_diagnosis"), claim.clm, "HI")
    if not claim.lines:
        yield Finding(ctx.message("no_lines"), claim.clm, "LX")
    for number, line in enumerate(claim.lines, start=1):
        if line.sv1 is not None and line.service_date_segment is not None:
            continue
        missing = [
            name
            for name, present in (
                ("SV1", line.sv1 is not None),
                ("DTP*472", line.service_date_segment is not None),
            )
            if not present
        ]
        if missing:
            yield Finding(
                ctx.message("line_incomplete", number=number, missing=" or ".join(missing)),
                line.segments[0],
                "LX01",
            )


@claim_check("HL001")
def service_line_numbering(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    changes = []
    for expected, line in enumerate(claim.lines, start=1):
        lx = line.segments[0]
        if lx.get(1).strip() != str(expected):
            changes.append(lx.with_elements([lx.elements[0], str(expected)]))
    if changes:
        first = changes[0]
        original = claim.segment(first.number)
        yield Finding(
            ctx.message("lx", found=original.get(1) if original else "", expected=first.get(1)),
            original,
            "LX01",
            fix=Fix("safe", changes),
            severity="info",
        )
