"""The file-status rule of SPEC.md, computed in one place: rejected, held or clean.

The JSON report's `status`, the exit status, the watcher's routing, the desk and the
acknowledgments all take a file's status from `file_status`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

FileStatus = Literal["clean", "held", "rejected"]


def file_status(
    *,
    checked_claims: int,
    held_claims: int,
    rejected_claims: int,
    file_severities: Iterable[str],
    rejected_whole: bool = False,
) -> FileStatus:
    """`rejected` when no claim could be read and checked (or the file was refused whole);
    `held` when a claim is held or rejected, or an error stands at file, interchange, group or
    transaction level; `clean` only when none of these holds."""
    if rejected_whole or checked_claims == 0:
        return "rejected"
    if held_claims or rejected_claims or any(s == "error" for s in file_severities):
        return "held"
    return "clean"
