"""What the checks remember across claims of a run (Excludes1 pairs, a list's verdicts, a
claim's facts) is keyed by what the answer depends on: the release, the profile's lists, the
claim as it stands after a fix."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scrubber.codesets.cache import load_icd10cm
from scrubber.codesets.icd10cm import Excludes1Pairs, Icd10cm
from scrubber.codesets.notes import text_note_ranges
from tests.helpers import fires, report_of, scrub_text, wrap

RUN_DATE = date(2026, 4, 15)


@pytest.fixture(scope="module")
def icd() -> Icd10cm:
    return load_icd10cm()


def _claim(hi: str, number: str = "P1") -> str:
    return (
        f"CLM*{number}*100***11:B:1*Y*A*Y*Y~HI*{hi}~LX*1~"
        "SV1*HC:97110:GP*100*UN*1***1:2~DTP*472*D8*20260410~"
    )


def test_excludes1_pairs_are_judged_per_release(icd: Icd10cm) -> None:
    # the same pair in a release whose tabular has no Excludes1 notes is no pair
    bare = Icd10cm({**icd._payload, "excl1": {}, "sections": [], "chapters": []})
    bare._chapters = [[c[0], c[1], []] for c in icd._chapters]
    bare._sections = [[s[0], s[1], []] for s in icd._sections]
    pairs = Excludes1Pairs()
    assert pairs.conflict(icd, "M5450", "S39012A") is not None
    assert pairs.conflict(bare, "M5450", "S39012A") is None
    assert pairs.conflict(icd, "M5450", "S39012A") is not None


def test_excludes1_pairs_are_judged_per_text_list(icd: Icd10cm) -> None:
    from scrubber.catalogue import data_dir
    from scrubber.codelists import load_lists

    entries = load_lists(data_dir("edits"))["excludes1_text"]["notes"]
    with_list = Excludes1Pairs(text_note_ranges(entries))
    without = Excludes1Pairs(text_note_ranges([]))
    assert with_list.conflict(icd, "M5450", "S335XXD") is not None
    assert without.conflict(icd, "M5450", "S335XXD") is None


def test_a_profile_without_the_text_notes_is_not_served_the_default_runs_pairs(
    tmp_path: Path,
) -> None:
    text = wrap(_claim("ABK:M5450*ABF:S335XXD"))
    assert fires(tmp_path / "default", "DX006", text, run_date=RUN_DATE)
    profile = tmp_path / "no-text-notes.toml"
    profile.write_text('name = "plain"\n[lists.excludes1_text]\nnotes = []\n', encoding="utf-8")
    assert not fires(tmp_path / "plain", "DX006", text, profile=str(profile), run_date=RUN_DATE)
    assert fires(tmp_path / "again", "DX006", text, run_date=RUN_DATE)


def test_a_list_verdict_is_per_code_and_sex(tmp_path: Path) -> None:
    # DX011 remembers (code, the other sex): the same code on a female and on a male patient
    # of one file, each judged for its own patient
    from tests.helpers import SUBSCRIBER

    male = SUBSCRIBER.format(sbr09="CI").replace("HL*2*", "HL*3*").replace("*F~", "*M~")
    text = wrap(
        _claim("ABK:N400", "F1") + male + _claim("ABK:N400", "M1") + _claim("ABK:N81", "M2")
    )
    report = report_of(scrub_text(tmp_path, text, select=("DX011",), run_date=RUN_DATE))
    flagged = {c["claim_id"]: [f["message"] for f in c["findings"]] for c in report["claims"]}
    assert [bool(flagged[c]) for c in ("F1", "M1", "M2")] == [True, False, True]


def test_a_claim_is_judged_again_as_it_stands_after_a_fix(tmp_path: Path) -> None:
    # DX004 removes the repeated M54.50 (a safe fix) and the claim is checked again: DX006
    # judges the fixed claim's diagnoses (S39.012A now HI02), not those remembered before
    text = wrap(_claim("ABK:M5450*ABF:M5450*ABF:S39012A"))
    found = fires(tmp_path, "DX006", text, run_date=RUN_DATE, select=("DX004", "DX006"))
    [finding] = found
    assert finding["location"]["element"] == "HI02-2"
    assert finding["location"]["text"] == "HI*ABK:M5450*ABF:S39012A"
