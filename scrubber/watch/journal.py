"""The watcher's journal: one SQLite row per input file, moved through its states.

    scrubbing -> staged -> committed -> done        (or abandoned when its snapshot is gone)

- ``scrubbing``: the input was copied to a private snapshot (its sha256 known) and is being
  scrubbed into a staging folder. A crash here: scrub the snapshot again.
- ``staged``: every output is complete in staging and ``installs`` lists where each goes. A
  crash here: finish the installs (each is a rename, so doing one twice is harmless).
- ``committed``: every output is in place; the input has not yet left the inbox. A crash here:
  just move the input.
- ``done``: the input is in the archive (or the failed folder).

Each state change is one autocommitted statement (WAL, synchronous=FULL), so the journal is
always at one of these points. The sha256 of ``staged``/``committed``/``done`` rows is what makes
a re-upload of the same bytes a no-op.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sha256 TEXT,
    identity TEXT,
    stem TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    work TEXT NOT NULL,
    snapshot TEXT,
    status TEXT,
    exit_status INTEGER,
    counts TEXT,
    outputs TEXT,
    installs TEXT,
    input_dest TEXT,
    started REAL NOT NULL,
    finished REAL
);
CREATE INDEX IF NOT EXISTS jobs_sha256 ON jobs (sha256);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state);
"""

JobKind = Literal["scrub", "duplicate", "error"]
JobState = Literal["scrubbing", "staged", "committed", "done", "abandoned"]
UNFINISHED = ("scrubbing", "staged", "committed")
PRODUCED = ("staged", "committed", "done")  # states whose sha256 makes a re-upload a no-op

Install = tuple[str, str, str]  # ("move" | "copy", source, destination)


@dataclass(slots=True)
class Job:
    id: int
    name: str
    sha256: str | None
    identity: tuple[int, int, int] | None
    stem: str
    kind: JobKind
    state: JobState
    attempts: int
    work: Path
    snapshot: Path | None
    status: str | None = None
    exit_status: int | None = None
    counts: dict[str, int] | None = None
    outputs: dict[str, str | None] = field(default_factory=dict)
    installs: list[Install] = field(default_factory=list)
    input_dest: Path | None = None
    started: float = 0.0
    finished: float | None = None


def _job(row: sqlite3.Row) -> Job:
    identity = json.loads(row["identity"]) if row["identity"] else None
    return Job(
        id=row["id"],
        name=row["name"],
        sha256=row["sha256"],
        identity=tuple(identity) if identity else None,
        stem=row["stem"],
        kind=cast(JobKind, row["kind"]),
        state=cast(JobState, row["state"]),
        attempts=row["attempts"],
        work=Path(row["work"]),
        snapshot=Path(row["snapshot"]) if row["snapshot"] else None,
        status=row["status"],
        exit_status=row["exit_status"],
        counts=json.loads(row["counts"]) if row["counts"] else None,
        outputs=json.loads(row["outputs"]) if row["outputs"] else {},
        installs=[tuple(i) for i in json.loads(row["installs"])] if row["installs"] else [],
        input_dest=Path(row["input_dest"]) if row["input_dest"] else None,
        started=row["started"],
        finished=row["finished"],
    )


def _column(key: str, value: Any) -> Any:
    if key in ("identity", "counts", "outputs", "installs"):
        return None if value is None else json.dumps(list(value) if key == "identity" else value)
    if isinstance(value, Path):
        return str(value)
    return value


class Journal:
    def __init__(self, path: Path) -> None:
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def create(self, **fields: Any) -> Job:
        fields.setdefault("started", time.time())
        keys = list(fields)
        cursor = self._db.execute(
            f"INSERT INTO jobs ({', '.join(keys)}) VALUES ({', '.join('?' for _ in keys)})",
            [_column(k, fields[k]) for k in keys],
        )
        job = self.get(int(cursor.lastrowid or 0))
        assert job is not None
        return job

    def update(self, job: Job, **fields: Any) -> None:
        """Change some fields of a job, in the journal and on `job`, in one transaction."""
        keys = list(fields)
        self._db.execute(
            f"UPDATE jobs SET {', '.join(f'{k} = ?' for k in keys)} WHERE id = ?",
            [*(_column(k, fields[k]) for k in keys), job.id],
        )
        for key, value in fields.items():
            if key in ("work", "snapshot", "input_dest") and isinstance(value, str):
                value = Path(value)
            setattr(job, key, value)

    def get(self, job_id: int) -> Job | None:
        row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def unfinished(self) -> list[Job]:
        marks = ", ".join("?" for _ in UNFINISHED)
        rows = self._db.execute(
            f"SELECT * FROM jobs WHERE state IN ({marks}) ORDER BY id", UNFINISHED
        ).fetchall()
        return [_job(row) for row in rows]

    def produced(self, sha256: str) -> Job | None:
        """The job that already scrubbed these exact bytes, if any."""
        marks = ", ".join("?" for _ in PRODUCED)
        row = self._db.execute(
            f"SELECT * FROM jobs WHERE sha256 = ? AND kind = 'scrub' AND state IN ({marks}) "
            "ORDER BY id LIMIT 1",
            (sha256, *PRODUCED),
        ).fetchone()
        return _job(row) if row else None

    def active_stems(self) -> set[str]:
        marks = ", ".join("?" for _ in UNFINISHED)
        rows = self._db.execute(f"SELECT stem FROM jobs WHERE state IN ({marks})", UNFINISHED)
        return {row["stem"] for row in rows}

    def all(self) -> list[Job]:
        return [_job(row) for row in self._db.execute("SELECT * FROM jobs ORDER BY id")]
