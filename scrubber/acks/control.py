"""Control numbers for the acknowledgments: a counter file that holds the last number used.

Every run takes a block of numbers at once: the counter file is locked (an exclusive `flock` on
a lock file beside it), read, and replaced by a new file holding the last number of the block,
written under a temporary name, synced and renamed into place. Two runs sharing a counter file
never get the same number; a run that crashes half-way leaves the old number or the new one,
never a torn file. Numbers run 1..999,999,999 (ISA13 is nine digits) and wrap to 1.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

MAX_CONTROL_NUMBER = 999_999_999


class ControlFileError(Exception):
    """The counter file cannot be used (unreadable content, no permission)."""


def _read_last(path: Path) -> int:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return 0
    except (OSError, UnicodeDecodeError) as error:
        raise ControlFileError(f"cannot read the control-number file {path}: {error}") from None
    if not text:
        return 0
    if not text.isdigit() or int(text) > MAX_CONTROL_NUMBER:
        raise ControlFileError(
            f"the control-number file {path} must hold one number from 0 to "
            f"{MAX_CONTROL_NUMBER} (the last control number used), not {text[:20]!r}"
        )
    return int(text)


def _write_last(path: Path, number: int) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, f"{number}\n".encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)


def allocate(path: Path, count: int) -> list[int]:
    """Take the next `count` control numbers from the counter file at `path` (created when
    missing) and return them in order."""
    if count < 1:
        return []
    if count > MAX_CONTROL_NUMBER:
        raise ValueError("too many control numbers asked for at once")
    path = Path(path)
    lock_path = path.with_name(path.name + ".lock")
    try:
        lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise ControlFileError(f"cannot lock the control-number file {path}: {error}") from None
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        last = _read_last(path)
        numbers = [(last + i - 1) % MAX_CONTROL_NUMBER + 1 for i in range(1, count + 1)]
        try:
            _write_last(path, numbers[-1])
        except OSError as error:
            raise ControlFileError(
                f"cannot update the control-number file {path}: {error}"
            ) from None
        return numbers
    finally:
        os.close(lock_fd)  # closing the descriptor releases the lock
