"""Reading 835s into the claim ledger (issue 14): the segments, matching, re-reads, reversals,
two remittances of one claim, Decimal money and BPR02 ties."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from scrubber.cli import main
from scrubber.remit.model import ClaimPayment
from scrubber.remit.reader import PaymentEnd, PaymentStart, Problem, RemitReader
from scrubber.synth835 import Denial
from tests.remit_helpers import claim, remit_claims, remit_text, scrub_claims

ISA = (
    "ISA*00*          *00*          *ZZ*PAYER01        *ZZ*SUBMITTER01    *260515*0900*^*00501*"
    "000000007*0*T*:~"
)

# Two payments (two ST/BPR/TRN) in one interchange: the first pays E0001 in part (line CAS CO-45,
# PR-2 coinsurance, claim-level CAS OA-23, MOA remark, SVC06 original code, LQ remark) and denies
# E0002 (CLP02 4, CO-11 and N286 on the line, MIA remark); a PLB withholds 5.00 (WO). The second
# payment comes from another payer.
TWO_PAYMENTS = (
    ISA + "GS*HP*PAYER01*SUBMITTER01*20260515*0900*7*X*005010X221A1~"
    "ST*835*0001~"
    "BPR*I*57.40*C*ACH*CCP*01*011000015*DA*123456789*1512345678**01*011000028*DA*987654321*"
    "20260515~"
    "TRN*1*EFT1*1512345678~DTM*405*20260515~"
    "N1*PR*SYNTHETIC HEALTH PLAN*XV*PAYER01~N3*1 PAYER WAY~N4*SPRINGFIELD*IL*62701~"
    "PER*BL*PROVIDER SERVICES*TE*5555550199~"
    "N1*PE*SYNTHETIC PHYSICAL THERAPY CLINIC*XX*1234567893~LX*1~"
    "CLP*E0001*1*88*62.40*10*12*PCN1~NM1*QC*1*DOE*JANE****MI*MBR0000001~"
    "MOA***MA01*MA18~CAS*OA*23*1~"
    "SVC*HC:97140:GP*43*30.40**1*HC:97139~DTM*472*20260410~CAS*CO*45*2.60~CAS*PR*2*10~"
    "LQ*HE*N130~"
    "SVC*HC:97110:GP*45*32**1~DTM*472*20260410~CAS*CO*45*12*1~"
    "CLP*E0002*4*88*0*0*12*PCN2~NM1*QC*1*ROE*RICHARD****MI*MBR0000002~MIA*0****MA130~"
    "SVC*HC:97140:GP*43*0**1~DTM*472*20260410~CAS*CO*11*43~LQ*HE*N286~"
    "SVC*HC:97110:GP*45*0**1~DTM*472*20260410~CAS*CO*11*45~"
    "PLB*1234567893*20261231*WO:ABC123*5~"
    "SE*35*0001~"
    "ST*835*0002~"
    "BPR*I*20*C*CHK************20260516~TRN*1*CHK2*1999999999~"
    "N1*PR*OTHER PAYER*XV*PAYER02~N3*2 PAYER WAY~N4*SPRINGFIELD*IL*62701~"
    "PER*BL*CLAIMS*TE*5555550198~N1*PE*SYNTHETIC PHYSICAL THERAPY CLINIC*XX*1234567893~LX*1~"
    "CLP*E0003*2*88*20*0*12*PCN3~NM1*QC*1*POE*ANN****MI*MBR0000003~"
    "SVC*HC:97140:GP*43*20**1~CAS*CO*45*23~SVC*HC:97110:GP*45*0**1~CAS*CO*97*45~"
    "SE*17*0002~GE*2*7~IEA*1*000000007~"
)


def events(text: str) -> list[object]:
    path_events = []
    from io import BytesIO

    for event in RemitReader(BytesIO(text.encode())).events():
        path_events.append(event)
    return path_events


def test_reader_segments_and_money() -> None:
    found = events(TWO_PAYMENTS)
    starts = [e for e in found if isinstance(e, PaymentStart)]
    ends = [e for e in found if isinstance(e, PaymentEnd)]
    claims = [e for e in found if isinstance(e, ClaimPayment)]
    assert not [e for e in found if isinstance(e, Problem)]
    assert [(s.payment.trace, s.payment.payer_id, s.payment.amount) for s in starts] == [
        ("EFT1", "PAYER01", Decimal("57.40")),
        ("CHK2", "PAYER02", Decimal("20")),
    ]
    assert starts[0].payment.paid_on.isoformat() == "2026-05-15"
    assert all(e.complete for e in ends)
    plb = ends[0].provider_adjustments
    assert [(p.reason, p.reference, p.amount) for p in plb] == [("WO", "ABC123", Decimal("5"))]
    first, second, third = claims
    assert (first.claim_id, first.status, first.charge, first.paid) == (
        "E0001",
        "1",
        Decimal("88"),
        Decimal("62.40"),
    )
    assert isinstance(first.paid, Decimal) and first.patient_responsibility == Decimal("10")
    assert first.remarks == ["MA01", "MA18"]
    assert [(a.group, a.reason, a.amount) for a in first.adjustments] == [
        ("OA", "23", Decimal("1"))
    ]
    svc = first.services[0]
    assert (svc.procedure, svc.modifiers, svc.submitted_procedure) == ("97140", ["GP"], "97139")
    assert [(a.group, a.reason, a.amount) for a in svc.adjustments] == [
        ("CO", "45", Decimal("2.60")),
        ("PR", "2", Decimal("10")),
    ]
    assert svc.remarks == ["N130"] and svc.service_date.isoformat() == "2026-04-10"
    assert first.services[1].adjustments[0].quantity == Decimal("1")
    assert second.status == "4" and second.remarks == ["MA130"]
    assert second.services[0].remarks == ["N286"]
    assert third.status == "2" and third.services[1].adjustments[0].reason == "97"


def rows(ledger: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(ledger)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_remit_matches_stores_and_ties(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    scrub_claims(tmp_path, "a.837", [claim(1), claim(2)], ledger)
    scrub_claims(tmp_path, "b.837", [claim(3)], ledger, receiver="PAYER02")
    result = remit_text(tmp_path, "era.835", TWO_PAYMENTS, ledger)
    assert result.status == "read" and result.claims == 3 and result.matched == 3
    assert result.unmatched == [] and result.problems == []
    # BPR02 57.40 = CLP04 62.40 + 0 - PLB 5.00; 20 = 20
    assert [(p.claims_paid, p.provider_adjustments, p.ties) for p in result.payments] == [
        (Decimal("62.40"), Decimal("5"), True),
        (Decimal("20"), Decimal("0"), True),
    ]
    assert result.clean
    assert rows(ledger, "SELECT COUNT(*) FROM remittance WHERE submission_id IS NULL") == [(0,)]
    assert rows(ledger, "SELECT group_code, reason, amount, line FROM adjustment ORDER BY rowid")[
        :3
    ] == [("OA", "23", "1", None), ("CO", "45", "2.60", 1), ("PR", "2", "10", 1)]
    assert sorted(rows(ledger, "SELECT code FROM remark")) == [
        ("MA01",),
        ("MA130",),
        ("MA18",),
        ("N130",),
        ("N286",),
    ]
    assert rows(ledger, "SELECT reason, reference, amount FROM provider_adjustment") == [
        ("WO", "ABC123", "5")
    ]
    # a re-read of the same file is a no-op
    again = remit_text(tmp_path, "era.835", TWO_PAYMENTS, ledger)
    assert again.status == "already read"
    assert rows(ledger, "SELECT COUNT(*) FROM remittance") == [(3,)]
    # the same payments under another file name (a copy sent twice) are not recorded again
    copy = remit_text(tmp_path, "era-copy.835", TWO_PAYMENTS + "\n", ledger)
    assert copy.status == "read" and not any(p.recorded for p in copy.payments)
    assert rows(ledger, "SELECT COUNT(*) FROM remittance") == [(3,)]


def test_unmatched_are_listed_never_dropped(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    scrub_claims(tmp_path, "a.837", [claim(1)], ledger)  # E0001 to PAYER01 for 88
    scrub_claims(tmp_path, "b.837", [claim(3)], ledger)  # E0003 to PAYER01, not PAYER02
    text = TWO_PAYMENTS.replace("CLP*E0001*1*88*", "CLP*E0001*1*98*")  # charge differs
    result = remit_text(tmp_path, "era.835", text, ledger)
    reasons = {claim_id: reason for claim_id, _, reason in result.unmatched}
    assert set(reasons) == {"E0001", "E0002", "E0003"}
    assert "charge 88" in reasons["E0001"] and "98" in reasons["E0001"]
    assert reasons["E0002"] == "no claim E0002 in the ledger"
    assert "payer PAYER01" in reasons["E0003"] and "PAYER02" in reasons["E0003"]
    assert result.claims == 3 and not result.clean
    assert rows(ledger, "SELECT COUNT(*) FROM remittance WHERE submission_id IS NULL") == [(3,)]


def test_totals_that_do_not_tie_are_said(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    text = TWO_PAYMENTS.replace("BPR*I*57.40*", "BPR*I*57.41*")
    result = remit_text(tmp_path, "era.835", text, ledger)
    assert [p.ties for p in result.payments] == [False, True]
    runner = CliRunner()
    out = runner.invoke(main, ["remit", str(tmp_path / "era.835"), "--ledger", str(tmp_path / "x")])
    assert out.exit_code == 1 and "DOES NOT TIE" in out.output


def outcome_of(ledger: Path, claim_id: str):
    from scrubber.remit.outcomes import outcomes

    db = sqlite3.connect(ledger)
    try:
        return next(o for o in outcomes(db) if o.claim_id == claim_id)
    finally:
        db.close()


def test_reversal_and_correction_net_out(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    claims = [claim(1), claim(2)]
    scrub_claims(tmp_path, "a.837", claims, ledger)
    result = remit_claims(tmp_path, "a.835", claims, ledger, reversals=frozenset({"E0001"}))
    assert result.payments[0].ties and result.claims == 4  # E0001 paid, reversed, corrected
    outcome = outcome_of(ledger, "E0001")
    assert [r.status for r in outcome.remittances] == ["1", "22", "1"]
    assert [r.payer_control for r in outcome.effective] == ["PCNE0001R"]
    # 70.40 paid, 70.40 taken back, 68.40 paid corrected
    assert outcome.net_paid == Decimal("68.40") and not outcome.denied


def test_a_claim_paid_in_two_835s_is_one_claim(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    claims = [claim(1)]
    scrub_claims(tmp_path, "a.837", claims, ledger)
    remit_claims(tmp_path, "first.835", claims, ledger, trace="EFT1")
    remit_claims(tmp_path, "second.835", claims, ledger, trace="EFT2")
    outcome = outcome_of(ledger, "E0001")
    assert len(outcome.remittances) == 2 and outcome.net_paid == Decimal("140.80")
    from scrubber.remit.denials import analyse

    db = sqlite3.connect(ledger)
    report, _ = analyse(db)
    db.close()
    assert report["totals"]["claims"] == 1 and report["totals"]["several_remittances"] == 1


def test_cut_off_and_foreign_transactions(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    cut = TWO_PAYMENTS[: TWO_PAYMENTS.index("ST*835*0002")]
    result = remit_text(tmp_path, "cut.835", cut, ledger)
    assert result.payments[0].recorded and result.payments[0].ties
    assert any("without its GE and IEA" in p and "cut off" in p for p in result.problems)
    cut_inside = TWO_PAYMENTS[: TWO_PAYMENTS.index("CLP*E0002")]
    result = remit_text(tmp_path, "cut2.835", cut_inside.replace("EFT1", "EFT9"), ledger)
    assert not result.payments[0].recorded and "cut off" in result.payments[0].note
    not_835 = remit_text(
        tmp_path,
        "claims.837",
        (tmp_path / "a.837").read_text() if (tmp_path / "a.837").exists() else _an_837(),
        ledger,
    )
    assert not_835.status == "rejected" and "holds no 835" in not_835.message
    assert any("ST*837" in p and "not an 835" in p for p in not_835.problems)
    garbage = remit_text(tmp_path, "notes.txt", "hello", ledger)
    assert garbage.status == "rejected" and "ISA" in garbage.message


def _an_837() -> str:
    from tests.helpers import wrap

    return wrap()


def test_remit_command(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    claims = [claim(1), claim(2)]
    scrub_claims(tmp_path, "a.837", claims, ledger)
    (tmp_path / "a.835").write_text(
        __import__("scrubber.synth835", fromlist=["build_835"]).build_835(
            claims, denials=[Denial("97140", diagnosis="M5450")]
        )
    )
    runner = CliRunner()
    out = runner.invoke(main, ["remit", str(tmp_path / "a.835"), "--ledger", str(ledger)])
    assert out.exit_code == 0, out.output
    assert "2 claims (2 matched, 0 unmatched)" in out.output and "ties" in out.output
    out = runner.invoke(main, ["remit", str(tmp_path / "a.835"), "--ledger", str(ledger)])
    assert out.exit_code == 0 and "already read" in out.output
    (tmp_path / "bad.835").write_text("not x12")
    out = runner.invoke(main, ["remit", str(tmp_path / "bad.835"), "--ledger", str(ledger)])
    assert out.exit_code == 3 and "not an X12 interchange" in out.output
    assert "Traceback" not in out.output
