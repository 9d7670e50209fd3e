"""Writing one 835's payments into the ledger: each payment in one transaction, with its claim
payments, service lines, adjustments, remark codes and provider-level adjustments."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from scrubber.ledger.store import Ledger
from scrubber.remit.matching import match
from scrubber.remit.model import ZERO, ClaimPayment, Payment, ProviderAdjustment


def _d(value: Decimal | None) -> str:
    return "" if value is None else str(value)


class PaymentRecorder:
    """One payment at a time: begin, claim..., then end (commit) or abandon (roll back)."""

    def __init__(self, ledger: Ledger) -> None:
        self.db = ledger.db
        self.payment_id: int | None = None
        self.claims_paid = ZERO
        self.claims = 0
        self.matched = 0
        self.unmatched: list[tuple[str, str, str]] = []  # (CLP01, CLP03, reason)

    def known(self, payment: Payment) -> bool:
        """The same payment (payer, trace, amount, date) is already in the ledger."""
        row = self.db.execute(
            "SELECT 1 FROM payment WHERE payer_id = ? AND trace = ? AND amount = ? AND"
            " paid_on IS ?",
            (payment.payer_id, payment.trace, str(payment.amount), _date(payment)),
        ).fetchone()
        return row is not None

    def begin(self, payment: Payment, file_sha256: str) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        cursor = self.db.execute(
            "INSERT INTO payment (file_sha256, transaction_control, trace, payer_id, payer_name,"
            " amount, method, paid_on, claims_paid, provider_adjustments, ties)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', 0)",
            (
                file_sha256,
                payment.control_number,
                payment.trace,
                payment.payer_id,
                payment.payer_name,
                str(payment.amount),
                payment.method,
                _date(payment),
            ),
        )
        self.payment_id = cursor.lastrowid
        self.claims_paid = ZERO
        self.claims = self.matched = 0
        self.unmatched = []

    def claim(self, payment: Payment, claim: ClaimPayment) -> None:
        found = match(self.db, payment, claim)
        self.claims += 1
        self.claims_paid += claim.paid
        if found.submission_id is not None:
            self.matched += 1
        else:
            self.unmatched.append((claim.claim_id, str(claim.charge), found.reason or ""))
        db = self.db
        cursor = db.execute(
            "INSERT INTO remittance (payment_id, position, claim_id, status, charge, paid,"
            " patient_responsibility, payer_control, submission_id, unmatched)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.payment_id,
                claim.segment_number,
                claim.claim_id,
                claim.status,
                str(claim.charge),
                str(claim.paid),
                str(claim.patient_responsibility),
                claim.payer_control,
                found.submission_id,
                found.reason,
            ),
        )
        remittance = cursor.lastrowid
        adjustments: list[tuple[int | None, int | None, str, str, str, str]] = [
            (remittance, None, a.group, a.reason, str(a.amount), _d(a.quantity))
            for a in claim.adjustments
        ]
        remarks: list[tuple[int | None, int | None, str]] = [
            (remittance, None, code) for code in claim.remarks
        ]
        lines = []
        for number, svc in enumerate(claim.services, 1):
            lines.append(
                (
                    remittance,
                    number,
                    svc.procedure,
                    json.dumps(svc.modifiers),
                    str(svc.charge),
                    str(svc.paid),
                    str(svc.units),
                    svc.submitted_procedure,
                    svc.service_date.isoformat() if svc.service_date else None,
                )
            )
            adjustments += [
                (remittance, number, a.group, a.reason, str(a.amount), _d(a.quantity))
                for a in svc.adjustments
            ]
            remarks += [(remittance, number, code) for code in svc.remarks]
        if lines:
            db.executemany("INSERT INTO remit_line VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", lines)
        if adjustments:
            db.executemany("INSERT INTO adjustment VALUES (?, ?, ?, ?, ?, ?)", adjustments)
        if remarks:
            db.executemany("INSERT INTO remark VALUES (?, ?, ?)", remarks)

    def end(self, payment: Payment, plb: list[ProviderAdjustment]) -> tuple[Decimal, bool]:
        """Commit; return the PLB total and whether BPR02 = sum(CLP04) - sum(PLB amounts)."""
        withheld = sum((p.amount for p in plb), ZERO)
        expected = self.claims_paid - withheld
        sign = -1 if payment.credit_debit == "D" else 1
        ties = sign * payment.amount == expected
        self.db.executemany(
            "INSERT INTO provider_adjustment VALUES (?, ?, ?, ?, ?)",
            [(self.payment_id, p.provider, p.reason, p.reference, str(p.amount)) for p in plb],
        )
        self.db.execute(
            "UPDATE payment SET claims_paid = ?, provider_adjustments = ?, ties = ? WHERE id = ?",
            (str(self.claims_paid), str(withheld), int(ties), self.payment_id),
        )
        self.db.execute("COMMIT")
        self.payment_id = None
        return withheld, ties

    def abandon(self) -> None:
        if self.payment_id is not None:
            self.db.execute("ROLLBACK")
            self.payment_id = None

    def file_read(self, sha256: str, name: str) -> None:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.db.execute("INSERT OR IGNORE INTO remit_file VALUES (?, ?, ?)", (sha256, name, now))


def _date(payment: Payment) -> str | None:
    return payment.paid_on.isoformat() if payment.paid_on else None
