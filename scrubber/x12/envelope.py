"""The envelope pass: one quick read of the file's segments before the main pass, for the facts
the main pass must know early (which transactions have an SE, which hold a stray envelope
segment, how many segments and claims the file has), and so that a file that is not X12 is
refused (ENV001) before anything of it is read.

The facts are ahead of the segments that need them (an ST needs to know of an SE that may end
the file), so they take a pass of their own; it is kept cheap: the tokenizer hands over the
bulk of the file as runs of whole segments (tokens.SegmentRun), searched here with one regular
expression for the few segments that matter, with no object made per segment."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from scrubber.x12.tokens import Delimiters, RawSegment, SegmentRun, iter_segment_runs


@dataclass(slots=True)
class Trailers:
    """Which envelopes have a trailer, from a quick first pass (the main pass must know early)."""

    transactions_closed: set[int] = field(default_factory=set)  # ST segment numbers with an SE
    # ST number -> the first envelope segment (ISA, GS, GE, IEA) standing between it and its SE
    stray: dict[int, str] = field(default_factory=dict)
    segments: int = 0
    claims: int = 0


ENVELOPE_IDS = frozenset({"ISA", "GS", "GE", "IEA"})


class _Scan:
    """The facts so far and the transaction open at this point of the file."""

    def __init__(self) -> None:
        self.facts = Trailers()
        self.open_st = 0  # the number of the ST whose SE has not come yet, or 0

    def segment(self, number: int, text: str, element: str) -> None:
        head = text[:3]
        if head.startswith("ST") and text[2:3] == element:
            self.open_st = number
        elif head.startswith("SE") and text[2:3] == element and self.open_st:
            self.facts.transactions_closed.add(self.open_st)
            self.open_st = 0
        elif head == "CLM" and text[3:4] == element:
            self.facts.claims += 1
        elif self.open_st and text.split(element, 1)[0] in ENVELOPE_IDS:
            self.facts.stray.setdefault(self.open_st, text[:3].rstrip(element))

    def run(self, run: SegmentRun) -> None:
        """The segments of a run that `segment` would notice (ST, SE, CLM, GS, GE, IEA; a run
        holds no ISA), found by their start, numbered by counting terminators."""
        self.facts.segments += run.count
        text, terminator = run.text, run.delimiters.segment
        first, anywhere = _heads(run.delimiters)
        number, counted = run.first, run.start
        found = first.match(text, run.start, run.stop)
        if found is not None:
            self._head(found.group(1), number)
        for found in anywhere.finditer(text, run.start, run.stop):
            tag = found.group(1)
            if tag == "CLM":  # the most frequent: no number needed
                self.facts.claims += 1
                continue
            number += text.count(terminator, counted, found.start() + 1)
            counted = found.start() + 1
            self._head(tag, number)

    def _head(self, tag: str, number: int) -> None:
        if tag == "ST":
            self.open_st = number
        elif tag == "SE":
            if self.open_st:
                self.facts.transactions_closed.add(self.open_st)
                self.open_st = 0
        elif tag == "CLM":
            self.facts.claims += 1
        elif self.open_st:  # GS, GE, IEA as the whole first element
            self.facts.stray.setdefault(self.open_st, tag)


@lru_cache(maxsize=16)
def _heads(delimiters: Delimiters) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The start of a segment `_Scan.segment` notices, at a segment's start and after a
    terminator and its white space: ST, SE and CLM followed by an element separator, GS, GE
    and IEA as the whole first element (group 1: the id)."""
    e, t = re.escape(delimiters.element), re.escape(delimiters.segment)
    head = f"((?:ST|SE|CLM)(?={e})|(?:GS|GE|IEA)(?={e}|{t}))"
    return re.compile(head), re.compile(f"{t}[ \\t\\r\\n]*{head}")


def scan_trailers(path: Path) -> Trailers:
    """Raises NotX12Error where the main pass would (tokens.iter_segments), before it starts."""
    scan = _Scan()
    with path.open("rb") as stream:
        for piece in iter_segment_runs(stream):
            if isinstance(piece, RawSegment):
                scan.facts.segments += 1
                scan.segment(piece.number, piece.text, piece.delimiters.element)
            else:
                scan.run(piece)
    return scan.facts
