"""The content-driven parts of the therapy edits (issue 11) on small files in the CMS layouts:
THR007 against the practitioner MUE file, PRC001/PRC002 against the HCPCS Level II file and a
licensed CPT list, THR006 against a coverage list (an LCD billing-and-coding article export)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scrubber.content.store import ContentStore
from tests.helpers import fires, report_of, scrub_text, wrap

DOS = "20261102"  # inside the fourth-quarter 2026 files below; the run date is 2026-11-26


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="latin-1")
    return path


def claim(hi: str, *lines: str) -> str:
    """A claim on DOS with the given SV1 lines ("CODE:MODS*UNITS*POINTERS")."""
    out = [f"CLM*P1*{100 * len(lines)}***11:B:1*Y*A*Y*Y~", f"HI*{hi}~"]
    for number, line in enumerate(lines, 1):
        code, units, pointers = line.split("*")
        out += [f"LX*{number}~", f"SV1*HC:{code}*100*UN*{units}***{pointers}~"]
        out.append(f"DTP*472*D8*{DOS}~")
    return "".join(out)


@pytest.fixture
def store(tmp_path: Path) -> ContentStore:
    return ContentStore(tmp_path / "store")


def run(tmp_path: Path, edit: str, text: str, store: ContentStore, **options: Any) -> list[Any]:
    return fires(tmp_path, edit, wrap(text, **options), content=store.root)


# -- THR007 and the practitioner MUE file ------------------------------------------------------

MUE_CSV = (
    '"CPT codes, descriptions and other data only are copyright 2025 American Medical '
    'Association. All Rights Reserved."\r\n'
    "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\r\n"
    "97110,6,3 Date of Service Edit: Clinical,Clinical: Data\r\n"
    "97530,4,1 Line Edit,Clinical: Data\r\n"
)


@pytest.fixture
def mue(tmp_path: Path, store: ContentStore) -> ContentStore:
    store.add(write(tmp_path / "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv", MUE_CSV))
    return store


def test_units_over_the_day_above_a_date_of_service_mue(tmp_path: Path, mue: ContentStore) -> None:
    text = claim("ABK:M1711", "97110:GP*4*1", "97110:GP*3*1")
    [finding] = run(tmp_path, "THR007", text, mue)
    assert finding["location"]["text"] == "SV1*HC:97110:GP*100*UN*3***1"
    assert "MUE of 6" in finding["message"] and finding["severity"] == "error"


def test_units_at_the_mue_pass(tmp_path: Path, mue: ContentStore) -> None:
    assert not run(tmp_path, "THR007", claim("ABK:M1711", "97110:GP*6*1"), mue)


def test_a_line_mue_is_judged_per_line(tmp_path: Path, mue: ContentStore) -> None:
    text = claim("ABK:M1711", "97530:GP*3*1", "97530:GP:59*3*1")
    assert not run(tmp_path / "a", "THR007", text, mue)
    [finding] = run(tmp_path / "b", "THR007", claim("ABK:M1711", "97530:GP*5*1"), mue)
    assert "MUE of 4" in finding["message"]


def test_without_an_mue_file_the_report_says_no_release_covered(tmp_path: Path) -> None:
    text = wrap(claim("ABK:M1711", "97110:GP*8*1"))
    report = report_of(scrub_text(tmp_path, text, select=("THR007",)))
    assert not [f for c in report["claims"] for f in c["findings"]]
    # no data is never a pass: the head names the MUE dates no release covered
    assert [m["kind"] for m in report["content"]["uncovered"]] == ["mue"]


# -- PRC001/PRC002 and the HCPCS Level II file, the licensed CPT list --------------------------


def hcpcs_record(code: str, recid: str, text: str, added: str) -> str:
    """One 320-character record of the CMS HCPCS file (code 1-5, sequence 6-10, record id 11,
    long description 12-91, added 269-276, action effective 277-284, termination 285-292)."""
    record = f"{code:<5}00100{recid}{text:<80}".ljust(268)
    return (record + f"{added:<8}{added:<8}{'':<8}N").ljust(320)


@pytest.fixture
def hcpcs(tmp_path: Path, store: ContentStore) -> ContentStore:
    text = "\r\n".join(
        [
            hcpcs_record("G0283", "3", "Electrical stimulation (unattended)", "19970101"),
            hcpcs_record("G0281", "3", "Electrical stimulation, wound care", "19970101"),
        ]
    )
    store.add(write(tmp_path / "HCPC2026_OCT_ANWEB.txt", text + "\r\n"))
    return store


def test_a_level_ii_code_not_in_the_hcpcs_file(tmp_path: Path, hcpcs: ContentStore) -> None:
    [finding] = run(tmp_path / "a", "PRC001", claim("ABK:M5450", "G0999:GP*1*1"), hcpcs)
    assert "HCPCS" in finding["message"] and finding["location"]["element"] == "SV101-2"
    assert not run(tmp_path / "b", "PRC001", claim("ABK:M5450", "G0283:GP*1*1"), hcpcs)


def test_cpt_list(tmp_path: Path, store: ContentStore) -> None:
    store.add(write(tmp_path / "cpt-2026.txt", "code\tdescription\r\n97110\tmine\r\n99213\r\n"))
    [finding] = run(tmp_path / "a", "PRC001", claim("ABK:M5450", "99214*1*1"), store)
    assert "CPT list" in finding["message"]
    assert not run(tmp_path / "b", "PRC001", claim("ABK:M5450", "99213*1*1"), store)
    # an installed list checks the code: no "could not be checked"
    assert not run(tmp_path / "c", "PRC002", claim("ABK:M5450", "99213*1*1"), store)


def test_prc002_once_per_file_without_a_cpt_list(tmp_path: Path) -> None:
    text = wrap(
        claim("ABK:M5450", "99213*1*1")
        + claim("ABK:M5450", "99214*1*1").replace("CLM*P1*", "CLM*P2*")
    )
    report = report_of(scrub_text(tmp_path, text, select=("PRC002",)))
    found = [(c["claim_id"], f["edit"]) for c in report["claims"] for f in c["findings"]]
    assert found == [("P1", "PRC002")]


# -- THR006 and a coverage list ----------------------------------------------------------------

COVERAGE_CSV = (
    "Article ID,Contractor Number,HCPCS,ICD-10 Codes,Effective Date,End Date\r\n"
    'A99999,PAYER01,97110,"M54.50-M54.59, M62.830",2026-10-01,\r\n'
)


@pytest.fixture
def coverage(tmp_path: Path, store: ContentStore) -> ContentStore:
    store.add(write(tmp_path / "billing-and-coding-A99999.csv", COVERAGE_CSV))
    return store


def test_a_line_the_coverage_list_does_not_cover_is_an_error(
    tmp_path: Path, coverage: ContentStore
) -> None:
    # knee OA is on the supporting list, but the payer's article covers 97110 only for the back
    [finding] = run(tmp_path, "THR006", claim("ABK:M1711", "97110:GP*1*1"), coverage)
    assert finding["severity"] == "error" and "A99999" in finding["message"]


def test_a_covered_line_passes_and_unlisted_procedures_keep_the_warning(
    tmp_path: Path, coverage: ContentStore
) -> None:
    assert not run(tmp_path / "a", "THR006", claim("ABK:M5451", "97110:GP*1*1"), coverage)
    [finding] = run(tmp_path / "b", "THR006", claim("ABK:I10", "97140:GP*1*1"), coverage)
    assert finding["severity"] == "warning"


def test_the_coverage_list_of_another_payer_does_not_apply(
    tmp_path: Path, coverage: ContentStore
) -> None:
    text = claim("ABK:M1711", "97110:GP*1*1")
    other = wrap(text).replace("PI*PAYER01~", "PI*OTHER99~")
    report = report_of(scrub_text(tmp_path, other, select=("THR006",), content=coverage.root))
    assert not [f for c in report["claims"] for f in c["findings"]]
