"""The broken inputs of issue 9, one test per class, each an 837P built here: nothing broken
comes out `clean`, and claims and charges in = clean + fixed + held + rejected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from scrubber.api import ScrubResult
from scrubber.catalogue import CatalogueError
from scrubber.cli import main
from scrubber.options import ScrubOptions
from scrubber.validate import validate
from tests.corpus import claims_in
from tests.helpers import report_of, scrub_text, wrap

CLAIMS = "".join(
    f"CLM*P{n}*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
    "DTP*472*D8*20260410~"
    for n in (1, 2, 3)
)


def segments(text: str) -> list[str]:
    return text.split("~\n")[:-1]


def join(parts: list[str]) -> str:
    return "~\n".join(parts) + "~\n"


def conserved(result: ScrubResult, claims_in_input: int, charge_in: str) -> None:
    """Counts and charges in = clean + fixed + held + rejected; the outputs hold the rest."""
    counts, charges = result.counts, result.charges
    assert counts["claims"] == claims_in_input
    parts = ("clean", "fixed", "held", "rejected")
    assert counts["claims"] == sum(counts[k] for k in parts)
    assert Decimal(charges["total"]) == Decimal(charge_in)
    assert Decimal(charges["total"]) == sum(
        Decimal(charges[k]) for k in ("clean", "held", "rejected")
    )
    written = []
    for name in ("clean", "held"):
        output = result.outputs.get(name)
        written += claims_in(output) if output else []
    assert len(written) == counts["clean"] + counts["fixed"] + counts["held"]


# 1. cut off before the first claim ---------------------------------------------------------


def test_1_cut_before_the_first_claim_is_rejected(tmp_path: Path) -> None:
    parts = segments(wrap(CLAIMS))
    first_claim = next(i for i, s in enumerate(parts) if s.startswith("CLM"))
    for cut in range(1, first_claim + 1):  # header, 1000A/B, provider and subscriber loops
        result = scrub_text(tmp_path / str(cut), join(parts[:cut]))
        assert result.status == "rejected" and result.exit_status == 3, cut
        assert report_of(result)["rejection"]["edit"] in ("ENV005", "ENV002")
        assert result.outputs["clean"] is None and result.outputs["held"] is None


def test_1_cut_inside_a_later_claim_holds(tmp_path: Path) -> None:
    text = wrap(CLAIMS)
    result = scrub_text(tmp_path, text[: text.index("CLM*P3") + 10])
    assert result.status == "held" and result.exit_status == 1
    conserved(result, 3, "300")
    assert result.counts["held"] == 3  # the transaction has no SE: all of its claims are held


# 2. claims after an early SE, outside any GS, after the IEA --------------------------------


def test_2_claims_after_an_early_se_are_counted_rejected(tmp_path: Path) -> None:
    parts = segments(wrap(CLAIMS))
    second = next(i for i, s in enumerate(parts) if s.startswith("CLM*P2"))
    st = next(i for i, s in enumerate(parts) if s.startswith("ST*"))
    early = parts[:second] + [f"SE*{second - st + 1}*0001"] + parts[second:]
    result = scrub_text(tmp_path, join(early))
    assert result.status == "held" and result.exit_status == 1
    conserved(result, 3, "300")
    assert result.counts["rejected"] == 2
    [finding] = [f for f in report_of(result)["findings"] if f["edit"] == "ENV005"]
    assert "2 claim(s)" in finding["message"] and finding["severity"] == "error"


def test_2_transaction_outside_any_group_and_claims_after_the_iea(tmp_path: Path) -> None:
    parts = segments(wrap(CLAIMS))
    gs = next(i for i, s in enumerate(parts) if s.startswith("GS*"))
    ge = next(i for i, s in enumerate(parts) if s.startswith("GE*"))
    # a second copy of the transaction before the GS, then claim segments after the IEA
    transaction = parts[gs + 1 : ge]
    outside = parts[:gs] + transaction + parts[gs:] + transaction[-6:-1]
    result = scrub_text(tmp_path, join(outside))
    assert result.status == "held" and result.exit_status == 1
    conserved(result, 7, "700")
    assert result.counts["rejected"] == 4
    assert result.counts["clean"] == 3


# 7. an 837I interchange appended to an 837P file -------------------------------------------


def test_7_appended_837i_claims_are_rejected_and_counted(tmp_path: Path) -> None:
    professional = wrap(CLAIMS)
    institutional = wrap(CLAIMS, version="005010X223A2").replace("000000001", "000000002")
    result = scrub_text(tmp_path, professional + institutional)
    assert result.status == "held" and result.exit_status == 1
    conserved(result, 6, "600")
    assert result.counts["rejected"] == 3 and result.charges["rejected"] == "300.00"
    assert any(f["edit"] == "ENV002" for f in report_of(result)["findings"])
    clean = result.outputs["clean"]
    assert clean is not None
    assert claims_in(clean) == [("P1", "100"), ("P2", "100"), ("P3", "100")]


# 9. with --no-tr3: missing trailers, amounts that are not numbers, pointers -----------------


@pytest.mark.parametrize("dropped", ["GE", "IEA", "GE+IEA"])
def test_9_missing_ge_or_iea_is_never_clean(tmp_path: Path, dropped: str) -> None:
    parts = [s for s in segments(wrap(CLAIMS)) if s[:3].rstrip("*") not in dropped.split("+")]
    result = scrub_text(tmp_path, join(parts), tr3=False)
    assert result.status == "held" and result.exit_status == 1
    conserved(result, 3, "300")
    assert any(f["edit"] == "ENV005" for f in report_of(result)["findings"])


@pytest.mark.parametrize("total", ["NaN", "1,000", "", "1e2", "\u0661\u0660\u0660", "Infinity"])
def test_9_claim_total_that_is_not_an_amount_holds_its_claim(tmp_path: Path, total: str) -> None:
    text = wrap(CLAIMS).replace("CLM*P2*100*", f"CLM*P2*{total}*")
    result = scrub_text(tmp_path, text, tr3=False)
    assert result.status == "held"
    report = report_of(result)
    p2 = next(c for c in report["claims"] if c["claim_id"] == "P2")
    assert p2["disposition"] == "held"
    assert any(f["edit"] == "BAL001" and f["severity"] == "error" for f in p2["findings"])
    assert result.counts["held"] == 1 and result.counts["claims"] == 3
    assert any("not an amount" in note for note in report["notes"])


@pytest.mark.parametrize("pointer", ["01", "\u0661", "0", "13"])
def test_9_pointer_that_is_not_1_to_12_fails_ptr001(tmp_path: Path, pointer: str) -> None:
    text = wrap(CLAIMS).replace("UN*1***1~", f"UN*1***{pointer}~", 1)
    result = scrub_text(tmp_path, text, tr3=False)
    report = report_of(result)
    p1 = report["claims"][0]
    assert p1["disposition"] == "held"
    assert any(f["edit"] == "PTR001" for f in p1["findings"])


def test_9_the_unbroken_file_is_clean(tmp_path: Path) -> None:
    result = scrub_text(tmp_path, wrap(CLAIMS), tr3=False)
    assert result.status == "clean" and result.exit_status == 0
    conserved(result, 3, "300")


# 5. --select and --ignore cannot switch off what keeps the outputs sound --------------------


def test_5_select_keeps_the_guarding_edits(tmp_path: Path) -> None:
    # a claim total that is not its lines' sum (BAL001) and an SE count that is wrong (ENV004)
    text = wrap(CLAIMS).replace("CLM*P2*100*", "CLM*P2*150*")
    result = scrub_text(tmp_path, text, select=("DX", "PTR001"))
    report = report_of(result)
    p2 = next(c for c in report["claims"] if c["claim_id"] == "P2")
    assert p2["disposition"] == "held"
    assert [f["edit"] for f in p2["findings"]] == ["BAL001"]


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("select", ("DX02",), "no edit"),
        ("ignore", ("XYZ",), "no edit"),
        ("ignore", ("IG001",), "sound"),
        ("ignore", ("ENV",), "sound"),
        ("ignore", ("BAL",), "sound"),
    ],
)
def test_5_unknown_or_guarding_ids_are_usage_errors(
    tmp_path: Path, option: str, value: tuple[str, ...], words: str
) -> None:
    flag = f"--{option}"
    parts = wrap(CLAIMS)
    (tmp_path / "batch.837").write_text(parts)
    run = CliRunner().invoke(
        main, ["scrub", str(tmp_path / "batch.837"), "--no-tr3", flag, value[0]]
    )
    assert run.exit_code == 2, run.output
    assert words in run.output and value[0] in run.output
    with pytest.raises(CatalogueError):
        scrub_text(tmp_path / "api", parts, **{option: value})


@pytest.mark.parametrize("change", ["enabled = false", 'severity = "warning"'])
def test_5_a_profile_cannot_switch_off_a_guarding_edit(tmp_path: Path, change: str) -> None:
    profile = tmp_path / "lenient.toml"
    profile.write_text(f'name = "lenient"\n[edits.IG001]\n{change}\n')
    with pytest.raises(CatalogueError, match="IG001"):
        scrub_text(tmp_path, wrap(CLAIMS), profile=str(profile))


# 4. two inputs with the same stem never overwrite each other --------------------------------


def test_4_same_stem_in_one_run_keeps_the_suffix(tmp_path: Path) -> None:
    (tmp_path / "d1").mkdir()
    (tmp_path / "d2").mkdir()
    first, second = wrap(CLAIMS), wrap(CLAIMS).replace("CLM*P", "CLM*Q")
    inputs = [tmp_path / "batch.837", tmp_path / "batch.txt", tmp_path / "d1" / "batch.837"]
    inputs.append(tmp_path / "d2" / "batch.837")
    for number, path in enumerate(inputs):
        path.write_text(first if number % 2 == 0 else second)
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["scrub", *map(str, inputs[2:]), "--no-tr3", "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert claims_in(out / "batch.clean.837")[0][0] == "P1"
    assert claims_in(out / "batch.837.clean.837")[0][0] == "Q1"
    run = CliRunner().invoke(main, ["scrub", *map(str, inputs[:2]), "--no-tr3"])
    assert run.exit_code == 0, run.output
    assert claims_in(tmp_path / "batch.clean.837")[0][0] == "P1"
    assert claims_in(tmp_path / "batch.txt.clean.837")[0][0] == "Q1"
    assert (tmp_path / "batch.txt.report.json").exists()


# 6. a re-run removes what the earlier run wrote and this one does not -----------------------


def test_6_rerun_removes_stale_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = scrub_text(tmp_path, wrap(CLAIMS))
    assert first.outputs["clean"] is not None and (out / "batch.clean.837").exists()
    held = wrap(CLAIMS.replace("M5450", "M6283"))  # every claim held now
    second = scrub_text(tmp_path, held)
    assert second.outputs["clean"] is None and second.outputs["held"] is not None
    assert not (out / "batch.clean.837").exists()
    rejected = scrub_text(tmp_path, "not an 837 at all")
    assert rejected.status == "rejected"
    assert sorted(p.name for p in out.iterdir()) == ["batch.report.json"]


# 10. a byte that is not UTF-8 ---------------------------------------------------------------


@pytest.mark.parametrize("where", [b"DOE*JANE", b"CLM*P2", b"M5450"])
@pytest.mark.parametrize("tr3", [False, True])
def test_10_a_byte_that_is_not_utf8_rejects_with_a_message(
    tmp_path: Path, where: bytes, tr3: bool
) -> None:
    data = wrap(CLAIMS).encode().replace(where, where[:2] + b"\xe9" + where[2:], 1)
    path = tmp_path / "batch.837"
    path.write_bytes(data)
    run = CliRunner().invoke(main, ["scrub", str(path), *([] if tr3 else ["--no-tr3"])])
    assert run.exit_code == 3, run.output
    assert "0xE9" in run.output and "not UTF-8" in run.output
    report = json.loads((tmp_path / "batch.report.json").read_text())
    assert report["status"] == "rejected" and report["rejection"]["edit"] == "ENV001"


# 11. stdout closed early --------------------------------------------------------------------


def test_11_closed_stdout_does_not_stop_the_run(tmp_path: Path) -> None:
    inputs = []
    for name in ("a.837", "b.837", "c.837"):
        (tmp_path / name).write_text(wrap(CLAIMS))
        inputs.append(str(tmp_path / name))
    process = subprocess.Popen(
        [sys.executable, "-m", "scrubber", "scrub", *inputs, "--no-tr3", "--no-ledger"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, stderr
    assert "Traceback" not in stderr
    for name in ("a", "b", "c"):
        assert (tmp_path / f"{name}.report.json").exists()


# 12. messages that say what is wrong --------------------------------------------------------


def test_12_folder_and_device_are_named_as_such(tmp_path: Path) -> None:
    for target, words in ((tmp_path, "is a folder"), (Path(os.devnull), "not a regular file")):
        for command in ("scrub", "validate"):
            run = CliRunner().invoke(main, [command, str(target)])
            assert run.exit_code == 2 and words in run.output, run.output
    run = CliRunner().invoke(main, ["scrub", str(tmp_path / "missing.837")])
    assert run.exit_code == 2 and "no such file" in run.output


def test_12_isa11_equal_to_the_terminator_is_named(tmp_path: Path) -> None:
    text = wrap(CLAIMS).replace("*^*00501*", "*~*00501*", 1)
    result = scrub_text(tmp_path, text)
    assert result.status == "rejected"
    message = report_of(result)["rejection"]["message"]
    assert "ISA11" in message and "106 characters the X12" not in message


def test_12_ignoring_dx002_also_silences_ctx002(tmp_path: Path) -> None:
    claim = CLAIMS.replace("M5450", "M6283", 1)
    held = report_of(scrub_text(tmp_path / "a", wrap(claim)))["claims"][0]
    assert held["disposition"] == "held"
    ignored = report_of(scrub_text(tmp_path / "b", wrap(claim), ignore=("DX002",)))
    edits = [f["edit"] for f in ignored["claims"][0]["findings"]]
    assert "DX002" not in edits and "CTX002" not in edits


# 3. an element longer than pyx12's 16 KB buffer -------------------------------------------


@pytest.mark.parametrize("engine", ["compiled", "pyx12"])
def test_3_a_20000_character_element_never_lets_a_later_error_through(
    tmp_path: Path, engine: str
) -> None:
    long = CLAIMS.replace(
        "CLM*P1*100***11:B:1*Y*A*Y*Y~", "CLM*P1*100***11:B:1*Y*A*Y*Y~NTE*ADD*" + "A" * 20000 + "~"
    )
    text = wrap(long.replace("CLM*P3*100***11:B:1*", "CLM*P3*100***11::1*"))  # CLM05-2 missing
    result = scrub_text(tmp_path, text, tr3=True, tr3_engine=engine)
    report = report_of(result)
    dispositions = {c["claim_id"]: c["disposition"] for c in report["claims"]}
    assert dispositions["P3"] == "held" and result.status == "held"
    assert any("16 KB" in note for note in report["notes"])
    clean = result.outputs["clean"]
    assert clean is None or "P3" not in [c[0] for c in claims_in(clean)]


# 8. validate: the report's status is the 999's verdict -------------------------------------


def _validated(tmp_path: Path, text: str) -> tuple[dict[str, object], list[list[str]]]:
    path = tmp_path / "inbound.837"
    tmp_path.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    result = validate(path, ScrubOptions(out_dir=tmp_path, tr3=False, html=False, ledger=False))
    report = json.loads((result.outputs["json"] or Path()).read_text())
    reply = (result.outputs["999"] or Path()).read_text()
    return report, [s.strip().split("*") for s in reply.split("~") if s.strip()]


@pytest.mark.parametrize(
    ("old", "new", "verdict"),
    [
        ("SE*33*0001", "SE*32*0001", "IK5"),  # SE01 wrong
        ("GE*1*1", "GE*2*1", "AK9"),  # GE01 wrong
        ("IEA*1*000000001", "IEA*2*000000001", "TA1"),  # IEA01 wrong
    ],
)
def test_8_validate_report_agrees_with_its_999(
    tmp_path: Path, old: str, new: str, verdict: str
) -> None:
    text = wrap(CLAIMS)
    assert old in text
    report, reply = _validated(tmp_path, text.replace(old, new))
    assert report["status"] == "rejected"  # the only transaction is rejected by the 999
    assert report["counts"]["rejected"] == 3
    if verdict == "TA1":
        assert any(s[0] == "TA1" and s[4] == "R" for s in reply)
    else:
        assert [s[1] for s in reply if s[0] == verdict] == ["R"]
    good, reply = _validated(tmp_path / "good", text)
    assert good["status"] == "clean"
    assert [s[1] for s in reply if s[0] in ("IK5", "AK9")] == ["A", "A"]


def test_8_duplicate_hl_id_rejected_by_the_999_is_not_ready_to_send(tmp_path: Path) -> None:
    text = wrap(CLAIMS).replace("HL*2*1*22*0", "HL*1*1*22*0")
    status, report, reply, _ = _acks_of(tmp_path, text)
    assert [s[1] for s in reply if s[0] == "IK5"] == ["R"]
    assert report["status"] == "rejected" and status == "rejected"


def _two_transactions(first_claims: str, second_claims: str) -> str:
    """One interchange, one group, two 837P transactions (ST02 0001 and 0002)."""
    first, second = segments(wrap(first_claims)), segments(wrap(second_claims))
    body = second[2:-2]
    body[0] = body[0].replace("ST*837*0001", "ST*837*0002")
    body[-1] = body[-1].replace("*0001", "*0002")
    return join([*first[:-2], *body, "GE*2*1", first[-1]])


def _acks_of(tmp_path: Path, text: str) -> tuple[str, dict[str, object], list[list[str]], str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "inbound.837"
    path.write_text(text)
    result = validate(path, ScrubOptions(out_dir=tmp_path, tr3=True, html=False, ledger=False))
    report = json.loads((result.outputs["json"] or Path()).read_text())
    reply = (result.outputs["999"] or Path()).read_text()
    text277 = result.outputs["277ca"].read_text() if result.outputs.get("277ca") else ""  # type: ignore[union-attr]
    return (
        result.status,
        report,
        [s.strip().split("*") for s in reply.split("~") if s.strip()],
        text277,
    )


def _verdicts(reply: list[list[str]]) -> dict[str, str]:
    verdicts, current = {}, ""
    for segment in reply:
        if segment[0] == "AK2":
            current = segment[2]
        elif segment[0] == "IK5":
            verdicts[current] = segment[1]
    return verdicts


def test_3_validate_rejects_the_transaction_pyx12_could_not_walk(tmp_path: Path) -> None:
    """pyx12's reader stops at an NTE of 20,000 characters: the transaction holding it (and a
    later claim never walked) is IK5*R with IK3 8 / IK4 4 on the NTE, the other one accepted."""
    long_nte = "NTE*ADD*" + "A" * 20000
    second = CLAIMS.replace("CLM*P", "CLM*Q").replace(
        "CLM*Q1*100***11:B:1*Y*A*Y*Y~", f"CLM*Q1*100***11:B:1*Y*A*Y*Y~{long_nte}~"
    )
    status, report, reply, text277 = _acks_of(tmp_path, _two_transactions(CLAIMS, second))
    assert _verdicts(reply) == {"0001": "A", "0002": "R"}
    assert [s[1] for s in reply if s[0] == "AK9"] == ["P"]
    ik3 = [s for s in reply if s[0] == "IK3"]
    assert [(s[1], s[4]) for s in ik3] == [("NTE", "8")]
    assert [(s[1], s[3]) for s in reply if s[0] == "IK4"] == [("2", "4")]  # NTE02 too long
    # the report agrees: the unwalked transaction's claims rejected, the file not clean
    assert status == "partial" and report["status"] != "clean"
    assert report["counts"]["rejected"] == 3
    # the 277CA answers the accepted transaction only: none of Q1..Q3 passes for accepted
    trn = [s.split("*")[2] for s in text277.replace("\n", "").split("~") if s.startswith("TRN*2*")]
    assert {"P1", "P2", "P3"} <= set(trn) and not [t for t in trn if t.startswith("Q")]

    # a single transaction pyx12 could not walk: the group is rejected, nothing accepted
    only = CLAIMS.replace(
        "CLM*P1*100***11:B:1*Y*A*Y*Y~", f"CLM*P1*100***11:B:1*Y*A*Y*Y~{long_nte}~"
    )
    status, report, reply, text277 = _acks_of(tmp_path / "one", wrap(only))
    assert _verdicts(reply) == {"0001": "R"}
    assert [s[1] for s in reply if s[0] == "AK9"] == ["R"]
    assert status == "rejected" and report["status"] == "rejected"
    assert "TRN*2*" not in text277

    # the NTE in the first transaction: the second, never read by pyx12, is rejected too (IK502 5)
    status, report, reply, text277 = _acks_of(
        tmp_path / "first", _two_transactions(only, CLAIMS.replace("CLM*P", "CLM*Q"))
    )
    assert _verdicts(reply) == {"0001": "R", "0002": "R"}
    assert [s[1:] for s in reply if s[0] == "IK5"][1] == ["R", "5"]
    assert [s[1] for s in reply if s[0] == "AK9"] == ["R"]
    assert status == "rejected" and report["status"] == "rejected"
