"""Taking in one settled file: snapshot and hash it, spot a duplicate upload, journal the job,
then scrub and commit it (steps 1 to 5 in service.py)."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from scrubber.api import output_stem
from scrubber.watch import files
from scrubber.watch.config import DUPLICATE
from scrubber.watch.failures import Failures
from scrubber.watch.journal import Job
from scrubber.watch.settle import Signature, identity, open_regular, signature


class Intake(Failures):
    """Handling one settled inbox file."""

    # -- one file
    def _handle(self, name: str) -> bool:
        """Process one settled file. False when it turned out to be still changing."""
        sig = self.tracker.seen[name].signature
        self._current = None
        try:
            job = self._start(name, sig)
            if job is None:
                return self._current is not None or not (self.inbox / name).exists()
            self._scrub(job)
            self._commit(job)
            self._processed(job)
        except Exception as error:
            job = self._current
            if self.stopping and job is not None and job.state == "scrubbing":
                # most likely the stop itself (Ctrl-C reaches TR3 worker processes too): not
                # the file's fault; the journal has it and the next start scrubs it again
                self.log.warning(
                    "interrupted; resumed at the next start",
                    file=name,
                    error=type(error).__name__,
                )
            else:
                self._internal_error(name, sig, job, error)
        finally:
            self.tracker.forget(name)
        return True

    def _start(self, name: str, settled: Signature) -> Job | None:
        """Snapshot and journal the file; handle a duplicate. None when there is nothing to do."""
        path = self.inbox / name
        try:
            before = os.lstat(path)
        except FileNotFoundError:
            return None
        if signature(before) != settled:  # written to since it settled
            self.log.info("changed after it settled; waiting again", file=name)
            return None
        work = Path(tempfile.mkdtemp(prefix="job-", dir=self.work_root))
        try:
            snapshot = work / "input" / name
            files.make_dir(snapshot.parent)
            sha = self._snapshot(path, snapshot)
            after = os.lstat(path)
        except FileNotFoundError:  # gone before we got to it
            shutil.rmtree(work, ignore_errors=True)
            return None
        except OSError as error:
            shutil.rmtree(work, ignore_errors=True)
            self._unreadable(name, error)
            return None
        if signature(before) != signature(after) or not stat.S_ISREG(after.st_mode):
            shutil.rmtree(work, ignore_errors=True)  # still being written: settle again
            self.log.info("changed while copied; waiting again", file=name)
            return None
        ident = identity(after)
        earlier = self.journal.produced(sha)
        if earlier is not None:
            self._duplicate(name, sha, ident, work, snapshot, earlier)
            return None
        stem = self._choose_stem(name)
        wanted = stem + Path(name).suffix
        if wanted != name:
            snapshot = snapshot.rename(snapshot.with_name(wanted))
        files.fsync_dir(snapshot.parent)
        job = self._create(
            name=name,
            sha256=sha,
            identity=ident,
            stem=stem,
            kind="scrub",
            state="scrubbing",
            work=work,
            snapshot=snapshot,
        )
        self._crash("after-journal", job)
        return job

    def _snapshot(self, path: Path, snapshot: Path) -> str:
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

    def _duplicate(
        self,
        name: str,
        sha: str,
        ident: tuple[int, int, int],
        work: Path,
        snapshot: Path,
        earlier: Job,
    ) -> None:
        job = self._create(
            name=name,
            sha256=sha,
            identity=ident,
            stem=output_stem(Path(name)),
            kind="duplicate",
            state="committed",
            work=work,
            snapshot=snapshot,
            status="duplicate",
            input_dest=self.archive
            / files.unique_name(
                self.archive, f"{output_stem(Path(name))}.duplicate", Path(name).suffix
            ),
        )
        self._commit(job)
        self.log.info(
            DUPLICATE,
            file=name,
            sha256=sha,
            first_file=earlier.name,
            first_stem=earlier.stem,
            first_processed=datetime.fromtimestamp(earlier.started, UTC).isoformat(
                timespec="seconds"
            ),
            moved_to=str(job.input_dest),
        )
