"""The core flow through the library API: dispositions, fixes, outputs, reports."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest

from tests.corpus import claims_in
from tests.helpers import CLEAN, HELD, edits_found, report_of, scrub_text, wrap

FIXABLE = (
    "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M62.830*ABF:M62.830*ABF:M54.50~LX*1~"
    "SV1*HC:97110:GP*100*UN*1***1:2:3~DTP*472*D8*20260410~"
)


def test_safe_fixes_format_dedupe_and_remap_pointers(tmp_path: Path) -> None:
    result = scrub_text(tmp_path, wrap(FIXABLE))
    report = report_of(result)
    assert report["claims"][0]["disposition"] == "fixed"
    assert result.exit_status == 0
    clean = Path(result.outputs["clean"] or "").read_text()
    assert "HI*ABK:M62830*ABF:M5450~" in clean
    assert "SV1*HC:97110:GP*100*UN*1***1:2~" in clean
    fixed = [f for f in report["claims"][0]["findings"] if f["fix"]]
    assert {f["edit"] for f in fixed} == {"DX003", "DX004"}
    assert all(f["fix"]["applied"] and f["fix"]["safety"] == "safe" for f in fixed)


def test_clean_fixed_and_held_go_to_their_files(tmp_path: Path) -> None:
    source = wrap(CLEAN + FIXABLE + HELD)
    result = scrub_text(tmp_path, source)
    assert result.exit_status == 1
    assert result.counts == {"claims": 3, "clean": 1, "fixed": 1, "held": 1, "rejected": 0}
    clean, held = Path(result.outputs["clean"] or ""), Path(result.outputs["held"] or "")
    assert [c[0] for c in claims_in(clean)] == ["P3", "P1"]
    assert [c[0] for c in claims_in(held)] == ["P2"]
    assert result.charges == {
        "total": "280.00",
        "clean": "180.00",
        "held": "100.00",
        "rejected": "0.00",
    }
    report = json.loads(Path(result.outputs["json"] or "").read_text())
    finding = next(f for f in report["claims"][2]["findings"] if f["edit"] == "DX002")
    assert finding["suggestions"] == ["M62830", "M62831", "M62838"]
    assert finding["location"]["segment"] == "HI" and finding["location"]["element"] == "HI01-2"
    for path in result.outputs.values():
        assert path is not None and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_untouched_claims_are_written_back_byte_for_byte(tmp_path: Path) -> None:
    source = wrap(CLEAN).replace("~\n", "~\r\n")
    result = scrub_text(tmp_path, source)
    assert Path(result.outputs["clean"] or "").read_bytes() == source.encode()


def test_held_output_rebuilds_hl_tree_and_counts(tmp_path: Path) -> None:
    subscriber2 = (
        "HL*3*1*22*0~SBR*P*18*******CI~NM1*IL*1*ROE*RICHARD****MI*MBR0000002~"
        "N3*2 OAK ST~N4*SPRINGFIELD*IL*62701~DMG*D8*19800101*M~"
        "NM1*PR*2*EXAMPLE PAYER*****PI*PAYER01~"
    )
    source = wrap(CLEAN + subscriber2 + HELD)
    result = scrub_text(tmp_path, source)
    held = Path(result.outputs["held"] or "").read_text()
    assert "HL*1**20*1~" in held and "HL*2*1*22*0~" in held and "HL*3" not in held
    segments = [s for s in held.split("~\n") if s]
    st = next(i for i, s in enumerate(segments) if s.startswith("ST*"))
    se = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    assert segments[se] == f"SE*{se - st + 1}*0001"
    assert segments[-2] == "GE*1*1" and segments[-1] == "IEA*1*000000001"


def test_unsafe_fix_only_with_the_flag(tmp_path: Path) -> None:
    claim = (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450*ABF:M6283~LX*1~"
        "SV1*HC:97110:GP*100*UN*1***1:2~DTP*472*D8*20260410~"
    )
    held = scrub_text(tmp_path / "a", wrap(claim))
    assert held.counts["held"] == 1
    fixed = scrub_text(tmp_path / "b", wrap(claim), unsafe_fixes=True)
    assert fixed.counts["fixed"] == 1
    assert "ABF:M62830~" in Path(fixed.outputs["clean"] or "").read_text()
    finding = report_of(fixed)["claims"][0]["findings"][0]
    assert finding["edit"] == "CTX002" and finding["fix"]["safety"] == "unsafe"


def test_select_and_ignore(tmp_path: Path) -> None:
    only_ptr = scrub_text(tmp_path / "a", wrap(HELD), select=("PTR",))
    assert only_ptr.counts["held"] == 0
    ignored = scrub_text(tmp_path / "b", wrap(HELD), ignore=("DX002", "CTX"))
    assert ignored.counts["held"] == 0


def test_ignoring_an_edit_ignores_its_refinements(tmp_path: Path) -> None:
    """CTX002 refines DX002 (refines = "DX002" in its TOML): --ignore DX002 silences both, and a
    --select naming CTX002 alone still runs it."""
    claim = (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450*ABF:M6283~LX*1~"
        "SV1*HC:97110:GP*100*UN*1***1:2~DTP*472*D8*20260410~"
    )
    ignored = scrub_text(tmp_path / "a", wrap(claim), ignore=("DX002",))
    assert ignored.counts["held"] == 0 and ignored.counts["clean"] == 1
    assert "CTX002" not in edits_found(ignored)
    alone = scrub_text(tmp_path / "b", wrap(claim), select=("CTX002",))
    assert list(edits_found(alone)) == ["CTX002"] and alone.counts["held"] == 1
    both = scrub_text(tmp_path / "c", wrap(claim))
    assert "CTX002" in edits_found(both) and "DX002" not in edits_found(both)


def test_rejected_file_gets_a_report_and_no_837(tmp_path: Path) -> None:
    result = scrub_text(tmp_path, "this is not a claim file\n", name="notes.txt")
    assert result.exit_status == 3 and result.status == "rejected"
    report = report_of(result)
    assert report["rejection"]["edit"] == "ENV001"
    assert "ISA" in report["rejection"]["message"]
    assert result.outputs["clean"] is None and result.outputs["held"] is None
    assert not list((tmp_path / "out").glob("*.837"))


def test_institutional_transaction_is_rejected(tmp_path: Path) -> None:
    result = scrub_text(tmp_path, wrap(CLEAN, version="005010X223A2"))
    assert result.exit_status == 3
    assert "institutional" in report_of(result)["rejection"]["message"]


def test_cut_off_file_holds_its_claims(tmp_path: Path) -> None:
    text = wrap(CLEAN + HELD)
    cut = text[: text.index("SE*")]
    result = scrub_text(tmp_path, cut)
    assert result.counts["claims"] == 2 and result.counts["held"] == 2
    assert any(f["edit"] == "ENV005" for f in report_of(result)["findings"])


def test_errata_version_is_read_with_a1_rules(tmp_path: Path) -> None:
    result = scrub_text(tmp_path, wrap(CLEAN, version="005010X222A2"))
    assert result.exit_status == 0
    assert any("005010X222A2" in note for note in report_of(result)["notes"])


def test_unsafe_fixes_are_logged_without_codes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    claim = (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450*ABF:M6283~LX*1~"
        "SV1*HC:97110:GP*100*UN*1***1:2~DTP*472*D8*20260410~"
    )
    with caplog.at_level(logging.INFO, logger="scrub837"):
        scrub_text(tmp_path, wrap(claim), unsafe_fixes=True)
    unsafe = [r.getMessage() for r in caplog.records if "unsafe fix" in r.getMessage()]
    assert unsafe == ["unsafe fix CTX002 applied to claim P1"]
    assert not any("M62" in r.getMessage() or "DOE" in r.getMessage() for r in caplog.records)
