"""The ledger's SQLite file: opening it (mode 0600, WAL, one schema) and where it lives by default.

No names, member ids or birth dates are ever stored: claims are kept by CLM01, payer and codes.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LEDGER_NAME = "ledger.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS run (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    run_at TEXT NOT NULL,
    profile TEXT NOT NULL,
    scrubber_version TEXT NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0  -- 1 once the scrub's outputs were in place
);
CREATE TABLE IF NOT EXISTS submission (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES run(id),
    file_sha256 TEXT NOT NULL,
    position INTEGER NOT NULL,          -- the claim's place in its file, 1-based
    claim_id TEXT NOT NULL,             -- CLM01
    payer_id TEXT NOT NULL,             -- 2010BB NM109
    payer_name TEXT NOT NULL,           -- 2010BB NM103
    billing_npi TEXT NOT NULL,          -- 2010AA NM109
    service_from TEXT,                  -- ISO dates of service
    service_to TEXT,
    charge TEXT NOT NULL,               -- CLM02, a decimal string
    diagnoses TEXT NOT NULL,            -- JSON list of codes as written, HI order
    disposition TEXT NOT NULL,          -- clean | fixed | held
    edits TEXT NOT NULL,                -- JSON list of edit ids that fired
    run_at TEXT NOT NULL,
    UNIQUE (run_id, position)
);
CREATE INDEX IF NOT EXISTS submission_claim ON submission (claim_id);
CREATE TABLE IF NOT EXISTS submission_line (
    submission_id INTEGER NOT NULL REFERENCES submission(id) ON DELETE CASCADE,
    line INTEGER NOT NULL,              -- LX order, 1-based
    procedure TEXT NOT NULL,
    modifiers TEXT NOT NULL,            -- JSON list
    units TEXT NOT NULL,
    charge TEXT NOT NULL,
    diagnoses TEXT NOT NULL,            -- JSON list: the codes the line points to
    service_date TEXT,
    PRIMARY KEY (submission_id, line)
);
CREATE TABLE IF NOT EXISTS remit_file (
    sha256 TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    read_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS payment (
    id INTEGER PRIMARY KEY,
    file_sha256 TEXT NOT NULL,
    transaction_control TEXT NOT NULL,  -- ST02
    trace TEXT NOT NULL,                -- TRN02
    payer_id TEXT NOT NULL,             -- TRN03 / N1*PR N104 / REF*2U
    payer_name TEXT NOT NULL,
    amount TEXT NOT NULL,               -- BPR02
    method TEXT NOT NULL,               -- BPR04
    paid_on TEXT,                       -- BPR16
    claims_paid TEXT NOT NULL,          -- sum of CLP04
    provider_adjustments TEXT NOT NULL, -- sum of PLB amounts
    ties INTEGER NOT NULL,              -- BPR02 = claims paid - PLB
    UNIQUE (payer_id, trace, amount, paid_on)
);
CREATE TABLE IF NOT EXISTS remittance (
    id INTEGER PRIMARY KEY,
    payment_id INTEGER NOT NULL REFERENCES payment(id),
    position INTEGER NOT NULL,          -- order in the ledger, for netting
    claim_id TEXT NOT NULL,             -- CLP01
    status TEXT NOT NULL,               -- CLP02
    charge TEXT NOT NULL,               -- CLP03
    paid TEXT NOT NULL,                 -- CLP04
    patient_responsibility TEXT NOT NULL,
    payer_control TEXT NOT NULL,        -- CLP07
    submission_id INTEGER REFERENCES submission(id),
    unmatched TEXT                      -- why no submission matched, or NULL
);
CREATE INDEX IF NOT EXISTS remittance_claim ON remittance (claim_id);
CREATE TABLE IF NOT EXISTS remit_line (
    remittance_id INTEGER NOT NULL REFERENCES remittance(id),
    line INTEGER NOT NULL,              -- SVC order, 1-based
    procedure TEXT NOT NULL,            -- SVC01-2 (or SVC06-2 when the payer changed it)
    modifiers TEXT NOT NULL,            -- JSON list
    charge TEXT NOT NULL,
    paid TEXT NOT NULL,
    units TEXT NOT NULL,
    submitted_procedure TEXT NOT NULL,  -- SVC06-2 when present, else SVC01-2
    service_date TEXT,
    PRIMARY KEY (remittance_id, line)
);
CREATE TABLE IF NOT EXISTS adjustment (
    remittance_id INTEGER NOT NULL REFERENCES remittance(id),
    line INTEGER,                       -- NULL: claim level
    group_code TEXT NOT NULL,           -- CO PR OA PI CR
    reason TEXT NOT NULL,               -- CARC
    amount TEXT NOT NULL,
    quantity TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS remark (
    remittance_id INTEGER NOT NULL REFERENCES remittance(id),
    line INTEGER,                       -- NULL: claim level (MOA/MIA)
    code TEXT NOT NULL                  -- RARC
);
CREATE TABLE IF NOT EXISTS provider_adjustment (
    payment_id INTEGER NOT NULL REFERENCES payment(id),
    provider TEXT NOT NULL,             -- PLB01
    reason TEXT NOT NULL,               -- PLB03-1
    reference TEXT NOT NULL,            -- PLB03-2
    amount TEXT NOT NULL
);
"""


class LedgerError(Exception):
    """The ledger cannot be opened or written (a usage error: say which file and why)."""


def default_ledger_path() -> Path:
    """The data directory's ledger: $SCRUB837_DATA, else $XDG_DATA_HOME/scrub837, else
    ~/.local/share/scrub837; the file is ledger.sqlite3 there."""
    explicit = os.environ.get("SCRUB837_DATA")
    if explicit:
        return Path(explicit) / LEDGER_NAME
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "scrub837" / LEDGER_NAME


class Ledger:
    """One open ledger file. Writers take SQLite's lock only while they commit."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not self.path.exists():
                # created 0600 before SQLite writes anything into it
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            os.chmod(self.path, 0o600)
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise LedgerError(f"the claim ledger {self.path} cannot be opened: {error}") from None
        for sidecar in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + sidecar)
            if side.exists():
                os.chmod(side, 0o600)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
