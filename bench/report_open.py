"""How big the HTML report of a large file gets, and how long Chromium takes to open it.

Builds a synthetic report of 5,000 claims (three findings each: held, fixed and clean claims
in a 20/30/50 mix), renders it, and opens it in headless Chromium (Debian's `chromium`, driven
through Playwright) until the load event. Budgets: under 15 MB, under 5 s to load.

    python bench/report_open.py [--claims 5000] [--out DIR] [--runs 3]

Exit status 1 when a budget is missed; 2 when Chromium or Playwright is missing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scrubber.report.html import render_html  # noqa: E402
from tests.browser import CHROMIUM_ARGS, find_chromium  # noqa: E402

SIZE_BUDGET = 15 * 1024 * 1024
LOAD_BUDGET_S = 5.0

EDITS: dict[str, dict[str, str]] = {
    "DX002": {"title": "Diagnosis code is not billable", "severity": "error", "fix": "unsafe"},
    "THR002": {"title": "Therapy modifier missing", "severity": "error", "fix": "none"},
    "PTR003": {"title": "Diagnosis not pointed to", "severity": "warning", "fix": "none"},
    "DX003": {"title": "Diagnosis code format", "severity": "warning", "fix": "safe"},
    "PTR002": {"title": "Repeated diagnosis pointer", "severity": "warning", "fix": "safe"},
    "SPC001": {"title": "Unspecified code", "severity": "info", "fix": "none"},
    "DTE003": {"title": "Past timely filing", "severity": "warning", "fix": "none"},
}
for _edit, _info in EDITS.items():
    _info.update(
        what=f"What {_edit} checks, in a sentence or two of plain words for billing staff.",
        why="Why payers care: the claim is denied or returned, and the money comes weeks later.",
        example="HI*ABK:M6283*ABF:M5450~",
        fix_text="What to change, and who decides.",
        source="005010X222A1; ICD-10-CM Official Guidelines",
    )


def _finding(
    edit: str,
    message: str,
    loop: str,
    element: str,
    number: int,
    text: str,
    suggestions: list[tuple[str, str]] | None = None,
    fix: dict[str, Any] | None = None,
) -> dict[str, Any]:
    pairs = suggestions or []
    return {
        "edit": edit,
        "severity": EDITS[edit]["severity"],
        "message": message,
        "location": {
            "loop": loop,
            "segment": text.split("*", 1)[0],
            "element": element,
            "segment_number": number,
            "text": text,
        },
        "suggestions": [code for code, _ in pairs],
        "suggestion_titles": dict(pairs),
        "fix": fix,
    }


def _held(n: int, base: int) -> list[dict[str, Any]]:
    hi = "HI*ABK:M6283*ABF:M5450"
    return [
        _finding(
            "DX002",
            "M62.83 (Muscle spasm) is a category, not a billable code. The claim places the "
            "problem in the back (M54.50), so M62.830 fits best.",
            "2300",
            "HI01-2",
            base + 12,
            hi,
            [
                ("M62830", "Muscle spasm of back"),
                ("M62831", "Muscle spasm of calf"),
                ("M62838", "Other muscle spasm"),
            ],
            {
                "safety": "unsafe",
                "applied": False,
                "before": hi,
                "after": hi.replace("M6283", "M62830"),
            },
        ),
        _finding(
            "THR002",
            "97110 is always therapy and needs exactly one of GP, GO or GN (Medicare).",
            "2400",
            "SV101-3",
            base + 20,
            f"SV1*HC:97110*{100 + n % 50}.00*UN*2***1",
        ),
        _finding(
            "PTR003",
            "M54.50 (Low back pain, unspecified) is on the claim but no service line points to it.",
            "2300",
            "HI02-2",
            base + 12,
            hi,
        ),
    ]


def _fixed(n: int, base: int) -> list[dict[str, Any]]:
    return [
        _finding(
            "DX003",
            "M62.830 is written with a decimal point; it is sent as M62830.",
            "2300",
            "HI01-2",
            base + 12,
            "HI*ABK:M62.830*ABF:M5450",
            fix={
                "safety": "safe",
                "applied": True,
                "before": "HI*ABK:M62.830*ABF:M5450",
                "after": "HI*ABK:M62830*ABF:M5450",
            },
        ),
        _finding(
            "PTR002",
            "Pointer 1 appears twice on line 1; the repeat is dropped.",
            "2400",
            "SV107",
            base + 20,
            "SV1*HC:97140:GP*80.00*UN*1***1:1",
            fix={
                "safety": "safe",
                "applied": True,
                "before": "SV1*HC:97140:GP*80.00*UN*1***1:1",
                "after": "SV1*HC:97140:GP*80.00*UN*1***1",
            },
        ),
        _finding(
            "SPC001",
            "M54.50 (Low back pain, unspecified) has specific codes.",
            "2300",
            "HI02-2",
            base + 12,
            "HI*ABK:M62830*ABF:M5450",
            [("M5451", "Vertebrogenic low back pain"), ("M5459", "Other low back pain")],
        ),
    ]


def _clean(n: int, base: int) -> list[dict[str, Any]]:
    return [
        _finding(
            "SPC001",
            "M54.50 (Low back pain, unspecified) has specific codes.",
            "2300",
            "HI01-2",
            base + 12,
            "HI*ABK:M5450",
            [("M5451", "Vertebrogenic low back pain"), ("M5459", "Other low back pain")],
        ),
        _finding(
            "DTE003",
            "The service date 04/10/2025 is 340 days old; the payer's limit is 365 days.",
            "2400",
            "DTP03",
            base + 22,
            "DTP*472*D8*20250410",
        ),
        _finding(
            "PTR003",
            "R25.2 (Cramp and spasm) is on the claim but no service line points to it.",
            "2300",
            "HI02-2",
            base + 12,
            "HI*ABK:M5450*ABF:R252",
        ),
    ]


def synthetic_report(claims: int) -> dict[str, Any]:
    entries = []
    counts = {"claims": claims, "clean": 0, "fixed": 0, "held": 0}
    sums = {"clean": Decimal(0), "held": Decimal(0)}
    for n in range(claims):
        kind = ("held", "fixed", "fixed", "clean", "clean")[n % 5] if n % 10 else "held"
        charge = Decimal(100 + (n * 37) % 900) + Decimal("0.25")
        base = 30 + n * 28
        findings = {"held": _held, "fixed": _fixed, "clean": _clean}[kind](n, base)
        counts[kind] += 1
        sums["held" if kind == "held" else "clean"] += charge
        entries.append(
            {
                "claim_id": f"PCN{n:08d}",
                "transaction": f"{1 + n // 1000:04d}",
                "disposition": kind,
                "total_charge": f"{charge:.2f}",
                "patient": {
                    "name": f"PATIENT{n:05d}, SYNTHETIC",
                    "member_id": f"MBR{n:07d}",
                    "birth_date": f"19{50 + n % 50:02d}-0{1 + n % 9}-1{n % 10}",
                },
                "service_dates": ["2026-04-10", "2026-04-17"] if n % 3 == 0 else ["2026-04-10"],
                "findings": findings,
            }
        )
    return {
        "input": "bench-5000.837",
        "sha256": "0" * 64,
        "status": "held",
        "mode": "scrub",
        "scrubber_version": "0.1.0",
        "code_set": "ICD-10-CM April 1, 2026",
        "profile": "default",
        "generated_at": "2026-11-26T21:00:00Z",
        "rejection": None,
        "notes": [],
        "counts": counts,
        "charges": {
            "total": f"{sums['clean'] + sums['held']:.2f}",
            "clean": f"{sums['clean']:.2f}",
            "held": f"{sums['held']:.2f}",
        },
        "outputs": {
            "clean": "bench.clean.837",
            "held": "bench.held.837",
            "json": "bench.report.json",
            "html": "bench.report.html",
        },
        "findings": [],
        "claims": entries,
        "edits": EDITS,
    }


def open_times(path: Path, runs: int) -> list[dict[str, float]]:
    """Per run: wall time of goto(..., wait_until=load), the page's own loadEventEnd, and how
    long the severity filter takes on the whole page."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1200, "height": 900})
                page = context.new_page()
                errors: list[str] = []

                def on_error(error: Any, errors: list[str] = errors) -> None:
                    errors.append(str(error))

                page.on("pageerror", on_error)
                started = time.perf_counter()
                page.goto(path.resolve().as_uri(), wait_until="load", timeout=60_000)
                wall = time.perf_counter() - started
                load_end = page.evaluate(
                    "performance.getEntriesByType('navigation')[0].loadEventEnd"
                )
                filter_ms = page.evaluate(
                    """() => {
                        const sel = document.getElementById('f-sev');
                        const t0 = performance.now();
                        sel.value = 'error';
                        sel.dispatchEvent(new Event('change'));
                        return performance.now() - t0;
                    }"""
                )
                if errors:
                    raise RuntimeError(f"page errors: {errors}")
                results.append(
                    {"wall_s": wall, "load_event_s": load_end / 1000, "filter_s": filter_ms / 1000}
                )
                context.close()
        finally:
            browser.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="keep the page in this folder")
    parser.add_argument(
        "--page", type=Path, default=None, help="time this report (e.g. one scrub837 wrote)"
    )
    args = parser.parse_args(argv)

    if args.page is not None:
        folder, path = args.page.parent, args.page
        print(f"page:            {path}")
    else:
        report = synthetic_report(args.claims)
        findings = sum(len(c["findings"]) for c in report["claims"])
        started = time.perf_counter()
        html = render_html(report)
        render_s = time.perf_counter() - started
        folder = args.out or Path(tempfile.mkdtemp(prefix="scrub837-bench-"))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "bench.report.html"
        path.write_text(html, encoding="utf-8")
        print(f"claims:          {args.claims:,} ({findings:,} findings)")
        print(f"render:          {render_s:.2f} s")
        print(f"JSON, same data: {len(json.dumps(report)) / 1024 / 1024:.2f} MB")
    size = path.stat().st_size
    print(f"file size:       {size / 1024 / 1024:.2f} MB ({size:,} bytes; budget 15 MB)")

    if find_chromium() is None:
        print("chromium not found: cannot time the page load", file=sys.stderr)
        return 2
    try:
        runs = open_times(path, args.runs)
    except ImportError:
        print("playwright not installed: cannot time the page load", file=sys.stderr)
        return 2
    for i, run in enumerate(runs, start=1):
        print(
            f"open run {i}:      load event {run['load_event_s']:.2f} s "
            f"(goto wall {run['wall_s']:.2f} s), severity filter {run['filter_s']:.2f} s"
        )
    worst = max(r["load_event_s"] for r in runs)
    print(f"worst load:      {worst:.2f} s (budget {LOAD_BUDGET_S:.0f} s)")
    if args.out is None and args.page is None:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"page:            {path}")
    ok = size < SIZE_BUDGET and worst < LOAD_BUDGET_S
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
