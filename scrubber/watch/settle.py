"""When is an uploaded file complete? Names to ignore, the settle clock, and the IEA check.

A file is *settled* when its size, mtime, ctime and inode have not changed for ``settle`` seconds
of our own clock (the watcher's observations, not the file system's timestamps, so a skewed NFS
clock or a client that sets mtime cannot make a growing file look old). A settled file that is an
X12 interchange but does not yet end with an IEA segment is probably a stalled upload: it waits
until it has been unchanged for ``incomplete_wait`` seconds before it is scrubbed (and then
rejected as truncated).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

IGNORED_SUFFIXES = (".tmp", ".part", ".filepart")


def is_ignored(name: str) -> bool:
    """Upload clients' temporary names (and hidden files) are left alone until renamed."""
    lowered = name.lower()
    return name.startswith(".") or lowered.endswith(IGNORED_SUFFIXES)


Signature = tuple[int, int, int, int]  # inode, size, mtime_ns, ctime_ns


def signature(st: os.stat_result) -> Signature:
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def identity(st: os.stat_result) -> tuple[int, int, int]:
    """Same file, same bytes (a chmod changes ctime but not this)."""
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def open_regular(path: Path) -> int:
    """Open a regular file for reading without following a symlink or blocking on a FIFO."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path.name} is not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd


def looks_complete(path: Path) -> bool:
    """False when the file is an X12 interchange whose last segment is not IEA (or is empty).

    Anything that does not start like X12 counts as complete: the scrubber rejects it with a
    report, which is what should happen to a PDF dropped in the inbox.
    """
    fd = open_regular(path)
    with os.fdopen(fd, "rb") as stream:
        head = stream.read(512)
        size = os.fstat(stream.fileno()).st_size
        stream.seek(max(0, size - 1024))
        tail = stream.read()
    if not head:
        return False
    text = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    text = text.lstrip()
    if not text.startswith(b"ISA"):
        return True
    if len(text) < 106:
        return False
    element, terminator = text[3:4], text[105:106]
    end = tail.rstrip(b" \t\r\n\x00\x1a")  # some systems pad or end files with ^Z
    if terminator not in b" \t\r\n" and end.endswith(terminator):
        end = end[:-1]
    last = end.rsplit(terminator, 1)[-1].strip()
    return last.startswith(b"IEA" + element)


@dataclass(slots=True)
class Seen:
    signature: Signature
    since: float  # our clock when this signature was first seen
    waiting_logged: bool = False


class Tracker:
    """The candidate files in the inbox and how long each has been unchanged."""

    def __init__(self, settle: float, incomplete_wait: float) -> None:
        self.settle = settle
        self.incomplete_wait = incomplete_wait
        self.seen: dict[str, Seen] = {}
        # could not be handled: left alone until it changes or `retry` seconds have passed
        self.skipped: dict[str, tuple[Signature, float]] = {}

    def update(self, entries: dict[str, Signature], now: float) -> None:
        for name in list(self.seen):
            if name not in entries:
                del self.seen[name]
        for name, (sig, until) in list(self.skipped.items()):
            if entries.get(name) != sig or now >= until:
                del self.skipped[name]
        for name, sig in entries.items():
            if name in self.skipped:
                continue
            current = self.seen.get(name)
            if current is None or current.signature != sig:
                self.seen[name] = Seen(sig, now)

    def settled(self, now: float) -> list[str]:
        """Names unchanged for `settle` seconds, oldest first."""
        ready = [(s.since, n) for n, s in self.seen.items() if now - s.since >= self.settle]
        return [name for _, name in sorted(ready)]

    def unchanged_for(self, name: str, now: float) -> float:
        return now - self.seen[name].since

    def next_deadline(self, now: float) -> float | None:
        """Seconds until the next file could settle, if any is waiting."""
        waits = [s.since + self.settle - now for s in self.seen.values()]
        future = [w for w in waits if w > 0]
        return min(future) if future else None

    def forget(self, name: str) -> None:
        self.seen.pop(name, None)

    def skip(self, name: str, sig: Signature, now: float, retry: float) -> None:
        self.seen.pop(name, None)
        self.skipped[name] = (sig, now + retry)
