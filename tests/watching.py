"""What the watcher tests share: the folders of a run, its JSON log, claim ids of 837 files,
synthetic uploads, a watcher in a thread, and the exactly-once check."""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from scrubber.synth import ClaimSpec, build_837
from scrubber.watch import WatchConfig, Watcher

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "x12_samples"


# -- helpers shared by the watch tests
def watch_command() -> list[str]:
    """`python -m scrubber watch` once the command is registered on the main group."""
    try:
        from scrubber.cli import main
    except ImportError:  # the main CLI mid-change: the command itself does not need it
        main = None
    if "watch" in getattr(main, "commands", {}):
        return [sys.executable, "-m", "scrubber", "watch"]
    return [sys.executable, "-c", "from scrubber.cli_watch import watch; watch()"]


def segments(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8", "surrogateescape").lstrip("\ufeff").lstrip()
    element, terminator = text[3], text[105]
    return [s.strip().split(element) for s in text.split(terminator) if s.strip()]


def claim_ids(path: Path) -> list[str]:
    return [s[1] for s in segments(path) if s[0] == "CLM"]


def synth_file(path: Path, claims: int, prefix: str, control: int = 1) -> list[str]:
    ids = [f"{prefix}{n:04d}" for n in range(1, claims + 1)]
    text = build_837([ClaimSpec(claim_id=i) for i in ids], control_number=control)
    path.write_text(text, encoding="ascii")
    return ids


@dataclass
class Dirs:
    inbox: Path
    out: Path
    held: Path
    reports: Path
    archive: Path
    failed: Path
    state: Path
    log: Path

    @classmethod
    def make(cls, root: Path, inbox: Path | None = None, state: Path | None = None) -> Dirs:
        inbox = inbox or root / "inbox"
        inbox.mkdir(parents=True, exist_ok=True)
        return cls(
            inbox=inbox,
            out=root / "out",
            held=root / "held",
            reports=root / "reports",
            archive=root / "archive",
            failed=root / "failed",
            state=state or root / "state",
            log=root / "watch.log",
        )

    def config(self, **changes: Any) -> WatchConfig:
        values: dict[str, Any] = dict(
            inbox=self.inbox,
            out=self.out,
            held=self.held,
            reports=self.reports,
            archive=self.archive,
            failed=self.failed,
            state=self.state,
            log=self.log,
            settle=0.0,
            poll=0.2,
            tr3=False,
        )
        values.update(changes)
        return WatchConfig(**values)

    def args(self, *extra: str) -> list[str]:
        return [
            str(self.inbox),
            "--out", str(self.out),
            "--held", str(self.held),
            "--reports", str(self.reports),
            "--archive", str(self.archive),
            "--failed", str(self.failed),
            "--state", str(self.state),
            "--log", str(self.log),
            *extra,
        ]  # fmt: skip

    def output_dirs(self) -> list[Path]:
        return [self.out, self.held, self.reports, self.archive, self.failed]


def read_log(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").split("\n")[:-1]  # not a line being written
    return [json.loads(line) for line in lines if line.strip()]


def events(path: Path, event: str) -> list[dict[str, Any]]:
    return [e for e in read_log(path) if e["event"].startswith(event)]


def timestamp(entry: dict[str, Any]) -> float:
    return datetime.fromisoformat(entry["ts"]).timestamp()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def temporaries(*folders: Path) -> list[Path]:
    found: list[Path] = []
    for folder in folders:
        if folder.exists():
            found += [p for p in folder.rglob("*") if p.name.endswith(".tmp")]
    return found


def assert_exactly_once(
    dirs: Dirs, inputs: dict[str, list[str]], left: tuple[str, ...] = ()
) -> None:
    """Every input processed once: archived (or failed) once, its claims exactly once across
    its clean and held outputs, no other outputs, no temporary files, nothing left to do."""
    processed = events(dirs.log, "processed")
    names = Counter(e["file"] for e in processed)
    assert names == Counter(list(inputs)), f"processed {names}, expected {sorted(inputs)}"
    stems = {e["file"]: e["stem"] for e in processed}
    everything: Counter[str] = Counter()
    for name, ids in inputs.items():
        stem = stems[name]
        clean = dirs.out / f"{stem}.clean.837"
        held = dirs.held / f"{stem}.held.837"
        got = (claim_ids(clean) if clean.exists() else []) + (
            claim_ids(held) if held.exists() else []
        )
        assert Counter(got) == Counter(ids), f"{name}: claims out {got}, in {ids}"
        assert (dirs.reports / f"{stem}.report.json").exists()
        everything.update(got)
    outputs = list(dirs.out.glob("*.clean.837")) + list(dirs.held.glob("*.held.837"))
    found: Counter[str] = Counter()
    for path in outputs:
        found.update(claim_ids(path))
    assert found == everything, "outputs hold claims of no processed input"
    assert len(list(dirs.reports.glob("*.report.json"))) == len(inputs)
    landed = sorted(p.name for p in [*dirs.archive.iterdir(), *dirs.failed.iterdir()])
    moved = sorted(Path(e["moved_to"]).name for e in processed)
    assert sorted(set(moved)) == moved and set(moved) <= set(landed)
    assert sorted(p.name for p in dirs.inbox.iterdir() if not p.name.startswith(".")) == sorted(
        left
    )
    assert temporaries(*dirs.output_dirs()) == []
    assert list((dirs.state / "work").iterdir()) == []


class Background:
    """A watcher running in a thread of this process (daemon mode); stop() returns its status."""

    def __init__(self, config: WatchConfig) -> None:
        self.watcher = Watcher(config)
        self.status: int | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.status = self.watcher.run()

    def stop(self) -> int | None:
        self.watcher.stop()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()
        return self.status


def phi_values(paths: list[Path]) -> set[str]:
    """Names, member ids, birth dates and diagnosis codes in these files."""
    found: set[str] = set()
    for path in paths:
        for seg in segments(path):
            if seg[0] == "NM1" and seg[1] in ("IL", "QC") and len(seg) > 3:
                found.update(v for v in (seg[3], seg[4] if len(seg) > 4 else "") if v)
                if len(seg) > 9 and seg[9]:
                    found.add(seg[9])
            elif seg[0] == "DMG" and len(seg) > 2:
                found.add(seg[2])
            elif seg[0] == "HI":
                for element in seg[1:]:
                    parts = re.split(r"[:>]", element)
                    if len(parts) > 1 and parts[1]:
                        found.add(parts[1])
    return {v for v in found if len(v) >= 3}
