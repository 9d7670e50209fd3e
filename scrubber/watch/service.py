"""The drop-folder service behind `scrub837 watch`.

For each file that appears in the inbox and has settled (see settle.py):

1. copy it to a private snapshot in the state folder, hashing it (a file that changes while it is
   copied was not complete: it goes back to settling);
2. if a journal entry already scrubbed these exact bytes, the upload is a logged no-op: the input
   is archived and nothing else is written;
3. journal the job (``scrubbing``) and scrub the snapshot through scrubber.api into a staging
   folder;
4. journal where every output goes (``staged``), then rename each into place;
5. journal ``committed``, move the input to the archive (or to the failed folder when it was
   rejected, its report copied beside it), journal ``done``.

A crash at any point is finished by the next start (journal.py says how), so every input ends in
the archive or the failed folder and every output is written exactly once. Events come from
watchdog (inotify), and a rescan every ``poll`` seconds catches anything an event missed.

The parts, each owning its own state: config.py (settings, constants, the crash test hook),
folders.py (the folders, the private state folder and its lock, paths from the journal checked),
journal.py (the SQLite journal), inbox.py (what the inbox holds), settle.py (when an upload is
complete), intake.py (one settled file in), jobs.py (the job runner: scrub, commit, the failed
folder, log), failures.py (what a failure report says), recovery.py (start-up after a crash, as
functions over the journal). The Watcher below holds them together: it watches the inbox and
passes each job along as a value.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from types import FrameType
from typing import Any

from scrubber import __version__
from scrubber.api import EXIT_INTERNAL, EXIT_REJECTED
from scrubber.options import ScrubOptions
from scrubber.watch import failures, recovery
from scrubber.watch.config import (
    CRASH_ENV,
    CRASH_POINTS,
    DUPLICATE,
    MAX_ATTEMPTS,
    RETRY_SECONDS,
    ConfigError,
    CrashHook,
    WatchConfig,
    crash_hook,
    no_crash,
)
from scrubber.watch.folders import Folders
from scrubber.watch.inbox import Inbox
from scrubber.watch.intake import Duplicate, Intake, Unreadable
from scrubber.watch.jobs import JobRunner
from scrubber.watch.journal import Job, Journal
from scrubber.watch.jsonlog import EventLog, setup, where
from scrubber.watch.settle import Signature, Tracker

__all__ = [
    "CRASH_ENV",
    "CRASH_POINTS",
    "DUPLICATE",
    "MAX_ATTEMPTS",
    "RETRY_SECONDS",
    "ConfigError",
    "WatchConfig",
    "Watcher",
    "crash_hook",
    "run_watch",
]


class Watcher:
    """The service: the folders, the journal, the job runner and intake, and the loop."""

    def __init__(self, config: WatchConfig, crash: CrashHook = no_crash) -> None:
        self.config = config
        self.folders = Folders.of(config)
        self.folders.check(config.inbox)
        if config.settle < 0 or config.poll <= 0:
            raise ConfigError("--settle must be >= 0 and --poll > 0")
        from scrubber.catalogue import CatalogueError, load_profile

        try:
            load_profile(config.profile)
        except CatalogueError as error:
            raise ConfigError(str(error)) from error
        self.options = ScrubOptions(
            tr3=config.tr3,
            tr3_engine=config.tr3_engine,
            jobs=config.jobs,
            profile=config.profile,
            mask_phi=config.mask_phi,
            code_sets=config.code_sets,
            ledger=config.ledger,
            cluster=config.cluster,
        )
        self.crash = crash
        self.tracker = Tracker(config.settle, config.incomplete_wait)
        self.log = EventLog()
        self.wake = threading.Event()
        self.stopping = False
        self.errors = 0
        self._runner: JobRunner | None = None
        self.inbox = Inbox(self.folders.inbox, self.tracker, self.log, config)
        self._next_retry = 0.0

    @property
    def runner(self) -> JobRunner:
        assert self._runner is not None, "the journal is opened by run()"
        return self._runner

    def stop(self, *_: Any) -> None:
        """Finish the file in hand, then return from run() (SIGTERM and SIGINT call this)."""
        self.stopping = True
        self.wake.set()

    def _signal(self, signum: int, frame: FrameType | None) -> None:
        if not self.stopping:
            self.log.info("stopping", signal=signal.Signals(signum).name)
        self.stop()

    # -- the service
    def run(self) -> int:
        """Watch until stopped (or, with once, until what was there is done). Exit status."""
        teardown = setup(self.config.log)
        observer: Any = None
        previous: dict[int, Any] = {}
        journal: Journal | None = None
        lock: int | None = None
        folders = self.folders
        try:
            folders.prepare()
            lock = folders.lock()
            journal = Journal(folders.state / "journal.sqlite3")
            self._runner = JobRunner(folders, journal, self.options, self.log, self.crash)
            if threading.current_thread() is threading.main_thread():
                for signum in (signal.SIGTERM, signal.SIGINT):
                    previous[signum] = signal.signal(signum, self._signal)
            self.log.info(
                "started",
                version=__version__,
                pid=os.getpid(),
                inbox=str(folders.inbox),
                out=str(folders.out),
                held=str(folders.held),
                reports=str(folders.reports),
                archive=str(folders.archive),
                failed=str(folders.failed),
                state=str(folders.state),
                settle=self.config.settle,
                poll=self.config.poll,
                once=self.config.once,
                tr3=self.config.tr3,
                profile=self.config.profile,
            )
            recovery.clean_up(folders, self.log)
            self._resume(journal.unfinished())
            self._next_retry = time.monotonic() + RETRY_SECONDS
            recovery.drop_leftovers(folders, journal.unfinished())
            if not self.config.once:
                observer = self._observe()
            self.log.info("watching", inbox=str(folders.inbox), once=self.config.once)
            self._loop(journal)
            return EXIT_INTERNAL if self.config.once and self.errors else 0
        except ConfigError:
            raise
        except Exception as error:
            self.log.error(
                "watcher stopped by an internal error",
                error=type(error).__name__,
                where=where(error),
            )
            raise
        finally:
            if observer is not None:
                observer.stop()
                observer.join(timeout=5)
            for number, handler in previous.items():
                signal.signal(number, handler)
            if journal is not None:
                journal.close()
            self._runner = None
            if lock is not None:
                os.close(lock)
            self.log.info("stopped", pid=os.getpid(), errors=self.errors)
            teardown()

    def _resume(self, jobs: list[Job]) -> None:
        def on_error(name: str, job: Job, error: Exception) -> None:
            self._internal_error(name, (0, 0, 0, 0), job, error)

        self.errors += recovery.resume(self.runner, jobs, lambda: self.stopping, on_error)

    def _observe(self) -> Any:
        try:
            from watchdog.events import FileSystemEvent, FileSystemEventHandler
            from watchdog.observers import Observer

            wake = self.wake

            class Wake(FileSystemEventHandler):
                def on_any_event(self, event: FileSystemEvent) -> None:
                    wake.set()

            observer = Observer()
            observer.daemon = True
            observer.schedule(Wake(), str(self.folders.inbox), recursive=False)
            observer.start()
            return observer
        except Exception as error:  # e.g. out of inotify watches: the rescan still works
            self.log.warning("no file events; rescanning only", error=type(error).__name__)
            return None

    def _loop(self, journal: Journal) -> None:
        once = self.config.once
        initial: set[str] | None = None
        finished: set[str] = set()
        while not self.stopping:
            self.wake.clear()
            now = time.monotonic()
            unfinished = journal.unfinished()
            if unfinished and now >= self._next_retry:
                self._resume(unfinished)
                self._next_retry = now + RETRY_SECONDS
                unfinished = journal.unfinished()
            busy = {job.name for job in unfinished}  # stuck half way: not a new file
            entries = {n: s for n, s in self.inbox.scan().items() if n not in busy}
            if once:
                if initial is None:
                    initial = set(entries)
                entries = {n: s for n, s in entries.items() if n in initial and n not in finished}
                if not entries:
                    return
            self.tracker.update(entries, now)
            handled = False
            for name in self.tracker.settled(now):
                if self.stopping:
                    return
                if not self.inbox.complete_enough(name, now):
                    if once:
                        finished.add(name)  # left for the next run
                    continue
                if self._handle(name):
                    finished.add(name)
                handled = True
            if self.stopping:
                return
            if handled:
                continue  # rescan straight away: more may have arrived meanwhile
            timeout = self.config.poll
            deadline = self.tracker.next_deadline(time.monotonic())
            if deadline is not None:
                timeout = min(timeout, deadline + 0.01)
            self.wake.wait(timeout)

    # -- one file
    def _handle(self, name: str) -> bool:
        """Process one settled file. False when it turned out to be still changing."""
        sig = self.tracker.seen[name].signature
        runner = self.runner
        intake = Intake(self.folders, runner, self.log)
        job: Job | None = None
        try:
            started = intake.start(name, sig)
            if isinstance(started, Unreadable):
                job = runner.error_job(name)
                if job is not None:
                    reason = failures.unreadable(name, started.error)
                    runner.fail(job, "rejected", EXIT_REJECTED, reason)
            elif isinstance(started, Duplicate):
                job = started.job
                runner.commit(job)
                intake.log_duplicate(started)
            elif isinstance(started, Job):
                job = started
                self.crash("after-journal", job.name)
                runner.scrub(job)
                runner.commit(job)
                runner.processed(job)
            else:
                return started == "gone"
        except Exception as error:
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
                job = self.runner.error_job(name)
                if job is None:
                    return  # the file went away
            if job.state == "scrubbing":
                reason = failures.internal_error(job.name, error)
                self.runner.fail(job, "error", EXIT_INTERNAL, reason)
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


def run_watch(config: WatchConfig, crash: CrashHook = no_crash) -> int:
    return Watcher(config, crash).run()
