"""The library API of `scrub837 remit`: read 835 files into the claim ledger, matched to the claims
that were sent. A re-read of the same file (or of a payment already read) changes nothing."""

from __future__ import annotations

import contextlib
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from scrubber.api import sha256_of
from scrubber.ledger.store import Ledger, default_ledger_path
from scrubber.remit.model import ZERO, ClaimPayment, Payment
from scrubber.remit.reader import PaymentEnd, PaymentStart, Problem, RemitReader
from scrubber.remit.record import PaymentRecorder
from scrubber.x12.tokens import NotX12Error

MAX_LISTED = 10_000  # unmatched claims kept in the result; all of them are in the ledger


@dataclass(slots=True)
class RemitOptions:
    ledger: Path | bool = True  # True: the default ledger in the data directory
    validate: bool = True  # pyx12's 005010X221A1 map


@dataclass(slots=True)
class PaymentSummary:
    control_number: str
    trace: str
    payer_id: str
    payer_name: str
    amount: Decimal  # BPR02
    claims_paid: Decimal = ZERO  # sum of CLP04
    provider_adjustments: Decimal = ZERO  # sum of PLB amounts
    ties: bool = False  # BPR02 = claims paid - provider adjustments
    claims: int = 0
    matched: int = 0
    recorded: bool = True
    note: str = ""


@dataclass(slots=True)
class RemitResult:
    input: Path
    sha256: str
    status: str  # "read" | "already read" | "rejected"
    payments: list[PaymentSummary] = field(default_factory=list)
    unmatched: list[tuple[str, str, str]] = field(default_factory=list)  # CLP01, CLP03, why
    unmatched_count: int = 0
    problems: list[str] = field(default_factory=list)  # what the reader could not read
    tr3_errors: list[str] = field(default_factory=list)  # what pyx12's 835 map says
    message: str = ""  # why the file was rejected

    @property
    def claims(self) -> int:
        return sum(p.claims for p in self.payments if p.recorded)

    @property
    def matched(self) -> int:
        return sum(p.matched for p in self.payments if p.recorded)

    @property
    def clean(self) -> bool:
        """Everything read, matched and tied."""
        return (
            self.status != "rejected"
            and not self.problems
            and not self.tr3_errors
            and not self.unmatched_count
            and all(p.ties for p in self.payments if p.recorded)
        )


def ledger_path(option: Path | bool) -> Path:
    return default_ledger_path() if option is True else Path(option)  # type: ignore[arg-type]


def remit(path: Path, options: RemitOptions | None = None) -> RemitResult:
    """Read one 835 file into the ledger and say what was in it."""
    options = options or RemitOptions()
    path = Path(path)
    sha = sha256_of(path)
    result = RemitResult(input=path, sha256=sha, status="read")
    if options.ledger is False:
        raise ValueError("remit needs a ledger to record into")
    with Ledger(ledger_path(options.ledger)) as ledger:
        seen = ledger.db.execute("SELECT read_at FROM remit_file WHERE sha256 = ?", (sha,))
        earlier = seen.fetchone()
        if earlier is not None:
            result.status = "already read"
            result.message = f"{path.name} was read on {earlier[0]}; nothing changed"
            return result
        recorder = PaymentRecorder(ledger)
        # pyx12 walks the file in another process while this one reads it
        validation = _start_tr3(path) if options.validate else None
        try:
            _read(path, recorder, result)
        except NotX12Error as error:
            _stop(validation)
            recorder.abandon()
            result.status = "rejected"
            result.message = _not_x12(path, str(error), error.segment_number)
            return result
        except BaseException:
            recorder.abandon()
            if validation is not None:
                validation.cancel()
            raise
        if not result.payments:
            _stop(validation)
            result.status = "rejected"
            result.message = (
                f"{path.name} holds no 835 remittance (005010X221A1) transaction. "
                "Give `scrub837 remit` the 835 files your payers or clearinghouse sent."
            )
            return result
        if validation is not None:
            result.tr3_errors = _finish_tr3(validation)
        ledger.db.execute("BEGIN IMMEDIATE")
        recorder.file_read(sha, path.name)
        ledger.db.execute("COMMIT")
    return result


def _read(path: Path, recorder: PaymentRecorder, result: RemitResult) -> None:
    summary: PaymentSummary | None = None
    current: Payment | None = None
    with path.open("rb") as stream:
        reader = RemitReader(stream)
        for event in reader.events():
            if isinstance(event, ClaimPayment):
                if summary is not None and summary.recorded:
                    assert current is not None
                    recorder.claim(current, event)
            elif isinstance(event, PaymentStart):
                current = payment = event.payment
                summary = PaymentSummary(
                    payment.control_number,
                    payment.trace,
                    payment.payer_id,
                    payment.payer_name,
                    payment.amount,
                )
                if recorder.known(payment):
                    summary.recorded = False
                    summary.note = "this payment was read before (same payer, trace and amount)"
                else:
                    recorder.begin(payment, result.sha256)
                result.payments.append(summary)
            elif isinstance(event, PaymentEnd):
                assert summary is not None
                if summary.recorded and not event.complete:
                    recorder.abandon()
                    summary.recorded = False
                    summary.note = "cut off (no SE): not recorded"
                elif summary.recorded:
                    summary.claims, summary.matched = recorder.claims, recorder.matched
                    summary.claims_paid = recorder.claims_paid
                    _note_unmatched(result, recorder.unmatched)
                    withheld, ties = recorder.end(event.payment, event.provider_adjustments)
                    summary.provider_adjustments, summary.ties = withheld, ties
                summary = None
            elif isinstance(event, Problem):
                result.problems.append(
                    f"segment {event.segment_number} ({event.segment_id}): {event.message}"
                )


def _note_unmatched(result: RemitResult, unmatched: list[tuple[str, str, str]]) -> None:
    result.unmatched_count += len(unmatched)
    room = MAX_LISTED - len(result.unmatched)
    result.unmatched += unmatched[: max(room, 0)]


def _tr3(path: Path) -> list[str]:
    """pyx12's 005010X221A1 map over the file, its errors as lines naming the segment."""
    from scrubber.x12.tr3 import Tr3Unavailable, validate_tr3

    try:
        errors = validate_tr3(path)
    except Tr3Unavailable as error:
        return [f"pyx12 could not validate the file: {error}"]
    return [f"segment {e.segment_number} ({e.segment_id}): {e.message}" for e in errors]


def _start_tr3(path: Path) -> Future[list[str]]:
    from scrubber.x12.tr3 import _mp_context

    pool = ProcessPoolExecutor(1, mp_context=_mp_context())
    future = pool.submit(_tr3, path)
    pool.shutdown(wait=False)  # the worker ends with its one task
    return future


def _finish_tr3(validation: Future[list[str]]) -> list[str]:
    try:
        return validation.result()
    except BrokenProcessPool:
        return ["pyx12's validation process ended before it finished"]


def _stop(validation: Future[list[str]] | None) -> None:
    """The file is not worth validating: let pyx12 end (it does, quickly, on such files)."""
    if validation is not None:
        validation.cancel()
        with contextlib.suppress(Exception):
            validation.result()


def _not_x12(path: Path, reason: str, number: int) -> str:
    where = f" (segment {number})" if number else ""
    return (
        f"{path.name} is not an X12 interchange{where}: {reason}. An 835 remittance starts with "
        "an ISA segment of exactly 106 characters; ask the payer or clearinghouse for the "
        "835 file as they sent it (not a report or an excerpt)."
    )
