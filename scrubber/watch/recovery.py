"""Start-up after a crash or a stop, as plain functions over the journal: remove stale
temporaries, finish the jobs the journal says were left half done (journal.py says how) once
their paths are checked to lie inside the configured folders, drop leftover work folders."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable

from scrubber.api import EXIT_INTERNAL
from scrubber.watch import failures, files
from scrubber.watch.config import MAX_ATTEMPTS
from scrubber.watch.folders import Folders
from scrubber.watch.jobs import JobRunner
from scrubber.watch.journal import Job
from scrubber.watch.jsonlog import EventLog

#: What to do when resuming a job raised: (input name, the job, the error).
OnError = Callable[[str, Job, Exception], None]


def clean_up(folders: Folders, log: EventLog) -> None:
    """Remove temporary files a killed run left in the output folders."""
    for folder in dict.fromkeys(folders.outputs):
        removed = files.remove_stale_temporaries(folder)
        if removed:
            log.info("removed stale temporary files", folder=str(folder), count=len(removed))


def drop_leftovers(folders: Folders, unfinished: list[Job]) -> None:
    """Remove work folders that no unfinished job names."""
    active = {job.work.name for job in unfinished}
    with os.scandir(folders.work) as listing:
        for entry in listing:
            if entry.name not in active:
                shutil.rmtree(entry.path, ignore_errors=True)


def refuse_outside(runner: JobRunner, jobs: list[Job]) -> list[Job]:
    """The jobs whose every path lies inside the configured folders. The others are never
    acted on: logged, and marked abandoned so that nothing retries them."""
    kept = []
    for job in jobs:
        reason = runner.folders.outside(job)
        if reason is None:
            kept.append(job)
            continue
        runner.log.error(
            "journal entry points outside the configured folders; not acted on",
            job=job.id,
            file=os.path.basename(job.name),
            state=job.state,
            reason=reason,
        )
        runner.journal.update(job, state="abandoned", finished=time.time())
    return kept


def resume(
    runner: JobRunner, jobs: list[Job], stopping: Callable[[], bool], on_error: OnError
) -> int:
    """Finish each job from where the journal says it stopped. The number of files that failed
    for being interrupted too often."""
    failed = 0
    for job in refuse_outside(runner, jobs):
        if stopping():
            break
        runner.log.info("resuming", file=job.name, state=job.state, attempts=job.attempts)
        try:
            if job.state == "scrubbing" and job.kind == "scrub":
                if job.snapshot is None or not job.snapshot.exists():
                    runner.journal.update(job, state="abandoned", finished=time.time())
                    continue
                if job.attempts >= MAX_ATTEMPTS:
                    failed += 1
                    reason = failures.interrupted(job.name, job.attempts)
                    runner.fail(job, "error", EXIT_INTERNAL, reason)
                    continue
                runner.scrub(job)
            elif job.state == "scrubbing":  # a failure report not yet staged
                runner.fail(
                    job,
                    job.status or "error",
                    job.exit_status or EXIT_INTERNAL,
                    f"{job.name} could not be processed; the watcher log says why.",
                )
                continue
            runner.commit(job)
            runner.processed(job, recovered=True)
        except Exception as error:
            on_error(job.name, job, error)
    return failed
