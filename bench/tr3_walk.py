"""The compiled TR3 validator alone against pyx12's own pass, on generated files.

    python bench/tr3_walk.py [N ...] [--seed S] [--fuzz F]

For each N (default: 5000 20000) an N-claim 837P is generated (scrubber.synth.write_837); then,
each in a fresh process with the maps already loaded, validate_tr3(engine="pyx12") (pyx12's
reader, walker and validator on every segment) and validate_tr3(engine="compiled") are timed.
Printed: wall and CPU seconds, claims/s, the ratio pyx12 / compiled (CPU time, which a shared
machine disturbs less than wall time; wall time too), and whether both found the same errors.
With --fuzz F, F more fuzzed files go through both (the differential test runs 500 in CI).
The load average is printed with the figures: on a shared machine they move with it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scrubber.synth import write_837  # noqa: E402

ENGINES = ("pyx12", "compiled")


def measure(engine: str, path: Path) -> dict[str, object]:
    """In this process: the maps loaded first, then one timed validate_tr3."""
    from scrubber.x12.tr3 import Tr3Unavailable, validate_tr3
    from scrubber.x12.tr3.walk import _load_map

    _load_map("x12.control.00501.xml")
    _load_map("837.5010.X222.A1.xml")
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        errors: object = [repr(e) for e in validate_tr3(path, engine=engine)]
    except Tr3Unavailable as error:
        errors = f"unavailable: {error}"
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    digest = hashlib.sha256(json.dumps(errors).encode()).hexdigest()[:16]
    count = len(errors) if isinstance(errors, list) else 0
    return {"cpu": cpu, "wall": wall, "errors": count, "digest": digest}


def in_child(engine: str, path: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", engine, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{engine} on {path.name} failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout))


def fuzz(count: int, seed: int) -> tuple[int, int]:
    """count fuzzed files through both engines: (files, files whose errors differ)."""
    import random

    from scrubber.x12.tr3 import Tr3Unavailable, validate_tr3

    samples = sorted((ROOT / "x12_samples").glob("*.837"))
    bases = [p.read_text().split("~\n")[:-1] for p in samples if "not_x12" not in p.name]
    junk = ["", "*", ":", "99999999999999", "ABC", "-1", "20261340", "IL", "QC", "472", "\u00e9"]
    rng = random.Random(seed)
    differ = 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.837"
        for _ in range(count):
            segments = list(rng.choice(bases))
            for _ in range(rng.randint(1, 5)):
                at = rng.randrange(len(segments))
                action = rng.choice(["drop", "repeat", "element", "swap", "many"])
                if action == "drop" and len(segments) > 1:
                    del segments[at]
                elif action == "repeat":
                    segments.insert(at, segments[at])
                elif action == "many":
                    segments[at:at] = [segments[at]] * rng.randint(2, 40)
                elif action == "swap" and at + 1 < len(segments):
                    segments[at], segments[at + 1] = segments[at + 1], segments[at]
                elif action == "element":
                    elements = segments[at].split("*")
                    elements[rng.randrange(len(elements))] = rng.choice(junk)
                    segments[at] = "*".join(elements)
            path.write_text("~\n".join(segments) + "~\n")
            found = []
            for engine in ENGINES:
                try:
                    found.append(validate_tr3(path, engine=engine))
                except Tr3Unavailable as error:
                    found.append(str(error))  # type: ignore[arg-type]
            differ += found[0] != found[1]
    return count, differ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="compiled TR3 validator vs pyx12's walk")
    parser.add_argument("n", nargs="*", type=int, default=[5000, 20000], help="claims per file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fuzz", type=int, default=0, help="fuzzed files through both engines")
    parser.add_argument("--measure", nargs=2, metavar=("ENGINE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
        return 0

    print(
        f"TR3 walk alone: compiled vs pyx12 ({os.cpu_count()} cores; load average "
        f"{os.getloadavg()[0]:.1f} at the start: a shared machine moves these figures)"
    )
    print(
        f"{'claims':>7} {'engine':>9} {'wall s':>8} {'cpu s':>8} {'claims/s':>9} "
        f"{'errors':>7}  same errors"
    )
    same = True
    with tempfile.TemporaryDirectory(prefix="scrub837-tr3-") as folder:
        for n in args.n:
            path = Path(folder) / f"walk{n}.837"
            write_837(path, n, seed=args.seed)
            results = {engine: in_child(engine, path) for engine in ENGINES}
            agree = results["pyx12"]["digest"] == results["compiled"]["digest"]
            same &= agree
            for engine in ENGINES:
                r = results[engine]
                cpu, wall = float(r["cpu"]), float(r["wall"])  # type: ignore[arg-type]
                print(
                    f"{n:>7} {engine:>9} {wall:8.2f} {cpu:8.2f} {n / cpu:9.0f} "
                    f"{r['errors']:>7}  {'yes' if agree else 'NO'}"
                )
            p, c = results["pyx12"], results["compiled"]
            cpu_ratio = float(p["cpu"]) / float(c["cpu"])  # type: ignore[arg-type]
            wall_ratio = float(p["wall"]) / float(c["wall"])  # type: ignore[arg-type]
            print(
                f"{n:>7} compiled is {cpu_ratio:.1f}x pyx12 by CPU time, {wall_ratio:.1f}x by "
                f"wall time (goal 10x, stretch 20x)"
            )
    if args.fuzz:
        files, differ = fuzz(args.fuzz, args.seed)
        same &= differ == 0
        print(f"fuzzed files: {files}, with different errors: {differ}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
