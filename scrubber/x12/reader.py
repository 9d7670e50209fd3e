"""Read an 837P file as a stream of envelope events and subscriber blocks.

Memory holds one 2000B block (a subscriber and its claims) at a time, never the whole file.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scrubber.model import (
    BillingProvider,
    Claim,
    Patient,
    Segment,
    SubscriberBlock,
    TransactionHeader,
)
from scrubber.x12.loops import block_loop, claim_loop
from scrubber.x12.tokens import NotX12Error, ReadNotes, iter_segments

PROFESSIONAL_VERSIONS = ("005010X222A1", "005010X222A2", "005010X222")
# read with the X222A1 rules; the report says so
RELABELLED_VERSIONS = ("005010X222A2", "005010X222")
KNOWN_VERSIONS = {  # by version prefix
    "005010X223": "an 837 institutional (837I) claim file",
    "005010X224": "an 837 dental (837D) claim file",
    "004010X098": "an 837 professional claim file in the retired 4010 version",
    "004010X096": "an 837 institutional claim file in the retired 4010 version",
    "004010X097": "an 837 dental claim file in the retired 4010 version",
    "005010X221": "an 835 payment/remittance advice",
    "005010X231": "a 999 acknowledgment",
    "005010X279": "a 270/271 eligibility transaction",
    "005010X212": "a 276/277 claim status transaction",
    "005010X214": "a 277CA claim acknowledgment",
}
TRANSACTION_NAMES = {
    "835": "an 835 payment/remittance advice",
    "999": "a 999 acknowledgment",
    "997": "a 997 acknowledgment",
    "270": "a 270 eligibility inquiry",
    "271": "a 271 eligibility response",
    "276": "a 276 claim status inquiry",
    "277": "a 277 claim status response",
    "834": "an 834 enrollment file",
}


@dataclass(slots=True)
class Problem:
    """Something the reader found in the structure, for the engine to report under an edit id."""

    edit: str
    message: str
    segment: Segment | None = None
    severity: str | None = None  # when the edit's severity depends on the case (HL001)


@dataclass(slots=True)
class InterchangeStart:
    isa: Segment


@dataclass(slots=True)
class GroupStart:
    gs: Segment


@dataclass(slots=True)
class TransactionStart:
    header: TransactionHeader
    rejected: Problem | None = None  # ENV002 or ENV005: nothing of it goes to the outputs as clean


@dataclass(slots=True)
class ProviderStart:
    provider: BillingProvider


@dataclass(slots=True)
class TransactionEnd:
    header: TransactionHeader
    se: Segment | None


@dataclass(slots=True)
class GroupEnd:
    ge: Segment | None


@dataclass(slots=True)
class InterchangeEnd:
    iea: Segment | None


@dataclass(slots=True)
class UnreadClaim:
    """A CLM the reader could not place in an 837P transaction (in a rejected transaction, or
    outside any ST..SE): it is counted as rejected, never dropped."""

    clm: Segment


Event = (
    InterchangeStart
    | GroupStart
    | TransactionStart
    | ProviderStart
    | SubscriberBlock
    | TransactionEnd
    | GroupEnd
    | InterchangeEnd
    | UnreadClaim
    | Problem
)


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


def _names_another_transaction(st01: str, st03: str) -> bool:
    """ST01/ST03 that clearly name a transaction other than an 837P (a garbled value does not)."""
    if st01 in TRANSACTION_NAMES:
        return True
    return any(st03.startswith(prefix) for prefix in KNOWN_VERSIONS)


def describe_version(st01: str, version: str, gs01: str) -> str:
    if st01 != "837":
        return TRANSACTION_NAMES.get(st01, f"an X12 {st01 or 'unknown'} transaction")
    for prefix, what in KNOWN_VERSIONS.items():
        if version.startswith(prefix):
            return what
    if version.startswith("004010"):
        return "an 837 in the retired 4010 version"
    return f"an 837 with version label {version or '(none)'}"


class Reader:
    """Turns segments into events. Iterate over `events()` once."""

    def __init__(self, path: Path, trailers: Trailers | None = None) -> None:
        self.path = path
        self.notes = ReadNotes()
        self.trailers = trailers if trailers is not None else scan_trailers(path)
        self.segment_count = 0

    def _segments(self) -> Iterator[Segment]:
        with self.path.open("rb") as stream:
            for raw in iter_segments(stream, self.notes):
                self.segment_count = raw.number
                yield Segment.parse(raw.text, raw.suffix, raw.number, raw.delimiters)

    def events(self) -> Iterator[Event]:
        """Raises NotX12Error for input that is not X12 at all."""
        isa: Segment | None = None
        gs: Segment | None = None
        it = self._segments()
        pending: Segment | None = None
        while True:
            segment = pending if pending is not None else next(it, None)
            pending = None
            if segment is None:
                if gs is not None:
                    yield Problem(
                        "ENV005", "The functional group has no GE trailer: the file is cut off."
                    )
                    yield GroupEnd(None)
                if isa is not None:
                    yield Problem(
                        "ENV005", "The interchange has no IEA trailer: the file is cut off."
                    )
                    yield InterchangeEnd(None)
                return
            sid = segment.id
            if sid == "ISA":
                if gs is not None:
                    yield Problem("ENV005", "A functional group has no GE trailer.", segment)
                    yield GroupEnd(None)
                    gs = None
                if isa is not None:
                    yield Problem("ENV005", "An interchange has no IEA trailer.", segment)
                    yield InterchangeEnd(None)
                isa = segment
                segment.loop = "ISA"
                yield InterchangeStart(segment)
            elif sid == "GS":
                if isa is None:
                    raise NotX12Error("a GS segment comes before any ISA", segment.number)
                gs = segment
                segment.loop = "GS"
                yield GroupStart(segment)
            elif sid == "ST":
                if isa is None or gs is None:
                    yield Problem(
                        "ENV005",
                        "A transaction (ST) stands outside a functional group (GS); "
                        "it was not read.",
                        segment,
                    )
                    pending = yield from self._skip_transaction(it)
                    continue
                pending = yield from self._transaction(segment, isa, gs, it)
            elif sid == "GE":
                segment.loop = "GE"
                yield GroupEnd(segment)
                gs = None
            elif sid == "IEA":
                segment.loop = "IEA"
                if gs is not None:
                    yield Problem("ENV005", "A functional group has no GE trailer.", segment)
                    yield GroupEnd(None)
                    gs = None
                yield InterchangeEnd(segment)
                isa = None
            elif sid == "TA1":
                continue
            else:
                pending = yield from self._outside(segment, it)

    def _skip_transaction(self, it: Iterator[Segment]) -> Generator[Event, None, Segment | None]:
        """Pass over a transaction that is not read, yielding its claims as unread; returns the
        envelope segment that ended it early (for the caller), or None after its SE."""
        for segment in it:
            if segment.id == "SE":
                return None
            if segment.id in ("GE", "IEA", "ISA", "GS"):
                return segment
            if segment.id == "CLM":
                yield UnreadClaim(segment)
        return None

    def _outside(
        self, first: Segment, it: Iterator[Segment]
    ) -> Generator[Event, None, Segment | None]:
        """A run of segments outside any transaction: one problem for the run, its claims
        unread; returns the envelope segment that ended the run."""
        count, claims = 0, 0
        segment: Segment | None = first
        while segment is not None and segment.id not in ("ISA", "GS", "ST", "GE", "IEA", "TA1"):
            count += 1
            if segment.id == "CLM":
                claims += 1
                yield UnreadClaim(segment)
            segment = next(it, None)
        yield Problem(
            "ENV005",
            f"{count} segment(s) from segment {first.number} ({first.id or '(empty)'}) on stand "
            "outside any transaction (ST..SE) and were not read"
            + (f"; the {claims} claim(s) among them are counted as rejected." if claims else "."),
            first,
        )
        return segment

    def _transaction(
        self, st: Segment, isa: Segment, gs: Segment, it: Iterator[Segment]
    ) -> Generator[Event, None, Segment | None]:
        """Events of one transaction; returns an envelope segment that ended it early, if any."""
        labels = (st.get(3), gs.get(8))
        professional = [v for v in labels if v in PROFESSIONAL_VERSIONS]
        if _names_another_transaction(st.get(1), labels[0]):
            professional = []  # ST says what the transaction is; GS08 only labels the group
        version = professional[0] if professional else (labels[0] or labels[1])
        st.loop = "ST"
        header = TransactionHeader(isa=isa, gs=gs, segments=[st], version=version)
        rejected: Problem | None = None
        if not professional:
            what = describe_version(st.get(1), version, gs.get(1))
            remedy = (
                "The 4010 version was retired in 2012: export the claims again as 005010X222A1."
                if version.startswith("004010")
                else "scrub837 checks professional claims only; send this file to the tool "
                "meant for it."
            )
            rejected = Problem(
                "ENV002",
                f"Transaction {st.get(2)} is {what}, not a 5010 professional claim "
                f"(005010X222A1). {remedy}",
                st,
            )
            yield TransactionStart(header, rejected)
            stop = yield from self._skip_transaction(it)
            yield TransactionEnd(header, None)
            return stop
        closed = st.number in self.trailers.transactions_closed
        if not closed:
            rejected = Problem(
                "ENV005",
                f"Transaction {st.get(2)} has no SE trailer: the file is cut off and claims may "
                "be missing. Its claims are held; ask the sender for the whole file.",
                st,
            )
        elif len(set(labels)) > 1 or gs.get(1) != "HC" or st.get(1) != "837":
            # one label says 837P, the other something else: read it, but hold its claims
            rejected = Problem(
                "IG002",
                f"Transaction {st.get(2)}: ST01 {st.get(1)!r}, ST03 {labels[0]!r}, GS01 "
                f"{gs.get(1)!r} and GS08 {labels[1]!r} do not all say 837 professional "
                "(837, 005010X222A1, HC), so its claims are held.",
                st,
            )
        elif st.number in self.trailers.stray:
            rejected = Problem(
                "IG002",
                f"A {self.trailers.stray[st.number]} segment stands inside transaction "
                f"{st.get(2)} (between ST and SE): its envelope is broken, so its claims are "
                "held. The stray segment is left out of the outputs.",
                st,
            )
        # an envelope segment inside a transaction that has its SE further on is a stray one:
        # skipped, so that the claims after it are still read
        self._skip_envelope = closed
        # header segments up to the first HL
        segment: Segment | None = None
        loop = "header"
        for segment in it:
            if closed and segment.id in ENVELOPE_IDS:
                continue
            if segment.id in ("HL", "SE", "GE", "IEA", "ISA", "GS", "ST", "CLM"):
                break
            if segment.id == "NM1":
                loop = {"41": "1000A", "40": "1000B"}.get(segment.get(1), loop)
            segment.loop = loop if loop != "header" else "HEADER"
            header.segments.append(segment)
        else:
            segment = None
        yield TransactionStart(header, rejected)
        yield from self._tree(header, segment, it)
        end = self._last_end
        if end is not None and end.id == "SE":
            end.loop = "SE"
            yield TransactionEnd(header, end)
            return None
        yield TransactionEnd(header, None)
        return end

    _last_end: Segment | None = None
    _skip_envelope = False

    def _tree(
        self, header: TransactionHeader, first: Segment | None, it: Iterator[Segment]
    ) -> Iterator[Event]:
        """The HL tree: billing providers, subscriber blocks with claims. Sets _last_end."""
        tree = _TreeState(header)
        segment = first
        while segment is not None:
            sid = segment.id
            if self._skip_envelope and sid in ENVELOPE_IDS:
                segment = next(it, None)
                continue
            if sid in ("SE", "GE", "IEA", "ISA", "GS", "ST"):
                break
            if sid == "HL":
                if segment.get(3) != "23":
                    yield from tree.flush()
                yield from tree.open_level(segment)
            elif sid == "CLM":
                yield from tree.open_claim(segment)
            else:
                tree.add(segment)
            segment = next(it, None)
        yield from tree.flush()
        yield from tree.numbering_problems()
        self._last_end = segment


class _TreeState:
    """Builds blocks from HL segments, noticing an inconsistent tree (HL001)."""

    def __init__(self, header: TransactionHeader) -> None:
        self.header = header
        self.provider: BillingProvider | None = None
        self.block: SubscriberBlock | None = None
        self.patient: Patient | None = None
        self.claim: Claim | None = None
        self.level = ""  # loop of the current block segments
        self.loop = ""
        self.seen_ids: dict[str, str] = {}  # HL01 -> level code
        self.expected_id = 1
        self.numbering: list[Problem] = []

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
                Problem(
                    "HL001",
                    f"HL01 is {hl_id!r} where {self.expected_id} was expected; "
                    "the outputs are renumbered.",
                    hl,
                    "info",
                )
            )
        self.expected_id += 1
        if code == "20":
            hl.loop = "2000A"
            self.level = self.loop = "2000A"
            if parent:
                self.numbering.append(
                    Problem(
                        "HL001",
                        "HL02 of a billing provider (2000A) must be empty; the outputs drop it.",
                        hl,
                        "info",
                    )
                )
            self.provider = BillingProvider([hl], hl_id)
            yield ProviderStart(self.provider)
        elif code == "22":
            hl.loop = "2000B"
            self.level = self.loop = "2000B"
            problem = self._check_parent(hl, self.provider.hl_id if self.provider else None, "20")
            if self.provider is None:
                problem = Problem(
                    "HL001",
                    "A subscriber (HL*22) comes before any billing provider "
                    "(HL*20): the claims under it cannot be placed.",
                    hl,
                    "error",
                )
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
                self._attach(
                    Problem(
                        "HL001",
                        "A patient (HL*23) comes before any subscriber "
                        "(HL*22): the claims under it cannot be placed.",
                        hl,
                        "error",
                    )
                )
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
            self._attach(
                Problem(
                    "HL001",
                    f"HL03 level code {code!r} is not one an 837P uses "
                    "(20, 22, 23): the claims under it cannot be placed.",
                    hl,
                    "error",
                )
            )
        expected_child = None
        if code == "20":
            expected_child = "1"
        elif code == "23":
            expected_child = "0"
        if expected_child and child != expected_child:
            self.numbering.append(
                Problem(
                    "HL001",
                    f"HL04 is {child!r} where {expected_child} is "
                    "required; the outputs are corrected.",
                    hl,
                    "info",
                )
            )
        self.seen_ids[hl_id] = code

    def _check_parent(self, hl: Segment, positional: str | None, level: str) -> Problem | None:
        parent = hl.get(2)
        if positional is None or parent == positional:
            return None
        if parent in self.seen_ids and self.seen_ids[parent] == level:
            # names another real parent than the one it stands under: which is meant is unclear
            return Problem(
                "HL001",
                f"HL02 names HL {parent}, but the segment stands under HL "
                f"{positional}: the tree is ambiguous.",
                hl,
                "error",
            )
        self.numbering.append(
            Problem(
                "HL001",
                f"HL02 is {parent!r} where {positional} was expected; the outputs are renumbered.",
                hl,
                "info",
            )
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
            self._attach(
                Problem(
                    "HL001",
                    "A claim (CLM) stands outside any subscriber (HL*22): it cannot be placed.",
                    clm,
                    "error",
                )
            )
        assert self.block is not None and self.provider is not None
        clm.loop = self.loop = "2300"
        self.claim = Claim([clm], self.header, self.provider, self.block, self.patient)
        self.block.items.append(self.claim)
        return iter(())

    def add(self, segment: Segment) -> None:
        sid = segment.id
        if self.claim is not None:
            self.loop = claim_loop(sid, segment.get(1), self.loop)
            segment.loop = self.loop
            self.claim.segments.append(segment)
        elif self.patient is not None:
            self.loop = block_loop(sid, segment.get(1), "2000C", self.loop)
            segment.loop = self.loop
            self.patient.segments.append(segment)
        elif self.block is not None:
            self.loop = block_loop(sid, segment.get(1), "2000B", self.loop)
            segment.loop = self.loop
            self.block.segments.append(segment)
        elif self.provider is not None:
            self.loop = block_loop(sid, segment.get(1), "2000A", self.loop)
            segment.loop = self.loop
            self.provider.segments.append(segment)
        else:
            segment.loop = "HEADER"
            self.header.segments.append(segment)

    def numbering_problems(self) -> Iterator[Problem]:
        """The first numbering problem of each kind, with a count of the rest: a file numbered
        wrongly throughout says so once, not once per HL."""
        by_kind: dict[str, list[Problem]] = {}
        for problem in self.numbering:
            by_kind.setdefault(problem.message[:4], []).append(problem)  # "HL01", "HL02"...
        for problems in by_kind.values():
            first = problems[0]
            if len(problems) > 1:
                first.message += f" ({len(problems) - 1} more like it in this transaction)"
            yield first
