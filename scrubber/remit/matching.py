"""Which ledger claim a CLP answers: CLP01 = CLM01, the same payer and the same charge."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from scrubber.remit.model import ClaimPayment, Payment


@dataclass(slots=True, frozen=True)
class Match:
    submission_id: int | None
    reason: str | None  # why nothing matched, for the unmatched list


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def _same_payer(payment: Payment, payer_id: str, payer_name: str) -> bool:
    ids = {i.strip().upper() for i in payment.payer_ids if i.strip()}
    if payer_id.strip().upper() in ids:
        return True
    return bool(payer_name) and payer_name.strip().casefold() == payment.payer_name.casefold()


SQL = (
    "SELECT s.id, s.payer_id, s.payer_name, s.charge, s.disposition FROM submission s"
    " JOIN run r ON r.id = s.run_id AND r.complete = 1 WHERE s.claim_id = ? ORDER BY s.id DESC"
)


def match(db: sqlite3.Connection, payment: Payment, claim: ClaimPayment) -> Match:
    """The latest sent (clean or fixed) submission that agrees, else the latest held one; a
    reversal (negative CLP03) matches on the charge it reverses."""
    charge = abs(claim.charge)
    found = db.execute(SQL, (claim.claim_id,)).fetchall()
    if not found:
        return Match(None, f"no claim {claim.claim_id} in the ledger")
    agreeing = [
        row for row in found if _amount(row[3]) == charge and _same_payer(payment, row[1], row[2])
    ]
    sent = [row for row in agreeing if row[4] != "held"]
    if sent or agreeing:
        return Match((sent or agreeing)[0][0], None)
    latest = found[0]
    if _amount(latest[3]) != charge:
        return Match(
            None,
            f"claim {claim.claim_id} was sent with charge {latest[3]}; the 835 says {charge}",
        )
    return Match(
        None,
        f"claim {claim.claim_id} was sent to payer {latest[1] or latest[2]}; this 835 is from "
        f"{payment.payer_id or payment.payer_name}",
    )
