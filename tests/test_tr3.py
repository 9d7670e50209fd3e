"""TR3 validation with pyx12's map: errors on the right segment, same with and without jobs."""

from __future__ import annotations

import collections
import functools
import io
import logging
import re
import threading
from pathlib import Path

import pytest
import pyx12.params
import pyx12.x12n_document

from scrubber.x12.tokens import iter_segments
from scrubber.x12.tr3 import (
    Tr3Error,
    Tr3Unavailable,
    _Chunker,
    _mp_context,
    _Normalized,
    validate_tr3,
)
from tests.corpus import CORPUS, corpus_files

SYNTHETIC = Path(__file__).parent / "data" / "tr3_synthetic.837"


@functools.cache
def one_walk(path: Path) -> list[Tr3Error]:
    """validate_tr3 with jobs=1, once per file for the whole module (the big files are slow)."""
    return validate_tr3(path)


def segment_ids(path: Path) -> dict[int, str]:
    """Segment number -> segment id, as the tokenizer numbers them."""
    with path.open("rb") as stream:
        return {s.number: s.text.split(s.delimiters.element)[0] for s in iter_segments(stream)}


def variant(tmp_path: Path, *edits: tuple[str, str], name: str = "variant.837") -> Path:
    text = SYNTHETIC.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, newline="")
    return path


def summary(errors: list[Tr3Error]) -> list[tuple[int, str, str, bool]]:
    return [(e.segment_number, e.segment_id, e.code, e.repaired_by_writer) for e in errors]


def corpus(name: str) -> Path:
    corpus_files("837p")  # skips (or fails under CI) when the corpus is missing
    return CORPUS / name


def test_synthetic_fixture_is_valid() -> None:
    assert validate_tr3(SYNTHETIC) == []


def test_a2_file_that_x12valid_passes_as_a1_has_no_errors(tmp_path: Path) -> None:
    source = corpus("837p/LinuxForHealth__x12__demo.example1.837")
    copy = tmp_path / source.name
    copy.write_bytes(source.read_bytes())
    errors = validate_tr3(copy)
    assert [e for e in errors if not e.repaired_by_writer] == []
    # the input is left as it was and nothing is written next to it
    assert copy.read_bytes() == source.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == [source.name]


def test_known_bad_file_gets_its_errors_on_pyx12s_line_numbers() -> None:
    # x12valid: Line:10 SEG:3 N3 missing (2010AA), REF too many, HI missing, SE count wrong
    path = corpus("malformed/imsweb__x12-parser__x12_segment_errors.txt")
    errors = validate_tr3(path)
    assert summary(errors) == [
        (10, "N3", "3", False),
        (12, "REF", "5", False),
        (22, "HI", "3", False),
        (25, "SE", "4", True),
    ]
    assert [e.loop_id for e in errors] == ["2010AA", "2010AA", "2300", "ST_LOOP"]
    ids = segment_ids(path)
    assert (ids[12], ids[25]) == ("REF", "SE")


def pyx12_own_lines(path: Path) -> collections.Counter[tuple[int, str]]:
    """(Line:N, code) of the segment and element errors pyx12's x12n_document logs."""
    text = path.read_text(encoding="ascii").replace("005010X222A2", "005010X222A1")
    logger = logging.getLogger("pyx12")
    records = io.StringIO()
    handler = logging.StreamHandler(records)
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.ERROR)
    logger.propagate = False
    try:
        pyx12.x12n_document.x12n_document(pyx12.params.ParamsBase(), io.StringIO(text), None, None)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
    found = re.finditer(r"Line:(\d+) (?:SEG|ELE):(\w+) - ", records.getvalue())
    return collections.Counter((int(m.group(1)), m.group(2)) for m in found)


def test_segment_numbers_are_pyx12s_line_numbers() -> None:
    for name in (
        "837p/imsweb__x12-parser__x12_valid.txt",
        "837p/LinuxForHealth__x12__demo.cob.2ndary.example4.837",
        "malformed/imsweb__x12-parser__x12_segments_out_of_order.txt",
        "malformed/imsweb__x12-parser__x12_bad_segment_identifier.txt",
    ):
        path = corpus(name)
        ours = collections.Counter(
            (e.segment_number, e.code) for e in one_walk(path) if e.level in ("segment", "element")
        )
        assert ours == pyx12_own_lines(path), name


def test_element_errors_carry_positions_without_values() -> None:
    path = corpus("837p/LinuxForHealth__x12__demo.example11.837")  # CLM05 written 11>B>1
    errors = validate_tr3(path)
    clm = [e for e in errors if e.segment_id == "CLM"]
    assert clm[0].element == "CLM05-01"
    assert (clm[0].element_position, clm[0].component_position) == (5, 1)
    assert clm[0].level == "element" and clm[0].loop_id == "2300"
    assert segment_ids(path)[clm[0].segment_number] == "CLM"
    assert not any("11>B>1" in e.message for e in errors)


def test_bom_crlf_and_indentation_do_not_shift_numbers() -> None:
    path = corpus("837p/Inteligenz__X12Parser__MedicaidExample.txt")
    errors = validate_tr3(path)
    assert errors
    assert not any("leading space" in e.message for e in errors)
    ids = segment_ids(path)
    for error in errors:
        if error.level == "element":
            assert ids[error.segment_number] == error.segment_id


def test_every_corpus_file_validates_or_is_unavailable() -> None:
    for path in corpus_files("837p", "malformed"):
        try:
            errors = one_walk(path)
        except Tr3Unavailable as refusal:
            assert str(refusal), path.name
            continue
        numbers = [e.segment_number for e in errors]
        assert numbers == sorted(numbers), path.name
        ids = segment_ids(path)
        for error in errors:
            if error.level == "element":
                assert ids[error.segment_number] == error.segment_id, (path.name, error)


def test_jobs_two_gives_the_same_errors_as_jobs_one() -> None:
    path = corpus("837p/imsweb__x12-parser__x12_many_claims.txt")  # 820 claims, 9018 errors
    with path.open("rb") as stream:
        assert len(list(_Chunker(_Normalized(stream), 200))) == 5
    one = one_walk(path)
    assert len(one) > 9000
    assert validate_tr3(path, jobs=2) == one


def test_small_chunks_give_the_same_errors_as_one_walk() -> None:
    for name in (
        "837p/imsweb__x12-parser__x12_complex.txt",  # 2000C patients, two transactions
        "837p/imsweb__x12-parser__x12_multiple_isa.txt",
        "837p/Inteligenz__X12Parser__MedicaidExample.txt",  # BOM, CRLF, indented
        "malformed/imsweb__x12-parser__x12_missing_required_loops_mult_repeats.txt",
    ):
        path = corpus(name)
        assert validate_tr3(path, jobs=2, chunk_claims=1) == one_walk(path), name


def test_jobs_from_a_threaded_process_use_a_safe_start_method() -> None:
    # a process with threads (the drop-folder watcher) must not fork: forkserver or spawn
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert _mp_context().get_start_method() != "fork"
        assert validate_tr3(SYNTHETIC, jobs=2, chunk_claims=1) == []
    finally:
        stop.set()
        thread.join()


def test_segment_missing_at_a_chunk_boundary_is_reported_once(tmp_path: Path) -> None:
    # the last service line of the first subscriber loses its DTP*472; pyx12 notices at HL*3
    path = variant(tmp_path, ("DTP*472*D8*20260105~\n", ""))
    one = validate_tr3(path)
    hl3 = next(n for n, s in segment_ids(path).items() if s == "HL" and n > 14)
    assert [s for s in summary(one) if not s[3]] == [(hl3, "DTP", "3", False)]
    assert validate_tr3(path, jobs=2, chunk_claims=1) == one


def test_numbering_and_sequence_errors_are_marked_repaired(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        ("HL*3*1*22*1~", "HL*5*1*22*1~"),  # HL01 out of sequence
        ("LX*1~\nSV1*HC:97112", "LX*3~\nSV1*HC:97112"),  # LX01 out of sequence
        ("SE*44*0001~", "SE*40*0002~"),  # SE01 count, SE02 control number
        ("GE*1*101~", "GE*2*102~"),
        ("IEA*1*000000101~", "IEA*3*000000999~"),
        ("DMG*D8*19800101*F~", "DMG*D8*19801399*F~"),  # not repaired: a bad date
    )
    errors = validate_tr3(path)
    repaired = {(e.segment_id, e.code, e.level) for e in errors if e.repaired_by_writer}
    assert repaired == {
        ("HL", "HL1", "segment"),
        ("LX", "LX", "segment"),
        ("SE", "3", "transaction"),
        ("SE", "4", "transaction"),
        ("GE", "4", "group"),
        ("GE", "5", "group"),
        ("IEA", "001", "interchange"),
        ("IEA", "021", "interchange"),
    }
    kept = [e for e in errors if not e.repaired_by_writer]
    assert [(e.segment_id, e.element, e.code) for e in kept] == [("DMG", "DMG02", "8")]
    assert validate_tr3(path, jobs=2, chunk_claims=1) == errors


def test_messages_leave_the_data_out(tmp_path: Path) -> None:
    long_name = "SECRETNAME" * 7
    path = variant(
        tmp_path,
        ("DMG*D8*19800101*F~", "DMG*D8*19801399*F~"),
        ("NM1*IL*1*DOE*JANE", f"NM1*IL*1*{long_name}*JANE"),
        ("SBR*P*18*GRP001******CI~", "SBR*P*18*GRP001******QZ~"),
        ("PER*IC*BILLING DESK*TE*5555550100~", "PER*IC*BILLING DESK*TE*5555550100~\nN3*HIDDEN~"),
    )
    errors = validate_tr3(path)
    assert {e.element for e in errors} >= {"DMG02", "NM103", "SBR09"}
    assert any(e.segment_id == "N3" and "not found" in e.message for e in errors)
    for error in errors:
        for value in ("19801399", "SECRETNAME", "QZ", "HIDDEN"):
            assert value not in error.message, error


def test_empty_segment_is_reported_and_does_not_stop_validation(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        ("PAT*19~", "PAT*19~~"),
        ("DMG*D8*20100202*M~", "DMG*D8*20100231*M~"),  # after the empty segment
    )
    ids = segment_ids(path)
    errors = validate_tr3(path)
    empty = next(n for n, s in ids.items() if s == "")
    dmg = max(n for n, s in ids.items() if s == "DMG")
    assert summary(errors) == [(empty, "", "8", False), (dmg, "DMG", "8", False)]
    assert validate_tr3(path, jobs=2, chunk_claims=1) == errors


def test_interchanges_with_other_delimiters_are_read_with_their_own(tmp_path: Path) -> None:
    first = SYNTHETIC.read_text()
    second = (
        first.replace("*", "|")
        .replace(":", ">")
        .replace("|000000101|", "|000000102|")
        .replace("IEA|1|000000101", "IEA|1|000000102")
    )
    path = tmp_path / "two.837"
    path.write_text(first + second, newline="")
    assert validate_tr3(path) == []
    assert validate_tr3(path, jobs=2, chunk_claims=1) == []


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "X12"),
        (b"hello, this is not a claim file\n", "X12"),
        (b"ISA*00*short~GS*HC~", "X12"),
    ],
)
def test_unreadable_input_is_unavailable(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "input.837"
    path.write_bytes(content)
    for jobs in (1, 2):
        with pytest.raises(Tr3Unavailable, match=words):
            validate_tr3(path, jobs=jobs)


def test_versions_pyx12_cannot_read_are_unavailable_in_plain_words() -> None:
    with pytest.raises(Tr3Unavailable, match="00403"):
        validate_tr3(corpus("837p/bots-edi__bots-plugins__837_01.x12"))


def test_base_x222_label_is_read_with_the_a1_map() -> None:
    errors = validate_tr3(corpus("837p/Inteligenz__X12Parser__ProfessionalClaim1.txt"))
    assert errors and all("Map not found" not in e.message for e in errors)


def test_garbage_never_raises_anything_else(tmp_path: Path) -> None:
    text = SYNTHETIC.read_text()
    variants = [
        text[: len(text) // 2],  # cut off mid-file
        text[:-40],  # cut off in the trailers
        text + "GARBAGE AFTER THE END~\x00\x01~",
        text.replace("CLM*CLAIM002", "CLM*\x07\x08"),
        text.replace("HL*2*1*22*0~", "HL~"),
        text.replace("GS*HC", "GS"),
        text.replace("ST*837*0001*005010X222A1~", ""),
        text.replace("~\n", "~\n~\n"),
    ]
    for index, content in enumerate(variants):
        path = tmp_path / f"garbage{index}.837"
        path.write_bytes(content.encode("utf-8", "surrogateescape"))
        for jobs in (1, 2):
            try:
                errors = validate_tr3(path, jobs=jobs, chunk_claims=1)
            except Tr3Unavailable:
                continue
            assert all(isinstance(e, Tr3Error) for e in errors)


def test_normalized_stream_drops_whitespace_after_terminators() -> None:
    # one segment per line, numbered as the tokenizer numbers them
    data = SYNTHETIC.read_bytes().replace(b"~\n", b"~\r\n   ")
    lines = list(_Normalized(io.BytesIO(data)))
    assert [line.number for line in lines] == list(range(1, len(lines) + 1))
    assert all(not line.text.startswith(" ") for line in lines)
