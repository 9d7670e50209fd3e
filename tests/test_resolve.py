"""`scrub837 resolve` and the engine behind it: decisions applied, changed claims re-scrubbed,
every claim of the held file in exactly one output, the resolved file valid for pyx12."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scrubber.api import ScrubOptions, scrub
from scrubber.cli import main
from scrubber.resolve import DecisionsError, parse_decisions, resolve
from scrubber.x12.conformance import pyx12_errors
from tests.helpers import wrap

SAMPLES = Path(__file__).resolve().parents[1] / "x12_samples"


def claim_ids(path: Path | None) -> list[str]:
    if path is None:
        return []
    text = path.read_text(encoding="utf-8")
    return [s.strip().split("*")[1] for s in text.split("~") if s.strip().startswith("CLM*")]


def hi_segments(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [s.strip() for s in text.split("~") if s.strip().startswith("HI*")]


@pytest.fixture(scope="module")
def mixed_held(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scrubbed")
    result = scrub(SAMPLES / "mixed.837", ScrubOptions(out_dir=out, html=False))
    held = result.outputs["held"]
    assert held is not None and claim_ids(held) == ["MIX0002", "MIX0004"]
    return held


def decisions(*items: dict[str, Any]) -> dict[str, Any]:
    return {"schema": "scrub837-decisions/1", "decisions": list(items)}


def code(claim: int, claim_id: str, before: str, after: str, edit: str = "DX002") -> dict[str, Any]:
    return {
        "claim": claim,
        "claim_id": claim_id,
        "edit": edit,
        "code": before,
        "action": "code",
        "after": after,
        "user": "ann",
    }


QUERY = {
    "claim": 2,
    "claim_id": "MIX0004",
    "edit": "BAL001",
    "code": "",
    "action": "query",
    "question": "Is the claim total 90.00 or 86.25?",
}


def run(tmp_path: Path, held: Path, data: dict[str, Any]) -> Any:
    return resolve(held, parse_decisions(data), tmp_path / "out")


def test_a_chosen_code_resolves_the_claim_and_the_query_keeps_the_other(
    tmp_path: Path, mixed_held: Path
) -> None:
    result = run(tmp_path, mixed_held, decisions(code(1, "MIX0002", "M545", "M54.50"), QUERY))
    assert claim_ids(result.resolved) == ["MIX0002"]
    assert claim_ids(result.held) == ["MIX0004"]
    assert hi_segments(result.resolved) == ["HI*ABK:M5450*ABF:M62830"]
    assert pyx12_errors(result.resolved.read_text(encoding="utf-8")) == []
    held = {o.claim_id: o for o in result.outcomes}["MIX0004"]
    assert held.outcome == "held" and "90.00 or 86.25" in held.reasons[0]
    assert result.charges == {"total": "135.00", "resolved": "45.00", "held": "90.00"}
    for path in (result.resolved, result.held, result.report):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    report = json.loads(result.report.read_text(encoding="utf-8"))
    assert report["counts"] == {"claims": 2, "resolved": 1, "held": 1}
    assert report["outputs"] == {
        "resolved": "mixed.resolved.837",
        "held": "mixed.still-held.837",
    }
    # nothing of the work files is left behind
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "mixed.resolve.json",
        "mixed.resolved.837",
        "mixed.still-held.837",
    ]


def test_a_decision_that_introduces_an_error_keeps_the_claim_held_and_says_why(
    tmp_path: Path, mixed_held: Path
) -> None:
    # Z99.99 is no ICD-10-CM code: the re-scrub holds the claim under DX001
    result = run(tmp_path, mixed_held, decisions(code(1, "MIX0002", "M545", "Z9999")))
    assert result.resolved is None
    assert claim_ids(result.held) == ["MIX0002", "MIX0004"]
    outcome = result.outcomes[0]
    assert outcome.outcome == "held"
    assert any("re-scrub found DX001" in r and "Z99.99" in r for r in outcome.reasons)
    # the decision is kept in the new held file: the coder sees what was tried
    assert hi_segments(result.held)[0] == "HI*ABK:Z9999*ABF:M62830"


def test_an_excludes1_pair_made_by_a_decision_is_caught(tmp_path: Path) -> None:
    text = wrap(
        "CLM*EXC1*100***11:B:1*Y*A*Y*Y~HI*ABK:S39012A*ABF:M545~LX*1~"
        "SV1*HC:97110:GP*100*UN*1***1:2~DTP*472*D8*20260410~"
    )
    source = tmp_path / "one.837"
    source.write_text(text, encoding="utf-8")
    held = scrub(source, ScrubOptions(out_dir=tmp_path, html=False)).outputs["held"]
    assert held is not None
    # M54.50 is billable, but M54.5 Excludes1 low back strain (S39.012-), the other code
    result = resolve(
        held, parse_decisions(decisions(code(1, "EXC1", "M545", "M5450"))), tmp_path / "r"
    )
    assert result.resolved is None and claim_ids(result.held) == ["EXC1"]
    assert any("re-scrub found DX006" in r for r in result.outcomes[0].reasons)


def test_leave_held_and_no_decision_keep_claims_held(tmp_path: Path, mixed_held: Path) -> None:
    leave = {"claim": 1, "claim_id": "MIX0002", "edit": "DX002", "code": "M545", "action": "leave"}
    result = run(tmp_path, mixed_held, decisions(leave))
    assert result.resolved is None
    assert claim_ids(result.held) == ["MIX0002", "MIX0004"]
    assert result.outcomes[0].reasons == ["DX002: left held"]
    assert result.outcomes[1].reasons == ["no decision yet"]


def test_a_later_decision_answers_an_earlier_query(tmp_path: Path, mixed_held: Path) -> None:
    query = {**code(1, "MIX0002", "M545", "M5450"), "action": "query", "question": "which?"}
    del query["after"]
    result = run(tmp_path, mixed_held, decisions(query, code(1, "MIX0002", "M545", "M5459")))
    assert claim_ids(result.resolved) == ["MIX0002"]
    assert hi_segments(result.resolved) == ["HI*ABK:M5459*ABF:M62830"]


def test_decisions_for_another_file_are_refused(tmp_path: Path, mixed_held: Path) -> None:
    with pytest.raises(DecisionsError, match="claim 1 of mixed.held.837 is MIX0002"):
        run(tmp_path, mixed_held, decisions(code(1, "OTHER1", "M545", "M5450")))
    with pytest.raises(DecisionsError, match="has 2 claims"):
        run(tmp_path, mixed_held, decisions(code(7, "MIX0002", "M545", "M5450")))
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_the_schema_is_checked() -> None:
    no_after = code(1, "A", "M545", "M5450")
    del no_after["after"]
    with pytest.raises(DecisionsError, match="decisions/0: 'after' is a required property"):
        parse_decisions(decisions(no_after))
    with pytest.raises(DecisionsError, match="'rewrite' is not one of"):
        parse_decisions(decisions({**code(1, "A", "M545", "M5450"), "action": "rewrite"}))


def test_cli_resolve(tmp_path: Path, mixed_held: Path) -> None:
    file = tmp_path / "decisions.json"
    file.write_text(json.dumps(decisions(code(1, "MIX0002", "M545", "M5450"), QUERY)))
    out = tmp_path / "cli"
    result = CliRunner().invoke(
        main, ["resolve", str(mixed_held), "--decisions", str(file), "-o", str(out)]
    )
    assert result.exit_code == 1, result.output
    assert "1 resolved, 1 still held ($90.00 of $135.00 held)" in result.output
    assert "held MIX0004: BAL001: waiting for the provider" in result.output
    assert claim_ids(out / "mixed.resolved.837") == ["MIX0002"]
    assert claim_ids(out / "mixed.still-held.837") == ["MIX0004"]


def test_cli_resolve_bad_input_is_a_usage_error(tmp_path: Path, mixed_held: Path) -> None:
    bad = tmp_path / "decisions.json"
    bad.write_text("{not json")
    result = CliRunner().invoke(main, ["resolve", str(mixed_held), "--decisions", str(bad)])
    assert result.exit_code == 2 and "decisions.json: not a JSON file" in result.output
    good = tmp_path / "good.json"
    good.write_text(json.dumps(decisions()))
    not_x12 = SAMPLES / "not_x12_env001.837"
    result = CliRunner().invoke(
        main, ["resolve", str(not_x12), "--decisions", str(good), "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 2 and "not_x12_env001.837 is not an X12 interchange" in (
        result.output
    )
    assert "Traceback" not in result.output


@pytest.mark.parametrize("size", [900, 1100])
def test_a_cut_off_held_file_is_refused_and_nothing_written(
    tmp_path: Path, mixed_held: Path, size: int
) -> None:
    cut = tmp_path / "cut.held.837"
    cut.write_bytes(mixed_held.read_bytes()[:size])
    file = tmp_path / "decisions.json"
    file.write_text(json.dumps(decisions(code(1, "MIX0002", "M545", "M5450"))))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["resolve", str(cut), "--decisions", str(file), "-o", str(out)]
    )
    assert result.exit_code == 2, result.output
    assert "cut.held.837 is cut off (no SE/GE/IEA): ask for the whole file" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or list(out.iterdir()) == []


def test_a_deeply_nested_or_misdated_decisions_file_is_a_usage_error(
    tmp_path: Path, mixed_held: Path
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100000 + "]" * 100000)
    result = CliRunner().invoke(main, ["resolve", str(mixed_held), "--decisions", str(deep)])
    assert result.exit_code == 2 and "deep.json: not a JSON file" in result.output
    dated = tmp_path / "dated.json"
    dated.write_text(json.dumps({**decisions(), "run_date": "2026-02-30"}))
    result = CliRunner().invoke(main, ["resolve", str(mixed_held), "--decisions", str(dated)])
    assert result.exit_code == 2 and "dated.json: run_date 2026-02-30 is not a date" in (
        result.output
    )
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps(decisions(QUERY)).encode())
    result = CliRunner().invoke(
        main, ["resolve", str(mixed_held), "--decisions", str(bom), "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 1, result.output


def test_a_decision_on_a_finding_the_claim_lacks_is_applied_with_a_warning(
    tmp_path: Path, mixed_held: Path
) -> None:
    result = run(
        tmp_path, mixed_held, decisions(code(1, "MIX0002", "M545", "M5450", edit="BAL001"))
    )
    assert claim_ids(result.resolved) == ["MIX0002"]
    first = result.outcomes[0]
    assert first.warnings == [
        "the decision BAL001 on M545 answers no finding of this claim: applied all the same"
    ]
    assert result.outcomes[1].warnings == []
    file = tmp_path / "decisions.json"
    file.write_text(json.dumps(decisions(code(1, "MIX0002", "M545", "M5450", edit="BAL001"))))
    cli = CliRunner().invoke(
        main, ["resolve", str(mixed_held), "--decisions", str(file), "-o", str(tmp_path / "c")]
    )
    assert "warning: claim 1 MIX0002: the decision BAL001 on M545" in cli.output
    proper = run(tmp_path / "p", mixed_held, decisions(code(1, "MIX0002", "M545", "M5450")))
    assert [o.warnings for o in proper.outcomes] == [[], []]
