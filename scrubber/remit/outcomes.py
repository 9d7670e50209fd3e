"""Claims as the ledger's remittances leave them: reversals netted out, several remittances of one
claim taken together, denied lines joined to the lines that were sent."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from scrubber.remit.model import DENIED, REVERSAL, ZERO

DENYING_GROUPS = ("CO", "OA", "PI")  # PR is the patient's share, not a denial


@dataclass(slots=True)
class Remit:
    id: int
    status: str
    charge: Decimal
    paid: Decimal
    payer_control: str
    submission_id: int | None
    paid_on: date | None
    unmatched: str | None


@dataclass(slots=True)
class DeniedLine:
    procedure: str
    modifiers: list[str]
    units: Decimal
    charge: Decimal
    diagnoses: list[str]  # pointed, from the ledger ([] when the claim is unmatched)
    carcs: list[tuple[str, str, Decimal]]  # (group, CARC, amount)
    rarcs: list[str]


@dataclass(slots=True)
class SentLine:
    procedure: str
    modifiers: list[str]
    units: Decimal
    diagnoses: list[str]
    paid: bool


@dataclass(slots=True)
class Outcome:
    """One claim to one payer across all its remittances."""

    claim_id: str
    payer_id: str
    payer_name: str
    remittances: list[Remit]  # every one, in the order read
    effective: list[Remit]  # those left once reversals cancelled what they reverse
    submission: sqlite3.Row | None = None
    denied_lines: list[DeniedLine] = field(default_factory=list)
    lines: list[SentLine] = field(default_factory=list)  # every remitted line, paid or not
    carcs: list[str] = field(default_factory=list)
    rarcs: list[str] = field(default_factory=list)

    @property
    def net_paid(self) -> Decimal:
        return sum((r.paid for r in self.remittances), ZERO)

    @property
    def final(self) -> Remit | None:
        return self.effective[-1] if self.effective else None

    @property
    def charge(self) -> Decimal:
        return self.final.charge if self.final else ZERO

    @property
    def paid_on(self) -> date | None:
        return self.final.paid_on if self.final else None

    @property
    def denied(self) -> bool:
        """Denied in full (CLP02 4) or in part (a line paid nothing for a denying reason)."""
        final = self.final
        return final is not None and (final.status == DENIED or bool(self.denied_lines))

    @property
    def denied_in_full(self) -> bool:
        final = self.final
        return final is not None and final.status == DENIED

    @property
    def denied_dollars(self) -> Decimal:
        if self.denied_lines:
            return sum((line.charge for line in self.denied_lines), ZERO)
        return self.charge if self.denied else ZERO


def net(remittances: list[Remit]) -> list[Remit]:
    """A reversal (CLP02 22) cancels the latest earlier remittance with its CLP07, else the
    latest one; what is left stands."""
    standing: list[Remit] = []
    for remit in remittances:
        if remit.status != REVERSAL:
            standing.append(remit)
            continue
        same = [r for r in standing if r.payer_control == remit.payer_control]
        target = (same or standing)[-1:]
        for cancelled in target:
            standing.remove(cancelled)
    return standing


def _d(text: str) -> Decimal:
    try:
        return Decimal(text) if text else ZERO
    except ArithmeticError:
        return ZERO


REMITS = (
    "SELECT r.id, r.claim_id, p.payer_id, p.payer_name, r.status, r.charge, r.paid,"
    " r.payer_control, r.submission_id, p.paid_on, r.unmatched FROM remittance r"
    " JOIN payment p ON p.id = r.payment_id WHERE 1=1{where}"
    " ORDER BY r.claim_id, p.payer_id, r.id"
)


def outcomes(
    db: sqlite3.Connection, *, since: date | None = None, payer: str | None = None
) -> Iterator[Outcome]:
    """Every remitted claim, one at a time (memory stays flat)."""
    where, params = "", []
    if since is not None:
        where += " AND p.paid_on >= ?"
        params.append(since.isoformat())
    if payer is not None:
        where += " AND p.payer_id = ?"
        params.append(payer)
    db.row_factory = sqlite3.Row
    group: list[sqlite3.Row] = []
    for row in db.execute(REMITS.format(where=where), params):
        if group and (row["claim_id"], row["payer_id"]) != (
            group[0]["claim_id"],
            group[0]["payer_id"],
        ):
            yield _outcome(db, group)
            group = []
        group.append(row)
    if group:
        yield _outcome(db, group)


def _outcome(db: sqlite3.Connection, rows: list[sqlite3.Row]) -> Outcome:
    remits = [
        Remit(
            r["id"],
            r["status"],
            _d(r["charge"]),
            _d(r["paid"]),
            r["payer_control"],
            r["submission_id"],
            date.fromisoformat(r["paid_on"]) if r["paid_on"] else None,
            r["unmatched"],
        )
        for r in rows
    ]
    outcome = Outcome(
        rows[0]["claim_id"], rows[0]["payer_id"], rows[0]["payer_name"], remits, net(remits)
    )
    matched = [r.submission_id for r in outcome.effective if r.submission_id is not None] or [
        r.submission_id for r in remits if r.submission_id is not None
    ]
    sent_lines: list[sqlite3.Row] = []
    if matched:
        outcome.submission = db.execute(
            "SELECT * FROM submission WHERE id = ?", (matched[-1],)
        ).fetchone()
        sent_lines = db.execute(
            "SELECT * FROM submission_line WHERE submission_id = ? ORDER BY line", (matched[-1],)
        ).fetchall()
    final = outcome.final
    if final is not None:
        _lines(db, outcome, final, sent_lines)
    return outcome


def _lines(db: sqlite3.Connection, outcome: Outcome, final: Remit, sent: list[sqlite3.Row]) -> None:
    adjustments = db.execute(
        "SELECT line, group_code, reason, amount FROM adjustment WHERE remittance_id = ?",
        (final.id,),
    ).fetchall()
    remarks = db.execute(
        "SELECT line, code FROM remark WHERE remittance_id = ?", (final.id,)
    ).fetchall()
    claim_cas = [
        (a[1], a[2], _d(a[3])) for a in adjustments if a[0] is None and a[1] in DENYING_GROUPS
    ]
    claim_rarc = [r[1] for r in remarks if r[0] is None]
    outcome.carcs = sorted(
        {c for _, c, _ in claim_cas} | {a[2] for a in adjustments if a[1] in DENYING_GROUPS}
    )
    outcome.rarcs = sorted({r[1] for r in remarks})
    remitted = db.execute(
        "SELECT line, procedure, modifiers, charge, paid, units, submitted_procedure"
        " FROM remit_line WHERE remittance_id = ? ORDER BY line",
        (final.id,),
    ).fetchall()
    unused = list(sent)

    def sent_line(procedure: str, index: int) -> sqlite3.Row | None:
        for row in unused:
            if row["procedure"] == procedure:
                unused.remove(row)
                return row
        return sent[index] if index < len(sent) else None

    for index, line in enumerate(remitted):
        number = line[0]
        mine = [
            (a[1], a[2], _d(a[3])) for a in adjustments if a[0] == number and a[1] in DENYING_GROUPS
        ]
        ledger = sent_line(line[6], index)
        diagnoses = json.loads(ledger["diagnoses"]) if ledger is not None else []
        modifiers = json.loads(ledger["modifiers"]) if ledger is not None else json.loads(line[2])
        units = _d(ledger["units"]) if ledger is not None else _d(line[5])
        paid = _d(line[4])
        reasons = [a for a in mine if a[1] != "45"] or (claim_cas if paid == 0 else [])
        denied = paid == 0 and bool(reasons)
        outcome.lines.append(SentLine(line[6], modifiers, units, diagnoses, not denied))
        if denied:
            outcome.denied_lines.append(
                DeniedLine(
                    line[6],
                    modifiers,
                    units,
                    _d(line[3]),
                    diagnoses,
                    reasons,
                    [r[1] for r in remarks if r[0] == number] + claim_rarc,
                )
            )
    if not remitted and final.status == DENIED:
        for row in sent:
            outcome.denied_lines.append(
                DeniedLine(
                    row["procedure"],
                    json.loads(row["modifiers"]),
                    _d(row["units"]),
                    _d(row["charge"]),
                    json.loads(row["diagnoses"]),
                    claim_cas,
                    claim_rarc,
                )
            )
            outcome.lines.append(
                SentLine(
                    row["procedure"],
                    json.loads(row["modifiers"]),
                    _d(row["units"]),
                    json.loads(row["diagnoses"]),
                    False,
                )
            )
