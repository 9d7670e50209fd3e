"""The inbox as the watcher sees it: the regular files to consider (upload temporaries, hidden
files and links left alone), a network mount that comes and goes, and whether a settled file
looks complete enough to take."""

from __future__ import annotations

import contextlib
import os
import stat
import time
from pathlib import Path

from scrubber.watch.config import WatchConfig
from scrubber.watch.jsonlog import EventLog
from scrubber.watch.settle import Signature, Tracker, is_ignored, looks_complete, signature


class Inbox:
    def __init__(self, path: Path, tracker: Tracker, log: EventLog, config: WatchConfig) -> None:
        self.path = path
        self.tracker = tracker
        self.log = log
        self.once = config.once
        self.incomplete_wait = config.incomplete_wait
        self._warned: set[str] = set()
        self._trouble = False

    def scan(self) -> dict[str, Signature]:
        """The regular files to consider, by name (none while the inbox cannot be read)."""
        try:
            entries = self._list()
        except OSError as error:  # e.g. a network mount gone for a moment: try again later
            if not self._trouble:
                self.log.error("cannot read the inbox", error=type(error).__name__)
            self._trouble = True
            return {}
        if self._trouble:
            self.log.info("the inbox can be read again")
            self._trouble = False
        return entries

    def _list(self) -> dict[str, Signature]:
        entries: dict[str, Signature] = {}
        with os.scandir(self.path) as listing:
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

    def complete_enough(self, name: str, now: float) -> bool:
        """Settled files that look truncated wait for `incomplete_wait` (see settle.py)."""
        path = self.path / name
        try:
            if looks_complete(path):
                return True
        except OSError:
            return True  # unreadable: the watcher sends it to the failed folder
        unchanged = self.tracker.unchanged_for(name, now)
        if self.once:  # no history across cron runs: judge by the file's own clock
            with contextlib.suppress(OSError):
                st = os.lstat(path)
                unchanged = max(unchanged, time.time() - max(st.st_mtime, st.st_ctime))
        if unchanged >= self.incomplete_wait:
            return True
        seen = self.tracker.seen[name]
        if not seen.waiting_logged:
            seen.waiting_logged = True
            self.log.info(
                "waiting: no IEA at the end yet",
                file=name,
                size=seen.signature[1],
                wait_s=self.incomplete_wait,
            )
        return False
