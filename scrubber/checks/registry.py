"""Where check functions register: one function per edit id."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from scrubber.catalogue import EditSpec
from scrubber.findings import Finding
from scrubber.model import Claim

if TYPE_CHECKING:
    from scrubber.codesets.icd10cm import Icd10cm


@dataclass(slots=True)
class RunContext:
    """What every check may know about the run (not about output formats)."""

    run_date: date
    mode: str = "scrub"  # or "validate"
    edits: dict[str, EditSpec] = field(default_factory=dict)
    active: frozenset[str] = frozenset()
    _codes: Any = None
    notes: dict[str, Any] = field(default_factory=dict)

    def refined_codes(self, claim: Claim) -> dict[str, str]:
        """Non-billable codes that CTX002 settles on this claim (DX002 leaves them to it)."""
        if "CTX002" not in self.active:
            return {}
        from scrubber.checks.context import refinement

        return refinement(claim, self.edits["CTX002"].params)

    @property
    def codes(self) -> Icd10cm:
        if self._codes is None:
            from scrubber.codesets.icd10cm import load_icd10cm

            self._codes = load_icd10cm()
        return self._codes


@dataclass(slots=True)
class CheckContext:
    edit: EditSpec
    run: RunContext

    @property
    def params(self) -> dict[str, Any]:
        return self.edit.params

    def message(self, key: str = "default", **values: object) -> str:
        return self.edit.message(key, **values)

    @property
    def codes(self) -> Icd10cm:
        return self.run.codes


ClaimCheck = Callable[[Claim, CheckContext], Iterable[Finding]]
CLAIM_CHECKS: dict[str, ClaimCheck] = {}


def claim_check(edit_id: str) -> Callable[[ClaimCheck], ClaimCheck]:
    """Register a check for an edit of the catalogue."""

    def register(function: ClaimCheck) -> ClaimCheck:
        if edit_id in CLAIM_CHECKS:
            raise ValueError(f"two checks for {edit_id}")
        CLAIM_CHECKS[edit_id] = function
        return function

    return register
