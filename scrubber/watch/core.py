"""The watcher's state and set-up: resolved folders, scrub options, settle tracker, event log,
the journal and the state-folder lock, stopping, and the crash test hook (see service.py)."""

from __future__ import annotations

import fcntl
import os
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from scrubber.api import ScrubOptions
from scrubber.watch.config import (
    CRASH_ENV,
    STATE_DIR_NAME,
    ConfigError,
    WatchConfig,
    _crash_points,
)
from scrubber.watch.journal import Job, Journal
from scrubber.watch.jsonlog import EventLog
from scrubber.watch.settle import Tracker


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


class WatcherCore:
    """State shared by the parts of :class:`scrubber.watch.service.Watcher`."""

    def __init__(self, config: WatchConfig) -> None:
        self.config = config
        self.inbox = _absolute(config.inbox)
        self.state = _absolute(config.state or self.inbox / STATE_DIR_NAME)
        self.out = _absolute(config.out)
        self.held = _absolute(config.held or self.out / "held")
        self.reports = _absolute(config.reports or self.out / "reports")
        self.archive = _absolute(config.archive or self.state / "archive")
        self.failed = _absolute(config.failed or self.state / "failed")
        self.work_root = self.state / "work"
        self.options = ScrubOptions(
            tr3=config.tr3,
            jobs=config.jobs,
            profile=config.profile,
            mask_phi=config.mask_phi,
            code_sets=config.code_sets,
            ledger=config.ledger,
        )
        self.tracker = Tracker(config.settle, config.incomplete_wait)
        self.log = EventLog()
        self.wake = threading.Event()
        self.stopping = False
        self.errors = 0
        self.crash_points = _crash_points(os.environ.get(CRASH_ENV, ""))
        self._journal: Journal | None = None
        self._lock_fd: int | None = None
        self._warned: set[str] = set()
        self._current: Job | None = None  # the job in hand, once journaled
        self._next_retry = 0.0
        self._inbox_trouble = False
        self._check()

    # -- set-up
    def _check(self) -> None:
        if not self.inbox.is_dir():
            raise ConfigError(f"{self.config.inbox}: no such folder")
        for label, folder in (
            ("--out", self.out),
            ("--held", self.held),
            ("--reports", self.reports),
            ("--archive", self.archive),
            ("--failed", self.failed),
        ):
            if folder == self.inbox:
                raise ConfigError(
                    f"{label} must not be the inbox itself (its files would be scrubbed again)"
                )
        if self.config.settle < 0 or self.config.poll <= 0:
            raise ConfigError("--settle must be >= 0 and --poll > 0")
        from scrubber.catalogue import CatalogueError, load_profile

        try:
            load_profile(self.config.profile)
        except CatalogueError as error:
            raise ConfigError(str(error)) from error

    @property
    def journal(self) -> Journal:
        assert self._journal is not None, "the journal is opened by run()"
        return self._journal

    def stop(self, *_: Any) -> None:
        """Finish the file in hand, then return from run() (SIGTERM and SIGINT call this)."""
        self.stopping = True
        self.wake.set()

    def _signal(self, signum: int, frame: FrameType | None) -> None:
        if not self.stopping:
            self.log.info("stopping", signal=signal.Signals(signum).name)
        self.stop()

    def _crash(self, point: str, job: Job) -> None:
        """Test hook (SCRUB837_WATCH_CRASH_AT): die as `kill -9` would at a named point, or
        with ``raise:`` raise an error there (an internal error on that file)."""
        for action, wanted, name in self.crash_points:
            if wanted == point and name in ("", job.name):
                if action == "raise":
                    raise RuntimeError(f"{CRASH_ENV}: {point}")
                os.kill(os.getpid(), signal.SIGKILL)

    def _lock(self) -> None:
        fd = os.open(self.state / "lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigError(
                f"another scrub837 watch is already using the state folder {self.state}"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd
