"""The content store: files in the real CMS layouts (written here, small), `content add`,
`list` and `remove`, each claim judged by the release in force on its dates of service, and
what the reports say.

The files are synthetic excerpts in the CMS layouts (the codes are real codes, the deletions
between releases are invented for the test)."""

from __future__ import annotations

import json
import os
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scrubber.cli import main
from scrubber.content.periods import ContentError
from scrubber.content.release import CoverageRelease, MueRelease, PtpRelease
from scrubber.content.run import run_content
from scrubber.content.store import ENV, ContentStore
from scrubber.report.content import content_context
from tests.helpers import fires, report_of, scrub_text, wrap

# -- ICD-10-CM order files (fixed columns: order number, code in 7, flag, 60-column short title)


def order_text(rows: list[tuple[str, str, str]]) -> str:
    return "".join(
        f"{n:05d} {code:<7} {flag} {title[:60]:<60} {title}\r\n"
        for n, (code, flag, title) in enumerate(rows, 1)
    )


FY2026 = [
    ("M54", "0", "Dorsalgia"),
    ("M545", "0", "Low back pain"),
    ("M5450", "1", "Low back pain, unspecified"),
    ("M5451", "1", "Vertebrogenic low back pain"),
    ("M5459", "1", "Other low back pain"),
    ("M62", "0", "Other disorders of muscle"),
    ("M628", "0", "Other specified disorders of muscle"),
    ("M6283", "0", "Muscle spasm"),
    ("M62830", "1", "Muscle spasm of back"),
]
FY2027 = [row for row in FY2026 if row[0] != "M5459"]  # "deleted" in FY2027 for the test


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="latin-1")
    return path


@pytest.fixture
def store(tmp_path: Path) -> ContentStore:
    return ContentStore(tmp_path / "store")


def claim_of(code: str, *lines: tuple[str, str]) -> str:
    """One claim with a diagnosis and a line per (procedure, date of service)."""
    text = f"CLM*PCN0001*{100 * len(lines)}***11:B:1*Y*A*Y*Y~\nHI*ABK:{code}~\n"
    for n, (procedure, day) in enumerate(lines, 1):
        text += f"LX*{n}~\nSV1*HC:{procedure}:GP*100*UN*1***1~\nDTP*472*D8*{day}~\n"
    return text


def two_line_claim(code: str, first: str, second: str) -> str:
    return claim_of(code, ("97110", first), ("97110", second))


def test_a_code_deleted_on_october_1_is_judged_per_line(
    tmp_path: Path, store: ContentStore
) -> None:
    store.add(write(tmp_path / "icd10cm-order-2026.txt", order_text(FY2026)))
    store.add(write(tmp_path / "icd10cm-order-2027.txt", order_text(FY2027)))
    options = {"content": store.root}
    # both lines in September: FY2026 judges M54.59, valid
    september = wrap(two_line_claim("M5459", "20260929", "20260930"))
    assert fires(tmp_path / "a", "DX001", september, **options) == []
    # the same claim with its second line on October 1: FY2027 judges that line, M54.59 is gone
    across = wrap(two_line_claim("M5459", "20260930", "20261001"))
    found = fires(tmp_path / "b", "DX001", across, **options)
    assert len(found) == 1
    assert "ICD-10-CM FY2027" in found[0]["message"] and "2026-10-01" in found[0]["message"]
    report = report_of(scrub_text(tmp_path / "c", across, tr3=False, content=store.root))
    claim = report["claims"][0]
    assert claim["disposition"] == "held"
    # September 30 falls in the packaged April 1, 2026 update (it replaces FY2026's second half)
    assert claim["content"]["icd10cm"]["releases"] == [
        "ICD-10-CM April 1, 2026",
        "ICD-10-CM FY2027",
    ]
    assert claim["content"]["icd10cm"]["uncovered"] == []
    assert not any(f["edit"] == "DX010" for f in claim["findings"])


def test_tabular_xml_in_a_cms_zip(tmp_path: Path, store: ContentStore) -> None:
    tabular = """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular>
  <version>2027</version>
  <chapter><name>13</name><desc>Diseases of the musculoskeletal system (M00-M99)</desc>
    <section id="M50-M54"><desc>Other dorsopathies (M50-M54)</desc>
      <diag><name>M54</name><desc>Dorsalgia</desc>
        <diag><name>M54.5</name><desc>Low back pain</desc>
          <diag><name>M54.50</name><desc>Low back pain, unspecified</desc></diag>
          <diag><name>M54.51</name><desc>Vertebrogenic low back pain</desc></diag>
        </diag>
      </diag>
    </section>
  </chapter>
</ICD10CM.tabular>
"""
    archive = tmp_path / "icd10cm-table-index-2027.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("icd10cm-tabular-2027.xml", tabular)
        z.writestr("icd10cm-index-2027.xml", "<ICD10CM.index/>")
    release = store.add(archive)
    assert (release.kind, release.name) == ("icd10cm", "ICD-10-CM FY2027")
    assert (release.effective_from, release.effective_to) == (date(2026, 10, 1), date(2027, 9, 30))
    assert release.data.is_billable("M5451") and not release.data.exists("M5459")
    # installing the same file again changes nothing
    assert store.add(archive).id == release.id and len(store.releases("icd10cm")) == 1
    # a name without a date: the XML's <version> is the fiscal year
    bare = store.add(write(tmp_path / "tabular.xml", tabular.replace("2027", "2028")))
    assert (bare.name, bare.effective_from) == ("ICD-10-CM FY2028", date(2027, 10, 1))
    # half a ZIP is said to be one, cut off; an error inside a ZIP names the ZIP and the member
    cut = tmp_path / "trunc.zip"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(ContentError, match=r"^trunc.zip: the ZIP is damaged or cut off"):
        store.add(cut)
    empty = tmp_path / "icd10cm-table-index-2029.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("icd10cm-tabular-2029.xml", "<ICD10CM.tabular><version>2029</version>")
    with pytest.raises(
        ContentError, match=r"^icd10cm-table-index-2029.zip: member icd10cm-tabular-2029.xml: "
    ):
        store.add(empty)


def test_content_list_shows_the_missing_year(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    runner = CliRunner()
    for name, rows in (("icd10cm-order-2025.txt", FY2026), ("icd10cm-order-2027.txt", FY2027)):
        result = runner.invoke(
            main,
            [
                "content",
                "add",
                str(write(tmp_path / name, order_text(rows))),
                "--content",
                str(folder),
            ],
        )
        assert result.exit_code == 0, result.output
    listed = runner.invoke(main, ["content", "list", "--content", str(folder)])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert any(line.startswith("icd10cm") and "ICD-10-CM FY2025" in line for line in lines)
    # FY2025 ends 2025-09-30; the packaged April 2026 release starts 2026-04-01: FY2026's first
    # half is missing; FY2027 runs to 2027-09-30
    gap = next(
        line for line in lines if line.strip().startswith("icd10cm") and "ICD-10-CM:" in line
    )
    assert "2025-10-01 to 2026-03-31" in gap and "from 2027-10-01 on" in gap
    assert any("mue" in line and "every date (no release installed)" in line for line in lines)
    removed = runner.invoke(
        main, ["content", "remove", "icd10cm-2024-10-01", "--content", str(folder)]
    )
    assert removed.exit_code == 0 and "ICD-10-CM FY2025" in removed.output
    assert [r.name for r in ContentStore(folder).releases("icd10cm")] == ["ICD-10-CM FY2027"]


# -- NCCI PTP: two quarters

PTP_NOTICE = (
    "CPT codes, descriptions and other data only are copyright 2025 American Medical "
    "Association. All rights reserved.\r\n"
    "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date\t"
    "Modifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale\r\n"
)


def ptp_text(rows: list[str]) -> str:
    return PTP_NOTICE + "".join(row + "\r\n" for row in rows)


PAIR = "97530\t97150\t\t20200101\t*\t1\tMutually exclusive procedures"
OTHER = "97140\t97124\t\t20200101\t*\t1\tMisuse of column two code with column one code"


def ptp_claim(day: str) -> str:
    return claim_of("M5450", ("97530", day), ("97150", day))


def test_ptp_pair_of_quarter_1_is_not_applied_in_quarter_2(
    tmp_path: Path, store: ContentStore
) -> None:
    q1 = store.add(write(tmp_path / "ccipra-v320r0-f1.txt", ptp_text([PAIR, OTHER])))
    q2 = store.add(write(tmp_path / "ccipra-v321r0-f1.txt", ptp_text([OTHER])))
    assert (q1.effective_from, q1.effective_to) == (date(2026, 1, 1), date(2026, 3, 31))
    assert (q2.effective_from, q2.effective_to) == (date(2026, 4, 1), date(2026, 6, 30))
    view = run_content(store.root)
    first = view.release("ptp", date(2026, 2, 10))
    assert isinstance(first, PtpRelease) and first.name.startswith("NCCI PTP practitioner 2026 Q1")
    [edit] = first.pairs("97150", "97530")
    assert (edit.column1, edit.modifier_indicator) == ("97530", "1")
    assert edit.rationale == "Mutually exclusive procedures"
    second = view.release("ptp", date(2026, 5, 4))
    assert isinstance(second, PtpRelease) and second.pairs("97530", "97150") == []
    assert view.release("ptp", date(2026, 7, 1)) is None  # no quarter-3 file: said, not passed
    options = {"content": store.root}
    assert len(fires(tmp_path / "a", "THR005", wrap(ptp_claim("20260210")), **options)) == 1
    assert fires(tmp_path / "b", "THR005", wrap(ptp_claim("20260504")), **options) == []


def test_ptp_parts_of_one_quarter_are_one_release(tmp_path: Path, store: ContentStore) -> None:
    store.add(write(tmp_path / "ccipra-v320r0-f1.txt", ptp_text([PAIR])))
    store.add(write(tmp_path / "ccipra-v320r0-f2.txt", ptp_text([OTHER])))
    [release] = store.releases("ptp")
    assert isinstance(release, PtpRelease) and "ccipra-v320r0-f2.txt" in release.source
    assert release.pairs("97530", "97150") and release.pairs("97124", "97140")


def test_hospital_ptp_file_is_refused(tmp_path: Path, store: ContentStore) -> None:
    with pytest.raises(ContentError, match="outpatient hospital"):
        store.add(write(tmp_path / "ccioph-v320r0-f1.txt", ptp_text([PAIR])))


# -- MUE, HCPCS, coverage, CPT, CARC/RARC


MUE_CSV = (
    '"CPT codes, descriptions and other data only are copyright 2025 American Medical '
    'Association. All Rights Reserved."\r\n'
    "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\r\n"
    "97012,1,2 Date of Service Edit: Policy,Nature of Service/Procedure\r\n"
    "97110,6,3 Date of Service Edit: Clinical,Clinical: Data\r\n"
    "G0283,1,2 Date of Service Edit: Policy,Nature of Service/Procedure\r\n"
)


def test_mue_table(tmp_path: Path, store: ContentStore) -> None:
    release = store.add(
        write(tmp_path / "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv", MUE_CSV)
    )
    assert (release.effective_from, release.effective_to) == (date(2026, 10, 1), date(2026, 12, 31))
    view = run_content(store.root)
    mue = view.release("mue", date(2026, 11, 3))
    assert isinstance(mue, MueRelease)
    limit = mue.limit("97110")
    assert limit is not None and (limit.value, limit.mai) == (6, "3")
    assert limit.rationale == "Clinical: Data"
    assert mue.limit("97999") is None
    assert view.release("mue", date(2026, 9, 30)) is None


def test_mue_table_without_its_titles_is_refused(tmp_path: Path, store: ContentStore) -> None:
    bad = write(tmp_path / "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv", "97110;6;3\r\n")
    with pytest.raises(ContentError, match="HCPCS/CPT Code"):
        store.add(bad)


def hcpcs_record(code: str, recid: str, text: str, added: str, terminated: str = "") -> str:
    """One 320-character record (HCPCS2016_recordlayout.txt): code 1-5, sequence 6-10, record
    id 11, long description 12-91, added 269-276, action effective 277-284, termination
    285-292, action code 293."""
    record = f"{code:<5}{'00100'}{recid}{text:<80}".ljust(268)
    record += f"{added:<8}{added:<8}{terminated:<8}N"
    return record.ljust(320)


def test_hcpcs_quarterly_file(tmp_path: Path, store: ContentStore) -> None:
    text = "\r\n".join(
        [
            hcpcs_record(
                "   GP",
                "7",
                "Services delivered under an outpatient physical therapy plan",
                "19980101",
            ),
            hcpcs_record(
                "G0283",
                "3",
                "Electrical stimulation (unattended), to one or more areas",
                "19970101",
            ),
            hcpcs_record("G0283", "4", "other than wound care", ""),
            hcpcs_record(
                "G0999", "3", "A code terminated during the quarter", "20200101", "20261115"
            ),
        ]
    )
    release = store.add(write(tmp_path / "HCPC2026_OCT_ANWEB.txt", text + "\r\n"))
    assert (release.kind, release.name) == ("hcpcs", "HCPCS October 2026")
    assert (release.effective_from, release.effective_to) == (date(2026, 10, 1), date(2026, 12, 31))
    hcpcs = run_content(store.root).release("hcpcs", date(2026, 11, 1))
    assert hcpcs is not None and hcpcs.has("G0283") and not hcpcs.has("GP")  # type: ignore[attr-defined]
    assert hcpcs.has("G0999", date(2026, 11, 15)) and not hcpcs.has("G0999", date(2026, 11, 16))  # type: ignore[attr-defined]


def test_hcpcs_file_of_another_layout_is_refused(tmp_path: Path, store: ContentStore) -> None:
    with pytest.raises(ContentError, match="HCPC<year>_<MON>_ANWEB.txt"):
        store.add(write(tmp_path / "HCPC2026_OCT_ANWEB.txt", "G0283 Electrical stimulation\r\n"))


COVERAGE_CSV = (
    "Article ID,Contractor Number,HCPCS,ICD-10 Codes,Effective Date,End Date\r\n"
    'A12345,12345,97110,"M54.50-M54.59, M62.830",2026-10-01,\r\n'
    "A12345,12345,97140,M54.5,2026-10-01,2027-09-30\r\n"
)


def test_coverage_list(tmp_path: Path, store: ContentStore) -> None:
    release = store.add(write(tmp_path / "billing-and-coding-A12345.csv", COVERAGE_CSV))
    assert release.kind == "coverage" and release.effective_from == date(2026, 10, 1)
    coverage = run_content(store.root).release("coverage", date(2026, 11, 2))
    assert isinstance(coverage, CoverageRelease)
    [rule] = coverage.rules("12345", "97110")
    assert rule.covers("M54.51") and rule.covers("M62830") and not rule.covers("M62838")
    assert rule.contractor == "12345" and rule.source == "A12345"
    assert coverage.rules("OTHER", "97110") == []
    [category] = coverage.rules("12345", "97140")
    assert category.covers("M54.59") and not category.covers("M54.6")


def test_licensed_cpt_list_and_remark_codes(tmp_path: Path, store: ContentStore) -> None:
    cpt = store.add(
        write(tmp_path / "cpt-2026.txt", "code\tdescription\r\n97110\tmine\r\n97530\r\n")
    )
    assert (cpt.kind, cpt.effective_from, cpt.effective_to) == (
        "cpt",
        date(2026, 1, 1),
        date(2026, 12, 31),
    )
    carc = write(
        tmp_path / "claim-adjustment-reason-codes.csv",
        "Code,Description\r\n45,Charge exceeds fee schedule\r\nB7,Provider not certified\r\n",
    )
    with pytest.raises(ContentError, match="--effective YYYY-MM-DD"):
        store.add(carc)
    store.add(carc, effective=date(2026, 7, 1))
    view = run_content(store.root)
    listed = view.release("cpt", date(2026, 3, 1))
    assert listed is not None and listed.has("97530") and not listed.has("97112")  # type: ignore[attr-defined]
    codes = view.release("carc", date(2026, 8, 1))
    assert codes is not None and codes.description("45") == "Charge exceeds fee schedule"  # type: ignore[attr-defined]
    assert codes.description("999") is None  # type: ignore[attr-defined]
    assert view.release("rarc", date(2026, 8, 1)) is None


def test_unrecognised_file_names_what_is_expected(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "content",
            "add",
            str(write(tmp_path / "notes.txt", "hello\n")),
            "--content",
            str(tmp_path / "s"),
        ],
    )
    assert result.exit_code == 2
    assert "not a content file scrub837 recognises" in result.output and "--kind" in result.output


# -- DX010 and the report


def test_dx010_without_the_fy2027_release(tmp_path: Path) -> None:
    claim = """CLM*PCN0001*100***11:B:1*Y*A*Y*Y~
HI*ABK:M5450~
LX*1~
SV1*HC:97110:GP*100*UN*1***1~
DTP*472*D8*20261103~
"""
    report = report_of(scrub_text(tmp_path, wrap(claim), tr3=False))
    [entry] = report["claims"]
    [dx010] = [f for f in entry["findings"] if f["edit"] == "DX010"]
    assert dx010["severity"] == "warning" and entry["disposition"] == "clean"
    assert "scrub837 content add icd10cm-table-index-2027.zip" in dx010["message"]
    assert entry["content"]["icd10cm"]["uncovered"] == ["2026-11-03"]
    [missing] = [m for m in report["content"]["uncovered"] if m["kind"] == "icd10cm"]
    assert (
        missing["claims"] == 1
        and missing["command"] == "scrub837 content add icd10cm-table-index-2027.zip"
    )
    assert json.dumps(report)  # the head stays JSON


def test_dx010_at_the_top_and_on_the_claim_in_chromium(
    tmp_path: Path,
    open_page: Any,
) -> None:
    november = """CLM*PCN0002*100***11:B:1*Y*A*Y*Y~
HI*ABK:M5450~
LX*1~
SV1*HC:97110:GP*100*UN*1***1~
DTP*472*D8*20261103~
"""
    september = november.replace("PCN0002", "PCN0001").replace("20261103", "20260915")
    result = scrub_text(tmp_path, wrap(september + november), html=True)
    html_path = result.outputs["html"]
    assert html_path is not None
    page = open_page(Path(html_path)).page
    top = page.locator("#content .content-gap[data-kind=icd10cm]")
    assert top.count() == 1
    words = top.inner_text()
    assert "1 claim has dates of service (2026-11-03)" in words
    assert "checked against ICD-10-CM April 1, 2026" in words
    assert (
        top.locator("code.cmd").inner_text() == "scrub837 content add icd10cm-table-index-2027.zip"
    )
    # the section comes before the claims, and is visible without scrolling
    assert (
        page.locator("#content").bounding_box()["y"]
        < page.locator("article.claim").first.bounding_box()["y"]
    )
    # clean claims sit in a folded group: open it as a reader would
    for summary in page.locator("details:has(article.claim) > summary").all():
        summary.click()
    affected = page.locator("article.claim", has_text="PCN0002")
    affected.scroll_into_view_if_needed()  # claims off screen are not laid out (content-visibility)
    assert affected.is_visible()
    assert "scrub837 content add icd10cm-table-index-2027.zip" in affected.inner_text()
    assert "DX010" in affected.inner_text()
    unaffected = page.locator("article.claim", has_text="PCN0001")
    unaffected.scroll_into_view_if_needed()
    assert "SPC001" in unaffected.inner_text() and "DX010" not in unaffected.inner_text()


def test_only_the_releases_a_date_needs_are_opened(tmp_path: Path, store: ContentStore) -> None:
    for fy, rows in ((2025, FY2026), (2026, FY2026), (2027, FY2027)):
        store.add(write(tmp_path / f"icd10cm-order-{fy}.txt", order_text(rows)))
    view = run_content(store.root)
    assert len(view.code_sets) == 4 and view.code_sets.opened == 0  # with the packaged one
    index, covered = view.icd10cm_for(date(2026, 11, 3))
    assert covered and index.release.name == "ICD-10-CM FY2027" and not index.exists("M5459")
    assert view.code_sets.opened == 1


def test_one_run_additions_over_the_store(tmp_path: Path, store: ContentStore) -> None:
    store.add(write(tmp_path / "ccipra-v320r0-f1.txt", ptp_text([PAIR])))
    mine = write(tmp_path / "our-ptp-edits.txt", ptp_text([OTHER]))
    options = {"content": store.root}
    assert len(fires(tmp_path / "a", "THR005", wrap(ptp_claim("20260210")), **options)) == 1
    # --ncci with a file whose name states no quarter replaces the store's PTP for the run
    assert fires(tmp_path / "b", "THR005", wrap(ptp_claim("20260210")), ncci=mine, **options) == []
    view = run_content(store.root, ncci=mine)
    release = view.release("ptp", date(2026, 2, 10))
    assert release is not None and release.origin == "run" and release.source == mine.name


def test_a_coverage_export_is_known_by_its_titles(tmp_path: Path, store: ContentStore) -> None:
    release = store.add(write(tmp_path / "hcpcs-icd10-export.csv", COVERAGE_CSV))
    assert release.kind == "coverage"


def test_the_watcher_judges_with_the_store(tmp_path: Path, store: ContentStore) -> None:
    store.add(write(tmp_path / "icd10cm-order-2027.txt", order_text(FY2027)))
    before = os.environ.get(ENV)
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / "november.837").write_text(wrap(two_line_claim("M5459", "20261102", "20261103")))
    result = CliRunner().invoke(
        main,
        ["watch", str(inbox), "--out", str(out), "--state", str(tmp_path / "state"), "--once"]
        + ["--no-tr3", "--settle", "0", "--content", str(store.root)],
    )
    assert os.environ.get(ENV) == before  # --content is undone when the command ends
    assert result.exit_code == 0, result.output
    [report] = (out / "reports").glob("*.report.json")
    [claim] = json.loads(report.read_text())["claims"]
    assert claim["disposition"] == "held"
    assert [f["edit"] for f in claim["findings"] if f["edit"] == "DX001"] == ["DX001"]
    assert claim["content"]["icd10cm"]["releases"] == ["ICD-10-CM FY2027"]


def test_content_add_asks_for_the_effective_date(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    carc = write(
        tmp_path / "carc-list.csv", "Code,Description\r\n45,Charge exceeds fee schedule\r\n"
    )
    result = CliRunner().invoke(main, ["content", "add", str(carc), "--content", str(folder)])
    assert result.exit_code == 2 and "--effective YYYY-MM-DD" in result.output
    given = CliRunner().invoke(
        main, ["content", "add", str(carc), "--effective", "2026-07-01", "--content", str(folder)]
    )
    assert given.exit_code == 0, given.output
    assert "CARC July 2026 (2026-07-01 until replaced)" in given.output
    listed = CliRunner().invoke(main, ["content", "list", "--content", str(folder)])
    uncovered = listed.output.split("not covered:")[1].splitlines()
    assert not any(line.strip().startswith("carc") for line in uncovered), listed.output
    assert not any(line.endswith(": none") for line in uncovered), listed.output
    head = content_context(
        {"releases": [{"kind": "carc", "name": "CARC July 2026", "effective_from": "2026-07-01"}]}
    )
    assert head["releases"] == ["CARC: CARC July 2026 (2026-07-01 until replaced)"]


def test_every_claim_records_its_releases(tmp_path: Path) -> None:
    november = """CLM*PCN000{n}*100***11:B:1*Y*A*Y*Y~
HI*ABK:M5450~
LX*1~
SV1*HC:97110:GP*100*UN*1***1~
DTP*472*D8*20261103~
"""
    text = wrap("".join(november.format(n=n) for n in (1, 2, 3)))
    report = report_of(scrub_text(tmp_path, text, tr3=False))
    for claim in report["claims"]:  # the same date on each: each claim still says so
        assert claim["content"]["icd10cm"]["uncovered"] == ["2026-11-03"]
        assert claim["content"]["icd10cm"]["checked_with"] == "ICD-10-CM April 1, 2026"
        assert [f["edit"] for f in claim["findings"]].count("DX010") == 1
    [missing] = [m for m in report["content"]["uncovered"] if m["kind"] == "icd10cm"]
    assert missing["claims"] == 3
