"""What the 277CA acknowledges, collected from the claim outcomes of the validate run: the
outline (interchange, transaction, billing provider, with counts and charges) and one spooled
record per claim of each transaction the 999 accepted.

Claims stream through a spool file (counts and charges per level must be written before the
claims under them), so memory holds the outline, not the claims.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

from scrubber.acks.scan import FileScan, InterchangeScan
from scrubber.acks.segments import amount
from scrubber.acks.status_codes import StatusCodes
from scrubber.engine import ClaimResult
from scrubber.model import Claim, Segment, TransactionHeader, parse_d8

ZERO = Decimal("0")


@dataclass(slots=True)
class Totals:
    accepted: int = 0
    rejected: int = 0
    accepted_amount: Decimal = ZERO
    rejected_amount: Decimal = ZERO

    def add(self, accepted: bool, charge: Decimal) -> None:
        if accepted:
            self.accepted += 1
            self.accepted_amount += charge
        else:
            self.rejected += 1
            self.rejected_amount += charge

    @property
    def claims(self) -> int:
        return self.accepted + self.rejected

    @property
    def total(self) -> Decimal:
        return self.accepted_amount + self.rejected_amount


@dataclass(slots=True)
class ProviderOutline:
    key: int  # segment number of the 837's billing provider HL
    name: list[str]  # NM1*85 elements 2..9 as written in the 277CA
    totals: Totals = field(default_factory=Totals)


@dataclass(slots=True)
class TransactionOutline:
    st_number: int
    source: list[str]  # 2000A NM1 elements 1..9
    receiver: list[str]  # 2000B NM1 elements 1..9
    batch: str  # 837 BHT03
    providers: list[ProviderOutline] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)


@dataclass(slots=True)
class InterchangeOutline:
    interchange: InterchangeScan
    transactions: list[TransactionOutline] = field(default_factory=list)


@dataclass(slots=True)
class ClaimRecord:
    """One claim's 2000D/2200D, as spooled."""

    claim_id: str
    charge: str  # STC04
    accepted: bool
    statuses: list[list[str]]  # STC01, STC10, STC11 composites
    message: str  # STC12
    patient: list[str]  # NM1*QC elements 3..9
    service: list[str]  # DTP02, DTP03
    clearinghouse_ref: str  # REF*D9


class Collected:
    """The outline and the spool of claim records, from one pass over the 837 and its report."""

    def __init__(self, scan: FileScan) -> None:
        self.outlines: list[InterchangeOutline] = []
        self.counts = Totals()
        self.spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self._scan = scan

    def close(self) -> None:
        self.spool.close()

    def records(self) -> Iterator[ClaimRecord]:
        self.spool.flush()
        self.spool.seek(0)
        for line in self.spool:
            yield ClaimRecord(**json.loads(line))

    def control_numbers_needed(self) -> int:
        return sum(1 + len(o.transactions) for o in self.outlines if o.transactions)


def _first(segments: list[Segment], segment_id: str, qualifier: str) -> Segment | None:
    for segment in segments:
        if segment.id == segment_id and segment.get(1) == qualifier:
            return segment
    return None


def _name(segment: Segment | None, positions: range) -> list[str]:
    if segment is None:
        return ["" for _ in positions]
    return [segment.get(i).strip() for i in positions]


class Ack277Sink:
    """A sink of the validate run (scrubber.api.scrub's `sinks`): each claim's outcome, as the
    run decides it, becomes a 277CA claim record under the outline of its transaction, when
    the 999 accepts that transaction."""

    def __init__(
        self,
        scan: FileScan,
        codes: StatusCodes,
        families: dict[str, str],
        today: date,
    ) -> None:
        self.scan = scan
        self.codes = codes
        self.families = families
        self.today = today
        self.accepted = scan.accepted_transactions()
        self.interchange_of = {t.st_number: i for i, _, t in scan.transactions()}
        self.result = Collected(scan)
        self.transaction: TransactionOutline | None = None

        self._outlines: dict[int, InterchangeOutline] = {}
        self._st: int | None = None

    def claim(self, result: ClaimResult) -> None:
        claim = result.claim
        header = claim.header
        st_number = header.st.number
        if st_number != self._st:  # the first claim of a transaction
            self._st, self.transaction = st_number, None
            interchange = self.interchange_of.get(st_number)
            if st_number in self.accepted and interchange is not None:
                key = id(interchange)
                if key not in self._outlines:
                    self._outlines[key] = InterchangeOutline(interchange)
                    self.result.outlines.append(self._outlines[key])
                self.transaction = self._transaction(header)
                self._outlines[key].transactions.append(self.transaction)
        if self.transaction is not None:
            self._claim(claim, result)

    def commit(self) -> None:
        """The records stay in the spool until the 277CA is written (Collected.close)."""

    def discard(self) -> None:
        self.result.close()

    def _transaction(self, header: TransactionHeader) -> TransactionOutline:
        submitter = _first(header.segments, "NM1", "41")
        receiver = _first(header.segments, "NM1", "40")
        bht = next((s for s in header.segments if s.id == "BHT"), None)
        source_name = receiver.get(3).strip() if receiver else header.gs.get(3).strip()
        source_id = receiver.get(9).strip() if receiver else header.gs.get(3).strip()
        receiver_name = _name(submitter, range(2, 6))
        if not receiver_name[1]:
            receiver_name = ["2", header.gs.get(2).strip(), "", ""]
        receiver_id = submitter.get(9).strip() if submitter else header.gs.get(2).strip()
        return TransactionOutline(
            st_number=header.st.number,
            source=[
                self.codes.source_entity,
                "2",
                source_name or "UNKNOWN",
                "",
                "",
                "",
                "",
                self.codes.source_qualifier,
                source_id or "UNKNOWN",
            ],
            receiver=[
                "41",
                receiver_name[0] if receiver_name[0] in ("1", "2") else "2",
                receiver_name[1] or "UNKNOWN",
                receiver_name[2] if receiver_name[0] == "1" else "",
                receiver_name[3] if receiver_name[0] == "1" else "",
                "",
                "",
                "46",
                receiver_id or "UNKNOWN",
            ],
            batch=(bht.get(3).strip() if bht else "") or header.st.get(2).strip() or "0",
        )

    def _provider(self, claim: Claim) -> ProviderOutline:
        assert self.transaction is not None
        provider = claim.provider
        key = provider.segments[0].number if provider.segments else 0
        providers = self.transaction.providers
        if providers and providers[-1].key == key:
            return providers[-1]
        nm1 = _first(provider.segments, "NM1", "85")
        name = _name(nm1, range(2, 10))  # NM102..NM109
        entity_type = name[0] if name[0] in ("1", "2") else "2"
        qualifier, identifier = name[6], name[7]
        if qualifier not in ("FI", "SV", "XX") or not identifier:
            tax = _first(provider.segments, "REF", "EI")
            if tax is not None and tax.get(2).strip():
                qualifier, identifier = "FI", tax.get(2).strip()
            else:
                qualifier, identifier = "XX", identifier or "UNKNOWN"
        person = entity_type == "1"
        outline = ProviderOutline(
            key=key,
            name=[
                entity_type,
                name[1] or "UNKNOWN",
                name[2] if person else "",
                name[3] if person else "",
                name[4] if person else "",
                name[5] if person else "",
                qualifier,
                identifier,
            ],
        )
        providers.append(outline)
        return outline

    def _claim(self, claim: Claim, result: ClaimResult) -> None:
        assert self.transaction is not None
        provider = self._provider(claim)
        accepted = result.disposition != "held"
        charge = claim.charge if claim.charge is not None else ZERO
        errors = [f for f in result.findings if f.severity == "error"]
        statuses: list[list[str]] = []
        message = ""
        if accepted:
            statuses.append(self.codes.accepted.composite())
        else:
            for finding in errors:
                edit = finding.edit or ""
                status = self.codes.for_edit(edit, self.families.get(edit)).composite()
                if status not in statuses:
                    statuses.append(status)
            if not statuses:
                statuses.append(self.codes.default.composite())
            if errors:
                message = f"{errors[0].edit}: {errors[0].message}"
        record = ClaimRecord(
            claim_id=claim.claim_id,
            charge=amount(charge),
            accepted=accepted,
            statuses=statuses[:3],
            message=message,
            patient=_patient(claim),
            service=_service_dates(claim, self.today),
            clearinghouse_ref=_clearinghouse_ref(claim),
        )
        self.result.spool.write(json.dumps(asdict(record)) + "\n")
        provider.totals.add(accepted, charge)
        self.transaction.totals.add(accepted, charge)
        self.result.counts.add(accepted, charge)


def _patient(claim: Claim) -> list[str]:
    """NM103..NM109 of 2100D: the patient's name and the subscriber's member id."""
    subscriber = claim.subscriber.segments
    own = claim.patient.segments if claim.patient else subscriber
    name = _first(own, "NM1", "QC" if claim.patient else "IL") or _first(own, "NM1", "IL")
    member = _first(subscriber, "NM1", "IL")
    last, first, middle, _prefix, suffix = _name(name, range(3, 8))
    member_id = member.get(9).strip() if member is not None else ""
    return [last or "UNKNOWN", first, middle, "", suffix, "MI", member_id or "UNKNOWN"]


def _service_dates(claim: Claim, today: date) -> list[str]:
    """DTP02/DTP03 of 2200D: the claim's service period from its DTP*472 segments."""
    starts: list[date] = []
    ends: list[date] = []
    for segment in claim.segments:
        if segment.id != "DTP" or segment.get(1) != "472":
            continue
        value = segment.get(3).strip()
        if segment.get(2) == "RD8" and "-" in value:
            first, _, last = value.partition("-")
            start, end = parse_d8(first), parse_d8(last)
        else:
            start = end = parse_d8(value)
        if start is not None and end is not None:
            starts.append(start)
            ends.append(max(start, end))
    if not starts:
        created = claim.header.created or today
        starts, ends = [created], [created]
    start, end = min(starts), max(ends)
    if start == end:
        return ["D8", start.strftime("%Y%m%d")]
    return ["RD8", f"{start:%Y%m%d}-{end:%Y%m%d}"]


def _clearinghouse_ref(claim: Claim) -> str:
    ref = _first(claim.claim_segments, "REF", "D9")
    return ref.get(2).strip() if ref is not None else ""
