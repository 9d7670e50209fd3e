"""Partner mode: the TA1, 999 and 277CA that `validate` writes, checked with pyx12's own maps."""

from __future__ import annotations

import json
import logging
import re
import stat
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner

from scrubber.acks.ack277ca import load_status_codes
from scrubber.acks.control import ControlFileError, allocate
from scrubber.api import ScrubOptions
from scrubber.catalogue import CatalogueError, data_dir, load_catalogue
from scrubber.cli_validate import validate as validate_command
from scrubber.synth import ClaimSpec, LineSpec, build_837
from scrubber.validate import ValidateResult, validate
from scrubber.x12.conformance import pyx12_errors as pyx12_judge

# --------------------------------------------------------------------------------------------
# pyx12 as the judge


@pytest.fixture(scope="module")
def pyx12_log() -> Iterator[list[str]]:
    """Errors pyx12 logs while validating (including those its error handler cannot attach)."""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR:
                records.append(record.getMessage())

    handler = Collect()
    logger = logging.getLogger("pyx12")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


@pytest.fixture(autouse=True)
def every_ack_passes_pyx12(tmp_path: Path, pyx12_log: list[str]) -> Iterator[None]:
    """After each test: every 999 and 277CA it wrote passes pyx12's validation."""
    yield
    for path in sorted(tmp_path.rglob("*")):
        if path.suffix not in (".999", ".277ca"):
            continue
        for text in interchanges(path.read_text(encoding="utf-8")):
            if find(text, "TA1"):
                assert_ta1_valid(text, pyx12_log)
            else:
                assert_valid(text, pyx12_log)


def interchanges(text: str) -> list[str]:
    """The ISA..IEA interchanges of an acknowledgment file."""
    found: list[str] = []
    for segment in (s.strip() for s in text.split("~") if s.strip()):
        if segment.startswith("ISA"):
            found.append("")
        found[-1] += segment + "~\n"
    return found


def pyx12_errors(text: str, log: list[str]) -> list[str]:
    """Every error pyx12 finds validating `text` against the map its GS08 names."""
    return pyx12_judge(text)


def assert_valid(text: str, log: list[str]) -> None:
    assert pyx12_errors(text, log) == []
    if "005010X231A1" in text:  # the 999 also against pyx12's 999.5010.xml
        relabelled = text.replace("005010X231A1", "005010X231")
        assert pyx12_errors(relabelled, log) == []


# --------------------------------------------------------------------------------------------
# Reading what was written


def segments(text: str) -> list[list[str]]:
    return [s.strip().split("*") for s in text.split("~") if s.strip()]


def find(text: str, seg_id: str) -> list[list[str]]:
    return [s for s in segments(text) if s[0] == seg_id]


def claim_statuses(text: str) -> dict[str, list[str]]:
    """CLM01 (2200D TRN02) -> the first STC of its 2200D."""
    found: dict[str, list[str]] = {}
    in_patient = False
    claim: str | None = None
    for segment in segments(text):
        if segment[0] == "HL":
            in_patient, claim = segment[3] == "PT", None
        elif in_patient and segment[0] == "TRN":
            claim = segment[2]
        elif in_patient and claim is not None and segment[0] == "STC" and claim not in found:
            found[claim] = segment
    return found


def run(
    tmp_path: Path,
    text: str,
    *,
    name: str = "inbound.837",
    tr3: bool = True,
    acks: tuple[str, ...] = ("999", "277ca"),
    counter: str = "control",
) -> ValidateResult:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    options = ScrubOptions(out_dir=out, tr3=tr3, html=False)
    return validate(path, options, acks=acks, counter_file=tmp_path / counter)


def ack(result: ValidateResult, kind: str) -> str:
    path = result.outputs[kind]
    assert path is not None, f"no {kind} written"
    return path.read_text(encoding="utf-8")


def combine(*texts: str) -> str:
    """One interchange and group holding the transactions of several build_837 interchanges."""
    parts = [t.split("~\n")[:-1] for t in texts]
    body: list[str] = []
    for segs in parts:
        st = next(i for i, s in enumerate(segs) if s.startswith("ST*"))
        se = next(i for i, s in enumerate(segs) if s.startswith("SE*"))
        body += segs[st : se + 1]
    first = parts[0]
    return "~\n".join([first[0], first[1], *body, f"GE*{len(texts)}*1", "IEA*1*000000001"]) + "~\n"


def position_in_transaction(text: str, st02: str, startswith: str) -> int:
    """IK302 of the first segment starting with `startswith` in transaction `st02`."""
    segs = [s.strip() for s in text.split("~") if s.strip()]
    start = segs.index(f"ST*837*{st02}*005010X222A1")
    for offset, segment in enumerate(segs[start:], start=1):
        if segment.startswith(startswith):
            return offset
    raise AssertionError(startswith)


CLEAN = [ClaimSpec("PCN1"), ClaimSpec("PCN2", diagnoses=("M5451", "M6281")), ClaimSpec("PCN3")]


# --------------------------------------------------------------------------------------------
# Acceptance


def test_clean_batch_is_accepted_everywhere(tmp_path: Path, pyx12_log: list[str]) -> None:
    result = run(tmp_path, build_837(CLEAN))
    assert (result.status, result.exit_status) == ("accepted", 0)
    text999 = ack(result, "999")
    assert_valid(text999, pyx12_log)
    assert find(text999, "AK9") == [["AK9", "A", "1", "1", "1"]]
    assert find(text999, "IK5") == [["IK5", "A"]]
    assert find(text999, "AK2") == [["AK2", "837", "0001", "005010X222A1"]]
    assert find(text999, "AK1") == [["AK1", "HC", "1", "005010X222A1"]]
    assert not find(text999, "TA1")

    text277 = ack(result, "277ca")
    assert_valid(text277, pyx12_log)
    codes = load_status_codes()
    statuses = claim_statuses(text277)
    assert list(statuses) == ["PCN1", "PCN2", "PCN3"]
    for stc in statuses.values():
        assert stc[1] == f"{codes.accepted.category}:{codes.accepted.status}"
        assert stc[3] == "WQ" and stc[4] == "100"
    assert find(text277, "QTY") == [["QTY", "90", "3"], ["QTY", "QA", "3"]]
    assert find(text277, "AMT") == [["AMT", "YU", "300"], ["AMT", "YU", "300"]]
    assert result.claims == {
        "received": 3,
        "accepted": 3,
        "rejected": 0,
        "in_rejected_transactions": 0,
    }


def test_envelopes_swap_sender_and_receiver(tmp_path: Path, pyx12_log: list[str]) -> None:
    result = run(tmp_path, build_837(CLEAN))
    for kind in ("999", "277ca"):
        text = ack(result, kind)
        isa = text.split("~")[0].split("*")
        assert (isa[5], isa[6], isa[7], isa[8]) == (
            "ZZ",
            f"{'PAYER01':15}",
            "ZZ",
            f"{'SUBMITTER01':15}",
        )
        gs = find(text, "GS")[0]
        assert (gs[2], gs[3]) == ("PAYER01", "SUBMITTER01")
        assert isa[13] == find(text, "IEA")[0][2] and int(isa[13]) == int(gs[6])
    text277 = ack(result, "277ca")
    names = {s[1]: s for s in find(text277, "NM1")}
    assert names["AY"][3] == "SYNTHETIC HEALTH PLAN" and names["AY"][9] == "PAYER01"
    assert names["41"][9] == "SUBMITTER01"
    assert names["85"][8:10] == ["XX", "1234567893"]
    assert find(text277, "TRN")[1] == ["TRN", "2", "BATCH0001"]  # 2200B: the 837's BHT03


def test_tr3_error_rejects_only_its_transaction(tmp_path: Path, pyx12_log: list[str]) -> None:
    good = build_837([ClaimSpec("PCN1")], control_number=1)
    bad = build_837([ClaimSpec("PCN2"), ClaimSpec("PCN3")], control_number=2)
    # SV103 "ZZ" is not a unit code: a TR3 element error inside the second claim
    head, sep, tail = bad.rpartition("SV1*HC:97110:GP*100*UN*1***1")
    text = combine(good, head + "SV1*HC:97110:GP*100*ZZ*1***1" + tail)
    result = run(tmp_path, text)
    assert (result.status, result.exit_status) == ("partial", 1)

    text999 = ack(result, "999")
    assert_valid(text999, pyx12_log)
    assert find(text999, "AK9") == [["AK9", "P", "2", "2", "1"]]
    assert find(text999, "IK5") == [["IK5", "A"], ["IK5", "R", "5"]]
    segs = segments(text999)
    ak2 = segs.index(["AK2", "837", "0002", "005010X222A1"])
    position = position_in_transaction(text, "0002", "SV1*HC:97110:GP*100*ZZ")
    assert segs[ak2 + 1 : ak2 + 5] == [
        ["IK3", "SV1", str(position), "2400", "8"],
        ["CTX", "CLM01:PCN3"],
        ["IK4", "3", "355", "7"],  # SV103, data element 355 (unit or basis for measurement)
        ["IK5", "R", "5"],
    ]

    text277 = ack(result, "277ca")
    assert_valid(text277, pyx12_log)
    assert list(claim_statuses(text277)) == ["PCN1"]  # only the accepted transaction
    assert result.transactions == {"received": 2, "accepted": 1, "rejected": 1}
    assert result.claims["in_rejected_transactions"] == 2


def test_error_outside_claims_has_no_claim_context(tmp_path: Path, pyx12_log: list[str]) -> None:
    text = build_837(CLEAN).replace("*****XX*1234567893~", "*****ZZ*1234567893~", 1)
    result = run(tmp_path, text)
    text999 = ack(result, "999")
    assert_valid(text999, pyx12_log)
    position = position_in_transaction(text, "0001", "NM1*85")
    ik3 = find(text999, "IK3")
    assert ik3 == [["IK3", "NM1", str(position), "2010", "8"]]  # loop 2010AA, cut to 4
    assert not find(text999, "CTX")
    assert find(text999, "IK4") == [["IK4", "8", "66", "7"]]  # NM108
    assert find(text999, "AK9") == [["AK9", "R", "1", "1", "0"]]
    assert result.outputs["277ca"] is None
    assert (result.status, result.exit_status) == ("rejected", 3)


def test_business_edits_reject_claims_in_the_277ca(tmp_path: Path, pyx12_log: list[str]) -> None:
    claims = [
        ClaimSpec("PCN1"),
        ClaimSpec("PCN2", diagnoses=("M6283",)),  # DX002: a category, not billable
        ClaimSpec("PCN3", lines=(LineSpec(pointers=(3,)),)),  # PTR001: no third diagnosis
    ]
    result = run(tmp_path, build_837(claims))
    assert (result.status, result.exit_status) == ("partial", 1)
    text999 = ack(result, "999")
    assert_valid(text999, pyx12_log)
    assert find(text999, "IK5") == [["IK5", "A"]]
    assert find(text999, "AK9") == [["AK9", "A", "1", "1", "1"]]

    text277 = ack(result, "277ca")
    assert_valid(text277, pyx12_log)
    codes = load_status_codes()
    catalogue = load_catalogue()
    statuses = claim_statuses(text277)
    accepted = codes.accepted
    assert statuses["PCN1"][1] == f"{accepted.category}:{accepted.status}"
    for claim_id, edit in (("PCN2", "DX002"), ("PCN3", "PTR001")):
        expected = codes.for_edit(edit, catalogue[edit].family)
        stc = statuses[claim_id]
        assert stc[1] == ":".join(p for p in expected.composite() if p)
        assert stc[3] == "U" and stc[4] == "100"
        assert stc[12].startswith(edit)
    assert find(text277, "QTY") == [
        ["QTY", "90", "1"],
        ["QTY", "AA", "2"],
        ["QTY", "QA", "1"],
        ["QTY", "QC", "2"],
    ]
    assert find(text277, "AMT")[:2] == [["AMT", "YU", "100"], ["AMT", "YY", "200"]]
    assert result.charges == {"accepted": "100.00", "rejected": "200.00"}


def test_dependent_patient_and_date_range(tmp_path: Path, pyx12_log: list[str]) -> None:
    from datetime import date

    lines = (
        LineSpec(service_date=date(2026, 4, 3)),
        LineSpec(procedure="97140", service_date=date(2026, 4, 9)),
    )
    claims = [
        ClaimSpec("DEP1", dependent=True, patient_first="AMY", lines=lines),
        ClaimSpec("SELF1", member_id="MBR0000002", patient_last="ROE"),
    ]
    result = run(tmp_path, build_837(claims), tr3=False)
    text277 = ack(result, "277ca")
    assert_valid(text277, pyx12_log)
    patients = [s for s in find(text277, "NM1") if s[1] == "QC"]
    assert patients[0][:5] == ["NM1", "QC", "1", "DOE", "AMY"]
    assert patients[0][-2:] == ["MI", "MBR0000001"]  # the subscriber's member id
    assert patients[1][3] == "ROE"
    assert find(text277, "DTP")[2:] == [
        ["DTP", "472", "RD8", "20260403-20260409"],
        ["DTP", "472", "D8", "20260410"],
    ]


# --------------------------------------------------------------------------------------------
# Envelope problems


def test_broken_isa_gets_a_ta1_alone(tmp_path: Path, pyx12_log: list[str]) -> None:
    text = build_837(CLEAN).replace(
        "ISA*00*          *00*          *ZZ*", "ISA*00*          *00*          *XX*", 1
    )
    result = run(tmp_path, text)
    assert (result.status, result.exit_status) == ("rejected", 3)
    assert result.outputs["277ca"] is None
    reply = ack(result, "999")
    segs = segments(reply)
    assert [s[0] for s in segs] == ["ISA", "TA1", "IEA"]  # right after the ISA, no group
    assert segs[1] == ["TA1", "000000001", "260415", "1200", "R", "005"]
    assert segs[2] == ["IEA", "0", segs[0][13]]
    assert_ta1_valid(reply, pyx12_log)


def test_isa_of_the_wrong_length_gets_a_ta1(tmp_path: Path, pyx12_log: list[str]) -> None:
    text = build_837(CLEAN).replace("*ZZ*SUBMITTER01    *", "*ZZ*SUBMITTER01*", 1)
    result = run(tmp_path, text)
    assert result.exit_status == 3
    assert result.scrub.report["rejection"]["edit"] == "ENV001"
    segs = segments(ack(result, "999"))
    assert segs[1][0] == "TA1" and segs[1][4:] == ["R", "006"]
    assert segs[0][7:9] == ["ZZ", f"{'SUBMITTER01':15}"]
    assert_ta1_valid(ack(result, "999"), pyx12_log)


def test_interchange_trailer_mismatch_gets_a_ta1(tmp_path: Path, pyx12_log: list[str]) -> None:
    text = build_837(CLEAN).replace("IEA*1*000000001", "IEA*1*000000009")
    result = run(tmp_path, text, tr3=False)
    segs = segments(ack(result, "999"))
    assert [s[0] for s in segs] == ["ISA", "TA1", "IEA"]
    assert segs[1][4:] == ["R", "001"]
    assert result.exit_status == 3


def assert_ta1_valid(text: str, log: list[str]) -> None:
    """pyx12's control map puts TA1 after the GS loop and requires a GS loop, so a TA1-only
    interchange (where the standard puts it: after the ISA) makes its walker log "GS_LOOP
    missing" without recording an error. Everything else must be clean: the document, and the
    ISA, TA1 and IEA segments against their nodes of pyx12's control map."""
    import pyx12.map_if
    import pyx12.params
    import pyx12.segment

    problems = [p for p in pyx12_errors(text, log) if "(GS_LOOP) missing" not in p]
    assert problems == []
    control = pyx12.map_if.load_map_file("x12.control.00501.xml", pyx12.params.ParamsBase())
    for raw in (s for s in text.split("~") if s.strip()):
        segment = pyx12.segment.Segment(raw.strip(), "~", "*", ":")
        node = control.getnodebypath(f"/ISA_LOOP/{segment.get_seg_id()}")
        ok, errors = node.is_valid_errors(segment)
        assert ok and not errors, (raw, [e.err_str for e in errors])


def test_transaction_count_error_rejects_the_transaction(
    tmp_path: Path, pyx12_log: list[str]
) -> None:
    text = build_837(CLEAN)
    se = next(s for s in text.split("~\n") if s.startswith("SE*"))
    text = text.replace(se, "SE*99*0001")
    result = run(tmp_path, text, tr3=False)
    text999 = ack(result, "999")
    assert_valid(text999, pyx12_log)
    assert find(text999, "IK5") == [["IK5", "R", "4"]]
    assert find(text999, "AK9") == [["AK9", "R", "1", "1", "0"]]
    assert result.exit_status == 3


def test_group_count_error_rejects_the_group(tmp_path: Path, pyx12_log: list[str]) -> None:
    text = build_837(CLEAN).replace("GE*1*1", "GE*2*1")
    result = run(tmp_path, text, tr3=False)
    text999 = ack(result, "999")
    assert_valid(text999, pyx12_log)
    assert find(text999, "AK9") == [["AK9", "R", "2", "1", "0", "5"]]
    assert result.outputs["277ca"] is None


def test_institutional_transaction_is_not_supported(tmp_path: Path, pyx12_log: list[str]) -> None:
    good = build_837([ClaimSpec("PCN1")], control_number=1)
    other = build_837([ClaimSpec("PCN2")], control_number=2).replace(
        "ST*837*0002*005010X222A1", "ST*837*0002*005010X223A2"
    )
    result = run(tmp_path, combine(good, other), tr3=False)
    text999 = ack(result, "999")
    assert_valid(text999, pyx12_log)
    assert find(text999, "IK5") == [["IK5", "A"], ["IK5", "R", "I6"]]
    assert find(text999, "AK9") == [["AK9", "P", "2", "2", "1"]]
    assert list(claim_statuses(ack(result, "277ca"))) == ["PCN1"]


# --------------------------------------------------------------------------------------------
# Control numbers and files


def test_control_numbers_come_from_the_counter_file(tmp_path: Path) -> None:
    counter = tmp_path / "control"
    counter.write_text("41\n")
    first = run(tmp_path, build_837(CLEAN), tr3=False)
    numbers_999 = find(ack(first, "999"), "ISA")[0][13], find(ack(first, "999"), "ST")[0][2]
    numbers_277 = find(ack(first, "277ca"), "ISA")[0][13], find(ack(first, "277ca"), "ST")[0][2]
    assert numbers_999 == ("000000042", "0043")
    assert numbers_277 == ("000000044", "0045")
    assert find(ack(first, "999"), "GS")[0][6] == "42"
    assert counter.read_text().strip() == "45"

    second = run(tmp_path, build_837(CLEAN), tr3=False)
    again = {find(ack(second, k), "ISA")[0][13] for k in ("999", "277ca")}
    assert again == {"000000046", "000000048"}
    assert counter.read_text().strip() == "49"


def test_allocate_wraps_and_refuses_garbage(tmp_path: Path) -> None:
    counter = tmp_path / "c"
    counter.write_text("999999998")
    assert allocate(counter, 3) == [999999999, 1, 2]
    assert counter.read_text().strip() == "2"
    assert stat.S_IMODE(counter.stat().st_mode) == 0o600
    counter.write_text("not a number")
    with pytest.raises(ControlFileError):
        allocate(counter, 1)


def test_outputs_are_private_and_only_those_asked_for(tmp_path: Path) -> None:
    result = run(tmp_path, build_837(CLEAN), tr3=False, acks=("999",))
    assert result.outputs["277ca"] is None
    path = result.outputs["999"]
    assert path is not None and path.name == "inbound.999"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


# --------------------------------------------------------------------------------------------
# The status code data


def test_every_edit_family_has_a_status_in_pyx12s_code_lists() -> None:
    codes = load_status_codes()
    families = {spec.family for spec in load_catalogue().values()}
    assert families <= set(codes.families)
    tree = ET.parse(str(files("pyx12").joinpath("map", "codes.xml")))
    lists = {cs.findtext("id"): {c.text for c in cs.iter("code")} for cs in tree.getroot()}
    statuses = [codes.accepted, codes.receipt, codes.default]
    statuses += list(codes.families.values()) + list(codes.edits.values())
    for status in statuses:
        assert status.category in lists["claim_status_cat"], status
        assert status.status in lists["claim_status"], status
    assert all(re.fullmatch(r"[A-Z]{2,3}\d{3}", edit) for edit in codes.edits)
    raw = tomllib.loads((data_dir("edits") / "acks" / "ack_status_codes.toml").read_text())
    assert raw["source"].strip()


# --------------------------------------------------------------------------------------------
# The command


def test_command_exit_statuses(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    clean = tmp_path / "clean.837"
    clean.write_text(build_837(CLEAN))
    held = tmp_path / "held.837"
    held.write_text(build_837([ClaimSpec("PCN1", diagnoses=("M6283",))]))
    broken = tmp_path / "broken.837"
    broken.write_text(build_837(CLEAN).replace("*00501*", "*00401*", 1))
    control = ["--control-file", str(tmp_path / "ctl")]
    base = ["-o", str(out), "--no-tr3", *control]

    result = runner.invoke(validate_command, [str(clean), *base])
    assert result.exit_code == 0, result.output
    assert "clean.837: accepted" in result.output
    assert (out / "clean.999").exists() and (out / "clean.277ca").exists()

    result = runner.invoke(validate_command, [str(held), *base, "--ack", "277ca"])
    assert result.exit_code == 1, result.output
    assert not (out / "held.999").exists() and (out / "held.277ca").exists()

    result = runner.invoke(validate_command, [str(broken), *base, "--ack", "999"])
    assert result.exit_code == 3, result.output
    assert segments((out / "broken.999").read_text())[1][4:] == ["R", "003"]

    result = runner.invoke(validate_command, [str(clean), str(held), *base])
    assert result.exit_code == 1

    result = runner.invoke(validate_command, [str(tmp_path / "missing.837"), *base])
    assert result.exit_code == 2


def test_amounts_keep_cents(tmp_path: Path) -> None:
    claims = [ClaimSpec("PCN1", lines=(LineSpec(charge=Decimal("85.50")),))]
    result = run(tmp_path, build_837(claims), tr3=False)
    stc = claim_statuses(ack(result, "277ca"))["PCN1"]
    assert stc[4] == "85.5"


def test_the_judge_catches_a_bad_acknowledgment(tmp_path: Path, pyx12_log: list[str]) -> None:
    text = ack(run(tmp_path, build_837(CLEAN), tr3=False), "277ca")
    assert pyx12_errors(text.replace("STC*A2:20*", "STC*A2:99999*", 1), pyx12_log)
    assert pyx12_errors(text.replace("QTY*QA*", "QTY*QQ*", 1), pyx12_log)


def test_profile_cannot_make_tr3_errors_warnings(tmp_path: Path) -> None:
    """IG001/IG002 keep the outputs sound (SPEC.md): a profile lowering them is a usage error."""
    profile = tmp_path / "lenient.toml"
    profile.write_text(
        'name = "lenient"\n'
        '[edits.IG001]\nseverity = "warning"\n'
        '[edits.IG002]\nseverity = "warning"\n'
    )
    path = tmp_path / "inbound.837"
    path.write_text(build_837(CLEAN))
    options = ScrubOptions(out_dir=tmp_path, html=False, profile=str(profile))
    with pytest.raises(CatalogueError, match="IG001"):
        validate(path, options)


def test_second_interchange_and_multiple_groups(tmp_path: Path, pyx12_log: list[str]) -> None:
    first = build_837([ClaimSpec("PCN1")], control_number=1)
    second = build_837([ClaimSpec("PCN2", diagnoses=("M6283",))], control_number=2)
    result = run(tmp_path, first + second)
    text999, text277 = ack(result, "999"), ack(result, "277ca")
    assert_valid(text999, pyx12_log)
    assert_valid(text277, pyx12_log)
    assert len(find(text999, "ISA")) == 2 and len(find(text277, "ISA")) == 2
    assert [s[2] for s in find(text999, "AK1")] == ["1", "2"]
    assert len({s[13] for s in find(text999 + text277, "ISA")}) == 4
    assert list(claim_statuses(text277)) == ["PCN1", "PCN2"]
    assert result.exit_status == 1


def test_one_bad_interchange_among_good_ones(tmp_path: Path) -> None:
    good = build_837([ClaimSpec("PCN1")], control_number=1)
    bad = build_837([ClaimSpec("PCN2")], control_number=2).replace("*T*:~", "*X*:~", 1)
    result = run(tmp_path, good + bad)
    replies = interchanges(ack(result, "999"))
    assert [segments(r)[1][0] for r in replies] == ["GS", "TA1"]
    assert segments(replies[1])[1][4:] == ["R", "020"]  # ISA15 usage indicator
    assert [r.ta1 for r in result.interchanges] == [None, "020"]
    assert list(claim_statuses(ack(result, "277ca"))) == ["PCN1"]
    assert (result.status, result.exit_status) == ("partial", 1)


def test_the_277ca_is_fed_from_the_runs_claim_outcomes(tmp_path: Path) -> None:
    """The 277CA's claims are the run's claim outcomes (no second read of the 837 or of the
    report): one status per claim, in file order, the held one rejected."""
    claims = [ClaimSpec("PCN1"), ClaimSpec("PCN2", diagnoses=("M6283",)), ClaimSpec("PCN3")]
    result = run(tmp_path, build_837(claims), tr3=False)
    report = json.loads((result.outputs["json"] or Path()).read_text())
    statuses = claim_statuses(ack(result, "277ca"))
    assert list(statuses) == [c["claim_id"] for c in report["claims"]]
    assert [statuses[c][3] for c in statuses] == ["WQ", "U", "WQ"]
