"""The 277CA claim acknowledgment (005010X214): one claim status per claim of each transaction
the 999 accepted.

Per accepted 837 transaction, one ST*277:
  2000A information source (the 837's receiver, 1000B) with TRN and receipt/process dates,
  2000B information receiver (the 837's submitter, 1000A) with TRN = the 837's BHT03, a receipt
        STC and the accepted/rejected claim counts and charges (QTY 90/AA, AMT YU/YY),
  2000C one per billing provider (2000A of the 837) with its own STC, QTY QA/QC and AMT YU/YY,
  2000D one per claim: the patient (NM1*QC with the subscriber's member id) and 2200D with
        TRN02 = CLM01, STC accepted (WQ) or rejected (U) with the status codes of the edit
        families that held it (edits/acks/ack_status_codes.toml), REF*D9 when the claim has one,
        and DTP*472 the claim's service dates.

Claims stream through a spool file (counts and charges per level must be written before the
claims under them), so memory holds the outline, not the claims.
"""

from __future__ import annotations

import json
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from scrubber.acks.scan import FileScan, InterchangeScan
from scrubber.acks.segments import (
    SegmentWriter,
    amount,
    clean_value,
    free_text,
    open_reply,
)
from scrubber.catalogue import data_dir
from scrubber.model import Claim, Segment, TransactionHeader, parse_d8
from scrubber.x12 import reader as rd
from scrubber.x12.tokens import NotX12Error

VERSION_277CA = "005010X214"
STATUS_FILE = ("acks", "ack_status_codes.toml")
ZERO = Decimal("0")


# --------------------------------------------------------------------------------------------
# Status codes (data)


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    category: str  # STC01-1
    status: str  # STC01-2
    entity: str = ""  # STC01-3

    def composite(self) -> list[str]:
        return [self.category, self.status, self.entity]


@dataclass(frozen=True, slots=True)
class StatusCodes:
    accepted: ClaimStatus
    receipt: ClaimStatus
    default: ClaimStatus
    families: dict[str, ClaimStatus]
    edits: dict[str, ClaimStatus]
    source_entity: str  # 2000A NM101: AY or PR
    source_qualifier: str  # 2000A NM108
    source: str

    def for_edit(self, edit: str, family: str | None) -> ClaimStatus:
        if edit in self.edits:
            return self.edits[edit]
        if family is not None and family in self.families:
            return self.families[family]
        return self.default


class StatusCodesError(Exception):
    """edits/acks/ack_status_codes.toml is missing or malformed."""


def _status(data: Any, where: str) -> ClaimStatus:
    if not isinstance(data, dict) or not data.get("category") or not data.get("status"):
        raise StatusCodesError(f"ack_status_codes.toml: {where} needs a category and a status")
    return ClaimStatus(str(data["category"]), str(data["status"]), str(data.get("entity", "")))


def load_status_codes(path: Path | None = None) -> StatusCodes:
    path = path or data_dir("edits").joinpath(*STATUS_FILE)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise StatusCodesError(f"cannot read {path}: {error}") from error
    source = data.get("information_source", {})
    return StatusCodes(
        accepted=_status(data.get("accepted"), "[accepted]"),
        receipt=_status(data.get("receipt"), "[receipt]"),
        default=_status(data.get("default"), "[default]"),
        families={k: _status(v, f"[families.{k}]") for k, v in data.get("families", {}).items()},
        edits={k: _status(v, f"[edits.{k}]") for k, v in data.get("edits", {}).items()},
        source_entity=str(source.get("entity", "AY")),
        source_qualifier=str(source.get("qualifier", "46")),
        source=str(data.get("source", "")).strip(),
    )


# --------------------------------------------------------------------------------------------
# The outline: what the claims are acknowledged under


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


# --------------------------------------------------------------------------------------------
# Collecting the claims


def iter_report_claims(report_path: Path) -> Iterator[dict[str, Any]]:
    """The claim entries of a JSON report, in file order, one at a time. The report writer puts
    one claim per line; a report laid out otherwise is read whole."""
    yielded = 0
    with report_path.open(encoding="utf-8") as stream:
        in_claims = False
        for line in stream:
            stripped = line.strip()
            if not in_claims:
                if stripped in ('"claims": []', '"claims": [],'):
                    return
                in_claims = stripped == '"claims": ['
                continue
            if stripped.startswith("]"):
                return
            try:
                entry = json.loads(stripped.rstrip(",")) if stripped.startswith("{") else None
            except json.JSONDecodeError:
                entry = None
            if not isinstance(entry, dict):
                break  # not one claim per line: read the report whole
            yield entry
            yielded += 1
        else:
            if in_claims:
                return
    report = json.loads(report_path.read_text(encoding="utf-8"))
    yield from report.get("claims", [])[yielded:]


def _first(segments: list[Segment], segment_id: str, qualifier: str) -> Segment | None:
    for segment in segments:
        if segment.id == segment_id and segment.get(1) == qualifier:
            return segment
    return None


def _name(segment: Segment | None, positions: range) -> list[str]:
    if segment is None:
        return ["" for _ in positions]
    return [segment.get(i).strip() for i in positions]


class _Collector:
    def __init__(
        self,
        path: Path,
        report_path: Path,
        scan: FileScan,
        codes: StatusCodes,
        families: dict[str, str],
        today: date,
    ) -> None:
        self.path = path
        self.report_path = report_path
        self.scan = scan
        self.codes = codes
        self.families = families
        self.today = today
        self.accepted = scan.accepted_transactions()
        self.interchange_of = {t.st_number: i for i, _, t in scan.transactions()}
        self.result = Collected(scan)
        self.transaction: TransactionOutline | None = None

    def run(self) -> Collected:
        entries = iter_report_claims(self.report_path)
        outlines: dict[int, InterchangeOutline] = {}
        try:
            for event in rd.Reader(self.path).events():
                if isinstance(event, rd.TransactionStart):
                    self.transaction = None
                    st_number = event.header.st.number
                    interchange = self.interchange_of.get(st_number)
                    if st_number in self.accepted and interchange is not None:
                        key = id(interchange)
                        if key not in outlines:
                            outlines[key] = InterchangeOutline(interchange)
                            self.result.outlines.append(outlines[key])
                        self.transaction = self._transaction(event.header)
                        outlines[key].transactions.append(self.transaction)
                elif isinstance(event, rd.SubscriberBlock):
                    for claim in event.claims():
                        entry = next(entries, None)
                        if entry is None or entry.get("claim_id") != claim.claim_id:
                            raise RuntimeError(
                                "the report's claims do not line up with the file's claims"
                            )
                        if self.transaction is not None:
                            self._claim(claim, entry)
        except NotX12Error:
            pass  # the scan found the same problem; nothing after it is acknowledged
        return self.result

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

    def _claim(self, claim: Claim, entry: dict[str, Any]) -> None:
        assert self.transaction is not None
        provider = self._provider(claim)
        accepted = entry.get("disposition") != "held"
        charge = claim.charge if claim.charge is not None else ZERO
        errors = [f for f in entry.get("findings", []) if f.get("severity") == "error"]
        statuses: list[list[str]] = []
        message = ""
        if accepted:
            statuses.append(self.codes.accepted.composite())
        else:
            for finding in errors:
                edit = str(finding.get("edit", ""))
                status = self.codes.for_edit(edit, self.families.get(edit)).composite()
                if status not in statuses:
                    statuses.append(status)
            if not statuses:
                statuses.append(self.codes.default.composite())
            if errors:
                message = f"{errors[0].get('edit', '')}: {errors[0].get('message', '')}"
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


def collect(
    path: Path,
    report_path: Path,
    scan: FileScan,
    codes: StatusCodes,
    families: dict[str, str],
    today: date,
) -> Collected:
    """One pass over the 837 (the reader) and its JSON report (the dispositions and findings):
    the 277CA outline and the claim records of every transaction the scan accepted."""
    collector = _Collector(path, report_path, scan, codes, families, today)
    try:
        return collector.run()
    except BaseException:
        collector.result.close()
        raise


# --------------------------------------------------------------------------------------------
# Writing


def write_277ca(
    out: TextIO,
    collected: Collected,
    codes: StatusCodes,
    numbers: Iterator[int],
    now: datetime,
) -> int:
    """Write one 277CA interchange per received interchange with accepted transactions; return
    how many interchanges were written."""
    records = collected.records()
    written = 0
    for outline in collected.outlines:
        if not outline.transactions:
            continue
        _interchange(out, outline, records, codes, numbers, now)
        written += 1
    return written


def _interchange(
    out: TextIO,
    outline: InterchangeOutline,
    records: Iterator[ClaimRecord],
    codes: StatusCodes,
    numbers: Iterator[int],
    now: datetime,
) -> None:
    interchange = outline.interchange
    control = next(numbers)
    w = open_reply(out, interchange, control, now, "HN", VERSION_277CA)
    for transaction in outline.transactions:
        _transaction(w, transaction, records, codes, next(numbers), now)
    w.write("GE", str(len(outline.transactions)), str(control))
    w.write("IEA", "1", f"{control:09d}")


def _transaction(
    w: SegmentWriter,
    transaction: TransactionOutline,
    records: Iterator[ClaimRecord],
    codes: StatusCodes,
    st_control: int,
    now: datetime,
) -> None:
    d = w.delimiters
    today = now.strftime("%Y%m%d")
    st02 = f"{st_control:04d}"
    w.reset_count()
    w.write("ST", "277", st02, VERSION_277CA)
    w.write("BHT", "0085", "08", st02, today, now.strftime("%H%M"), "TH")
    # 2000A information source
    w.write("HL", "1", "", "20", "1")
    w.write("NM1", *[clean_value(v, d, 60) for v in transaction.source])
    w.write("TRN", "1", st02)
    w.write("DTP", "050", "D8", today)
    w.write("DTP", "009", "D8", today)
    # 2000B information receiver
    totals = transaction.totals
    w.write("HL", "2", "1", "21", "1" if transaction.providers else "0")
    w.write("NM1", *[clean_value(v, d, 60) for v in transaction.receiver])
    w.write("TRN", "2", clean_value(transaction.batch, d, 50) or "0")
    receipt = codes.receipt
    entity = receipt.entity or codes.source_entity
    w.write(
        "STC",
        [receipt.category, receipt.status, entity],
        today,
        "WQ" if totals.accepted else "U",
        amount(totals.total),
    )
    _counts(w, totals, ("90", "AA"))
    hl = 2
    for provider in transaction.providers:
        hl += 1
        provider_hl = hl
        w.write("HL", str(provider_hl), "2", "19", "1")
        w.write("NM1", "85", *[clean_value(v, d, 60) for v in provider.name])
        w.write("TRN", "1", "0")
        w.write(
            "STC",
            [receipt.category, receipt.status, receipt.entity or codes.source_entity],
            "",
            "WQ" if provider.totals.accepted else "U",
            amount(provider.totals.total),
        )
        _counts(w, provider.totals, ("QA", "QC"))
        for _ in range(provider.totals.claims):
            record = next(records)
            hl += 1
            _claim(w, record, str(hl), str(provider_hl), today)
    w.write("SE", str(w.count + 1), st02)


def _counts(w: SegmentWriter, totals: Totals, qualifiers: tuple[str, str]) -> None:
    """QTY (accepted, rejected) and AMT YU / YY, each sent only when its count is not zero."""
    if totals.accepted:
        w.write("QTY", qualifiers[0], str(totals.accepted))
    if totals.rejected:
        w.write("QTY", qualifiers[1], str(totals.rejected))
    if totals.accepted:
        w.write("AMT", "YU", amount(totals.accepted_amount))
    if totals.rejected:
        w.write("AMT", "YY", amount(totals.rejected_amount))


def _claim(w: SegmentWriter, record: ClaimRecord, hl: str, parent: str, today: str) -> None:
    d = w.delimiters
    w.write("HL", hl, parent, "PT")
    w.write("NM1", "QC", "1", *[clean_value(v, d, 60) for v in record.patient])
    w.write("TRN", "2", clean_value(record.claim_id, d, 50) or "0")
    statuses = record.statuses or [["A3", "481", ""]]
    extra = [statuses[i] if i < len(statuses) else "" for i in (1, 2)]
    w.write(
        "STC",
        statuses[0],
        today,
        "WQ" if record.accepted else "U",
        record.charge,
        *([""] * 5),  # STC05..STC09 not used
        extra[0],
        extra[1],
        free_text(record.message, d, 264) if record.message else "",
    )
    if record.clearinghouse_ref:
        ref = clean_value(record.clearinghouse_ref, d, 50)
        if ref:
            w.write("REF", "D9", ref)
    w.write("DTP", "472", *record.service)
