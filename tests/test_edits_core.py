"""Each edit of the core issue: a failing and a passing example written as 837P text."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import fires, wrap

CASES = {
    # edit: (failing claim, passing claim)
    "BAL001": (
        "CLM*P1*150***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~",
        "CLM*P1*150***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~LX*2~SV1*HC:97112:GP*50.00*UN*1***1~DTP*472*D8*20260410~",
    ),
    "PTR001": (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450*ABF:M62830~LX*1~"
        "SV1*HC:97110:GP*100*UN*1***1:3~DTP*472*D8*20260410~",
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450*ABF:M62830~LX*1~"
        "SV1*HC:97110:GP*100*UN*1***1:2~DTP*472*D8*20260410~",
    ),
    "PTR002": (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*100*UN*1***1:1~"
        "DTP*472*D8*20260410~",
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~",
    ),
    "PTR003": (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450*ABF:M62830~LX*1~"
        "SV1*HC:97110:GP*100*UN*1***1~DTP*472*D8*20260410~",
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450*ABF:M62830~LX*1~"
        "SV1*HC:97110:GP*100*UN*1***1:2~DTP*472*D8*20260410~",
    ),
    "DX001": (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:Z9999~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~",
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~",
    ),
    "DX002": (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M545~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~",
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~",
    ),
    "DX003": (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:m54.50~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~",
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~",
    ),
    "DX004": (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450*ABF:M5450~LX*1~"
        "SV1*HC:97110:GP*100*UN*1***1:2~DTP*472*D8*20260410~",
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450*ABF:M62830~LX*1~"
        "SV1*HC:97110:GP*100*UN*1***1:2~DTP*472*D8*20260410~",
    ),
    "DX005": (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*BK:7242~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~",
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~",
    ),
    "DX010": (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20251101~",
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~",
    ),
    "CTX001": (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M62830~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~",
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450*ABF:M62830~LX*1~"
        "SV1*HC:97110:GP*100*UN*1***1:2~DTP*472*D8*20260410~",
    ),
    "CTX002": (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450*ABF:M6283~LX*1~"
        "SV1*HC:97110:GP*100*UN*1***1:2~DTP*472*D8*20260410~",
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450*ABF:M62830~LX*1~"
        "SV1*HC:97110:GP*100*UN*1***1:2~DTP*472*D8*20260410~",
    ),
    "THR001": (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:Z0000~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~",
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450*ABF:Z0000~LX*1~"
        "SV1*HC:97110:GP*100*UN*1***1:2~DTP*472*D8*20260410~",
    ),
    "HL001": (
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*2~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~",
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        "DTP*472*D8*20260410~",
    ),
}


@pytest.mark.parametrize("edit", sorted(CASES))
def test_edit_fails_and_passes(tmp_path: Path, edit: str) -> None:
    failing, passing = CASES[edit]
    assert fires(tmp_path / "f", edit, wrap(failing)), f"{edit} did not fire on its failing example"
    assert not fires(tmp_path / "p", edit, wrap(passing)), f"{edit} fired on its passing example"
