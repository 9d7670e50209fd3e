"""The watcher's folders: resolved from the configuration, the state folder kept private (0700,
ours, outside the inbox), its lock, and the check that a path read from the journal lies inside
them before anything is moved or removed."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from scrubber.watch import files
from scrubber.watch.config import ConfigError, WatchConfig
from scrubber.watch.journal import Job


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def default_state(inbox: Path, base: Path | None = None) -> Path:
    """A folder under the service user's state directory (``base``: systemd's $STATE_DIRECTORY,
    else $XDG_STATE_HOME, else ~/.local/state), one per inbox; never inside the inbox, which
    the sender owns."""
    if base is None:
        named = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
        named = named or os.environ.get("XDG_STATE_HOME", "")
        base = Path(named) if named else Path.home() / ".local" / "state"
    root = base
    digest = hashlib.sha256(str(inbox).encode()).hexdigest()[:12]
    return root / "scrub837" / f"watch-{inbox.name or 'root'}-{digest}"


def is_inside(path: Path, folder: Path) -> bool:
    """True when ``path`` names something inside ``folder`` (lexically, after ``..``)."""
    normal = Path(os.path.normpath(path))
    return normal != folder and normal.is_relative_to(folder)


@dataclass(frozen=True, slots=True)
class Folders:
    inbox: Path
    state: Path
    out: Path
    held: Path
    reports: Path
    archive: Path
    failed: Path

    @classmethod
    def of(cls, config: WatchConfig) -> Folders:
        inbox = _absolute(config.inbox)
        state = _absolute(config.state or default_state(inbox))
        out = _absolute(config.out)
        return cls(
            inbox=inbox,
            state=state,
            out=out,
            held=_absolute(config.held or out / "held"),
            reports=_absolute(config.reports or out / "reports"),
            archive=_absolute(config.archive or state / "archive"),
            failed=_absolute(config.failed or state / "failed"),
        )

    @property
    def work(self) -> Path:
        return self.state / "work"

    @property
    def outputs(self) -> tuple[Path, ...]:
        """Where outputs and inputs end up."""
        return (self.out, self.held, self.reports, self.archive, self.failed)

    def check(self, given_inbox: Path) -> None:
        """Usage errors in the folders, before anything is created."""
        if not self.inbox.is_dir():
            raise ConfigError(f"{given_inbox}: no such folder")
        named = zip(
            ("--out", "--held", "--reports", "--archive", "--failed"), self.outputs, strict=True
        )
        for option, folder in named:
            if folder == self.inbox:
                raise ConfigError(
                    f"{option} must not be the inbox itself (its files would be scrubbed again)"
                )
        if self.state == self.inbox or is_inside(self.state, self.inbox):
            raise ConfigError(
                f"--state {self.state} is inside the inbox, which the sender can write: give a "
                "folder outside it (for example /var/lib/scrub837/state)"
            )

    def prepare(self) -> None:
        """Create the folders (0700), then refuse a state folder others could tamper with."""
        self.state.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkdir(self.state, 0o700)
        private_state(self.state)
        for folder in (self.work, *self.outputs):
            files.make_dir(folder)
        journal = self.state / "journal.sqlite3"
        if os.path.lexists(journal):
            private_state(journal)

    def lock(self) -> int:
        """An flock on STATE/lock: one watcher per state folder. Returns the descriptor."""
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
        return fd

    def outside(self, job: Job) -> str | None:
        """Why a journal entry must not be acted on (a path outside the folders it may touch),
        or None when every path it names is where this watcher puts such things."""
        name = Path(job.name)
        if name.name != job.name or job.name in ("", ".", ".."):
            return f"input name {job.name!r} is not a file name in the inbox"
        if not is_inside(job.work, self.work):
            return f"work folder {job.work} is not inside {self.work}"
        if job.snapshot is not None and not is_inside(job.snapshot, job.work):
            return f"snapshot {job.snapshot} is not inside {job.work}"
        for _, source, destination in job.installs:
            if not is_inside(Path(source), job.work):
                return f"output {source} is not inside {job.work}"
            if not any(is_inside(Path(destination), f) for f in self.outputs):
                return f"output destination {destination} is not inside the output folders"
        if job.input_dest is not None and not any(
            is_inside(job.input_dest, f) for f in (self.archive, self.failed)
        ):
            return f"input destination {job.input_dest} is not inside --archive or --failed"
        return None


def private_state(path: Path) -> None:
    """Refuse (a usage error) a state folder or journal that another user owns or that group or
    others can write: whoever can write it can make the watcher move or remove files."""
    st = os.lstat(path)
    what = "state folder" if stat.S_ISDIR(st.st_mode) else "journal"
    if stat.S_ISLNK(st.st_mode):
        raise ConfigError(f"the {what} {path} is a symbolic link: give the real folder")
    if st.st_uid != os.geteuid():
        raise ConfigError(
            f"the {what} {path} belongs to uid {st.st_uid}, not to this user ({os.geteuid()}): "
            "give a folder of the watcher's own (created 0700 when it does not exist)"
        )
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ConfigError(
            f"the {what} {path} can be written by group or others (mode "
            f"{stat.S_IMODE(st.st_mode):04o}): chmod 700 it, or give a private folder"
        )
