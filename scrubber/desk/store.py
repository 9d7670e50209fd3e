"""The desk's state in one SQLite file (WAL): users, sessions, batches, decisions, builds."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DB_NAME = "desk.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,              -- shown on the account page
    token_hash TEXT NOT NULL UNIQUE,  -- sha256 of the cookie's token: the token is never stored
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen REAL NOT NULL,
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    source TEXT NOT NULL,             -- upload | folder
    status TEXT NOT NULL,             -- queued | scrubbing | ready | rejected | failed
    progress REAL NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    run_date TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '{}',  -- counts and charges (JSON)
    worker TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0  -- scrubs started: 1 unless a stop cut one off
);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    claim INTEGER NOT NULL,
    claim_id TEXT NOT NULL,
    edit TEXT NOT NULL,
    code TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    question TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    user TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_batch ON decisions(batch_id, claim);
CREATE TABLE IF NOT EXISTS builds (
    id INTEGER PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    user TEXT NOT NULL,
    at TEXT NOT NULL,
    summary TEXT NOT NULL
);
"""


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """One connection per thread to the desk's database (created mode 0600)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = self.data_dir / DB_NAME
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(self.path, 0o600)
        self._local = threading.local()
        self.connection().executescript(SCHEMA)  # (executescript commits by itself)
        for suffix in ("-wal", "-shm"):  # SQLite makes them with the umask's mode
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                os.chmod(side, 0o600)

    def connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: one writer at a time, readers never wait (WAL)."""
        db = self.connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def one(self, sql: str, *args: Any) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.connection().execute(sql, args).fetchone()
        return row

    def all(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        return list(self.connection().execute(sql, args).fetchall())

    # -- batches
    def batch(self, batch_id: str) -> dict[str, Any] | None:
        row = self.one("SELECT * FROM batches WHERE id = ?", batch_id)
        return _batch(row) if row is not None else None

    def batches(self) -> list[dict[str, Any]]:
        return [
            _batch(r)
            for r in self.all("SELECT * FROM batches ORDER BY created_at DESC, rowid DESC")
        ]

    def set_batch(self, batch_id: str, **values: Any) -> None:
        if "summary" in values:
            values["summary"] = json.dumps(values["summary"])
        columns = ", ".join(f"{name} = ?" for name in values)
        with self.transaction() as db:
            db.execute(f"UPDATE batches SET {columns} WHERE id = ?", (*values.values(), batch_id))

    def claim_next(self, worker: str) -> dict[str, Any] | None:
        """Take the oldest queued batch for `worker` (exactly one worker gets each)."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT id FROM batches WHERE status = 'queued' ORDER BY created_at, rowid LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE batches SET status = 'scrubbing', worker = ?, attempts = attempts + 1 "
                "WHERE id = ?",
                (worker, row["id"]),
            )
        return self.batch(row["id"])

    # -- decisions
    def decisions(self, batch_id: str, claim: int | None = None) -> list[dict[str, Any]]:
        if claim is None:
            rows = self.all("SELECT * FROM decisions WHERE batch_id = ? ORDER BY id", batch_id)
        else:
            rows = self.all(
                "SELECT * FROM decisions WHERE batch_id = ? AND claim = ? ORDER BY id",
                batch_id,
                claim,
            )
        return [dict(r) for r in rows]


def _batch(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["summary"] = json.loads(out["summary"] or "{}")
    return out
