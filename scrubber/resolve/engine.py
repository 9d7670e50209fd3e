"""Apply a coder's decisions to a held 837, re-scrub the changed claims, write resolved + held.

Two passes over the held file, one subscriber block at a time: the first applies the decisions
and writes the claims they changed (and that wait for nothing else) to a work file that the
library's own scrub() checks again, TR3 included; the second writes every claim the re-scrub did
not pass to the new held file, decisions applied. The resolved file is the re-scrub's clean
output, so it passes what a clean file passes. Every claim of the held input ends up in exactly
one of the two files.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from scrubber.api import ScrubOptions, output_stem, scrub, sha256_of
from scrubber.model import Claim
from scrubber.resolve.decisions import Decision, Decisions, DecisionsError, normal_code
from scrubber.resolve.findings import known_findings
from scrubber.x12 import reader as rd
from scrubber.x12.tokens import NotX12Error
from scrubber.x12.writer import Output837, open_private, temporary_name

ZERO = Decimal("0")


class ResolveError(ValueError):
    """The held file cannot be resolved (the message names the file and what to do)."""


@dataclass(slots=True)
class ClaimOutcome:
    claim: int  # position in the held input, 1 = first
    claim_id: str
    charge: Decimal
    outcome: str = "held"  # resolved | held
    reasons: list[str] = field(default_factory=list)  # why it is still held
    changes: list[dict[str, str]] = field(default_factory=list)  # edit, before, after
    warnings: list[str] = field(default_factory=list)  # decisions that answer no finding

    def as_json(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "claim_id": self.claim_id,
            "charge": f"{self.charge:.2f}",
            "outcome": self.outcome,
            "reasons": self.reasons,
            "changes": self.changes,
            "warnings": self.warnings,
        }


@dataclass(slots=True)
class ResolveResult:
    held_input: Path
    resolved: Path | None  # claims now clean: upload this
    held: Path | None  # claims still held
    report: Path  # the outcomes as JSON
    outcomes: list[ClaimOutcome]

    @property
    def counts(self) -> dict[str, int]:
        resolved = sum(1 for o in self.outcomes if o.outcome == "resolved")
        return {
            "claims": len(self.outcomes),
            "resolved": resolved,
            "held": len(self.outcomes) - resolved,
        }

    @property
    def charges(self) -> dict[str, str]:
        total = sum((o.charge for o in self.outcomes), ZERO)
        resolved = sum((o.charge for o in self.outcomes if o.outcome == "resolved"), ZERO)
        return {
            "total": f"{total:.2f}",
            "resolved": f"{resolved:.2f}",
            "held": f"{total - resolved:.2f}",
        }


def output_names(held: Path, out_dir: Path) -> dict[str, Path]:
    """batch.held.837 -> batch.resolved.837, batch.still-held.837, batch.resolve.json."""
    stem = output_stem(held)
    if stem.endswith(".held"):
        stem = stem[: -len(".held")]
    return {
        "resolved": out_dir / f"{stem}.resolved.837",
        "held": out_dir / f"{stem}.still-held.837",
        "report": out_dir / f"{stem}.resolve.json",
    }


# --------------------------------------------------------------------------- one claim


@dataclass(slots=True)
class _Applied:
    changed: bool = False
    waiting: list[str] = field(default_factory=list)  # queries, leave-held, codes not found
    changes: list[dict[str, str]] = field(default_factory=list)


def _replace_code(claim: Claim, before: str, after: str) -> bool:
    """Put `after` in place of the diagnosis code `before` in the claim's HI segments."""
    for segment in claim.claim_segments:
        if segment.id != "HI":
            continue
        elements = list(segment.elements)
        for index in range(1, len(elements)):
            parts = segment.components(index)
            if len(parts) > 1 and normal_code(parts[1]) == before:
                parts[1] = after
                elements[index] = segment.join_components(parts)
                claim.replace(segment.with_elements(elements))
                return True
    return False


def _apply(claim: Claim, decisions: list[Decision]) -> _Applied:
    applied = _Applied()
    for decision in decisions:
        who = f" ({decision.user})" if decision.user else ""
        if decision.action == "query":
            question = decision.question or "see the query"
            applied.waiting.append(f"{decision.edit}: waiting for the provider{who}: {question}")
        elif decision.action == "leave":
            applied.waiting.append(f"{decision.edit}: left held{who}")
        else:
            before, after = normal_code(decision.code), normal_code(decision.after)
            if before == after:
                continue
            if _replace_code(claim, before, after):
                applied.changed = True
                applied.changes.append({"edit": decision.edit, "before": before, "after": after})
            else:
                applied.waiting.append(
                    f"{decision.edit}: the decision {before} -> {after} could not be applied: "
                    f"{before} is not a diagnosis code of this claim"
                )
    return applied


# --------------------------------------------------------------------------- the file


def _blocks(path: Path) -> Iterator[list[Claim]]:
    """The claims of each subscriber block of a held 837, in file order."""
    try:
        for event in rd.Reader(path).events():
            cut = event.rejected if isinstance(event, rd.TransactionStart) else event
            if isinstance(cut, rd.Problem) and cut.edit == "ENV005":
                # a claim not wholly read must never be written: refuse the whole file
                raise ResolveError(f"{path.name} is cut off (no SE/GE/IEA): ask for the whole file")
            if isinstance(event, rd.SubscriberBlock):
                claims = list(event.claims())
                if claims:
                    yield claims
    except NotX12Error as error:
        raise ResolveError(
            f"{path.name} is not an X12 interchange: {error}. Give the held 837 that "
            "`scrub837 scrub` or the desk wrote."
        ) from error


def _by_claim(decisions: Decisions) -> dict[int, list[Decision]]:
    out: dict[int, list[Decision]] = {}
    for decision in decisions.latest().values():
        out.setdefault(decision.claim, []).append(decision)
    return out


def _check_ids(path: Path, by_claim: dict[int, list[Decision]], ids: dict[int, str]) -> None:
    for position, decisions in sorted(by_claim.items()):
        found = ids.get(position)
        for decision in decisions:
            if found is None:
                raise DecisionsError(
                    f"a decision is about claim {position} ({decision.claim_id}), but "
                    f"{path.name} has {len(ids)} claims: were the decisions made on another file?"
                )
            if found != decision.claim_id:
                raise DecisionsError(
                    f"a decision is about claim {position} as {decision.claim_id}, but claim "
                    f"{position} of {path.name} is {found}: were the decisions made on another "
                    "file?"
                )


def resolve(
    held: Path,
    decisions: Decisions,
    out_dir: Path | None = None,
    options: ScrubOptions | None = None,
) -> ResolveResult:
    """Resolve a held 837 with `decisions`; write resolved, still-held and the outcomes JSON."""
    held = Path(held)
    if decisions.held_sha256 and decisions.held_sha256 != sha256_of(held):
        raise DecisionsError(
            f"the decisions were made on another version of {held.name} (its sha256 differs)"
        )
    out_dir = Path(out_dir) if out_dir is not None else held.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    names = output_names(held, out_dir)
    by_claim = _by_claim(decisions)
    work = Path(tempfile.mkdtemp(prefix=".resolve-", dir=out_dir))
    still_held = Output837(names["held"])
    try:
        outcomes, sent = _first_pass(held, by_claim, work / "changed.837")
        known = _findings_of_input(held, work / "input", options, decisions)
        _warn_unknown(by_claim, known, outcomes)
        if sent:
            _rescrub(work / "changed.837", work, sent, outcomes, options, decisions)
        _second_pass(held, by_claim, outcomes, still_held)
        resolved_claims = sum(1 for o in outcomes if o.outcome == "resolved")
        result = ResolveResult(held, None, None, names["report"], outcomes)
        _write_report(result, decisions)
        if still_held.finish():
            result.held = still_held.commit()
        else:
            still_held.discard()
        if resolved_claims:
            rescrubbed = work / "changed.clean.837"
            os.replace(rescrubbed, names["resolved"])
            result.resolved = names["resolved"]
        return result
    except BaseException:
        still_held.discard()
        temporary_name(names["report"]).unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _scrub_options(base: ScrubOptions | None, out_dir: Path, decisions: Decisions) -> ScrubOptions:
    options = base or ScrubOptions()
    return dataclasses.replace(
        options,
        out_dir=out_dir,
        held_dir=None,
        reports_dir=None,
        html=False,
        mask_phi=False,
        mode="scrub",
        run_date=decisions.run_date or options.run_date,
        tr3_errors=None,
    )


def _findings_of_input(
    held: Path, work: Path, options: ScrubOptions | None, decisions: Decisions
) -> list[set[tuple[str, str]]]:
    """(edit, code) of the findings of each claim of the held input, from a scrub of it;
    ResolveError when that scrub rejects the file (nothing of it was wholly read)."""
    work.mkdir()
    # only read for its findings: the claim ledger records the re-scrub, not this
    result = scrub(
        held, dataclasses.replace(_scrub_options(options, work, decisions), ledger=False)
    )
    report_path = work / f"{output_stem(held)}.report.json"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    if result.status == "rejected":
        why = (report.get("rejection") or {}).get("message") or "it could not be read"
        raise ResolveError(f"{held.name} cannot be resolved: {why}")
    return [known_findings(entry, report) for entry in report.get("claims") or []]


def _warn_unknown(
    by_claim: dict[int, list[Decision]],
    known: list[set[tuple[str, str]]],
    outcomes: list[ClaimOutcome],
) -> None:
    """A decision on a finding the claim does not have is applied, but said."""
    for position, decisions in sorted(by_claim.items()):
        if position > len(known) or position > len(outcomes):
            continue
        for decision in decisions:
            if (decision.edit, normal_code(decision.code)) not in known[position - 1]:
                on = f" on {decision.code}" if decision.code else ""
                outcomes[position - 1].warnings.append(
                    f"the decision {decision.edit}{on} answers no finding of this claim: "
                    "applied all the same"
                )


def _first_pass(
    held: Path, by_claim: dict[int, list[Decision]], changed_path: Path
) -> tuple[list[ClaimOutcome], list[int]]:
    """Apply the decisions; write the claims they changed and that wait for nothing else."""
    outcomes: list[ClaimOutcome] = []
    sent: list[int] = []  # positions of the claims in the work file, in its order
    ids: dict[int, str] = {}
    changed = Output837(changed_path)
    try:
        for claims in _blocks(held):
            to_check: list[Claim] = []
            for claim in claims:
                position = len(outcomes) + 1
                ids[position] = claim.claim_id
                outcome = ClaimOutcome(position, claim.claim_id, claim.charge or ZERO)
                outcomes.append(outcome)
                mine = by_claim.get(position, [])
                applied = _apply(claim, mine)
                outcome.changes = applied.changes
                outcome.reasons = applied.waiting
                if applied.changed and not applied.waiting:
                    to_check.append(claim)
                    sent.append(position)
                elif not mine:
                    outcome.reasons.append("no decision yet")
                elif not applied.changed and not applied.waiting:
                    outcome.reasons.append("the decisions change nothing")
            changed.add(to_check)
        _check_ids(held, by_claim, ids)
        if changed.finish():
            changed.commit()
        else:
            changed.discard()
    except BaseException:
        changed.discard()
        raise
    return outcomes, sent


def _rescrub(
    path: Path,
    work: Path,
    sent: list[int],
    outcomes: list[ClaimOutcome],
    options: ScrubOptions | None,
    decisions: Decisions,
) -> None:
    opts = _scrub_options(options, work, decisions)
    result = scrub(path, opts)
    report = json.loads((work / "changed.report.json").read_text(encoding="utf-8"))
    entries = report.get("claims") or []
    if result.status == "rejected" or len(entries) != len(sent):
        why = (report.get("rejection") or {}).get("message") or "the re-scrub could not read it"
        for position in sent:
            outcomes[position - 1].reasons.append(f"re-scrub: {why}")
        return
    for position, entry in zip(sent, entries, strict=True):
        outcome = outcomes[position - 1]
        if entry["claim_id"] != outcome.claim_id:  # the work file keeps the held file's order
            raise AssertionError("re-scrub out of order")
        if entry["disposition"] in ("clean", "fixed"):
            outcome.outcome = "resolved"
            continue
        for finding in entry["findings"]:
            if finding.get("severity") == "error":
                outcome.reasons.append(
                    f"after the decision the re-scrub found {finding['edit']}: {finding['message']}"
                )
        if not outcome.reasons:
            outcome.reasons.append("the re-scrub held it")


def _second_pass(
    held: Path,
    by_claim: dict[int, list[Decision]],
    outcomes: list[ClaimOutcome],
    still_held: Output837,
) -> None:
    """Every claim the re-scrub did not pass, with the decisions applied, to the new held file."""
    position = 0
    for claims in _blocks(held):
        keep: list[Claim] = []
        for claim in claims:
            position += 1
            _apply(claim, by_claim.get(position, []))
            if outcomes[position - 1].outcome != "resolved":
                keep.append(claim)
        still_held.add(keep)
    if position != len(outcomes):
        raise ResolveError(f"{held.name} changed while it was being resolved")


def _write_report(result: ResolveResult, decisions: Decisions) -> None:
    data: dict[str, Any] = {
        "held_input": result.held_input.name,
        "held_sha256": sha256_of(result.held_input),
        "counts": result.counts,
        "charges": result.charges,
        "decisions": len(decisions.decisions),
        "claims": [o.as_json() for o in result.outcomes],
    }
    names = output_names(result.held_input, result.report.parent)
    data["outputs"] = {  # written before the 837s are renamed into place
        "resolved": names["resolved"].name if data["counts"]["resolved"] else None,
        "held": names["held"].name if data["counts"]["held"] else None,
    }
    tmp = temporary_name(result.report)
    with open_private(tmp) as out:
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")
    os.replace(tmp, result.report)
