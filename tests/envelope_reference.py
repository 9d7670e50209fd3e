"""The envelope pass scrub837 used before it took the bulk of the file as segment runs
(scrubber/x12/envelope.py as of commit 25c3113: one RawSegment per segment), kept unchanged as
the reference the run-based pass must agree with (tests/test_envelope_reference.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from scrubber.x12.tokens import iter_segments


@dataclass(slots=True)
class Trailers:
    """Which envelopes have a trailer, from a quick first pass (the main pass must know early)."""

    transactions_closed: set[int] = field(default_factory=set)  # ST segment numbers with an SE
    # ST number -> the first envelope segment (ISA, GS, GE, IEA) standing between it and its SE
    stray: dict[int, str] = field(default_factory=dict)
    segments: int = 0
    claims: int = 0


ENVELOPE_IDS = frozenset({"ISA", "GS", "GE", "IEA"})


def scan_trailers(path: Path) -> Trailers:
    facts = Trailers()
    open_st = 0
    with path.open("rb") as stream:
        for raw in iter_segments(stream):
            facts.segments += 1
            head = raw.text[:3]
            if head.startswith("ST") and raw.text[2:3] == raw.delimiters.element:
                open_st = raw.number
            elif head.startswith("SE") and raw.text[2:3] == raw.delimiters.element and open_st:
                facts.transactions_closed.add(open_st)
                open_st = 0
            elif head == "CLM" and raw.text[3:4] == raw.delimiters.element:
                facts.claims += 1
            elif open_st and raw.text.split(raw.delimiters.element, 1)[0] in ENVELOPE_IDS:
                facts.stray.setdefault(open_st, raw.text[:3].rstrip(raw.delimiters.element))
    return facts
