"""Benchmark `scrub837 remit` on generated 835s of 20,000 and 100,000 claims (or the sizes given).

    python bench/remit_bench.py [N ...] [--validate-up-to N] [--keep]

For each N: write N synthetic claims (scrubber.synth.write_837) and scrub them without TR3 into a
fresh claim ledger (set-up, timed apart), write the 835 that pays them with a planted denial
(scrubber.synth835.write_835, streamed), then time `scrub837 remit` reading it into that ledger
(matching every CLP) without pyx12's validation, and with it for N up to --validate-up-to. Peak
memory as bench/bench.py measures it (psutil's tree RSS, else GNU time). Flat memory means the
peak hardly moves from 20,000 to 100,000 claims. Peers measured on a 20,000-CLP 835 on this
machine (issue 14): edi-835-parser 2.7 s and 264 MiB, openx12 1.8 s and 304 MiB (both hold the
file), oxedi (Rust) 0.22 s, 0.36 s streaming.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _gnu_time_works, fmt_kb, run, tail, tool  # noqa: E402  (bench/bench.py beside this script)
from scrubber.synth import write_837  # noqa: E402
from scrubber.synth835 import Denial, write_835  # noqa: E402

PLANTED = (Denial("97140", diagnosis="M5459"),)


def _cpu() -> float:
    """User + system seconds of the children this process waited for (a shared machine's load
    stretches wall time; CPU time says what the step itself cost)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_size(n: int, work: Path, exe: str, validate: bool, use_gnu_time: bool) -> list[str]:
    folder = work / str(n)
    folder.mkdir()
    claims, remittance, ledger = folder / "b.837", folder / "b.835", folder / "ledger.sqlite3"
    started = time.perf_counter()
    write_837(claims, n)
    write_835(remittance, n, denials=PLANTED)
    generated = time.perf_counter() - started
    rc, err, seconds, peak, _ = run(
        [exe, "scrub", str(claims), "-o", str(folder / "out"), "--no-tr3", "--ledger", str(ledger)],
        folder,
        use_gnu_time,
    )
    rows = [
        f"{n} claims: 835 {remittance.stat().st_size / 1e6:.1f} MB, generated in {generated:.1f} s;"
        f" set-up scrub --no-tr3 into the ledger {seconds:.1f} s ({fmt_kb(peak)}, exit {rc})"
    ]
    steps = [("remit --no-validate", ["--no-validate"])]
    if validate:
        steps.append(("remit (pyx12 835 map)", []))
    for name, extra in steps:
        copy = folder / f"{name.split()[0]}-{len(extra)}.sqlite3"
        shutil.copyfile(ledger, copy)  # each step reads the 835 into the same fresh ledger
        before = _cpu()
        rc, err, seconds, peak, how = run(
            [exe, "remit", str(remittance), "--ledger", str(copy), *extra], folder, use_gnu_time
        )
        cpu = _cpu() - before
        verdict = "ok" if rc in (0, 1) else f"exit {rc}\n{tail(err)}"
        rows.append(
            f"  {name:24} {seconds:8.2f} s wall {cpu:7.2f} s CPU {n / seconds:9.0f} claims/s"
            f" {fmt_kb(peak):>9}  {verdict} ({how})"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="scrub837 remit benchmark")
    parser.add_argument("sizes", nargs="*", type=int, default=[20_000, 100_000])
    parser.add_argument("--validate-up-to", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    exe = tool("scrub837")
    if exe is None:
        print("scrub837 not found next to the interpreter or on PATH")
        return 1
    work = Path(tempfile.mkdtemp(prefix="scrub837-remit-bench-"))
    use_gnu_time = _gnu_time_works()
    try:
        for n in args.sizes:
            print(f"running remit on {n} claims ...", flush=True)
            for row in one_size(n, work, exe, n <= args.validate_up_to, use_gnu_time):
                print(row, flush=True)
        return 0
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
