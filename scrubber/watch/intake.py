"""Taking in one settled file: snapshot and hash it, spot a duplicate upload, journal the job
(steps 1 to 3 in service.py). What it finds is returned, never kept: the caller runs the job."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from scrubber.api import output_stem
from scrubber.watch import files
from scrubber.watch.config import DUPLICATE
from scrubber.watch.folders import Folders
from scrubber.watch.jobs import JobRunner
from scrubber.watch.journal import Job
from scrubber.watch.jsonlog import EventLog
from scrubber.watch.settle import Signature, identity, open_regular, signature


@dataclass(frozen=True, slots=True)
class Unreadable:
    """The file could not be read: it goes to the failed folder with a report saying so."""

    error: OSError


@dataclass(frozen=True, slots=True)
class Duplicate:
    """The same bytes were scrubbed before: ``job`` only archives the input."""

    job: Job
    earlier: Job


#: A journaled job to scrub; a duplicate or an unreadable file; or nothing to do, because the
#: file is gone or still changing.
Started = Job | Duplicate | Unreadable | Literal["gone", "waiting"]


@dataclass(slots=True)
class Intake:
    folders: Folders
    runner: JobRunner
    log: EventLog

    def start(self, name: str, settled: Signature) -> Started:
        """Snapshot and journal the file."""
        path = self.folders.inbox / name
        try:
            before = os.lstat(path)
        except FileNotFoundError:
            return "gone"
        if signature(before) != settled:  # written to since it settled
            self.log.info("changed after it settled; waiting again", file=name)
            return "waiting"
        work = self.runner.new_work()
        try:
            snapshot = work / "input" / name
            files.make_dir(snapshot.parent)
            sha = _snapshot(path, snapshot)
            after = os.lstat(path)
        except FileNotFoundError:  # gone before we got to it
            shutil.rmtree(work, ignore_errors=True)
            return "gone"
        except OSError as error:
            shutil.rmtree(work, ignore_errors=True)
            return Unreadable(error)
        if signature(before) != signature(after) or not stat.S_ISREG(after.st_mode):
            shutil.rmtree(work, ignore_errors=True)  # still being written: settle again
            self.log.info("changed while copied; waiting again", file=name)
            return "waiting"
        ident = identity(after)
        earlier = self.runner.journal.produced(sha)
        if earlier is not None:
            return Duplicate(self._duplicate(name, sha, ident, work, snapshot), earlier)
        stem = self.runner.choose_stem(name)
        wanted = stem + Path(name).suffix
        if wanted != name:
            snapshot = snapshot.rename(snapshot.with_name(wanted))
        files.fsync_dir(snapshot.parent)
        return self.runner.create(
            name=name,
            sha256=sha,
            identity=ident,
            stem=stem,
            kind="scrub",
            state="scrubbing",
            work=work,
            snapshot=snapshot,
        )

    def _duplicate(
        self, name: str, sha: str, ident: tuple[int, int, int], work: Path, snapshot: Path
    ) -> Job:
        archive = self.folders.archive
        stem = output_stem(Path(name))
        return self.runner.create(
            name=name,
            sha256=sha,
            identity=ident,
            stem=stem,
            kind="duplicate",
            state="committed",
            work=work,
            snapshot=snapshot,
            status="duplicate",
            input_dest=archive / files.unique_name(archive, f"{stem}.duplicate", Path(name).suffix),
        )

    def log_duplicate(self, duplicate: Duplicate) -> None:
        job, earlier = duplicate.job, duplicate.earlier
        self.log.info(
            DUPLICATE,
            file=job.name,
            sha256=job.sha256,
            first_file=earlier.name,
            first_stem=earlier.stem,
            first_processed=datetime.fromtimestamp(earlier.started, UTC).isoformat(
                timespec="seconds"
            ),
            moved_to=str(job.input_dest),
        )


def _snapshot(path: Path, snapshot: Path) -> str:
    digest = hashlib.sha256()
    fd = open_regular(path)
    out_fd = os.open(snapshot, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "rb") as stream, os.fdopen(out_fd, "wb") as out:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()
