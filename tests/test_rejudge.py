"""IG001 judged again on the fixed text (EDITS.md): a claim whose TR3 errors all lie in segments a
safe fix replaced is held only when the fixed claim still fails the TR3 walk."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import report_of, scrub_text, wrap

CLAIM = "CLM*P1*100***11:B:1*Y*A*Y*Y~{hi}~LX*1~SV1*HC:97110:GP*100*UN*1***1~DTP*472*D8*20260410~"


@pytest.mark.parametrize("engine", ["compiled", "pyx12"])
def test_a_qualifier_fixed_by_dx005_is_not_held_by_ig001(tmp_path: Path, engine: str) -> None:
    text = wrap(CLAIM.format(hi="HI*ABF:M5450*ABF:M62830"))
    result = scrub_text(tmp_path, text, tr3=True, tr3_engine=engine)
    [claim] = report_of(result)["claims"]
    edits = [f["edit"] for f in claim["findings"]]
    assert "DX005" in edits and "IG001" not in edits, claim["findings"]
    assert claim["disposition"] == "fixed" and result.status == "clean"
    clean = (result.outputs["clean"] or Path()).read_text()
    assert "HI*ABK:M5450*ABF:M62830~" in clean


def test_an_error_the_fix_does_not_cure_still_holds(tmp_path: Path) -> None:
    # the HI is fixed (DX005), but CLM05-2 is missing: an error on a segment no fix touched
    text = wrap(CLAIM.format(hi="HI*ABF:M5450*ABF:M62830").replace("11:B:1", "11::1"))
    result = scrub_text(tmp_path, text, tr3=True)
    [claim] = report_of(result)["claims"]
    assert claim["disposition"] == "held"
    assert any(f["edit"] == "IG001" for f in claim["findings"])
