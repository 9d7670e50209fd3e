"""ICD-10-CM index against the packaged April 1, 2026 tabular (real data, no mocks)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from scrubber.codesets.cache import _read_cache, _write_cache, load_icd10cm, read_icd10cm
from scrubber.codesets.icd10cm import (
    CodeRange,
    Icd10cm,
    _release_for,
    excludes1_conflict,
    parse_excludes1_note,
)


@pytest.fixture(scope="module")
def icd() -> Icd10cm:
    return load_icd10cm()


def test_release(icd: Icd10cm) -> None:
    assert icd.release.name == "ICD-10-CM April 1, 2026"
    assert icd.release.effective_from == date(2026, 4, 1)
    assert icd.release.effective_to == date(2026, 9, 30)
    assert icd.release.covers(date(2026, 6, 15))
    assert not icd.release.covers(date(2026, 3, 31))


def test_one_instance_per_process(icd: Icd10cm) -> None:
    assert load_icd10cm() is icd
    assert load_icd10cm(None) is icd


def test_muscle_spasm(icd: Icd10cm) -> None:
    assert icd.exists("M6283")
    assert not icd.is_billable("M6283")
    assert icd.billable_under("M6283") == ["M62830", "M62831", "M62838"]
    assert icd.is_billable("M62830")
    assert icd.title("M62830") == "Muscle spasm of back"
    assert icd.title("m62.830") == "Muscle spasm of back"  # dotted, lower case
    assert icd.parent("M62830") == "M6283"
    assert icd.parent("M62") is None
    assert icd.siblings("M62830") == ["M62831", "M62838"]
    assert icd.chapter("M62830") == "13"
    assert icd.block("M62830") == "M60-M63"


def test_low_back_pain(icd: Icd10cm) -> None:
    assert icd.exists("M545") and not icd.is_billable("M545")
    assert icd.children("M545") == ["M5450", "M5451", "M5459"]
    assert icd.billable_under("M54.5") == ["M5450", "M5451", "M5459"]
    assert icd.is_billable("M5450")
    assert icd.is_unspecified("M5450")
    assert not icd.is_unspecified("M5451")
    assert icd.siblings("M5450") == ["M5451", "M5459"]


def test_unspecified_seventh_character(icd: Icd10cm) -> None:
    assert icd.title("O321XX0") == (
        "Maternal care for breech presentation, not applicable or unspecified"
    )
    assert not icd.is_unspecified("O321XX0")  # single gestation: the right character
    assert icd.is_unspecified("S39002A")  # parent "... of unspecified ..."


def test_seventh_character(icd: Icd10cm) -> None:
    assert icd.exists("S39012") and not icd.is_billable("S39012")
    assert icd.is_billable("S39012A")
    assert icd.billable_under("S39012") == ["S39012A", "S39012D", "S39012S"]
    assert icd.title("S39012A") == (
        "Strain of muscle, fascia and tendon of lower back, initial encounter"
    )
    assert icd.parent("S39012A") == "S39012"
    assert not icd.exists("S39012Z")
    assert not icd.exists("Z9999")
    assert not icd.is_billable("Z9999")
    assert icd.title("Z9999") is None


def test_placeholder_x(icd: Icd10cm) -> None:
    assert icd.is_billable("T400X1A")
    assert icd.is_billable("T401X1A")
    assert not icd.exists("T4001A")
    assert icd.is_billable("S335XXA")  # 4-character code padded with two X
    assert not icd.exists("S335A")
    # The code list drops D/S for S06 codes with 6th character 7 (death before consciousness).
    assert icd.is_billable("S061X7A")
    assert not icd.exists("S061X7D")


def test_totals(icd: Icd10cm) -> None:
    # 46,881 <diag> + 51,305 generated 7th-character codes; billable = leaves (domain.md 1.3).
    assert len(icd) == 98_186
    assert sum(1 for _ in icd.codes(billable_only=True)) == 74_719


def test_manifestation(icd: Icd10cm) -> None:
    assert icd.is_manifestation("G63")
    assert icd.is_billable("G63")
    assert not icd.is_manifestation("M62830")
    manifest = [c for c in icd.codes(billable_only=True) if icd.is_manifestation(c)]
    assert len(manifest) == 223  # domain.md 1.7


def test_excludes1_pairs(icd: Icd10cm) -> None:
    rule = excludes1_conflict(icd, "M5450", "S39012A")
    assert rule is not None and rule.source_node == "M545" and "S39.012" in rule.note
    assert excludes1_conflict(icd, "S39012A", "M5450") == rule
    rule = excludes1_conflict(icd, "M62830", "R252")
    assert rule is not None and rule.source_node == "M62"
    # Block-level note (M60-M63: dermatopolymyositis M33.-).
    rule = excludes1_conflict(icd, "M62830", "M3320")
    assert rule is not None and rule.source_node == "M60-M63"


def test_excludes2_is_not_excludes1(icd: Icd10cm) -> None:
    # M62 and M62.8 carry Excludes2 "nontraumatic hematoma of muscle (M79.81)".
    assert excludes1_conflict(icd, "M62830", "M7981") is None
    notes = [r.note for r in icd.excludes1("M62830")]
    assert not any("hematoma" in n for n in notes)
    # Block M60-M63 Excludes2 "muscular dystrophies and myopathies (G71-G72)".
    assert excludes1_conflict(icd, "M62830", "G7100") is None
    assert excludes1_conflict(icd, "M5450", "M62830") is None


def test_excludes1_sources(icd: Icd10cm) -> None:
    sources = [r.source_node for r in icd.excludes1("M5450")]
    # Nearest first: the code's own notes, then its ancestors', its block's, its chapter's.
    assert list(dict.fromkeys(sources)) == ["M545", "M54", "M50-M54"]
    # Super-block V00-V99 has notes of its own; they reach V codes.
    assert "V00-V99" in {r.source_node for r in icd.excludes1("V0001XA")}
    assert "chapter 15" in {r.source_node for r in icd.excludes1("O0900")}


def test_qualified_references(icd: Icd10cm) -> None:
    # G63 Excludes1 "diabetes mellitus (E08-E13 with .42)": only the .42 codes.
    assert excludes1_conflict(icd, "G63", "E1142") is not None
    assert excludes1_conflict(icd, "G63", "E119") is None


@pytest.mark.parametrize(
    ("note", "refs"),
    [
        ("cramp and spasm (R25.2)", [("R252", "R252", False)]),
        ("lumbago due to intervertebral disc displacement (M51.2-)", [("M512", "M512", True)]),
        ("muscular dystrophies and myopathies (G71-G72)", [("G71", "G72", True)]),
        ("myopathy in scleroderma (M34.-)", [("M34", "M34", True)]),
        ("x (A18.0, A18.1)", [("A180", "A180", False), ("A181", "A181", False)]),
        ("x (M05.- , M06.-)", [("M05", "M05", True), ("M06", "M06", True)]),
        ("x (F10.-F19.-)", [("F10", "F19", True)]),
        ("x (I70.2--I70.7-)", [("I702", "I707", True)]),
        ("x (A00-R94 and T80-T88.6, T88.8)", [("A00", "R94", True), ("T80", "T886", True)]),
        ("hearing loss as classified in H90.-", [("H90", "H90", True)]),
        ("glucose-6-phosphate dehydrogenase (G6PD) deficiency with anemia (D55.0)", []),
        ("current injury - see injury of spine by body region", []),
    ],
)
def test_parse_note(note: str, refs: list[tuple[str, str, bool]]) -> None:
    parsed, dropped = parse_excludes1_note(note)
    got = [(r.first, r.last, r.subtree) for r in parsed]
    assert got[: len(refs)] == refs
    assert not dropped
    if "G6PD" in note:
        assert got == [("D550", "D550", False)]


def test_unreadable_qualifier_drops_the_list() -> None:
    parsed, dropped = parse_excludes1_note(
        "diabetic acidosis - see categories E08-E10, E11, E13 with ketoacidosis"
    )
    assert parsed == () and dropped


def test_code_range_matches() -> None:
    assert CodeRange("R252", "R252", False).matches("R25.2")
    assert CodeRange("M512", "M512", True).matches("M5126")
    assert not CodeRange("M512", "M512", True).matches("M513")
    g = CodeRange("G71", "G72", True)
    assert g.matches("G7100") and g.matches("G7289") and not g.matches("G73")
    t = CodeRange("T80", "T886", True)
    assert t.matches("T8069XA") and t.matches("T886XXA") and not t.matches("T887XXA")
    e = CodeRange("E08", "E13", True, ((3, "51", "52"),))
    assert e.matches("E1151") and e.matches("E1052") and not e.matches("E1159")
    i = CodeRange("I69", "I69", False, ((-2, "23", "23"),))
    assert i.matches("I69123") and not i.matches("I69120")


def test_disk_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, icd: Icd10cm) -> None:
    monkeypatch.setenv("SCRUB837_CACHE", str(tmp_path / "cache"))
    t0 = time.perf_counter()
    built = read_icd10cm()
    t1 = time.perf_counter()
    cached = read_icd10cm()
    t2 = time.perf_counter()
    assert built.load_info is not None and built.load_info.source == "built"
    assert cached.load_info is not None and cached.load_info.source == "cache"
    assert cached.load_info.cache_file is not None
    assert cached.load_info.cache_file.parent == tmp_path / "cache"
    assert t2 - t1 < t1 - t0
    assert cached == built == icd
    assert cached.billable_under("M6283") == ["M62830", "M62831", "M62838"]
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [cached.load_info.cache_file.name]


def test_cache_failures_are_not_fatal(tmp_path: Path) -> None:
    assert not _write_cache(Path("/proc/scrub837-not-writable/x.marshal"), {"a": 1})
    bad = tmp_path / "bad.marshal"
    bad.write_bytes(b"\x00garbage")
    assert _read_cache(bad, "key") is None
    good = tmp_path / "good.marshal"
    assert _write_cache(good, {"format": 0, "key": "key"})
    assert _read_cache(good, "key") is None  # other format version
    assert _read_cache(tmp_path / "missing.marshal", "key") is None


def test_release_from_file_name() -> None:
    assert _release_for(Path("icd10cm-tabular-October-1-2025.xml"), "2026") == (
        "ICD-10-CM October 1, 2025",
        "2025-10-01",
        "2026-09-30",
    )
    assert _release_for(Path("tabular.xml"), "2027") == (
        "ICD-10-CM FY2027",
        "2026-10-01",
        "2027-09-30",
    )


def test_excludes1_text_notes_are_the_tabulars(icd: Icd10cm) -> None:
    # edits/lists/excludes1_text.toml: each note text is an Excludes1 note of the tabular that
    # names no code (else a typo would silently never apply), each code range names real codes
    from scrubber.catalogue import data_dir
    from scrubber.codelists import load_lists
    from scrubber.codesets.notes import text_note_ranges

    entries = load_lists(data_dir("edits"))["excludes1_text"]["notes"]
    text_notes = text_note_ranges(entries)
    text_only = {r.note for code in ("M5450", "M436", "M4850XA") for r in icd.excludes1(code)}
    for text, ranges in text_notes.items():
        assert text in text_only, text
        assert ranges
        for r in ranges:
            assert icd.exists(r.first) and icd.exists(r.last), r
    assert excludes1_conflict(icd, "M5450", "S335XXD", text_notes) is not None
    assert excludes1_conflict(icd, "M5450", "S335XXD") is None  # without the list
    assert excludes1_conflict(icd, "M5450", "S335XXS", text_notes) is None  # sequela
    assert excludes1_conflict(icd, "M436", "S320XXD", text_notes) is not None
    assert excludes1_conflict(icd, "M5450", "S336XXD", text_notes) is None  # sacroiliac
