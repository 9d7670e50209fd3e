"""File moves that are atomic, durable and safe to repeat after a crash."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
from pathlib import Path

from scrubber.x12.writer import temporary_name

# `.NAME.PID.tmp`: what scrubber.x12.writer.temporary_name (and copy_into_place) write
TEMPORARY = re.compile(r"^\..+\.(\d+)\.tmp$")


def make_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # some file systems cannot fsync a folder
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def copy_into_place(source: Path, destination: Path) -> None:
    """Copy under a temporary name beside the destination (mode 0600), fsync, rename."""
    temporary = temporary_name(destination)
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out, source.open("rb") as stream:
            shutil.copyfileobj(stream, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, destination)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_dir(destination.parent)


def move(source: Path, destination: Path) -> bool:
    """Rename source to destination (copy + remove across file systems).

    Returns False when the source is gone: a repeat after a crash that had already moved it.
    """
    try:
        os.replace(source, destination)
    except FileNotFoundError:
        if source.exists():
            raise
        return False
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        copy_into_place(source, destination)
        source.unlink()
    fsync_dir(destination.parent)
    return True


def copy(source: Path, destination: Path) -> bool:
    if not source.exists():
        return False
    copy_into_place(source, destination)
    return True


def unique_name(folder: Path, stem: str, suffix: str, taken: set[str] | None = None) -> str:
    """`stem+suffix`, or `stem-2+suffix`, `stem-3+suffix`... whichever is free in `folder`."""
    taken = taken or set()
    n = 1
    while True:
        name = f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}"
        if name not in taken and not os.path.lexists(folder / name):
            return name
        n += 1


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(folder: Path) -> list[str]:
    """Remove `.NAME.PID.tmp` files whose writer (PID) is no longer running."""
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return removed
    for entry in entries:
        match = TEMPORARY.match(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False):
            continue
        if _alive(int(match.group(1))):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry.path)
            removed.append(entry.name)
    return removed
