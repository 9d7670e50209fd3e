"""Benchmark scrub837 against pyx12's own x12valid on one generated N-claim file.

    python bench/bench.py [N ...] [--seed S] [--lines L] [--jobs J] [--dask-workers W]
                          [--memory-n M] [--keep] [--generate-only]

N comes from the arguments (several sizes: one run), else the environment variable BENCH_N, else
5000. In one run, for each N: generate the file with scrubber.synth.write_837 (streamed), then
time
  (a) x12valid FILE                      (pyx12's full TR3 map walk; it exits 1 even when valid)
  (b) scrub837 scrub FILE -o OUT         (TR3 on: the compiled validator, the default)
  (c) scrub837 scrub FILE -o OUT --tr3 pyx12   (pyx12's own walk, the reference)
  (d) scrub837 scrub FILE -o OUT --no-tr3 (on a large file claims are checked in a second
      process too: --check-workers auto), and with --check-workers 0 (one process)
  (e) scrub837 scrub FILE -o OUT --jobs J
and, for the largest N, scrub837 scrub FILE --cluster local:1 and local:W (a Dask LocalCluster
started by the run, its start included), then, with --memory-n M, scrub837 scrub --no-tr3 on an
M-claim file (peak memory against the smallest N's: it should stay flat). Each step prints
seconds, claims/s, the time as a fraction of x12valid's on the same file, and peak memory. A
step that fails prints the tail of its stderr and the run goes on. Every scrub runs with
--no-ledger (the claim ledger is a sink of its own, not part of the pass).

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
    cpu: float | None = None  # CPU seconds of the step's whole process tree
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: Sequence[str], cwd: Path, use_gnu_time: bool, step: Step) -> tuple[int, str]:
    """run(), recording on the step its seconds, peak memory and the CPU seconds of the whole
    process tree (every process of it is reaped by its parent, so the kernel counts them all):
    on a shared machine CPU seconds are steadier than the wall clock."""
    before = _children_cpu()
    rc, stderr, seconds, peak, how = run(argv, cwd, use_gnu_time)
    step.seconds, step.peak_kb, step.peak_note = seconds, peak, how
    step.cpu = _children_cpu() - before
    return rc, stderr


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
    rc, stderr = timed([exe, copy.name], folder, use_gnu_time, step)
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
    rc, stderr = timed(
        [exe, "scrub", str(source), "-o", str(out), *extra], work, use_gnu_time, step
    )
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
    base = steps[0] if steps and steps[0].ok else None
    print(
        f"\n{'step':34} {'seconds':>8} {'claims/s':>9} {'/x12valid':>9} "
        f"{'cpu s':>8} {'cpu/x12v':>8} {'peak':>8}  result"
    )
    for step in steps:
        if step.seconds is None:
            print(
                f"{step.name:34} {'-':>8} {'-':>9} {'-':>9} {'-':>8} {'-':>8} {'-':>8}  {step.note}"
            )
            continue
        rate = f"{n_claims / step.seconds:.0f}" if step.ok and step.seconds else "-"
        ratio = f"{step.seconds / base.seconds:.2f}" if base and base.seconds and step.ok else "-"
        cpu = f"{step.cpu:.2f}" if step.cpu is not None else "-"
        cpu_ratio = (
            f"{step.cpu / base.cpu:.2f}" if base and base.cpu and step.cpu and step.ok else "-"
        )
        first, *rest = step.note.splitlines() or [""]
        print(
            f"{step.name:34} {step.seconds:8.2f} {rate:>9} {ratio:>9} {cpu:>8} {cpu_ratio:>8} "
            f"{fmt_kb(step.peak_kb):>8}  {first}"
        )
        for line in rest:
            print(line)
    notes = sorted({s.peak_note for s in steps if s.peak_note})
    if notes:
        print(f"peak memory: {', '.join(notes)}; cpu s: user + system of the whole process tree")


def _generate(work: Path, n_claims: int, seed: int, lines: int) -> Path:
    source = work / f"bench{n_claims}.837"
    started = time.perf_counter()
    write_837(source, n_claims, seed=seed, lines_per_claim=lines)
    seconds = time.perf_counter() - started
    size = source.stat().st_size
    defects = sum(
        1 for _, d in iter_synth_claims(n_claims, seed=seed, lines_per_claim=lines) if d is not None
    )
    print(
        f"generated {n_claims} claims ({defects} with a planted defect), "
        f"{size / 1e6:.1f} MB in {seconds:.2f} s ({n_claims / seconds:.0f} claims/s): {source}"
    )
    return source


def _has_dask() -> bool:
    return importlib.util.find_spec("distributed") is not None


def bench_size(
    n_claims: int, args: argparse.Namespace, work: Path, use_gnu_time: bool, largest: bool
) -> list[Step]:
    folder = work / str(n_claims)
    folder.mkdir()
    source = _generate(folder, n_claims, args.seed, args.lines)
    scrub = args.scrub837 or tool("scrub837")
    print("running x12valid ...", flush=True)
    steps = [x12valid_step(tool("x12valid"), source, folder, use_gnu_time)]
    runs: list[tuple[str, list[str]]] = [
        ("scrub837 scrub (TR3)", []),
        ("scrub837 scrub --tr3 pyx12", ["--tr3", "pyx12"]),
        ("scrub837 scrub --no-tr3", ["--no-tr3"]),
        ("scrub837 scrub --no-tr3 --check-workers 0", ["--no-tr3", "--check-workers", "0"]),
        (f"scrub837 scrub --jobs {args.jobs}", ["--jobs", str(args.jobs)]),
    ]
    if largest and _has_dask():
        for workers in sorted({1, args.dask_workers}):
            address = f"local:{workers}"
            runs.append((f"scrub837 scrub --cluster {address}", ["--cluster", address]))
    for name, extra in runs:
        print(f"running {name} ...", flush=True)
        extra = [*extra, "--no-ledger"]
        steps.append(scrub_step(name, scrub, source, folder, extra, use_gnu_time, n_claims))
    print(f"\n{n_claims} claims:")
    report(steps, n_claims)
    if largest and not _has_dask():
        print("(no --cluster steps: dask.distributed is not installed: make install)")
    return steps


def memory_step(
    n_claims: int, args: argparse.Namespace, work: Path, use_gnu_time: bool, smallest: Step
) -> Step:
    folder = work / f"memory{n_claims}"
    folder.mkdir()
    source = _generate(folder, n_claims, args.seed, args.lines)
    name = "scrub837 scrub --no-tr3"
    print(f"running {name} on {n_claims} claims ...", flush=True)
    step = scrub_step(
        name,
        args.scrub837 or tool("scrub837"),
        source,
        folder,
        ["--no-tr3", "--no-ledger"],
        use_gnu_time,
        n_claims,
    )
    print(f"\n{n_claims} claims:")
    report([step], n_claims)
    if step.peak_kb and smallest.peak_kb:
        grown = (step.peak_kb - smallest.peak_kb) / 1024
        print(f"peak memory grew {grown:.1f} MiB from the smallest file's --no-tr3 run")
    return step


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="scrub837 benchmark against pyx12 x12valid")
    parser.add_argument("n", nargs="*", type=int, help="claims, one or more sizes (env BENCH_N)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lines", type=int, default=2, help="service lines per claim")
    parser.add_argument("--jobs", type=int, default=2, help="processes for step (e)")
    parser.add_argument("--dask-workers", type=int, default=2, help="workers of the last step")
    parser.add_argument("--memory-n", type=int, default=0, help="claims of the memory step")
    parser.add_argument("--scrub837", default=None, help="the scrub837 command to time")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--generate-only", action="store_true", help="only write the file")
    args = parser.parse_args(argv)
    sizes = args.n or [int(n) for n in os.environ.get("BENCH_N", str(DEFAULT_N)).split()]
    if min(sizes) < 1:
        parser.error("N must be at least 1")

    work = Path(tempfile.mkdtemp(prefix="scrub837-bench-"))
    try:
        if args.generate_only:
            for n_claims in sizes:
                _generate(work, n_claims, args.seed, args.lines)
            return 0
        print(f"one run on {os.cpu_count()} cores; other work on the machine slows every step")
        use_gnu_time = _gnu_time_works()
        steps: list[Step] = []
        by_size: dict[int, list[Step]] = {}
        for n_claims in sorted(sizes):
            by_size[n_claims] = bench_size(
                n_claims, args, work, use_gnu_time, largest=n_claims == max(sizes)
            )
            steps += by_size[n_claims]
        if args.memory_n:
            smallest = next(s for s in by_size[min(sizes)] if s.name.endswith("--no-tr3"))
            steps.append(memory_step(args.memory_n, args, work, use_gnu_time, smallest))
        return 0 if all(step.ok for step in steps) else 1
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
