"""Read an 837P file as a stream of envelope events and subscriber blocks.

Memory holds one 2000B block (a subscriber and its claims) at a time, never the whole file.
The envelope pass (envelope.py) runs first; the HL tree of each transaction is built by
hltree.py; the events are in events.py and what a transaction's labels say in versions.py.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from itertools import chain
from pathlib import Path

from scrubber.model import Segment, SubscriberBlock, TransactionHeader
from scrubber.x12.envelope import ENVELOPE_IDS, Trailers, scan_trailers
from scrubber.x12.events import (
    Event,
    GroupEnd,
    GroupStart,
    InterchangeEnd,
    InterchangeStart,
    Problem,
    ProviderStart,
    TransactionEnd,
    TransactionStart,
    UnreadClaim,
)
from scrubber.x12.hltree import HlTree
from scrubber.x12.tokens import NotX12Error, ReadNotes, iter_made
from scrubber.x12.versions import (
    KNOWN_VERSIONS,
    PROFESSIONAL_VERSIONS,
    RELABELLED_VERSIONS,
    TRANSACTION_NAMES,
    _names_another_transaction,
    describe_version,
)

__all__ = [
    "KNOWN_VERSIONS",
    "PROFESSIONAL_VERSIONS",
    "RELABELLED_VERSIONS",
    "TRANSACTION_NAMES",
    "Event",
    "GroupEnd",
    "GroupStart",
    "InterchangeEnd",
    "InterchangeStart",
    "Problem",
    "ProviderStart",
    "Reader",
    "SubscriberBlock",
    "TransactionEnd",
    "TransactionStart",
    "Trailers",
    "UnreadClaim",
    "describe_version",
    "scan_trailers",
]


class Reader:
    """Turns segments into events. Iterate over `events()` once."""

    def __init__(self, path: Path, trailers: Trailers | None = None) -> None:
        self.path = path
        self.notes = ReadNotes()
        self.trailers = trailers if trailers is not None else scan_trailers(path)
        self.segment_count = 0  # segments read when the last subscriber block was handed over

    def events(self) -> Iterator[Event]:
        """Raises NotX12Error for input that is not X12 at all."""
        with self.path.open("rb") as stream:
            yield from self._events(iter_made(stream, self.notes, Segment.parse))

    def _events(self, it: Iterator[Segment]) -> Iterator[Event]:
        isa: Segment | None = None
        gs: Segment | None = None
        pending: Segment | None = None
        while True:
            segment = pending if pending is not None else next(it, None)
            pending = None
            if segment is None:
                if gs is not None:
                    yield Problem("ENV005", "group_cut")
                    yield GroupEnd(None)
                if isa is not None:
                    yield Problem("ENV005", "interchange_cut")
                    yield InterchangeEnd(None)
                return
            sid = segment.id
            if sid == "ISA":
                if gs is not None:
                    yield Problem("ENV005", "group_open", segment)
                    yield GroupEnd(None)
                    gs = None
                if isa is not None:
                    yield Problem("ENV005", "interchange_open", segment)
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
                    yield Problem("ENV005", "st_outside_group", segment)
                    pending = yield from self._skip_transaction(it)
                    continue
                pending = yield from self._transaction(segment, isa, gs, it)
            elif sid in ("GE", "IEA") and (gs if sid == "GE" else isa) is None:
                # a trailer with nothing open to close (doubled, or after its IEA): stray
                pending = yield from self._outside(segment, it)
            elif sid == "GE":
                segment.loop = "GE"
                yield GroupEnd(segment)
                gs = None
            elif sid == "IEA":
                segment.loop = "IEA"
                if gs is not None:
                    yield Problem("ENV005", "group_open", segment)
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
        while segment is not None and (
            count == 0 or segment.id not in ("ISA", "GS", "ST", "GE", "IEA", "TA1")
        ):
            count += 1
            if segment.id == "CLM":
                claims += 1
                yield UnreadClaim(segment)
            segment = next(it, None)
        yield Problem(
            "ENV005",
            "outside_claims" if claims else "outside",
            first,
            {"count": count, "number": first.number, "id": first.id or "(empty)", "claims": claims},
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
            remedy = "retired" if version.startswith("004010") else "other"
            rejected = Problem("ENV002", remedy, st, {"control": st.get(2), "what": what})
            yield TransactionStart(header, rejected)
            stop = yield from self._skip_transaction(it)
            yield TransactionEnd(header, None)
            return stop
        closed = st.number in self.trailers.transactions_closed
        if not closed:
            rejected = Problem("ENV005", "no_se", st, {"control": st.get(2)})
        elif len(set(labels)) > 1 or gs.get(1) != "HC" or st.get(1) != "837":
            # one label says 837P, the other something else: read it, but hold its claims
            values: dict[str, object] = {"control": st.get(2), "st01": st.get(1), "st03": labels[0]}
            values |= {"gs01": gs.get(1), "gs08": labels[1]}
            rejected = Problem("IG002", "labels", st, values)
        elif st.number in self.trailers.stray:
            stray = self.trailers.stray[st.number]
            rejected = Problem("IG002", "stray", st, {"control": st.get(2), "stray": stray})
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
        tree = HlTree(header)
        end: Segment | None = None
        if first is not None:
            skip_envelope = self._skip_envelope
            add = tree.add
            segment = first
            for segment in chain((first,), it):
                sid = segment.id
                if sid not in _TREE_IDS:  # the bulk: a segment of the level or claim in hand
                    add(segment)
                elif skip_envelope and sid in ENVELOPE_IDS:
                    continue
                elif sid == "HL":
                    if segment.get(3) != "23":
                        self.segment_count = segment.number  # (the last read)
                        yield from tree.flush()
                    yield from tree.open_level(segment)
                elif sid == "CLM":
                    yield from tree.open_claim(segment)
                else:  # SE, or an envelope segment that ends the transaction early
                    end = segment
                    break
            self.segment_count = segment.number
        yield from tree.flush()
        yield from tree.numbering_problems()
        self._last_end = end


# the segments the HL tree does more with than add to the level or claim in hand
_TREE_IDS = frozenset({"HL", "CLM", "SE", "GE", "IEA", "ISA", "GS", "ST"})
