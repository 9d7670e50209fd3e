"""The reader's events: envelope boundaries, billing providers, subscriber blocks, unread claims
and structural problems (neutral facts, rendered as findings by the pipeline)."""

from __future__ import annotations

from dataclasses import dataclass

from scrubber.model import BillingProvider, Segment, SubscriberBlock, TransactionHeader


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
