"""The coding benchmark (make bench): realistic synthetic therapy claims, each with what a
certified coder expects (bench/coding_claims.py), scrubbed in one file through the library API.

Prints the false-hold rate on claims a payer would pay and the miss rate on claims a payer would
deny, for everything installed content can know, then each remaining miss with the content it
needs. A claim that should pass may be fixed by safe fixes; a denial counts as caught when its
claim is held by an edit a coder expects; a denial that needs content counts as caught once that
content is installed (the store the run uses: --content DIR, $SCRUB837_CONTENT or the default).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

from coding_claims import CASES, Case  # bench/ is the script's folder, first on sys.path

from scrubber.api import scrub
from scrubber.options import ScrubOptions

RUN_DATE = date(2026, 10, 5)
NPI = "1234567893"
CHARGE = Decimal("50")


def _provider(hl: int, taxonomy: str) -> list[str]:
    return [
        f"HL*{hl}**20*1",
        f"PRV*BI*PXC*{taxonomy}",
        f"NM1*85*2*EXAMPLE PRACTICE {taxonomy}*****XX*{NPI}",
        "N3*100 MAIN ST",
        "N4*SPRINGFIELD*IL*627010001",
        "REF*EI*123456789",
    ]


def _claim(case: Case) -> list[str]:
    his = "*".join(("ABK:" if i == 0 else "ABF:") + code for i, code in enumerate(case.hi))
    lines: list[str] = []
    total = Decimal(0)
    for number, text in enumerate(case.lines, 1):
        procedure, units, pointers, *rest = text.split("*")
        day = rest[0] if rest else case.day
        charge = CHARGE * max(Decimal(units), Decimal(1))
        total += charge
        lines += [
            f"LX*{number}",
            f"SV1*HC:{procedure}*{charge}*UN*{units}***{pointers}",
            f"DTP*472*D8*{day}",
        ]
    clm02 = case.charge_off or f"{total}"
    return [f"CLM*{case.id}*{clm02}***{case.pos}:B:1*Y*A*Y*Y", f"HI*{his}", *lines]


def build_file(cases: list[Case]) -> str:
    """One interchange: a billing provider (2000A) per taxonomy, a subscriber (2000B) per claim."""
    body = [
        "ST*837*0001*005010X222A1",
        "BHT*0019*00*CODINGBENCH*20261005*1200*CH",
        "NM1*41*2*EXAMPLE BILLING SERVICE*****46*SUBMIT01",
        "PER*IC*JANE ROE*TE*5555550100",
        "NM1*40*2*EXAMPLE PAYER*****46*PAYER01",
    ]
    by_taxonomy: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        by_taxonomy[case.taxonomy].append(case)
    hl = 0
    for taxonomy, group in by_taxonomy.items():
        hl += 1
        parent = hl
        body += _provider(hl, taxonomy)
        for n, case in enumerate(group):
            hl += 1
            body += [
                f"HL*{hl}*{parent}*22*0",
                f"SBR*P*18*******{case.sbr09}",
                f"NM1*IL*1*PATIENT*{case.id}****MI*M{n:08d}",
                "N3*1 ELM ST",
                "N4*SPRINGFIELD*IL*62701",
                f"DMG*D8*{'19480101' if case.sbr09 in ('MB', '16') else '19850101'}*{case.sex}",
                "NM1*PR*2*EXAMPLE PAYER*****PI*PAYER01",
                *_claim(case),
            ]
    body.append(f"SE*{len(body) + 1}*0001")
    isa = (
        "ISA*00*          *00*          *ZZ*SUBMITTER01    *ZZ*PAYER01        "
        "*261005*1200*^*00501*000000001*0*P*:"
    )
    segments = [isa, "GS*HC*SUBMITTER01*PAYER01*20261005*1200*1*X*005010X222A1", *body]
    segments += ["GE*1*1", "IEA*1*000000001"]
    return "~\n".join(segments) + "~\n"


def judge(cases: list[Case], report: dict[str, object]) -> dict[str, object]:
    claims = {c["claim_id"]: c for c in report["claims"]}  # type: ignore[attr-defined]
    rows = []
    for case in cases:
        claim = claims[case.id]
        held = claim["disposition"] == "held"
        found = {f["edit"] for f in claim["findings"]}
        holding = sorted({f["edit"] for f in claim["findings"] if f["severity"] == "error"})
        if case.expect == "pass":
            verdict = "false hold" if held else "ok"
            missing_warn = [w for w in case.warn if w not in found]
            if not held and missing_warn:
                verdict = "ok, warning missing: " + ", ".join(missing_warn)
        else:
            caught = held and (not case.edits or any(e in holding for e in case.edits))
            verdict = "caught" if caught else ("needs content" if case.needs else "miss")
            if held and not caught:
                verdict = "held by another edit"
        rows.append(
            {
                "id": case.id,
                "practice": case.practice,
                "expect": case.expect,
                "disposition": claim["disposition"],
                "holding": holding,
                "expected_edits": list(case.edits),
                "verdict": verdict,
                "why": case.why,
                "source": case.source,
                "needs": case.needs,
            }
        )
    return {"rows": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-tr3", action="store_true", help="skip the TR3 walk")
    parser.add_argument("--json", type=Path, help="write every claim's verdict here")
    parser.add_argument(
        "--content", type=Path, help="the content store to judge with (default: the installed one)"
    )
    args = parser.parse_args()
    cases = list(CASES)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "coding.837"
        path.write_text(build_file(cases), encoding="utf-8")
        options = ScrubOptions(
            out_dir=Path(folder) / "out",
            tr3=not args.no_tr3,
            run_date=RUN_DATE,
            html=False,
            ledger=False,
            content=args.content,
        )
        result = scrub(path, options)
        report = json.loads(Path(result.outputs["json"]).read_text())  # type: ignore[arg-type]
    rows = judge(cases, report)["rows"]
    assert isinstance(rows, list)
    passes = [r for r in rows if r["expect"] == "pass"]
    denials = [r for r in rows if r["expect"] == "deny"]
    knowable = [r for r in denials if not r["needs"]]
    false_holds = [r for r in passes if r["verdict"] == "false hold"]
    misses = [r for r in knowable if r["verdict"] != "caught"]
    content = [r for r in denials if r["needs"] and r["verdict"] != "caught"]
    print(f"coding benchmark: {len(rows)} claims", end=" ")
    print(f"({len(passes)} a payer pays, {len(denials)} it denies)")
    for practice in dict.fromkeys(r["practice"] for r in rows):
        mine = [r for r in rows if r["practice"] == practice]
        print(f"  {practice}: {len(mine)} claims")
    print(f"false holds: {len(false_holds)}/{len(passes)} = {len(false_holds) / len(passes):.1%}")
    print(
        f"misses (installed content can know): {len(misses)}/{len(knowable)} = "
        f"{len(misses) / len(knowable):.1%}"
    )
    for r in false_holds + misses:
        print(f"  {r['id']} {r['verdict']}: {r['why']} (held by {r['holding'] or 'nothing'})")
    warned = [r for r in passes if str(r["verdict"]).startswith("ok, warning missing")]
    for r in warned:
        print(f"  {r['id']} {r['verdict']}")
    print(f"denials that need content not installed: {len(content)}")
    for r in content:
        print(f"  {r['id']}: {r['why']} -> needs {r['needs']}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
