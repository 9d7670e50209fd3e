"""What the watcher does when a file fails: unreadable files, internal errors and jobs
interrupted too often go to the failed folder with a short report (see service.py)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrubber import __version__
from scrubber.api import EXIT_INTERNAL, EXIT_REJECTED
from scrubber.watch import files
from scrubber.watch.config import RETRY_SECONDS
from scrubber.watch.jobs import Jobs
from scrubber.watch.journal import Job
from scrubber.watch.jsonlog import where
from scrubber.watch.settle import Signature, identity


class Failures(Jobs):
    """Sending a file to the failed folder; never letting one file stop the others."""

    # -- failures
    def _error_job(self, name: str) -> Job | None:
        """A journal entry for a file that failed before it had one (None: the file is gone)."""
        try:
            ident = identity(os.lstat(self.inbox / name))
        except FileNotFoundError:
            return None
        work = Path(tempfile.mkdtemp(prefix="job-", dir=self.work_root))
        return self._create(
            name=name,
            identity=ident,
            stem=self._choose_stem(name),
            kind="error",
            state="scrubbing",
            work=work,
        )

    def _unreadable(self, name: str, error: OSError) -> None:
        """A file we cannot read goes to the failed folder with a report that says so."""
        job = self._error_job(name)
        if job is None:
            return
        reason = (
            f"{name} could not be read ({error.strerror or type(error).__name__}). Check the "
            "file's permissions and upload it again."
        )
        self._fail(job, "rejected", EXIT_REJECTED, reason)

    def _internal_error(
        self, name: str, sig: Signature, job: Job | None, error: BaseException
    ) -> None:
        """Log it; send the file to the failed folder; never let it stop the files behind it.

        A job whose outputs are staged or in place is not failed (its claims are written): it
        stays in the journal and is resumed later (a full disk, say, may have cleared by then).
        """
        self.errors += 1
        self.log.error(
            "internal error",
            file=name,
            error=type(error).__name__,
            where=where(error),
            state=job.state if job else None,
        )
        try:
            if job is None:
                job = self._error_job(name)
                if job is None:
                    return  # the file went away
            if job.state == "scrubbing":
                reason = (
                    f"scrub837 hit an internal error ({type(error).__name__}) on {job.name}. "
                    "This is a bug, not a problem with the file; the watcher log has the details."
                )
                self._fail(job, "error", EXIT_INTERNAL, reason)
                return
        except Exception as again:
            error = again
        self.log.error(
            "left in the inbox; will retry",
            file=name,
            error=type(error).__name__,
            where=where(error),
            retry_s=RETRY_SECONDS,
        )
        self.tracker.skip(name, sig, time.monotonic(), RETRY_SECONDS)

    def _fail(self, job: Job, status: str, exit_status: int, reason: str) -> None:
        """Send the job's input to the failed folder with a short report (no outputs)."""
        staging = job.work / "staging"
        shutil.rmtree(staging, ignore_errors=True)
        files.make_dir(staging)
        report = staging / f"{job.stem}.report.json"
        with open(os.open(report, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            json.dump(self._failure_report(job, status, reason), out, indent=2)
        files.fsync_file(report)
        self.journal.update(
            job,
            kind="error",
            state="staged",
            status=status,
            exit_status=exit_status,
            counts=None,
            outputs={"clean": None, "held": None, "json": report.name, "html": None},
            installs=[("move", str(report), str(self.failed / report.name))],
            input_dest=self._input_dest(job, self.failed),
        )
        self._commit(job)
        self._processed(job)

    def _failure_report(self, job: Job, status: str, reason: str) -> dict[str, Any]:
        return {
            "input": job.name,
            "sha256": job.sha256,
            "status": status,
            "scrubber_version": __version__,
            "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "rejection": {
                "edit": None,
                "message": reason,
                "what_to_do": "Fix the cause, then upload the file again.",
            },
            "counts": {"claims": 0, "clean": 0, "fixed": 0, "held": 0},
            "findings": [],
            "claims": [],
        }
