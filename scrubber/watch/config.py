"""Settings of `scrub837 watch`: the configuration, the usage error, the service's constants and
the crash test hook (see service.py)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    state: Path | None = None  # default: under the user's state directory (folders.py)
    log: Path | None = None  # default: stderr
    settle: float = 10.0
    poll: float = 2.0
    incomplete_wait: float = 300.0
    once: bool = False
    tr3: bool = True
    tr3_engine: str | None = None  # ScrubOptions.tr3_engine
    profile: str = "default"
    mask_phi: bool = False
    jobs: int = 1
    code_sets: tuple[Path, ...] = ()
    ledger: Path | bool = True  # the claim ledger (ScrubOptions.ledger)
    cluster: Any = None  # ScrubOptions.cluster: each file's TR3 chunks on a Dask cluster


#: Called at each named point of a job with the point and the job's input name (a test hook).
CrashHook = Callable[[str, str], None]


def no_crash(point: str, name: str) -> None:
    """The hook of a real run: nothing happens at the points."""


def crash_hook(spec: str) -> CrashHook:
    """The test hook SCRUB837_WATCH_CRASH_AT=SPEC: die as `kill -9` would at a named point, or
    with ``raise:`` raise an error there (an internal error on that file)."""
    points = _crash_points(spec)
    if not points:
        return no_crash

    def crash(point: str, name: str) -> None:
        for action, wanted, only in points:
            if wanted == point and only in ("", name):
                if action == "raise":
                    raise RuntimeError(f"{CRASH_ENV}: {point}")
                os.kill(os.getpid(), signal.SIGKILL)

    return crash


def crash_hook_from_environment() -> CrashHook:
    return crash_hook(os.environ.get(CRASH_ENV, ""))


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
