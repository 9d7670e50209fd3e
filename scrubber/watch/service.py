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

The parts: config.py (settings and constants), core.py (state, set-up, lock, crash hook),
intake.py (one settled file), jobs.py (scrub, commit, log), failures.py (the failed folder),
recovery.py (start-up after a crash); this module watches the inbox and runs them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import threading
import time
from typing import Any

from scrubber import __version__
from scrubber.api import EXIT_INTERNAL
from scrubber.watch import files
from scrubber.watch.config import (
    CRASH_ENV,
    CRASH_POINTS,
    DUPLICATE,
    MAX_ATTEMPTS,
    RETRY_SECONDS,
    STATE_DIR_NAME,
    ConfigError,
    WatchConfig,
)
from scrubber.watch.intake import Intake
from scrubber.watch.journal import Journal
from scrubber.watch.jsonlog import setup, where
from scrubber.watch.recovery import Recovery
from scrubber.watch.settle import Signature, is_ignored, looks_complete, signature

__all__ = [
    "CRASH_ENV",
    "CRASH_POINTS",
    "DUPLICATE",
    "MAX_ATTEMPTS",
    "RETRY_SECONDS",
    "STATE_DIR_NAME",
    "ConfigError",
    "WatchConfig",
    "Watcher",
    "run_watch",
]


class Watcher(Intake, Recovery):
    # -- the service
    def run(self) -> int:
        """Watch until stopped (or, with once, until what was there is done). Exit status."""
        teardown = setup(self.config.log)
        observer: Any = None
        previous: dict[int, Any] = {}
        try:
            for folder in (
                self.state,
                self.work_root,
                self.out,
                self.held,
                self.reports,
                self.archive,
                self.failed,
            ):
                files.make_dir(folder)
            self._lock()
            self._journal = Journal(self.state / "journal.sqlite3")
            if threading.current_thread() is threading.main_thread():
                for signum in (signal.SIGTERM, signal.SIGINT):
                    previous[signum] = signal.signal(signum, self._signal)
            self.log.info(
                "started",
                version=__version__,
                pid=os.getpid(),
                inbox=str(self.inbox),
                out=str(self.out),
                held=str(self.held),
                reports=str(self.reports),
                archive=str(self.archive),
                failed=str(self.failed),
                state=str(self.state),
                settle=self.config.settle,
                poll=self.config.poll,
                once=self.config.once,
                tr3=self.config.tr3,
                profile=self.config.profile,
            )
            self._clean_up()
            self._recover()
            if not self.config.once:
                observer = self._observe()
            self._loop()
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
            if self._journal is not None:
                self._journal.close()
                self._journal = None
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
            self.log.info("stopped", pid=os.getpid(), errors=self.errors)
            teardown()

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
            observer.schedule(Wake(), str(self.inbox), recursive=False)
            observer.start()
            return observer
        except Exception as error:  # e.g. out of inotify watches: the rescan still works
            self.log.warning("no file events; rescanning only", error=type(error).__name__)
            return None

    def _loop(self) -> None:
        once = self.config.once
        initial: set[str] | None = None
        finished: set[str] = set()
        while not self.stopping:
            self.wake.clear()
            now = time.monotonic()
            unfinished = self.journal.unfinished()
            if unfinished and now >= self._next_retry:
                self._resume(unfinished)
                self._next_retry = now + RETRY_SECONDS
                unfinished = self.journal.unfinished()
            busy = {job.name for job in unfinished}  # stuck half way: not a new file
            entries = {n: s for n, s in self._scan().items() if n not in busy}
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
                if not self._complete_enough(name, now):
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

    def _scan(self) -> dict[str, Signature]:
        try:
            entries = self._list_inbox()
        except OSError as error:  # e.g. a network mount gone for a moment: try again later
            if not self._inbox_trouble:
                self.log.error("cannot read the inbox", error=type(error).__name__)
            self._inbox_trouble = True
            return {}
        if self._inbox_trouble:
            self.log.info("the inbox can be read again")
            self._inbox_trouble = False
        return entries

    def _list_inbox(self) -> dict[str, Signature]:
        entries: dict[str, Signature] = {}
        with os.scandir(self.inbox) as listing:
            for entry in listing:
                if is_ignored(entry.name):
                    continue
                try:
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if stat.S_ISREG(st.st_mode):
                    entries[entry.name] = signature(st)
                elif not stat.S_ISDIR(st.st_mode) and entry.name not in self._warned:
                    self._warned.add(entry.name)
                    self.log.warning("not a regular file; left alone", file=entry.name)
        return entries

    def _complete_enough(self, name: str, now: float) -> bool:
        """Settled files that look truncated wait for `incomplete_wait` (see settle.py)."""
        path = self.inbox / name
        try:
            if looks_complete(path):
                return True
        except OSError:
            return True  # unreadable: handled (sent to failed) by _handle
        unchanged = self.tracker.unchanged_for(name, now)
        if self.config.once:  # no history across cron runs: judge by the file's own clock
            with contextlib.suppress(OSError):
                st = os.lstat(path)
                unchanged = max(unchanged, time.time() - max(st.st_mtime, st.st_ctime))
        if unchanged >= self.config.incomplete_wait:
            return True
        seen = self.tracker.seen[name]
        if not seen.waiting_logged:
            seen.waiting_logged = True
            self.log.info(
                "waiting: no IEA at the end yet",
                file=name,
                size=seen.signature[1],
                wait_s=self.config.incomplete_wait,
            )
        return False


def run_watch(config: WatchConfig) -> int:
    return Watcher(config).run()
