"""Start-up with a content store: the time to scrub a one-claim file (date of service
2026-11-03) with 1 ICD-10-CM release (the packaged one) and with 4 (the packaged one plus three
fiscal years installed in a store). Only the release a file's dates need is opened, so the goal
is that 4 cost at most 0.1 s more than 1.

    python bench/content.py [--runs R]

The three installed releases are the packaged tabular XML installed under other dates (the
store indexes each once; the bench measures opening, not the codes)."""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scrubber.codesets.cache import packaged_sources  # noqa: E402
from scrubber.content.store import ContentStore  # noqa: E402
from scrubber.synth import write_837  # noqa: E402

SCRUB = [sys.executable, "-m", "scrubber", "scrub"]


def one_claim_file(folder: Path) -> Path:
    path = folder / "one.837"
    write_837(path, 1)
    text = re.sub(r"DTP\*472\*D8\*\d{8}", "DTP*472*D8*20261103", path.read_text())
    path.write_text(text)
    return path


def timed(path: Path, store: Path, out: Path, runs: int) -> float:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [*SCRUB, str(path), "--no-tr3", "--no-ledger", "-o", str(out), "--content", str(store)],
            capture_output=True,
            text=True,
        )
        seconds.append(time.perf_counter() - started)
        if done.returncode not in (0, 1):
            raise SystemExit(f"scrub failed ({done.returncode}): {done.stderr[-2000:]}")
    return statistics.median(seconds)


OPEN = """
import sys, time
from datetime import date
from pathlib import Path
started = time.perf_counter()
from scrubber.content.run import run_content
view = run_content(Path(sys.argv[1]))
index, covered = view.icd10cm_for(date(2026, 11, 3))
index.is_billable("M5450")
print(time.perf_counter() - started, view.code_sets.opened, len(view.code_sets))
"""


def opening(store: Path, runs: int) -> tuple[float, int, int]:
    """In a fresh process: the content view made and the release for the claim's date opened
    (less noisy than a whole scrub on a shared machine)."""
    found = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", OPEN, str(store)], capture_output=True, text=True, check=True
        )
        seconds, opened, total = done.stdout.split()
        found.append((float(seconds), int(opened), int(total)))
    return statistics.median(f[0] for f in found), found[0][1], found[0][2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-content-") as tmp:
        folder = Path(tmp)
        path = one_claim_file(folder)
        empty, full = folder / "store-1", folder / "store-4"
        empty.mkdir()
        store = ContentStore(full)
        started = time.perf_counter()
        xml, _codes = packaged_sources()
        for fy in (2025, 2026, 2027):
            store.add(xml, effective=date(fy - 1, 10, 1))
        setup = time.perf_counter() - started
        timed(path, empty, folder / "warm", 1)  # warm the packaged index cache
        one = timed(path, empty, folder / "out-1", args.runs)
        four = timed(path, full, folder / "out-4", args.runs)
        print(f"content store: installing 3 ICD-10-CM releases took {setup:.1f} s (once)")
        print(f"scrub a one-claim file (DOS 2026-11-03), median of {args.runs} runs:")
        print(f"  1 ICD-10-CM release  (packaged)            {one:6.3f} s")
        print(f"  4 ICD-10-CM releases (packaged + 3 stored)  {four:6.3f} s")
        verdict = "met" if four - one <= 0.1 else "NOT met"
        print(f"  difference {four - one:+.3f} s (goal: at most +0.100 s: {verdict})")
        print("open the content for that date in a fresh process (view + release), median:")
        for label, where in (("1 release ", empty), ("4 releases", full)):
            seconds, opened, total = opening(where, args.runs)
            print(f"  {label}  {seconds:6.3f} s  ({opened} of {total} releases opened)")


if __name__ == "__main__":
    main()
