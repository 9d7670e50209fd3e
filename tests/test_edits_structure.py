"""Envelope, HL tree and TR3 edits: a failing and a passing example each, as 837P text."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import PROVIDER, SUBSCRIBER, edits_found, report_of, scrub_text, wrap

CLAIM = (
    "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
    "DTP*472*D8*20260410~"
)


def found(tmp_path: Path, text: str, **options: object) -> dict[str, list[dict[str, object]]]:
    return edits_found(scrub_text(tmp_path, text, **options))


def test_env001_not_x12(tmp_path: Path) -> None:
    assert "ENV001" in found(tmp_path / "f", "Claim,Patient,Amount\n1,DOE,100\n")
    assert "ENV001" not in found(tmp_path / "p", wrap(CLAIM))


def test_env002_not_professional(tmp_path: Path) -> None:
    failing = found(tmp_path / "f", wrap(CLAIM, version="005010X224A2"))
    assert "dental" in str(failing["ENV002"][0]["message"])
    assert "ENV002" not in found(tmp_path / "p", wrap(CLAIM))


def test_env003_control_numbers(tmp_path: Path) -> None:
    text = wrap(CLAIM)
    failing = text.replace("IEA*1*000000001", "IEA*1*000000002")
    result = scrub_text(tmp_path / "f", failing)
    [finding] = edits_found(result)["ENV003"]
    assert finding["severity"] == "info" and result.exit_status == 0
    # the output carries matching numbers
    assert Path(result.outputs["clean"] or "").read_text().endswith("IEA*1*000000001~\n")
    assert "ENV003" not in found(tmp_path / "p", text)
    validated = scrub_text(tmp_path / "v", failing, mode="validate")
    assert edits_found(validated)["ENV003"][0]["severity"] == "error"


def test_env004_counts(tmp_path: Path) -> None:
    text = wrap(CLAIM)
    se = next(s for s in text.split("~\n") if s.startswith("SE*"))
    failing = text.replace(se, "SE*99*0001")
    result = scrub_text(tmp_path / "f", failing)
    assert edits_found(result)["ENV004"]
    assert f"{se}~" in Path(result.outputs["clean"] or "").read_text()
    assert "ENV004" not in found(tmp_path / "p", text)


def test_env005_cut_off(tmp_path: Path) -> None:
    text = wrap(CLAIM)
    result = scrub_text(tmp_path / "f", text[: text.index("SE*")])
    assert edits_found(result)["ENV005"]
    assert result.counts["held"] == 1
    assert "ENV005" not in found(tmp_path / "p", text)


def test_hl001_numbering_is_info_and_renumbered(tmp_path: Path) -> None:
    text = wrap(CLAIM).replace("HL*2*1*22*0", "HL*7*1*22*0")
    result = scrub_text(tmp_path / "f", text)
    assert [f["severity"] for f in edits_found(result)["HL001"]] == ["info"]
    assert result.counts["held"] == 0
    assert "HL*2*1*22*0~" in Path(result.outputs["clean"] or "").read_text()
    assert "HL001" not in found(tmp_path / "p", wrap(CLAIM))


def test_hl001_ambiguous_tree_holds(tmp_path: Path) -> None:
    second_provider = PROVIDER.replace("HL*1**20*1", "HL*3**20*1")
    subscriber = SUBSCRIBER.format(sbr09="CI").replace("HL*2*1*22*0", "HL*4*1*22*0")
    text = wrap(CLAIM + second_provider + subscriber + CLAIM.replace("P1", "P2"))
    result = scrub_text(tmp_path / "f", text)
    errors = [f for f in edits_found(result)["HL001"] if f["severity"] == "error"]
    assert errors and result.counts["held"] == 1
    assert report_of(result)["claims"][1]["disposition"] == "held"


def test_ig001_tr3_error_in_claim_holds_only_that_claim(tmp_path: Path) -> None:
    broken = CLAIM.replace("P1*100***11:B:1", "P2*100***11::1")
    result = scrub_text(tmp_path / "f", wrap(CLAIM + broken), tr3=True)
    claims = report_of(result)["claims"]
    assert [c["disposition"] for c in claims] == ["clean", "held"]
    assert any(f["edit"] == "IG001" for f in claims[1]["findings"])
    assert "IG001" not in found(tmp_path / "p", wrap(CLAIM), tr3=True)


def test_ig002_tr3_error_in_billing_provider_holds_its_claims(tmp_path: Path) -> None:
    provider = PROVIDER.replace("*XX*1234567893~", "*XX~")  # NM109 missing
    result = scrub_text(tmp_path / "f", wrap(CLAIM, provider=provider), tr3=True)
    assert edits_found(result)["IG002"] and result.counts["held"] == 1
    assert "IG002" not in found(tmp_path / "p", wrap(CLAIM), tr3=True)


def test_ig001_claim_without_diagnosis_or_lines_is_held_even_without_tr3(tmp_path: Path) -> None:
    empty = "CLM*P2*100***11:B:1*Y*A*Y*Y~"  # a CLM followed at once by the next CLM
    result = scrub_text(tmp_path / "f", wrap(empty + CLAIM))
    claims = report_of(result)["claims"]
    assert [c["disposition"] for c in claims] == ["held", "clean"]
    messages = [f["message"] for f in claims[0]["findings"] if f["edit"] == "IG001"]
    assert any("no diagnosis" in m for m in messages) and any(
        "no service line" in m for m in messages
    )
    no_date = CLAIM.replace("DTP*472*D8*20260410~", "")
    assert "IG001" in edits_found(scrub_text(tmp_path / "d", wrap(no_date)))
    assert "IG001" not in found(tmp_path / "p", wrap(CLAIM))


def test_ig002_billing_provider_without_its_address_holds_its_claims(tmp_path: Path) -> None:
    provider = PROVIDER.replace("N4*SPRINGFIELD*IL*627010001~", "").replace("REF*EI*123456789~", "")
    result = scrub_text(tmp_path / "f", wrap(CLAIM, provider=provider))
    messages = [str(f["message"]) for f in edits_found(result)["IG002"]]
    assert any("N4" in m for m in messages) and any("REF*EI/SY" in m for m in messages)
    assert result.counts["held"] == 1


def test_stray_envelope_segment_inside_a_transaction_holds_its_claims(tmp_path: Path) -> None:
    text = wrap(CLAIM + CLAIM.replace("P1", "P2"))
    stray = text.replace("HL*2*1*22*0~", "GS*HC*X*Y*20260415*1200*9*X*005010X222A1~\nHL*2*1*22*0~")
    result = scrub_text(tmp_path / "f", stray)
    assert result.counts == {"claims": 2, "clean": 0, "fixed": 0, "held": 2, "rejected": 0}
    assert "GS segment stands inside transaction" in str(edits_found(result)["IG002"][0])


def test_garbled_st01_with_professional_labels_is_read_and_held(tmp_path: Path) -> None:
    result = scrub_text(tmp_path / "f", wrap(CLAIM).replace("ST*837*", "ST**"))
    assert result.counts["held"] == 1 and result.status == "held"
