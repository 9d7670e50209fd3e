"""Payer profiles: the medicare profile, and how profiles change severities and options."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from scrubber.catalogue import CatalogueError, data_dir, load_catalogue, load_profile
from scrubber.cli import main
from tests.helpers import fires, wrap

NO_GP = (
    "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110*100*UN*1***1~DTP*472*D8*20260410~"
)
RUN_DATE = date(2026, 4, 15)


def profile_names() -> list[str]:
    return sorted(p.stem for p in (data_dir("edits") / "profiles").glob("*.toml"))


@pytest.mark.parametrize("name", profile_names())
def test_every_shipped_profile_loads(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert set(profile.edits) == set(load_catalogue())


def test_medicare_profile_makes_thr002_an_error_for_a_commercial_claim(tmp_path: Path) -> None:
    [finding] = fires(
        tmp_path, "THR002", wrap(NO_GP, sbr09="CI"), profile="medicare", run_date=RUN_DATE
    )
    assert finding["severity"] == "error"


def test_default_profile_thr002_warning_on_commercial_error_on_medicare(tmp_path: Path) -> None:
    [commercial] = fires(tmp_path / "ci", "THR002", wrap(NO_GP, sbr09="CI"), run_date=RUN_DATE)
    [medicare] = fires(tmp_path / "mb", "THR002", wrap(NO_GP, sbr09="MB"), run_date=RUN_DATE)
    assert commercial["severity"] == "warning"
    assert medicare["severity"] == "error"


def test_cli_profile_medicare_holds_the_claim(tmp_path: Path) -> None:
    source = tmp_path / "batch.837"
    source.write_text(wrap(NO_GP, sbr09="CI"), encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    results = {}
    for profile in ("default", "medicare"):
        result = runner.invoke(
            main,
            [
                "scrub",
                str(source),
                "--no-tr3",
                "--select",
                "THR002",
                "--profile",
                profile,
                "--run-date",
                "2026-04-15",
                "-o",
                str(out / profile),
            ],
        )
        report = json.loads((out / profile / "batch.report.json").read_text())
        [finding] = [f for c in report["claims"] for f in c["findings"]]
        results[profile] = (result.exit_code, finding["severity"])
    assert results["default"] == (0, "warning")
    assert results["medicare"] == (1, "error")


def test_medicare_profile_keeps_timely_filing_a_param() -> None:
    spec = load_profile("medicare").edits["DTE003"]
    assert spec.params["timely_filing_days"] == 365
    assert spec.severity == "warning"


def test_profile_can_change_a_code_list(tmp_path: Path) -> None:
    profile = tmp_path / "strict.toml"
    profile.write_text(
        'name = "strict"\n[edits.THR002]\nparams = { medicare_filing_indicators = ["MB", "CI"] }\n',
        encoding="utf-8",
    )
    [finding] = fires(
        tmp_path / "r", "THR002", wrap(NO_GP, sbr09="CI"), profile=str(profile), run_date=RUN_DATE
    )
    assert finding["severity"] == "error"


def test_profile_can_disable_an_edit(tmp_path: Path) -> None:
    profile = tmp_path / "quiet.toml"
    profile.write_text('name = "quiet"\ndisabled = ["THR002"]\n', encoding="utf-8")
    assert not fires(tmp_path / "r", "THR002", wrap(NO_GP), profile=str(profile), run_date=RUN_DATE)


def test_profile_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    profile = tmp_path / "bad.toml"
    profile.write_text("[edits.DTE003]\nparams = { timely_filing = 90 }\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="unknown option timely_filing"):
        load_profile(str(profile))
