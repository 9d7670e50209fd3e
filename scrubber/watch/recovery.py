"""Start-up after a crash or a stop: remove stale temporaries, finish the jobs the journal says
were left half done (journal.py says how), drop leftover work folders."""

from __future__ import annotations

import os
import shutil
import time

from scrubber.api import EXIT_INTERNAL
from scrubber.watch import files
from scrubber.watch.config import MAX_ATTEMPTS, RETRY_SECONDS
from scrubber.watch.failures import Failures
from scrubber.watch.journal import Job


class Recovery(Failures):
    """Finishing what an earlier run left half done."""

    # -- start-up
    def _clean_up(self) -> None:
        """Remove temporary files a killed run left in the output folders."""
        for folder in {self.out, self.held, self.reports, self.archive, self.failed}:
            removed = files.remove_stale_temporaries(folder)
            if removed:
                self.log.info(
                    "removed stale temporary files", folder=str(folder), count=len(removed)
                )

    def _recover(self) -> None:
        """Finish what a crashed run left half done, then drop its leftovers."""
        self._resume(self.journal.unfinished())
        self._next_retry = time.monotonic() + RETRY_SECONDS
        active = {job.work.name for job in self.journal.unfinished()}
        with os.scandir(self.work_root) as listing:
            for entry in listing:
                if entry.name not in active:
                    shutil.rmtree(entry.path, ignore_errors=True)

    def _resume(self, jobs: list[Job]) -> None:
        for job in jobs:
            if self.stopping:
                return
            self.log.info("resuming", file=job.name, state=job.state, attempts=job.attempts)
            self._current = job
            try:
                if job.state == "scrubbing" and job.kind == "scrub":
                    if job.snapshot is None or not job.snapshot.exists():
                        self.journal.update(job, state="abandoned", finished=time.time())
                        continue
                    if job.attempts >= MAX_ATTEMPTS:
                        self.errors += 1
                        self._fail(
                            job,
                            "error",
                            EXIT_INTERNAL,
                            f"Scrubbing {job.name} was interrupted {job.attempts} times (the "
                            "service was killed or ran out of memory while on it).",
                        )
                        continue
                    self._scrub(job)
                elif job.state == "scrubbing":  # a failure report not yet staged
                    self._fail(
                        job,
                        job.status or "error",
                        job.exit_status or EXIT_INTERNAL,
                        f"{job.name} could not be processed; the watcher log says why.",
                    )
                    continue
                self._commit(job)
                self._processed(job, recovered=True)
            except Exception as error:
                self._internal_error(job.name, (0, 0, 0, 0), job, error)
