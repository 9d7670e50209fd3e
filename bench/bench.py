"""Benchmark scrub837 against pyx12's own x12valid on one generated N-claim file.

    python bench/bench.py [N] [--seed S] [--lines L] [--jobs J] [--keep] [--generate-only]

N comes from the first argument, else the environment variable BENCH_N, else 5000. In one run:
generate the file with scrubber.synth.write_837 (streamed), then time
  (a) x12valid FILE                      (pyx12's full TR3 map walk; it exits 1 even when valid)
  (b) scrub837 scrub FILE -o OUT         (TR3 on)
  (c) scrub837 scrub FILE -o OUT --no-tr3
  (d) scrub837 scrub FILE -o OUT --jobs J
and print seconds, claims/s, the time as a fraction of x12valid's, and peak memory. A step that
fails prints the tail of its stderr and the run goes on.

Peak memory: with psutil installed, the sampled sum of RSS over the child's process tree (so
--jobs workers count); otherwise GNU /usr/bin/time -v (largest single process in the tree);
otherwise getrusage(RUSAGE_CHILDREN), which only shows a peak above every earlier child's.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scrubber.synth import iter_synth_claims, write_837  # noqa: E402

DEFAULT_N = 5000
GNU_TIME = Path("/usr/bin/time")
TAIL_LINES = 15


@dataclass
class Step:
    name: str
    seconds: float | None = None
    peak_kb: int | None = None
    peak_note: str = ""
    ok: bool = False
    note: str = ""


def tool(name: str) -> str | None:
    """The console script next to this interpreter, else one on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    return shutil.which(name)


def tail(text: str, lines: int = TAIL_LINES) -> str:
    return "\n".join("    " + line for line in text.rstrip().splitlines()[-lines:])


def _gnu_time_works() -> bool:
    if not GNU_TIME.exists():
        return False
    probe = subprocess.run(
        [str(GNU_TIME), "-v", "true"], capture_output=True, text=True, check=False
    )
    return "Maximum resident set size" in probe.stderr


def _run_psutil(argv: Sequence[str], cwd: Path) -> tuple[int, str, float, int]:
    import psutil

    stderr_path = cwd / ".bench-stderr"
    peak = 0
    with open(stderr_path, "w+b") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        parent = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                tree = [parent, *parent.children(recursive=True)]
                rss = 0
                for member in tree:
                    with contextlib.suppress(psutil.Error):
                        rss += member.memory_info().rss
                peak = max(peak, rss // 1024)
            except psutil.Error:
                pass
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    stderr_path.unlink()
    return proc.returncode, stderr, seconds, peak


def run(argv: Sequence[str], cwd: Path, use_gnu_time: bool) -> tuple[int, str, float, int, str]:
    """Run argv: (exit status, stderr, seconds, peak RSS in KiB, how the peak was measured)."""
    if importlib.util.find_spec("psutil") is not None:
        rc, stderr, seconds, peak = _run_psutil(argv, cwd)
        return rc, stderr, seconds, peak, "tree RSS (psutil)"
    if use_gnu_time:
        report = cwd / ".bench-time"
        started = time.perf_counter()
        done = subprocess.run(
            [str(GNU_TIME), "-v", "-o", str(report), *argv],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report.read_text())
        report.unlink()
        return done.returncode, done.stderr, seconds, int(found.group(1)) if found else 0, "max RSS"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if after > before:
        return done.returncode, done.stderr, seconds, after, "max RSS"
    return done.returncode, done.stderr, seconds, before, "max RSS, at most"


def count_claims(path: Path) -> int:
    """CLM segments in an 837 file (terminator from the ISA)."""
    text = path.read_text(encoding="utf-8", errors="surrogateescape").lstrip("\ufeff \r\n\t")
    if len(text) < 106:
        return 0
    return sum(1 for s in text.split(text[105]) if s.lstrip().startswith("CLM" + text[3]))


def x12valid_step(exe: str | None, source: Path, work: Path, use_gnu_time: bool) -> Step:
    step = Step("x12valid (pyx12)")
    if exe is None:
        step.note = "x12valid not found next to the interpreter or on PATH"
        return step
    folder = work / "x12valid"
    folder.mkdir()
    copy = folder / source.name  # x12valid writes a .997 next to its input
    shutil.copyfile(source, copy)
    rc, stderr, seconds, peak, how = run([exe, copy.name], folder, use_gnu_time)
    step.seconds, step.peak_kb, step.peak_note = seconds, peak, how
    if f"{copy.name}: OK" in stderr:
        step.ok, step.note = True, "OK"
    elif f"{copy.name}: Failure" in stderr:
        step.ok, step.note = True, "Failure (TR3 errors reported)"
    else:
        step.note = f"no verdict (exit {rc})\n{tail(stderr)}"
    return step


def scrub_step(
    name: str,
    exe: str | None,
    source: Path,
    work: Path,
    extra: list[str],
    use_gnu_time: bool,
    n_claims: int,
) -> Step:
    step = Step(name)
    if exe is None:
        step.note = "scrub837 not found next to the interpreter or on PATH"
        return step
    out = work / re.sub(r"\W+", "_", name).strip("_")
    out.mkdir()
    rc, stderr, seconds, peak, how = run(
        [exe, "scrub", str(source), "-o", str(out), *extra], work, use_gnu_time
    )
    step.seconds, step.peak_kb, step.peak_note = seconds, peak, how
    if rc not in (0, 1):  # 1 = some claims held, expected with planted defects
        step.note = f"exit {rc}\n{tail(stderr)}"
        return step
    stem = source.stem
    clean, held = out / f"{stem}.clean.837", out / f"{stem}.held.837"
    counts = [count_claims(p) if p.exists() else 0 for p in (clean, held)]
    step.ok = True
    step.note = f"exit {rc}; clean {counts[0]} + held {counts[1]} claims"
    if sum(counts) != n_claims:
        step.note += f"  (!= {n_claims} in: conservation broken)"
    return step


def fmt_kb(kb: int | None) -> str:
    if not kb:
        return "-"
    return f"{kb / 1024:.0f} MiB"


def report(steps: list[Step], n_claims: int) -> None:
    base = steps[0].seconds if steps and steps[0].ok else None
    print(f"\n{'step':32} {'seconds':>9} {'claims/s':>10} {'/x12valid':>10} {'peak':>9}  result")
    for step in steps:
        if step.seconds is None:
            print(f"{step.name:32} {'-':>9} {'-':>10} {'-':>10} {'-':>9}  {step.note}")
            continue
        rate = f"{n_claims / step.seconds:.0f}" if step.ok and step.seconds else "-"
        ratio = f"{step.seconds / base:.2f}" if base and step.ok else "-"
        first, *rest = step.note.splitlines() or [""]
        print(
            f"{step.name:32} {step.seconds:9.2f} {rate:>10} {ratio:>10} "
            f"{fmt_kb(step.peak_kb):>9}  {first}"
        )
        for line in rest:
            print(line)
    notes = sorted({s.peak_note for s in steps if s.peak_note})
    if notes:
        print(f"peak memory: {', '.join(notes)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="scrub837 benchmark against pyx12 x12valid")
    parser.add_argument("n", nargs="?", type=int, default=None, help="claims (env BENCH_N)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lines", type=int, default=2, help="service lines per claim")
    parser.add_argument("--jobs", type=int, default=2, help="processes for step (d)")
    parser.add_argument("--scrub837", default=None, help="the scrub837 command to time")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--generate-only", action="store_true", help="only write the file")
    args = parser.parse_args(argv)
    n_claims = args.n if args.n is not None else int(os.environ.get("BENCH_N", DEFAULT_N))
    if n_claims < 1:
        parser.error("N must be at least 1")

    work = Path(tempfile.mkdtemp(prefix="scrub837-bench-"))
    try:
        source = work / f"bench{n_claims}.837"
        started = time.perf_counter()
        write_837(source, n_claims, seed=args.seed, lines_per_claim=args.lines)
        seconds = time.perf_counter() - started
        size = source.stat().st_size
        defects = sum(
            1
            for _, d in iter_synth_claims(n_claims, seed=args.seed, lines_per_claim=args.lines)
            if d is not None
        )
        print(
            f"generated {n_claims} claims ({defects} with a planted defect), "
            f"{size / 1e6:.1f} MB in {seconds:.2f} s ({n_claims / seconds:.0f} claims/s): {source}"
        )
        if args.generate_only:
            return 0

        use_gnu_time = _gnu_time_works()
        scrub = args.scrub837 or tool("scrub837")
        print("running x12valid ...", flush=True)
        steps = [x12valid_step(tool("x12valid"), source, work, use_gnu_time)]
        for name, extra in (
            ("scrub837 scrub (TR3)", []),
            ("scrub837 scrub --no-tr3", ["--no-tr3"]),
            (f"scrub837 scrub --jobs {args.jobs}", ["--jobs", str(args.jobs)]),
        ):
            print(f"running {name} ...", flush=True)
            steps.append(scrub_step(name, scrub, source, work, extra, use_gnu_time, n_claims))
        report(steps, n_claims)
        return 0 if all(step.ok for step in steps) else 1
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
