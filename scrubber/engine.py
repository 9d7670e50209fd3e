"""Runs the catalogue's checks on a claim, applies the fixes allowed, decides the disposition."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

from scrubber.catalogue import EditSpec, Profile, check_selection, load_catalogue, selected
from scrubber.checks import CLAIM_CHECKS, IN_FILE_ORDER, ONCE_PER_FILE, CheckContext, RunContext
from scrubber.findings import Finding
from scrubber.model import Claim

Disposition = Literal["clean", "fixed", "held"]
log = logging.getLogger("scrub837")
MAX_FIX_ROUNDS = 20  # a fix can reveal another; this bounds a fix that keeps re-firing


@dataclass(slots=True)
class ClaimResult:
    claim: Claim
    findings: list[Finding]
    disposition: Disposition
    file_findings: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class CheckedClaim:
    """A claim's checks as run, here or in another process (scrubber.check_worker): the
    findings whose fixes were applied, in order, and the findings of the last round."""

    applied: list[Finding]
    findings: list[Finding]


class Engine:
    """The edits of one run, as a profile and --select/--ignore leave them."""

    def __init__(
        self,
        profile: Profile,
        run: RunContext,
        *,
        select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
        unsafe_fixes: bool = False,
    ) -> None:
        check_selection(select, ignore)  # an unknown id or an ignored guard: a usage error
        self.profile = profile
        self.edits = profile.edits
        self.unsafe_fixes = unsafe_fixes
        self.active = frozenset(
            edit_id
            for edit_id, spec in self.edits.items()
            if spec.enabled
            and selected(edit_id, select, ignore)
            and (spec.refines is None or self._base_on(spec.refines, ignore))
        )
        catalogue = load_catalogue()
        self.regraded = frozenset(
            edit_id
            for edit_id, spec in self.edits.items()
            if spec.severity != catalogue[edit_id].severity
        )
        run.edits = self.edits
        run.lists = profile.lists
        run.active = self.active
        self.run = run
        checks = [
            (CLAIM_CHECKS[edit_id], CheckContext(spec, run))
            for edit_id, spec in self.edits.items()
            if edit_id in self.active and spec.kind == "claim" and edit_id in CLAIM_CHECKS
        ]
        # a claim's findings stand in the order of the checks, wherever a check ran
        self._position = {ctx.edit.id: i for i, (_check, ctx) in enumerate(checks)}
        self.checks = [(c, ctx) for c, ctx in checks if ctx.edit.id not in IN_FILE_ORDER]
        self.in_file_order = [(c, ctx) for c, ctx in checks if ctx.edit.id in IN_FILE_ORDER]
        self.once_per_file = frozenset(self.active & ONCE_PER_FILE)

    def _base_on(self, edit_id: str, ignore: tuple[str, ...]) -> bool:
        """A refinement is off when the edit it refines is ignored or switched off (it is not
        switched off by a --select that names the refinement alone)."""
        return self.edits[edit_id].enabled and selected(edit_id, (), ignore)

    def is_active(self, edit_id: str) -> bool:
        return edit_id in self.active

    def stamp(self, finding: Finding, edit_id: str) -> Finding:
        """Set edit id and severity. A check may decide the severity case by case (THR002,
        HL001) unless the profile set one of its own, which then wins."""
        finding.edit = edit_id
        spec = self.edits[edit_id]
        if finding.severity is None or edit_id in self.regraded:
            finding.severity = spec.severity
        if self.run.mode == "validate" and "severity_in_validate" in spec.params:
            finding.severity = spec.params["severity_in_validate"]
        return finding

    def spec(self, edit_id: str) -> EditSpec:
        return self.edits[edit_id]

    def _run_checks(self, claim: Claim) -> list[Finding]:
        findings: list[Finding] = []
        for check, ctx in self.checks:
            for finding in check(claim, ctx):
                findings.append(self.stamp(finding, ctx.edit.id))
        return findings

    def _allowed(self, finding: Finding, claim: Claim) -> bool:
        """A fix we may apply and that changes something (a fix that would leave the text as
        it is must not be applied, or counted, again and again)."""
        fix = finding.fix
        if fix is None or not (fix.safety == "safe" or self.unsafe_fixes):
            return False
        return any((claim.segment(s.number) or s).text != s.text for s in fix.changes)

    def scrub_claim(self, claim: Claim, extra: list[Finding] | None = None) -> ClaimResult:
        """Check, fix what is allowed (re-checking after each fix), and decide."""
        return self.decide(claim, self.check_claim(claim), extra)

    def check_claim(self, claim: Claim) -> CheckedClaim:
        """The checks that need no other claim, with the fixes allowed (re-checking after
        each fix): what may run in another process."""
        applied: list[Finding] = []
        findings = self._run_checks(claim)
        for _ in range(MAX_FIX_ROUNDS):
            fixable = next((f for f in findings if self._allowed(f, claim)), None)
            if fixable is None or fixable.fix is None:
                break
            fix = fixable.fix
            fix.before = "\n".join((claim.segment(s.number) or s).text for s in fix.changes)
            for segment in fix.changes:
                claim.replace(segment)
            fix.after = "\n".join(s.text for s in fix.changes)
            fix.applied = True
            if fix.safety == "unsafe":  # claim id and edit only: never the codes themselves
                log.warning("unsafe fix %s applied to claim %s", fixable.edit, claim.claim_id)
            applied.append(fixable)
            findings = self._run_checks(claim)
        return CheckedClaim(applied, findings)

    def decide(
        self, claim: Claim, checked: CheckedClaim, extra: list[Finding] | None = None
    ) -> ClaimResult:
        """In file order, on the claim as fixed: the checks that know the claims before it,
        the edits said once per file, and the disposition."""
        findings = checked.findings
        known = [
            self.stamp(finding, ctx.edit.id)
            for check, ctx in self.in_file_order
            for finding in check(claim, ctx)
        ]
        if known:
            position = self._position
            findings = sorted(findings + known, key=lambda f: position[f.edit])
        if self.once_per_file:
            findings = self._said_once(claim, findings)
        applied = checked.applied
        remaining = findings + list(extra or [])
        everything = applied + remaining
        if any(f.severity == "error" for f in remaining):
            disposition: Disposition = "held"
        elif applied:
            disposition = "fixed"
        else:
            disposition = "clean"
        return ClaimResult(claim, everything, disposition)

    def _said_once(self, claim: Claim, findings: list[Finding]) -> list[Finding]:
        """An edit said once per file stays on the first claim that has it (also when that
        claim is checked again), and leaves the later ones."""
        said: dict[str, int] = self.run.notes.setdefault("said once", {})
        number = claim.clm.number
        kept = []
        for finding in findings:
            edit = finding.edit
            if edit in self.once_per_file and said.setdefault(edit, number) != number:
                continue
            kept.append(finding)
        return kept
