"""The reader's events: envelope boundaries, billing providers, subscriber blocks, unread claims
and structural problems (neutral facts, rendered as findings by the pipeline)."""

from __future__ import annotations

from dataclasses import dataclass, field

from scrubber.model import BillingProvider, Segment, SubscriberBlock, TransactionHeader


@dataclass(slots=True)
class Problem:
    """A structural fact for an edit to report: its message is the edit's TOML message `key`
    filled with `values`, its severity the TOML's for that key (or the edit's own)."""

    edit: str
    key: str
    segment: Segment | None = None
    values: dict[str, object] = field(default_factory=dict)
    more: int = 0  # more problems like it in the transaction (said once, with the count)


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
