"""The remittance loop end to end (issue 14): scrub synthetic claims, read the payer's 835 with a
planted denial pattern, propose the rule with the right evidence, accept it into a profile, and
scrub again: a new claim of that pattern is held under the learned rule, the others are not."""

from __future__ import annotations

import json
import sqlite3
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from scrubber.cli import main
from scrubber.remit.denials import analyse
from scrubber.synth835 import Denial
from tests.remit_helpers import claim, remit_claims, scrub_claims

PLANTED = Denial("97140", diagnosis="M5459", carc="11", rarc="M76")
RULE = "dx-PAYER01-97140-M5459"


def _report(ledger: Path, **options: object) -> tuple[dict, list]:
    db = sqlite3.connect(ledger)
    try:
        return analyse(db, **options)  # type: ignore[arg-type]
    finally:
        db.close()


def test_scrub_remit_propose_accept_and_hold(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    # 5 claims of the pattern (97140 pointing to M54.59), 6 with 97140 for M54.50, 2 with M54.59
    # but no 97140; one claim of the pattern to another payer (paid there)
    pattern = [claim(n, "M5459") for n in range(1, 6)]
    others = [claim(n, "M5450") for n in range(6, 12)] + [
        claim(n, "M5459", first="97112") for n in (12, 13)
    ]
    sent = scrub_claims(tmp_path, "week1.837", pattern + others, ledger)
    assert sent.counts["held"] == 0
    scrub_claims(tmp_path, "week1-b.837", [claim(20, "M5459")], ledger, receiver="PAYER02")
    result = remit_claims(tmp_path, "week1.835", pattern + others, ledger, denials=[PLANTED])
    assert result.clean and result.matched == 13
    remit_claims(
        tmp_path,
        "week1-b.835",
        [claim(20, "M5459")],
        ledger,
        denials=[PLANTED],
        payer="PAYER02",
        payer_name="OTHER PAYER",
        trace="EFT2",
    )

    report, proposals = _report(ledger)
    assert [p.id for p in proposals] == [RULE]
    (proposal,) = report["proposals"]
    evidence = proposal["evidence"]
    assert evidence["denied_lines"] == 5 and evidence["claims"] == 5
    assert evidence["claim_ids"] == [f"E{n:04d}" for n in range(1, 6)]
    assert evidence["dollars"] == "215.00"  # 5 x $43
    assert evidence["carc"] == {"11": 5} and evidence["rarc"] == {"M76": 5}
    assert evidence["paid_same_pattern"] == 0 and proposal["confidence"] == 1.0
    assert proposal["family"] == "diagnosis" and proposal["payer"]["id"] == "PAYER01"
    totals = report["totals"]
    assert totals["claims"] == 14 and totals["denied"] == 5 and totals["missed"] == 5
    assert totals["denied_dollars"] == "215.00"
    assert {r["key"]: r["denied"] for r in report["by_payer"]} == {"PAYER01": 5, "PAYER02": 0}
    assert report["by_reason"][0]["key"] == "CO-11" and report["by_reason"][0]["amount"] == "215.00"
    assert {m["claim_id"] for m in report["missed"]} == {f"E{n:04d}" for n in range(1, 6)}
    assert {"code": "11", "description": None} in report["missed"][0]["carc"]
    assert report["missed"][0]["rarc"] == [{"code": "M76", "description": None}]

    # below the confidence threshold nothing is proposed
    assert _report(ledger, min_denials=6)[1] == []
    # --payer and --since narrow everything
    only = _report(ledger, payer="PAYER02")[0]
    assert only["totals"]["claims"] == 1 and only["proposals"] == []
    assert [p["payer"] for p in only["payments"]] == ["PAYER02"]
    later = _report(ledger, since=date(2026, 5, 16))[0]
    assert later["totals"]["claims"] == 0 and later["payments"] == []

    runner = CliRunner()
    profile = tmp_path / "payer01.toml"
    out = runner.invoke(
        main, ["denials", "--ledger", str(ledger), "--accept", RULE, "--profile", str(profile)]
    )
    assert out.exit_code == 0, out.output
    (rule,) = tomllib.loads(profile.read_text())["edits"]["RMT001"]["params"]["rules"]
    assert (rule["kind"], rule["payer"], rule["procedure"], rule["diagnosis"]) == (
        "procedure-diagnosis",
        "PAYER01",
        "97140",
        "M5459",
    )
    assert "5 denied lines on 5 claims, $215.00" in rule["evidence"]
    out = runner.invoke(
        main, ["denials", "--ledger", str(ledger), "--accept", RULE, "--profile", str(profile)]
    )
    assert out.exit_code == 0 and "already in" in out.output
    assert profile.read_text().count("[[edits.RMT001.params.rules]]") == 1

    # the next scrub applies the rule, to this payer and this pattern only
    fresh = [claim(30, "M5459"), claim(31, "M5450"), claim(32, "M5459", first="97112")]
    after = scrub_claims(tmp_path, "week2.837", fresh, ledger, profile=str(profile), html=False)
    other = scrub_claims(
        tmp_path,
        "week2-b.837",
        [claim(33, "M5459")],
        ledger,
        profile=str(profile),
        receiver="PAYER02",
    )
    claims = {c["claim_id"]: c for c in _claims(tmp_path / "out" / "week2.report.json")}
    held = claims["E0030"]
    assert held["disposition"] == "held"
    (finding,) = [f for f in held["findings"] if f["edit"] == "RMT001"]
    assert finding["severity"] == "error" and finding["location"]["segment"] == "SV1"
    assert "Learned from remittances" in finding["message"] and RULE in finding["message"]
    assert "SV1*HC:97140" in finding["location"]["text"]
    explanation = json.loads((tmp_path / "out" / "week2.report.json").read_text())["edits"]
    assert explanation["RMT001"]["source"].startswith("Learned from remittances")
    assert claims["E0031"]["disposition"] != "held" and claims["E0032"]["disposition"] != "held"
    assert after.counts["held"] == 1
    assert other.counts["held"] == 0


def _claims(path: Path) -> list[dict]:
    return json.loads(path.read_text())["claims"]


def test_held_then_paid_after_resubmission(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    bad = claim(1, "M6283")  # M62.83 is not billable: held
    first = scrub_claims(tmp_path, "a.837", [bad], ledger)
    assert first.counts["held"] == 1
    fixed = claim(1, "M62830")
    scrub_claims(tmp_path, "b.837", [fixed], ledger)
    remit_claims(tmp_path, "a.835", [fixed], ledger)
    report, _ = _report(ledger)
    assert report["totals"]["recovered"] == 1
    assert report["recovered"][0]["claim_id"] == "E0001"
    assert report["recovered"][0]["paid"] == f"{Decimal('70.40'):.2f}"


def test_units_and_modifier_rules_are_proposed(tmp_path: Path) -> None:
    from scrubber.synth import ClaimSpec, LineSpec

    ledger = tmp_path / "ledger.sqlite3"

    def spec(n: int, units: str, modifiers: tuple[str, ...] = ("GP",)) -> ClaimSpec:
        line = LineSpec(
            procedure="97530", modifiers=modifiers, units=units, charge=Decimal(40) * int(units)
        )
        return ClaimSpec(claim_id=f"U{n:03d}", member_id=f"MBR{n:07d}", lines=(line,))

    claims = [spec(n, "4") for n in range(4)] + [spec(n, "2") for n in range(4, 8)]
    claims += [spec(n, "1", ("59",)) for n in range(8, 11)]
    scrub_claims(tmp_path, "u.837", claims, ledger)
    denials = [
        Denial("97530", carc="151", rarc="N362", max_units=3),
        Denial("97530", carc="4", rarc="N519", modifier="GP"),
    ]
    remit_claims(tmp_path, "u.835", claims, ledger, denials=denials)
    _, proposals = _report(ledger)
    by_kind = {p.kind: p for p in proposals}
    assert by_kind["max-units"].max_units == 2  # the most units the payer paid
    assert by_kind["max-units"].evidence.denials == 4
    assert by_kind["modifier-required"].modifier == "GP"
    assert by_kind["modifier-required"].evidence.denials == 3


def test_carc_and_rarc_texts_come_from_the_content_store(tmp_path: Path) -> None:
    from scrubber.content.store import ContentStore

    ledger = tmp_path / "ledger.sqlite3"
    claims = [claim(n, "M5459") for n in range(1, 4)]
    scrub_claims(tmp_path, "a.837", claims, ledger)
    remit_claims(tmp_path, "a.835", claims, ledger, denials=[PLANTED])
    store = ContentStore(tmp_path / "store")
    carc = tmp_path / "claim-adjustment-reason-codes.csv"
    carc.write_text("Code,Description\r\n11,The diagnosis is inconsistent with the procedure.\r\n")
    store.add(carc, effective=date(2026, 1, 1))
    rarc = tmp_path / "remittance-advice-remark-codes.csv"
    rarc.write_text(
        "Code,Description\r\nM76,Missing/incomplete/invalid diagnosis or condition.\r\n"
    )
    store.add(rarc, effective=date(2026, 1, 1))
    out = CliRunner().invoke(
        main,
        ["denials", "--ledger", str(ledger), "--content", str(store.root), "-o", str(tmp_path)],
    )
    assert out.exit_code == 0, out.output
    report = json.loads((tmp_path / "denials.json").read_text())
    assert report["descriptions"] == {"carc": True, "rarc": True}
    reason = next(r for r in report["by_reason"] if r["carc"] == "11")
    assert reason["description"] == "The diagnosis is inconsistent with the procedure."
    assert report["missed"][0]["rarc"] == [
        {"code": "M76", "description": "Missing/incomplete/invalid diagnosis or condition."}
    ]
    assert "The diagnosis is inconsistent" in (tmp_path / "denials.html").read_text()
    # without a list: the codes alone, and the page says so
    out = CliRunner().invoke(main, ["denials", "--ledger", str(ledger), "-o", str(tmp_path)])
    report = json.loads((tmp_path / "denials.json").read_text())
    assert report["descriptions"] == {"carc": False, "rarc": False}
    assert "No CARC list is installed" in (tmp_path / "denials.html").read_text()
