"""Structural mutations of a three-claim 837P (cuts, envelopes moved, dropped or doubled, an
ISA or GS inside a transaction, a 20,000-character element, bytes that are not UTF-8): no
traceback, counts and charges in = clean + fixed + held + rejected, `clean` only when nothing
was dropped and pyx12 accepts the clean output; and `scrub` and `validate` agree."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber.api import ScrubResult, scrub
from scrubber.options import ScrubOptions
from scrubber.validate import validate
from scrubber.x12.tr3 import validate_tr3
from tests.corpus import claims_in
from tests.helpers import wrap

CLAIMS = "".join(
    f"CLM*P{n}*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
    "DTP*472*D8*20260410~"
    for n in (1, 2, 3)
)
TEXT = wrap(CLAIMS)
SEGMENTS = TEXT.split("~\n")[:-1]
ENVELOPE = ("ISA", "GS", "ST", "SE", "GE", "IEA")
LONG_NTE = "NTE*ADD*" + "A" * 20000


def _index(prefix: str) -> int:
    return next(i for i, s in enumerate(SEGMENTS) if s.startswith(prefix + "*"))


@st.composite
def structural(draw: st.DrawFn) -> bytes:
    """One or two structural mutations of the three-claim file."""
    parts = list(SEGMENTS)
    for _ in range(draw(st.integers(1, 2))):
        action = draw(st.sampled_from(["move", "drop", "double", "inside", "long", "bytes", "cut"]))
        if action in ("move", "drop", "double"):
            kind = draw(st.sampled_from(["SE", "GE", "IEA"]))
            at = next((i for i, s in enumerate(parts) if s.startswith(kind + "*")), None)
            if at is None:
                continue
            segment = parts[at]
            if action == "drop":
                del parts[at]
            elif action == "double":
                parts.insert(at, segment)
            else:
                del parts[at]
                parts.insert(draw(st.integers(0, len(parts))), segment)
        elif action == "inside":  # an ISA or GS inside the transaction
            opener = draw(st.sampled_from([SEGMENTS[0], SEGMENTS[1]]))
            parts.insert(draw(st.integers(min(_index("ST") + 1, len(parts)), len(parts))), opener)
        elif action == "long":
            parts.insert(
                draw(st.integers(min(_index("CLM") + 1, len(parts)), len(parts))), LONG_NTE
            )
        elif action == "cut":
            parts = parts[: draw(st.integers(1, len(parts)))]
        elif len(parts) > 1:  # a byte that is not UTF-8, after the ISA
            at = draw(st.integers(1, len(parts) - 1))
            parts[at] = parts[at][:3] + "\udce9" + parts[at][3:]
    text = "~\n".join(parts) + "~\n"
    return text.encode("utf-8", "surrogateescape")


def _check(source: Path, result: ScrubResult, tr3: bool) -> None:
    """The invariants of every run."""
    assert result.exit_status in (0, 1, 3)
    report = json.loads(Path(result.outputs["json"] or "").read_text())
    counts, charges = report["counts"], report["charges"]
    assert counts["claims"] == sum(counts[k] for k in ("clean", "fixed", "held", "rejected"))
    assert Decimal(charges["total"]) == sum(
        Decimal(charges[k]) for k in ("clean", "held", "rejected")
    )
    written = []
    for name in ("clean", "held"):
        output = result.outputs[name]
        written += claims_in(output) if output else []
    if report["status"] != "rejected":
        assert len(written) == counts["clean"] + counts["fixed"] + counts["held"]
    if (report.get("rejection") or {}).get("edit") != "ENV001":
        assert counts["claims"] == len(claims_in(source))  # no claim dropped, none twice
    if report["status"] == "clean":
        assert counts["rejected"] == 0 and counts["held"] == 0
        assert sorted(written) == sorted(claims_in(source))
        clean = result.outputs["clean"]
        assert clean is not None
        if tr3:  # --no-tr3 does not ask pyx12; with TR3 the clean output always passes it
            assert [e for e in validate_tr3(clean) if not e.repaired_by_writer] == []


def _run(data: bytes, folder: Path, tr3: bool, jobs: int) -> tuple[Path, ScrubResult]:
    source = folder / "batch.837"
    source.write_bytes(data)
    options = ScrubOptions(out_dir=folder / "out", tr3=tr3, jobs=jobs, html=False, ledger=False)
    return source, scrub(source, options)


def test_cut_at_every_segment_boundary_and_early_byte(tmp_path: Path) -> None:
    """Without TR3 (cheap): every cut of the file at a segment boundary and at each of its first
    400 bytes. A cut before the first claim is rejected; a cut file is never clean."""
    first_claim = TEXT.index("CLM*")
    cuts = sorted(
        {len("~\n".join(SEGMENTS[:n]) + "~\n") for n in range(len(SEGMENTS))} | set(range(400))
    )
    for cut in cuts:
        folder = tmp_path / str(cut)
        folder.mkdir()
        source, result = _run(TEXT[:cut].encode(), folder, tr3=False, jobs=1)
        _check(source, result, tr3=False)
        assert result.status != "clean", cut
        if cut <= first_claim:
            assert result.status == "rejected", cut


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(structural(), st.booleans(), st.sampled_from([1, 2]))
def test_structural_mutations_keep_the_invariants(data: bytes, tr3: bool, jobs: int) -> None:
    with TemporaryDirectory() as folder:
        source, result = _run(data, Path(folder), tr3, jobs)
        _check(source, result, tr3)
        if b"~\nGE*" not in data or b"~\nIEA*" not in data or b"~\nSE*" not in data:
            assert result.status != "clean"  # a trailer dropped: never clean


def _segments(text: str) -> list[list[str]]:
    return [s.strip().split("*") for s in text.split("~") if s.strip()]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(structural(), st.booleans())
def test_scrub_and_validate_agree(data: bytes, tr3: bool) -> None:
    """The report's status is the 999's verdict: rejected exactly when nothing is accepted; a
    transaction the report rejects is IK5*R; a claim it holds is rejected in the 277CA."""
    with TemporaryDirectory() as name:
        folder = Path(name)
        source = folder / "batch.837"
        source.write_bytes(data)
        options = ScrubOptions(out_dir=folder / "out", tr3=tr3, html=False, ledger=False)
        result = validate(source, options)
        report = json.loads(Path(result.outputs["json"] or "").read_text())
        reply = (
            Path(result.outputs["999"]).read_text() if result.outputs.get("999") else ""  # type: ignore[arg-type]
        )
        acks = _segments(reply)
        accepted_groups = [s for s in acks if s[0] == "AK9" and s[1] in ("A", "E", "P")]
        if report["status"] == "rejected":
            assert not accepted_groups or report["counts"]["claims"] == 0
            assert result.status == "rejected"
        else:
            assert accepted_groups and result.status in ("accepted", "partial")
        if report["status"] == "clean":
            assert all(s[1] in ("A", "E") for s in acks if s[0] in ("AK9", "IK5"))
            assert not any(s[0] == "TA1" for s in acks)
        # a transaction the report rejects (its ST named by ENV002/ENV005) is IK5*R
        numbered = source.read_bytes().decode("utf-8", "replace").split("~")
        verdicts: dict[str, str] = {}
        current = None
        for segment in acks:
            if segment[0] == "AK2":
                current = segment[2]
            elif segment[0] == "IK5" and current is not None:
                verdicts.setdefault(current, segment[1])
        for finding in report["findings"]:
            location = finding.get("location") or {}
            if finding["edit"] in ("ENV002", "ENV005") and location.get("segment") == "ST":
                number = location["segment_number"]
                st02 = (numbered[number - 1].strip().split("*") + ["", ""])[2]
                assert verdicts.get(st02, "R") == "R"
        # each claim the report holds is rejected in the 277CA
        text277 = (
            Path(result.outputs["277ca"]).read_text() if result.outputs.get("277ca") else ""  # type: ignore[arg-type]
        )
        statuses: dict[str, str] = {}
        claim = None
        for segment in _segments(text277):
            if segment[0] == "TRN" and segment[1] == "2":
                claim = segment[2]
            elif segment[0] == "HL":
                claim = None
            elif segment[0] == "STC" and claim is not None and claim not in statuses:
                statuses[claim] = segment[3]
        for entry in report["claims"]:
            if entry["disposition"] == "held":
                assert statuses[entry["claim_id"]] == "U"
            if entry["disposition"] in ("clean", "fixed"):
                assert statuses.get(entry["claim_id"], "WQ") == "WQ"
