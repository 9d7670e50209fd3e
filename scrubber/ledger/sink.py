"""The ledger as a sink of a scrub: each claim's outcome as the run decides it, committed with the
run's outputs (a run that fails leaves nothing behind)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from scrubber import __version__
from scrubber.engine import ClaimResult
from scrubber.ledger.store import Ledger, default_ledger_path
from scrubber.model import Claim, Segment, ServiceLine

if TYPE_CHECKING:
    from scrubber.options import ScrubOptions

BATCH = 1000  # claims written per short transaction, so memory stays flat and locks short


def _payer(claim: Claim) -> Segment | None:
    for segment in claim.subscriber.segments:
        if segment.id == "NM1" and segment.get(1) == "PR":
            return segment
    return None


def _billing_npi(claim: Claim) -> str:
    for segment in claim.provider.segments:
        if segment.id == "NM1" and segment.get(1) == "85":
            return segment.get(9).strip()
    return ""


def _pointed(claim: Claim, line: ServiceLine) -> list[str]:
    by_position = {d.position: d.code.strip().upper() for d in claim.diagnoses}
    codes = []
    for pointer in line.pointers:
        pointer = pointer.strip()
        if pointer.isdigit() and int(pointer) in by_position:
            codes.append(by_position[int(pointer)])
    return codes


def claim_rows(result: ClaimResult) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What the ledger keeps of one claim: codes, amounts, dates, outcome; no patient data."""
    claim = result.claim
    payer = _payer(claim)
    days = [d for d in (claim.line_date(line) for line in claim.lines) if d is not None]
    row = {
        "claim_id": claim.claim_id.strip(),
        "payer_id": payer.get(9).strip() if payer else "",
        "payer_name": payer.get(3).strip() if payer else "",
        "billing_npi": _billing_npi(claim),
        "service_from": min(days).isoformat() if days else None,
        "service_to": max(days).isoformat() if days else None,
        "charge": str(claim.charge) if claim.charge is not None else "",
        "diagnoses": json.dumps([d.code.strip().upper() for d in claim.diagnoses]),
        "disposition": result.disposition,
        "edits": json.dumps(sorted({f.edit for f in result.findings if f.edit})),
    }
    lines = []
    for number, line in enumerate(claim.lines, 1):
        day = claim.line_date(line)
        lines.append(
            {
                "line": number,
                "procedure": line.procedure,
                "modifiers": json.dumps(line.modifiers),
                "units": str(line.units) if line.units is not None else "",
                "charge": str(line.charge) if line.charge is not None else "",
                "diagnoses": json.dumps(_pointed(claim, line)),
                "service_date": day.isoformat() if day else None,
            }
        )
    return row, lines


class LedgerSink:
    """Records one scrub's claims in the ledger: `claim` per outcome, then `commit` or `discard`."""

    def __init__(self, path: Path, *, file_name: str, sha256: str, profile: str, version: str):
        self.ledger = Ledger(path)
        self.run_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self.ledger.transaction() as db:
            cursor = db.execute(
                "INSERT INTO run (file_name, file_sha256, run_at, profile, scrubber_version)"
                " VALUES (?, ?, ?, ?, ?)",
                (file_name, sha256, self.run_at, profile, version),
            )
        self.run_id = cursor.lastrowid
        self.sha256 = sha256
        self.position = 0
        self._pending: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []

    def claim(self, result: ClaimResult) -> None:
        self.position += 1
        row, lines = claim_rows(result)
        row.update(run_id=self.run_id, file_sha256=self.sha256, position=self.position)
        self._pending.append((row, lines))
        if len(self._pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        with self.ledger.transaction() as db:
            for row, lines in self._pending:
                row["run_at"] = self.run_at
                columns = ", ".join(row)
                marks = ", ".join(f":{k}" for k in row)
                cursor = db.execute(f"INSERT INTO submission ({columns}) VALUES ({marks})", row)
                for line in lines:
                    line["submission_id"] = cursor.lastrowid
                db.executemany(
                    "INSERT INTO submission_line (submission_id, line, procedure, modifiers,"
                    " units, charge, diagnoses, service_date) VALUES (:submission_id, :line,"
                    " :procedure, :modifiers, :units, :charge, :diagnoses, :service_date)",
                    lines,
                )
        self._pending.clear()

    def commit(self) -> None:
        """The run's outputs are in place: its claims count from now on."""
        try:
            self._flush()
            with self.ledger.transaction() as db:
                db.execute("UPDATE run SET complete = 1 WHERE id = ?", (self.run_id,))
        finally:
            self.ledger.close()

    def discard(self) -> None:
        """The run failed: nothing of it stays."""
        try:
            with self.ledger.transaction() as db:
                db.execute(
                    "DELETE FROM submission_line WHERE submission_id IN"
                    " (SELECT id FROM submission WHERE run_id = ?)",
                    (self.run_id,),
                )
                db.execute("DELETE FROM submission WHERE run_id = ?", (self.run_id,))
                db.execute("DELETE FROM run WHERE id = ?", (self.run_id,))
        finally:
            self.ledger.close()


class ClaimSink(Protocol):
    """What a scrub tells a sink: each claim's outcome, then commit or discard."""

    def claim(self, result: ClaimResult) -> None: ...
    def commit(self) -> None: ...
    def discard(self) -> None: ...


def ledger_sinks(
    options: ScrubOptions, file_name: str, sha256: str, profile: str
) -> list[ClaimSink]:
    """The claim ledger of a scrub, as ScrubOptions.ledger says (none in validate mode: a
    partner's validation sends nothing)."""
    if options.ledger is False or options.mode == "validate":
        return []
    path = default_ledger_path() if options.ledger is True else Path(options.ledger)
    return [
        LedgerSink(path, file_name=file_name, sha256=sha256, profile=profile, version=__version__)
    ]
