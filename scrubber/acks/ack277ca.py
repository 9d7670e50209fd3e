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

This module writes it; what it acknowledges is collected from the run's claim outcomes by
collect277.py, and the status codes are data (status_codes.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TextIO

from scrubber.acks.collect277 import (
    Ack277Sink,
    ClaimRecord,
    Collected,
    InterchangeOutline,
    Totals,
    TransactionOutline,
)
from scrubber.acks.segments import SegmentWriter, amount, clean_value, free_text, open_reply
from scrubber.acks.status_codes import (
    ClaimStatus,
    StatusCodes,
    StatusCodesError,
    load_status_codes,
)

VERSION_277CA = "005010X214"

__all__ = [
    "Ack277Sink",
    "ClaimStatus",
    "Collected",
    "StatusCodes",
    "StatusCodesError",
    "load_status_codes",
    "write_277ca",
]


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
