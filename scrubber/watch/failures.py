"""What the watcher says when a file fails: the short report that goes beside it in the failed
folder, and the reasons it gives (the job runner sends the file there)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scrubber import __version__
from scrubber.watch.journal import Job


def unreadable(name: str, error: OSError) -> str:
    return (
        f"{name} could not be read ({error.strerror or type(error).__name__}). Check the "
        "file's permissions and upload it again."
    )


def internal_error(name: str, error: BaseException) -> str:
    return (
        f"scrub837 hit an internal error ({type(error).__name__}) on {name}. "
        "This is a bug, not a problem with the file; the watcher log has the details."
    )


def interrupted(name: str, attempts: int) -> str:
    return (
        f"Scrubbing {name} was interrupted {attempts} times (the service was killed or ran out "
        "of memory while on it)."
    )


def failure_report(job: Job, status: str, reason: str) -> dict[str, Any]:
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
