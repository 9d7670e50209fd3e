"""The HL tree of one transaction: billing providers, subscriber blocks, patients and claims
built from the HL segments, with what is inconsistent about the tree (HL001 problems)."""

from __future__ import annotations

from collections.abc import Iterator

from scrubber.model import (
    BillingProvider,
    Claim,
    Patient,
    Segment,
    SubscriberBlock,
    TransactionHeader,
)
from scrubber.x12.events import Event, Problem, ProviderStart
from scrubber.x12.loops import BLOCK_LOOP_IDS, CLAIM_LOOP_IDS, block_loop, claim_loop


class HlTree:
    """Builds blocks from HL segments, noticing an inconsistent tree (HL001)."""

    def __init__(self, header: TransactionHeader) -> None:
        self.header = header
        self.provider: BillingProvider | None = None
        self.block: SubscriberBlock | None = None
        self.patient: Patient | None = None
        self.claim: Claim | None = None
        self.level = ""  # loop of the current block segments
        self.loop = ""
        self.seen_ids = SeenLevels()  # HL01 -> level code
        self.expected_id = 1
        self.numbering = NumberingProblems()

    def flush(self) -> Iterator[Event]:
        if self.block is not None:
            yield self.block
        self.block = None
        self.patient = None
        self.claim = None

    def open_level(self, hl: Segment) -> Iterator[Event]:
        hl_id, parent, code, child = hl.get(1), hl.get(2), hl.get(3), hl.get(4)
        if hl_id != str(self.expected_id):
            self.numbering.append(
                Problem("HL001", "hl01", hl, {"found": hl_id, "expected": self.expected_id})
            )
        self.expected_id += 1
        if code == "20":
            hl.loop = "2000A"
            self.level = self.loop = "2000A"
            if parent:
                self.numbering.append(Problem("HL001", "provider_parent", hl))
            self.provider = BillingProvider([hl], hl_id)
            yield ProviderStart(self.provider)
        elif code == "22":
            hl.loop = "2000B"
            self.level = self.loop = "2000B"
            problem = self._check_parent(hl, self.provider.hl_id if self.provider else None, "20")
            if self.provider is None:
                problem = Problem("HL001", "subscriber_first", hl)
                self.provider = BillingProvider([], "")
                yield ProviderStart(self.provider)
            self.block = SubscriberBlock([hl], hl_id=hl_id, provider=self.provider)
            if problem:
                self._attach(problem)
        elif code == "23":
            hl.loop = "2000C"
            self.level = self.loop = "2000C"
            if self.block is None:
                self._orphan_block()
                assert self.block is not None
                self._attach(Problem("HL001", "patient_first", hl))
            else:
                problem = self._check_parent(hl, self.block.hl_id, "22")
                if problem:
                    self._attach(problem)
            self.patient = Patient([hl], hl_id)
            self.block.items.append(self.patient)
            self.claim = None
        else:
            hl.loop = "2000?"
            self._orphan_block(hl)
            self._attach(Problem("HL001", "level", hl, {"code": code}))
        expected_child = None
        if code == "20":
            expected_child = "1"
        elif code == "23":
            expected_child = "0"
        if expected_child and child != expected_child:
            self.numbering.append(
                Problem("HL001", "hl04", hl, {"found": child, "expected": expected_child})
            )
        self.seen_ids.set(hl_id, code, self.expected_id - 1)

    def _check_parent(self, hl: Segment, positional: str | None, level: str) -> Problem | None:
        parent = hl.get(2)
        if positional is None or parent == positional:
            return None
        if self.seen_ids.get(parent) == level:
            # names another real parent than the one it stands under: which is meant is unclear
            return Problem("HL001", "ambiguous", hl, {"parent": parent, "under": positional})
        self.numbering.append(
            Problem("HL001", "hl02", hl, {"found": parent, "expected": positional})
        )
        return None

    def _orphan_block(self, hl: Segment | None = None) -> None:
        if self.provider is None:
            self.provider = BillingProvider([], "")
        self.block = SubscriberBlock(
            [hl] if hl else [], hl_id=hl.get(1) if hl else "", provider=self.provider
        )
        self.level = self.loop = "2000B"

    def _attach(self, problem: Problem) -> None:
        assert self.block is not None
        self.block_problems.append(problem)

    @property
    def block_problems(self) -> list[Problem]:
        assert self.block is not None
        return self.block.problems

    def open_claim(self, clm: Segment) -> Iterator[Event]:
        if self.block is None:
            self._orphan_block()
            self._attach(Problem("HL001", "claim_outside", clm))
        assert self.block is not None and self.provider is not None
        clm.loop = self.loop = "2300"
        self.claim = Claim([clm], self.header, self.provider, self.block, self.patient)
        self.block.items.append(self.claim)
        return iter(())

    def add(self, segment: Segment) -> None:
        sid = segment.id
        if self.claim is not None:
            if sid in CLAIM_LOOP_IDS:
                self.loop = claim_loop(sid, segment.get(1), self.loop)
            segment.loop = self.loop
            self.claim.segments.append(segment)
        elif self.patient is not None:
            if sid in BLOCK_LOOP_IDS:
                self.loop = block_loop(sid, segment.get(1), "2000C", self.loop)
            segment.loop = self.loop
            self.patient.segments.append(segment)
        elif self.block is not None:
            if sid in BLOCK_LOOP_IDS:
                self.loop = block_loop(sid, segment.get(1), "2000B", self.loop)
            segment.loop = self.loop
            self.block.segments.append(segment)
        elif self.provider is not None:
            if sid in BLOCK_LOOP_IDS:
                self.loop = block_loop(sid, segment.get(1), "2000A", self.loop)
            segment.loop = self.loop
            self.provider.segments.append(segment)
        else:
            segment.loop = "HEADER"
            self.header.segments.append(segment)

    def numbering_problems(self) -> Iterator[Problem]:
        """The first numbering problem of each kind, with a count of the rest: a file numbered
        wrongly throughout says so once, not once per HL."""
        yield from self.numbering.firsts()


class NumberingProblems:
    """The first numbering problem of each kind and how many more there were: a transaction
    numbered wrongly throughout keeps one problem per kind, not one per HL."""

    def __init__(self) -> None:
        self._first: dict[str, Problem] = {}
        self._more: dict[str, int] = {}

    def append(self, problem: Problem) -> None:
        if problem.key in self._first:
            self._more[problem.key] += 1
        else:
            self._first[problem.key] = problem
            self._more[problem.key] = 0

    def firsts(self) -> Iterator[Problem]:
        for key, first in self._first.items():
            if self._more[key]:
                first.more = self._more[key]
            yield first


class SeenLevels:
    """The level code (HL03) of each HL01 seen so far in a transaction, a later HL with the
    same id replacing the earlier. The HLs numbered 1, 2, 3... as they should be take one byte
    each (a transaction of 100,000 HLs holds 100 KB, not a dict of 100,000 strings); an id out
    of its place is kept in a dict."""

    def __init__(self) -> None:
        self._in_place = bytearray()  # at i: the code (index + 1 in _codes) of HL01 str(i + 1)
        self._codes: list[str] = []
        self._elsewhere: dict[str, str] = {}

    def set(self, hl_id: str, code: str, position: int) -> None:
        """`position`: the HL's place in the transaction (1 for the first)."""
        in_place = hl_id == str(position) and len(self._in_place) == position - 1
        index = self._code_index(code) if in_place else 0
        if in_place and index:
            self._in_place.append(index)
            self._elsewhere.pop(hl_id, None)  # this one is the later
            return
        self._in_place.append(0)
        self._elsewhere[hl_id] = code

    def get(self, hl_id: str) -> str | None:
        found = self._elsewhere.get(hl_id)
        if found is not None:
            return found
        if not (hl_id.isascii() and hl_id.isdigit()) or hl_id.startswith("0"):
            return None  # not a number as the HLs in place are written
        at = int(hl_id) - 1
        if at >= len(self._in_place) or not self._in_place[at]:
            return None
        return self._codes[self._in_place[at] - 1]

    def _code_index(self, code: str) -> int:
        """1 + the code's place in _codes, or 0 when a byte cannot hold it."""
        try:
            return self._codes.index(code) + 1
        except ValueError:
            if len(self._codes) >= 255:
                return 0
            self._codes.append(code)
            return len(self._codes)
