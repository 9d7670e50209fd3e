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
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import stat
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from scrubber import __version__
from scrubber.api import EXIT_INTERNAL, EXIT_REJECTED, ScrubOptions, output_stem, scrub
from scrubber.watch import files
from scrubber.watch.journal import Install, Job, Journal
from scrubber.watch.jsonlog import EventLog, setup, where
from scrubber.watch.settle import (
    Signature,
    Tracker,
    identity,
    is_ignored,
    looks_complete,
    open_regular,
    signature,
)

CRASH_ENV = "SCRUB837_WATCH_CRASH_AT"
CRASH_POINTS = (
    "after-journal",  # the job is journaled, nothing scrubbed yet
    "after-scrub",  # outputs complete in staging, the journal does not know yet
    "after-stage",  # the journal lists the outputs, none is in place
    "between-outputs",  # the first output is in place, the others are not
    "before-move",  # every output is in place, the input is still in the inbox
    "after-move",  # the input is archived, the journal does not say done yet
)
RETRY_SECONDS = 30.0  # how often jobs stuck half way (e.g. on a full disk) are resumed
MAX_ATTEMPTS = 3  # a file whose scrub was interrupted this often goes to the failed folder
STATE_DIR_NAME = ".scrub837"
DUPLICATE = "duplicate: already processed, nothing written"


class ConfigError(Exception):
    """A usage problem found before watching starts."""


@dataclass(slots=True)
class WatchConfig:
    inbox: Path
    out: Path
    held: Path | None = None  # default: OUT/held
    reports: Path | None = None  # default: OUT/reports
    archive: Path | None = None  # default: STATE/archive
    failed: Path | None = None  # default: STATE/failed
    state: Path | None = None  # default: INBOX/.scrub837
    log: Path | None = None  # default: stderr
    settle: float = 10.0
    poll: float = 2.0
    incomplete_wait: float = 300.0
    once: bool = False
    tr3: bool = True
    profile: str = "default"
    mask_phi: bool = False
    jobs: int = 1
    code_sets: tuple[Path, ...] = ()


def _crash_points(spec: str) -> list[tuple[str, str, str]]:
    """`before-move`, `before-move@batch.837` (that file only), `raise:after-scrub@bad.837`."""
    points = []
    for entry in spec.split(","):
        entry = entry.strip()
        if not entry:
            continue
        action, _, rest = entry.partition(":") if entry.startswith("raise:") else ("", "", entry)
        point, _, name = rest.partition("@")
        if point not in CRASH_POINTS:
            raise ConfigError(f"{CRASH_ENV}: unknown point {point!r} (known: {CRASH_POINTS})")
        points.append((action or "kill", point, name))
    return points


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


class Watcher:
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

    def _create(self, **fields: Any) -> Job:
        job = self.journal.create(**fields)
        self._current = job
        return job

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

    def _choose_stem(self, name: str) -> str:
        """The input's stem, or stem-2, stem-3...: nothing it will write may already exist."""
        base = output_stem(Path(name))
        suffix = Path(name).suffix
        taken = self.journal.active_stems()
        n = 1
        while True:
            stem = base if n == 1 else f"{base}-{n}"
            names = [
                self.out / f"{stem}.clean.837",
                self.held / f"{stem}.held.837",
                self.reports / f"{stem}.report.json",
                self.reports / f"{stem}.report.html",
                self.failed / f"{stem}.report.json",
                self.failed / f"{stem}.report.html",
                self.archive / f"{stem}{suffix}",
                self.failed / f"{stem}{suffix}",
            ]
            if stem not in taken and not any(os.path.lexists(p) for p in names):
                return stem
            n += 1

    def _scrub(self, job: Job) -> None:
        """Scrub the snapshot into staging; journal the installs (state `staged`)."""
        assert job.snapshot is not None
        self.journal.update(job, attempts=job.attempts + 1)
        self.log.info(
            "scrubbing",
            file=job.name,
            stem=job.stem,
            sha256=job.sha256,
            size=job.identity[1] if job.identity else None,
            attempt=job.attempts,
        )
        staging = job.work / "staging"
        shutil.rmtree(staging, ignore_errors=True)
        folders = {key: staging / key for key in ("clean", "held", "reports")}
        for folder in folders.values():
            files.make_dir(folder)
        options = replace(
            self.options,
            out_dir=folders["clean"],
            held_dir=folders["held"],
            reports_dir=folders["reports"],
        )
        result = scrub(job.snapshot, options)
        self._crash("after-scrub", job)
        produced = {k: v for k, v in result.outputs.items() if v is not None}
        installs: list[Install] = []
        rejected = result.status == "rejected"
        if rejected:  # the report goes beside the input in the failed folder too
            for key in ("json", "html"):
                if key in produced:
                    installs.append(
                        ("copy", str(produced[key]), str(self.failed / produced[key].name))
                    )
        # the clean 837 last: when it appears (and an uploader may take it) all else is there
        for key, folder in (
            ("held", self.held),
            ("json", self.reports),
            ("html", self.reports),
            ("clean", self.out),
        ):
            if key in produced:
                installs.append(("move", str(produced[key]), str(folder / produced[key].name)))
        for _, source, _ in installs:
            files.fsync_file(Path(source))
        for folder in folders.values():
            files.fsync_dir(folder)
        self.journal.update(
            job,
            state="staged",
            status=result.status,
            exit_status=result.exit_status,
            counts=dict(result.counts),
            outputs={k: (v.name if v else None) for k, v in result.outputs.items()},
            installs=installs,
            input_dest=self._input_dest(job, self.failed if rejected else self.archive),
        )
        self._crash("after-stage", job)

    def _input_dest(self, job: Job, folder: Path) -> Path:
        return folder / files.unique_name(folder, job.stem, Path(job.name).suffix)

    def _commit(self, job: Job) -> None:
        """staged -> outputs in place -> committed -> input moved -> done. Safe to repeat."""
        if job.state == "staged":
            for n, (action, source, destination) in enumerate(job.installs):
                files.make_dir(Path(destination).parent)  # in case it was removed meanwhile
                if action == "copy":
                    files.copy(Path(source), Path(destination))
                else:
                    files.move(Path(source), Path(destination))
                if n == 0:
                    self._crash("between-outputs", job)
            self.journal.update(job, state="committed")
            self._crash("before-move", job)
        self._move_input(job)
        self._crash("after-move", job)
        self.journal.update(job, state="done", finished=time.time())
        shutil.rmtree(job.work, ignore_errors=True)

    def _move_input(self, job: Job) -> None:
        """Move the inbox file to its destination if it is still the file we scrubbed;
        otherwise (a new upload took its name, or it was already moved) archive the snapshot."""
        assert job.input_dest is not None
        files.make_dir(job.input_dest.parent)
        path = self.inbox / job.name
        try:
            st: os.stat_result | None = os.lstat(path)
        except FileNotFoundError:
            st = None
        moved = False
        if st is not None and stat.S_ISREG(st.st_mode) and job.identity == identity(st):
            moved = files.move(path, job.input_dest)
        if not moved and job.snapshot is not None:
            files.move(job.snapshot, job.input_dest)
        with contextlib.suppress(OSError):
            os.chmod(job.input_dest, 0o600)

    def _processed(self, job: Job, recovered: bool = False) -> None:
        fields: dict[str, Any] = {
            "file": job.name,
            "stem": job.stem,
            "sha256": job.sha256,
            "status": job.status,
            "exit_status": job.exit_status,
            "counts": job.counts,
            "duration_s": round((job.finished or time.time()) - job.started, 3),
            "outputs": job.outputs,
            "moved_to": str(job.input_dest),
        }
        if recovered:
            fields["recovered"] = True
        if job.kind == "scrub":
            self.log.info("processed", **fields)
        elif job.kind == "duplicate":
            self.log.info(DUPLICATE, **fields)
        else:
            self.log.error("failed", **fields)

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


def run_watch(config: WatchConfig) -> int:
    return Watcher(config).run()
