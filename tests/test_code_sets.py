"""Code sets by date of service: extra releases (order files, tabular XML), DX010, --code-set."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from scrubber.checks import RunContext
from scrubber.cli import main
from scrubber.codesets.cache import load_icd10cm
from scrubber.codesets.icd10cm import CodeSetRelease
from scrubber.codesets.releases import (
    CodeSetError,
    CodeSets,
    load_code_set,
    load_code_sets,
    parse_code_set_spec,
    read_order_file,
    release_from_name,
)
from tests.helpers import fires, report_of, scrub_text, wrap

# Lines as in the FY2021 CDC order file (icd10cm-order-Jan-2021.txt, domain.md 1.3 item 5, 1.6):
# M54.5 was billable then; M62.83 a header over M62.830/.831/.838.
FY2021_ROWS = [
    ("M54", "0", "Dorsalgia", "Dorsalgia"),
    ("M545", "1", "Low back pain", "Low back pain"),
    ("M549", "1", "Dorsalgia, unspecified", "Dorsalgia, unspecified"),
    ("M62", "0", "Other disorders of muscle", "Other disorders of muscle"),
    ("M628", "0", "Other specified disorders of muscle", "Other specified disorders of muscle"),
    ("M6283", "0", "Muscle spasm", "Muscle spasm"),
    ("M62830", "1", "Muscle spasm of back", "Muscle spasm of back"),
    ("M62831", "1", "Muscle spasm of calf", "Muscle spasm of calf"),
    ("M62838", "1", "Other muscle spasm", "Other muscle spasm"),
    (
        "S39012",
        "0",
        "Strain of muscle, fascia and tendon of lower back",
        "Strain of muscle, fascia and tendon of lower back",
    ),
    (
        "S39012A",
        "1",
        "Strain of msl/tnd lower back, init",
        "Strain of muscle, fascia and tendon of lower back, initial encounter",
    ),
]


def order_text(rows: list[tuple[str, str, str, str]]) -> str:
    """Fixed columns: order number, code in 7 columns, flag, 60-column short title, long title."""
    return "".join(
        f"{n:05d} {code:<7} {flag} {short:<60} {long}\r\n"
        for n, (code, flag, short, long) in enumerate(rows, 1)
    )


@pytest.fixture
def fy2021(tmp_path: Path) -> Path:
    path = tmp_path / "sets" / "icd10cm-order-2021.txt"
    path.parent.mkdir()
    path.write_text(order_text(FY2021_ROWS), encoding="ascii")
    return path


TABULAR = """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular>
  <version>2021</version>
  <chapter>
    <name>13</name>
    <desc>Diseases of the musculoskeletal system and connective tissue (M00-M99)</desc>
    <section id="M50-M54">
      <desc>Other dorsopathies (M50-M54)</desc>
      <diag>
        <name>M54</name>
        <desc>Dorsalgia</desc>
        <excludes1><note>psychogenic dorsalgia (F45.41)</note></excludes1>
        <diag>
          <name>M54.5</name>
          <desc>Low back pain</desc>
          <excludes1><note>low back strain (S39.012)</note></excludes1>
        </diag>
        <diag><name>M54.9</name><desc>Dorsalgia, unspecified</desc></diag>
      </diag>
    </section>
  </chapter>
</ICD10CM.tabular>
"""


def claim(code: str, dos: str, pcn: str = "P1") -> str:
    return (
        f"CLM*{pcn}*100***11:B:1*Y*A*Y*Y~HI*ABK:{code}~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
        f"DTP*472*D8*{dos}~"
    )


# --------------------------------------------------------------------------------------------
# Order files and release dates


def test_order_file_answers_like_the_tabular_index(fy2021: Path) -> None:
    index = read_order_file(fy2021)
    assert index.release == CodeSetRelease("ICD-10-CM FY2021", date(2020, 10, 1), date(2021, 9, 30))
    assert index.exists("M54.5") and index.is_billable("M545")
    assert index.exists("M6283") and not index.is_billable("M6283")
    assert not index.exists("M5450")  # M54.50 came in FY2022
    assert index.billable_under("M6283") == ["M62830", "M62831", "M62838"]
    assert index.siblings("M62830") == ["M62831", "M62838"]
    assert index.parent("M62830") == "M6283"
    assert index.title("M62830") == "Muscle spasm of back"
    assert index.title("S39012A") == (
        "Strain of muscle, fascia and tendon of lower back, initial encounter"
    )
    assert index.is_billable("S39012A") and not index.is_billable("S39012")
    assert index.chapter("M545") == "13" and index.chapter("S39012A") == "19"
    assert index.is_unspecified("M549") and not index.is_unspecified("M545")
    assert not index.is_manifestation("M545")
    assert index.excludes1("M545") == []  # order files carry no notes


def test_order_file_matches_the_packaged_tabular(tmp_path: Path) -> None:
    """An order file written from the packaged release answers every query as the tabular does
    (7th-character codes, placeholders, manifestations, the O-code fetus character included)."""
    icd = load_icd10cm()
    prefixes = ("M4", "M5", "M6", "S39", "O32", "T40", "QA")
    codes = [c for c in icd.codes() if c.startswith(prefixes)]
    rows = [
        (c, str(int(icd.is_billable(c))), (icd.title(c) or "")[:60], icd.title(c) or "")
        for c in codes
    ]
    path = tmp_path / "icd10cm-order-April-1-2026.txt"
    path.write_text(order_text(rows), encoding="utf-8")
    index = read_order_file(path)
    assert index.release.name == icd.release.name and len(index) == len(codes)
    assert any(icd.is_manifestation(c) for c in codes) and any(len(c) == 7 for c in codes)
    for code in codes:
        for query in ("is_billable", "title", "is_unspecified", "is_manifestation", "chapter"):
            assert getattr(index, query)(code) == getattr(icd, query)(code), (query, code)
        assert index.parent(code) == icd.parent(code), code
        assert index.billable_under(code) == icd.billable_under(code), code
        assert index.siblings(code) == icd.siblings(code), code


def test_order_file_of_another_layout_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "icd10cm-order-2021.txt"
    bad.write_text("M545 Low back pain\n")
    with pytest.raises(CodeSetError, match="line 1 is not an ICD-10-CM order-file line"):
        load_code_set(bad)
    undated = tmp_path / "codes.txt"
    undated.write_text(order_text(FY2021_ROWS))
    with pytest.raises(CodeSetError, match="gives no effective date"):
        load_code_set(undated)
    with pytest.raises(CodeSetError, match="no such file"):
        load_code_set(tmp_path / "missing-2021.txt")


def test_release_dates_from_the_file_name() -> None:
    def span(name: str) -> tuple[date, date | None]:
        release = release_from_name(Path(name))
        assert release is not None
        return release.effective_from, release.effective_to

    assert span("icd10c-tabular-April-1-2026.xml") == (date(2026, 4, 1), date(2026, 9, 30))
    assert span("icd10cm-tabular-October-1-2025.xml") == (date(2025, 10, 1), date(2026, 9, 30))
    assert span("icd10cm-order-April-2024.txt") == (date(2024, 4, 1), date(2024, 9, 30))
    assert span("icd10cm-order-Jan-2021.txt") == (date(2020, 10, 1), date(2021, 9, 30))
    assert span("icd10cm_order_2025.txt") == (date(2024, 10, 1), date(2025, 9, 30))
    assert release_from_name(Path("codes.txt")) is None
    path, start = parse_code_set_spec("codes.txt@2020-10-01")
    assert (path, start) == (Path("codes.txt"), date(2020, 10, 1))
    with pytest.raises(CodeSetError, match="not a date"):
        parse_code_set_spec("codes.txt@2020-13-01")


def test_explicit_start_date(tmp_path: Path) -> None:
    path = tmp_path / "codes.txt"
    path.write_text(order_text(FY2021_ROWS))
    index = load_code_set(f"{path}@2020-10-01")
    assert index.release.effective_from == date(2020, 10, 1)
    assert index.release.effective_to == date(2021, 9, 30)
    assert index.is_billable("M545")


def test_code_sets_by_date_of_service(fy2021: Path) -> None:
    sets = load_code_sets([fy2021])
    packaged = load_icd10cm()
    assert [r.name for r in sets.releases] == ["ICD-10-CM FY2021", packaged.release.name]
    assert sets.newest is packaged
    index, covered = sets.for_date(date(2021, 3, 1))
    assert covered and index.is_billable("M545")
    index, covered = sets.for_date(date(2026, 4, 10))
    assert covered and index is packaged and not index.is_billable("M545")
    # between the two fiscal years: nobody covers it, the nearest release judges it
    assert sets.for_date(date(2022, 1, 15)) == (list(sets)[0], False)
    assert sets.for_date(date(2025, 11, 1)) == (packaged, False)
    assert sets.for_date(date(2027, 1, 1)) == (packaged, False)


def test_a_release_ends_where_the_next_one_starts(fy2021: Path) -> None:
    october = read_order_file(fy2021, release_from_name(fy2021, date(2025, 10, 1)))
    sets = CodeSets([load_icd10cm(), october])
    first, second = sets.releases
    assert (first.effective_from, first.effective_to) == (date(2025, 10, 1), date(2026, 3, 31))
    assert second.effective_from == date(2026, 4, 1)
    assert october.release.effective_to == date(2026, 9, 30)  # the loaded index is not changed
    assert sets.for_date(date(2025, 11, 1))[0].is_billable("M545")


def test_run_context_without_extra_releases() -> None:
    run = RunContext(run_date=date(2026, 11, 26))
    assert run.codes_for(date(2026, 4, 10)) is run.codes
    assert run.release_for(date(2021, 3, 1)) == (run.codes, False)
    assert run.code_set_names() == run.codes.release.name


# --------------------------------------------------------------------------------------------
# Through the edits


def test_dx002_judges_each_line_by_its_release(tmp_path: Path, fy2021: Path) -> None:
    sets = (fy2021,)
    assert fires(tmp_path / "a", "DX002", wrap(claim("M545", "20210301")), code_sets=sets) == []
    found = fires(tmp_path / "b", "DX002", wrap(claim("M545", "20260410")), code_sets=sets)
    assert len(found) == 1 and "M54.50" in found[0]["message"]
    # M62.830 existed in FY2021 too: billable under either release
    assert fires(tmp_path / "c", "DX002", wrap(claim("M62830", "20210301")), code_sets=sets) == []


def test_dx001_names_the_release_that_judged_the_code(tmp_path: Path, fy2021: Path) -> None:
    found = fires(tmp_path, "DX001", wrap(claim("M5450", "20210301")), code_sets=(fy2021,))
    assert len(found) == 1 and "ICD-10-CM FY2021" in found[0]["message"]


def test_diagnosis_judged_on_the_earliest_line_pointing_to_it(tmp_path: Path, fy2021: Path) -> None:
    two_lines = (
        "CLM*P1*200***11:B:1*Y*A*Y*Y~HI*ABK:M545*ABF:M62830~"
        "LX*1~SV1*HC:97110:GP*100*UN*1***2~DTP*472*D8*20210301~"
        "LX*2~SV1*HC:97110:GP*100*UN*1***1~DTP*472*D8*20260410~"
    )
    # M54.5 is pointed to by the 2026 line only: judged by the April 2026 release
    assert len(fires(tmp_path, "DX002", wrap(two_lines), code_sets=(fy2021,))) == 1


def test_dx010_on_each_claim_without_the_release(tmp_path: Path, fy2021: Path) -> None:
    text = wrap(claim("M545", "20210301", "P1") + claim("M62830", "20210315", "P2"))
    found = fires(tmp_path / "a", "DX010", text)
    assert [f["location"]["segment"] for f in found] == ["DTP", "DTP"]
    assert {f["severity"] for f in found} == {"warning"}
    assert "2021-03-01" in found[0]["message"] and "April 1, 2026" in found[0]["message"]
    assert "2021-03-15" in found[1]["message"]
    assert "scrub837 content add icd10cm-table-index-2021.zip" in found[0]["message"]
    # without the FY2021 release, the packaged one judged M54.5: not billable there
    assert len(fires(tmp_path / "b", "DX002", text)) == 1
    assert fires(tmp_path / "c", "DX010", text, code_sets=(fy2021,)) == []


def test_dx010_names_the_nearest_release(tmp_path: Path, fy2021: Path) -> None:
    found = fires(tmp_path, "DX010", wrap(claim("M62830", "20220115")), code_sets=(fy2021,))
    assert len(found) == 1 and "ICD-10-CM FY2021" in found[0]["message"]


def test_report_head_names_the_releases_used(tmp_path: Path, fy2021: Path) -> None:
    text = wrap(claim("M545", "20210301", "P1") + claim("M5450", "20260410", "P2"))
    report = report_of(scrub_text(tmp_path / "a", text, code_sets=(fy2021,)))
    assert report["code_set"] == "ICD-10-CM FY2021; ICD-10-CM April 1, 2026"
    report = report_of(scrub_text(tmp_path / "b", wrap(claim("M5450", "20260410"))))
    assert report["code_set"] == "ICD-10-CM April 1, 2026"


# --------------------------------------------------------------------------------------------
# Tabular XML releases and the command line


def test_tabular_xml_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRUB837_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "icd10cm-tabular-2021.xml"
    path.write_text(TABULAR, encoding="utf-8")
    index = load_code_set(path)
    assert index.release == CodeSetRelease("ICD-10-CM FY2021", date(2020, 10, 1), date(2021, 9, 30))
    assert index.is_billable("M545") and not index.is_billable("M54")
    assert index.billable_under("M54") == ["M545", "M549"]
    assert index.block("M545") == "M50-M54" and index.chapter("M545") == "13"
    assert [r.note for r in index.excludes1("M545")] == [
        "low back strain (S39.012)",
        "psychogenic dorsalgia (F45.41)",
    ]
    sets = load_code_sets([path])
    assert sets.for_date(date(2021, 3, 1)) == (index, True)


def test_broken_tabular_xml_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRUB837_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "icd10cm-tabular-2022.xml"
    path.write_text("<ICD10CM.tabular><chapter>", encoding="utf-8")
    with pytest.raises(CodeSetError, match="not an ICD-10-CM tabular XML"):
        load_code_set(path)


def test_cli_code_set(tmp_path: Path, fy2021: Path) -> None:
    source = tmp_path / "batch.837"
    source.write_text(wrap(claim("M545", "20210301")))
    out = str(tmp_path / "out")
    runner = CliRunner()
    args = ["scrub", str(source), "-o", out, "--no-tr3", "--select", "DX"]
    assert runner.invoke(main, args).exit_code == 1  # judged by April 2026: not billable
    assert runner.invoke(main, [*args, "--code-set", str(fy2021)]).exit_code == 0
    bad = tmp_path / "icd10cm-order-2020.txt"
    bad.write_text("not an order file\n")
    result = runner.invoke(main, ["scrub", str(source), "--code-set", str(bad)])
    assert result.exit_code == 2
    assert "line 1 is not an ICD-10-CM order-file line" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(main, ["scrub", str(source), "--code-set", str(tmp_path / "no.txt")])
    assert result.exit_code == 2 and "no such file" in result.output
