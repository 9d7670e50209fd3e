"""The edge cases the catalogue names (each edit's own cases are in its TOML: edits/*.toml),
`scrub837 edits` against EDITS.md, and docs/edits.md up to date."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from scrubber.catalogue import load_catalogue
from scrubber.cli import main
from tests.edits_md import edits_md_defaults
from tests.helpers import PROVIDER, SUBSCRIBER, fires, wrap

ROOT = Path(__file__).resolve().parent.parent
RUN_DATE = date(2026, 4, 15)

CLM = "CLM*P1*100***11:B:1*Y*A*Y*Y~"


def claim(
    hi: str = "HI*ABK:M5450~",
    line: str = "SV1*HC:97110:GP*100*UN*1***1~",
    dtp: str = "DTP*472*D8*20260410~",
    clm: str = CLM,
    extra: str = "",
) -> str:
    """One claim with one line; `extra` goes after HI (2300 REF, DTP ...)."""
    return f"{clm}{hi}{extra}LX*1~{line}{dtp}"


def two_lines(first: str, second: str, hi: str = "HI*ABK:M5450~", charge: str = "200") -> str:
    return (
        f"CLM*P1*{charge}***11:B:1*Y*A*Y*Y~{hi}LX*1~{first}DTP*472*D8*20260410~"
        f"LX*2~{second}DTP*472*D8*20260410~"
    )


def provider(
    n3: str = "100 MAIN ST",
    n4: str = "N4*SPRINGFIELD*IL*627010001~",
    npi: str = "1234567893",
    ref: str = "REF*EI*123456789~",
    extra: str = "",
) -> str:
    return f"HL*1**20*1~NM1*85*2*EXAMPLE PT CLINIC*****XX*{npi}~N3*{n3}~{n4}{ref}{extra}"


def run(tmp_path: Path, edit: str, text: str, **options: Any) -> list[dict[str, Any]]:
    options.setdefault("run_date", RUN_DATE)
    return fires(tmp_path, edit, text, **options)


# -- diagnosis ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ("HI*ABK:M5450*ABF:S39012A~", True),  # M54.5 Excludes1 low back strain (S39.012)
        ("HI*ABK:S39012A*ABF:M5459~", True),  # either order
        ("HI*ABK:M62830*ABF:R252~", True),  # M62 Excludes1 cramp and spasm (R25.2)
        ("HI*ABK:M62830*ABF:M7981~", False),  # M62 Excludes2 only: both may be coded
        ("HI*ABK:M5450*ABF:M62830~", False),
    ],
)
def test_dx006_excludes1_pairs(tmp_path: Path, codes: str, expected: bool) -> None:
    found = run(tmp_path, "DX006", wrap(claim(codes, "SV1*HC:97110:GP*100*UN*1***1:2~")))
    assert bool(found) is expected
    if expected:
        assert found[0]["location"]["element"] == "HI02-2"


def test_dx007_only_principal(tmp_path: Path) -> None:
    # an external cause code after the principal one is fine
    assert not run(tmp_path, "DX007", wrap(claim("HI*ABK:S39012A*ABF:W010XXA~")))


def test_spc001_is_info_with_suggestions(tmp_path: Path) -> None:
    [finding] = run(tmp_path, "SPC001", wrap(claim("HI*ABK:M5450~")))
    assert finding["severity"] == "info"
    assert finding["suggestions"] == ["M5451"]  # not the residual "other" M54.59


# -- therapy -----------------------------------------------------------------------------------


def test_thr002_severity_follows_filing_indicator(tmp_path: Path) -> None:
    line = "SV1*HC:97110*100*UN*1***1~"
    [commercial] = run(tmp_path / "ci", "THR002", wrap(claim(line=line), sbr09="CI"))
    [medicare] = run(tmp_path / "mb", "THR002", wrap(claim(line=line), sbr09="MB"))
    assert commercial["severity"] == "warning"
    assert medicare["severity"] == "error"


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("SV1*HC:97110:GP:GO*100*UN*1***1~", "more than one"),
        ("SV1*HC:97165:GP*100*UN*1***1~", "billed with GO"),
        ("SV1*HC:92522*100*UN*1***1~", "GN"),
    ],
)
def test_thr002_cases(tmp_path: Path, line: str, key: str) -> None:
    [finding] = run(tmp_path, "THR002", wrap(claim(line=line)))
    assert key in finding["message"]


def test_thr002_leaves_other_codes(tmp_path: Path) -> None:
    assert not run(tmp_path, "THR002", wrap(claim(line="SV1*HC:99213*100*UN*1***1~")))


def test_thr003_untimed_eval_zero_units(tmp_path: Path) -> None:
    assert run(tmp_path, "THR003", wrap(claim(line="SV1*HC:97163:GP*100*UN*0***1~")))


@pytest.mark.parametrize(
    ("modifiers", "fires_"),
    [("CO", True), ("GO:CO", False), ("GP:CO", True), ("GP:CQ:CO", True), ("GP", False)],
)
def test_thr004_pairs(tmp_path: Path, modifiers: str, fires_: bool) -> None:
    line = f"SV1*HC:97110:{modifiers}*100*UN*1***1~"
    assert bool(run(tmp_path, "THR004", wrap(claim(line=line)))) is fires_


def test_thr005_other_day_or_x_modifier(tmp_path: Path) -> None:
    other_day = (
        "CLM*P1*200***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97530:GP*120*UN*1***1~"
        "DTP*472*D8*20260410~LX*2~SV1*HC:97140:GP*80*UN*1***1~DTP*472*D8*20260409~"
    )
    assert not run(tmp_path / "a", "THR005", wrap(other_day))
    xs = two_lines("SV1*HC:97530:GP*120*UN*1***1~", "SV1*HC:97140:GP:XS*80*UN*1***1~")
    assert not run(tmp_path / "b", "THR005", wrap(xs))
    same_day = two_lines("SV1*HC:97530:GP*120*UN*1***1~", "SV1*HC:97140:GP*80*UN*1***1~")
    [finding] = run(tmp_path / "c", "THR005", wrap(same_day))
    assert finding["severity"] == "warning"
    assert finding["location"]["text"].startswith("SV1*HC:97140")


# -- providers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "P.O. Box 12",
        "PO BOX 12",
        "POB 12",
        "Lock Box 7",
        "P0 BOX 12",
        "Post Office Box 12",
        "100 Main St PMB 12",
        "PO Box 12",
        "p.o.box 12",
        "LOCKBOX 7",
    ],
)
def test_prv003_box_variants_in_2010aa(tmp_path: Path, address: str) -> None:
    assert run(tmp_path, "PRV003", wrap(provider=provider(n3=address)))


@pytest.mark.parametrize("address", ["100 MAIN ST", "12 POBLANO WAY", "1 BOXWOOD LN", "9 POST RD"])
def test_prv003_street_addresses_pass(tmp_path: Path, address: str) -> None:
    assert not run(tmp_path, "PRV003", wrap(provider=provider(n3=address)))


def test_prv003_pay_to_address_may_be_a_box(tmp_path: Path) -> None:
    pay_to = "NM1*87*2~N3*PO BOX 1234~N4*SPRINGFIELD*IL*627010001~"
    assert not run(tmp_path, "PRV003", wrap(provider=provider(extra=pay_to)))


def test_prv003_second_address_line(tmp_path: Path) -> None:
    [finding] = run(tmp_path, "PRV003", wrap(provider=provider(n3="100 MAIN ST*PMB 12")))
    assert finding["location"]["element"] == "N302"


def test_prv001_rendering_provider_and_billing_on_every_claim(tmp_path: Path) -> None:
    rendering = (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~NM1*82*1*ROE*JANE****XX*1234567890~"
        "LX*1~SV1*HC:97110:GP*100*UN*1***1~DTP*472*D8*20260410~"
    )
    [finding] = run(tmp_path / "r", "PRV001", wrap(rendering))
    assert finding["location"]["loop"] == "2310B"
    two_claims = claim() + claim(clm="CLM*P2*100***11:B:1*Y*A*Y*Y~")
    found = run(tmp_path / "b", "PRV001", wrap(two_claims, provider=provider(npi="1234567890")))
    assert len(found) == 2 and all(f["location"]["loop"] == "2010AA" for f in found)
    assert run(tmp_path / "s", "PRV001", wrap(provider=provider(npi="123456789")))
    assert not run(tmp_path / "v", "PRV001", wrap(provider=provider(npi="1558598797")))


def test_prv001_luhn_vectors() -> None:
    from scrubber.checks.providers import npi_is_valid

    assert npi_is_valid("1234567893")
    assert npi_is_valid("1558598797")
    assert not npi_is_valid("1234567890")
    assert not npi_is_valid("123456789X")


def test_prv002_foreign_address_skipped(tmp_path: Path) -> None:
    n4 = "N4*TORONTO*ON*M5V2T6*CA~"
    assert not run(tmp_path, "PRV002", wrap(provider=provider(n4=n4)))


def test_prv004_short_tin(tmp_path: Path) -> None:
    assert run(tmp_path, "PRV004", wrap(provider=provider(ref="REF*EI*12345678~")))


# -- claims ------------------------------------------------------------------------------------


def test_clm001_negative(tmp_path: Path) -> None:
    text = wrap(claim(clm="CLM*P1*-5***11:B:1*Y*A*Y*Y~", line="SV1*HC:97110:GP*-5*UN*1***1~"))
    assert run(tmp_path, "CLM001", text)


def test_clm002_later_ones_only(tmp_path: Path) -> None:
    text = wrap(claim() + claim() + claim(clm="CLM*P2*100***11:B:1*Y*A*Y*Y~") + claim())
    found = run(tmp_path, "CLM002", text)
    assert len(found) == 2
    assert all(f["message"].startswith("Claim id P1") for f in found)


def test_clm002_state_is_per_file(tmp_path: Path) -> None:
    assert not run(tmp_path / "a", "CLM002", wrap(claim()))
    assert not run(tmp_path / "b", "CLM002", wrap(claim()))


def test_clm003_line_place_and_dates(tmp_path: Path) -> None:
    [finding] = run(tmp_path / "a", "CLM003", wrap(claim(line="SV1*HC:97110:GP*100*UN*1*59**1~")))
    assert finding["location"]["element"] == "SV105"
    assert not run(tmp_path / "b", "CLM003", wrap(claim(line="SV1*HC:97110:GP*100*UN*1*12**1~")))
    # POS 10 (telehealth in the patient's home) exists from 2022-01-01
    pos10 = "CLM*P1*100***10:B:1*Y*A*Y*Y~"
    assert not run(tmp_path / "c", "CLM003", wrap(claim(clm=pos10)))
    assert run(tmp_path / "d", "CLM003", wrap(claim(clm=pos10, dtp="DTP*472*D8*20211231~")))


def test_clm004_void(tmp_path: Path) -> None:
    assert run(tmp_path, "CLM004", wrap(claim(clm="CLM*P1*100***11:B:8*Y*A*Y*Y~")))


# -- dates -------------------------------------------------------------------------------------


def test_dte001_validate_mode_uses_bht04(tmp_path: Path) -> None:
    text = wrap(claim(dtp="DTP*472*D8*20260416~"))  # BHT04 is 2026-04-15
    late_run = date(2026, 5, 1)
    assert not run(tmp_path / "s", "DTE001", text, run_date=late_run)
    [finding] = run(tmp_path / "v", "DTE001", text, run_date=late_run, mode="validate")
    assert "BHT04" in finding["message"]


def test_dte001_range_end_in_future(tmp_path: Path) -> None:
    assert run(tmp_path, "DTE001", wrap(claim(dtp="DTP*472*RD8*20260410-20260420~")))


def test_dte002_patient_loop_birth_date(tmp_path: Path) -> None:
    subscriber = (
        SUBSCRIBER.format(sbr09="CI")
        .replace("HL*2*1*22*0", "HL*2*1*22*1")
        .replace("SBR*P*18*", "SBR*P**")
    )
    patient = (
        "HL*3*2*23*0~PAT*19~NM1*QC*1*DOE*JIM~N3*1 ELM ST~N4*SPRINGFIELD*IL*62701~DMG*D8*20260411*M~"
    )
    found = run(tmp_path, "DTE002", wrap(patient + claim(), subscriber=subscriber))
    assert found and "2026-04-11" in found[0]["message"]


def test_dte003_profile_limit(tmp_path: Path) -> None:
    profile = tmp_path / "payer.toml"
    profile.write_text('name = "payer"\n[edits.DTE003]\nparams = { timely_filing_days = 90 }\n')
    text = wrap(claim(dtp="DTP*472*D8*20260101~"))
    assert not run(tmp_path / "d", "DTE003", text)
    [finding] = run(tmp_path / "p", "DTE003", text, profile=str(profile))
    assert finding["severity"] == "warning" and "90-day" in finding["message"]


@pytest.mark.parametrize(
    ("dtp", "extra"),
    [
        ("DTP*472*D8*20260231~", ""),
        ("DTP*472*D8*2026041~", ""),
        ("DTP*472*RD8*20260401~", ""),
        ("DTP*472*RD8*20260401-2026041X~", ""),
        ("DTP*472*D8*20260410~", "DTP*431*D8*20261301~"),  # onset date in 2300
    ],
)
def test_dte004_bad_dates(tmp_path: Path, dtp: str, extra: str) -> None:
    assert run(tmp_path, "DTE004", wrap(claim(dtp=dtp, extra=extra)))


# -- the catalogue against EDITS.md and the docs -----------------------------------------------


def test_edits_command_lists_every_edit_of_edits_md() -> None:
    expected = edits_md_defaults()
    assert len(expected) >= 40
    result = CliRunner().invoke(main, ["edits"])
    assert result.exit_code == 0, result.output
    listed = {}
    for line in result.output.splitlines():
        parts = line.split()
        if parts:
            listed[parts[0]] = parts[1]
    missing = sorted(set(expected) - set(listed))
    assert not missing, f"not in `scrub837 edits`: {missing}"
    wrong = {e: (listed[e], s) for e, s in expected.items() if listed[e] != s}
    assert not wrong, f"severity (listed, EDITS.md): {wrong}"


def test_unverified_data_is_marked() -> None:
    catalogue = load_catalogue()
    for edit in ("THR002", "THR005"):
        spec = catalogue[edit]
        assert spec.params.get("unverified") is True
        assert "UNVERIFIED" in spec.source


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_edit_docs", ROOT / "tools" / "gen_edit_docs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_edits_md_is_up_to_date() -> None:
    text = _generator().render()
    docs = ROOT / "docs" / "edits.md"
    assert docs.exists(), "run: python tools/gen_edit_docs.py"
    assert docs.read_text(encoding="utf-8") == text, (
        "docs/edits.md is stale: run python tools/gen_edit_docs.py"
    )
    for edit in load_catalogue():
        assert f"## {edit} " in text


def test_provider_default_is_clean(tmp_path: Path) -> None:
    """The helpers' own billing provider passes every provider edit."""
    for edit in ("PRV001", "PRV002", "PRV003", "PRV004"):
        assert not run(tmp_path / edit, edit, wrap(provider=PROVIDER))
