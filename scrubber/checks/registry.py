"""Where check functions register: one function per edit id."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from scrubber.catalogue import EditSpec
from scrubber.findings import Finding
from scrubber.model import Claim, Diagnosis

if TYPE_CHECKING:
    from scrubber.codesets.icd10cm import CodeSetRelease, Icd10cm
    from scrubber.codesets.releases import CodeSets
    from scrubber.content.view import ContentView


def _builtin_content() -> ContentView:
    from scrubber.content.view import ContentView

    return ContentView()


@dataclass(slots=True)
class RunContext:
    """What every check may know about the run (not about output formats)."""

    run_date: date
    mode: str = "scrub"  # or "validate"
    edits: dict[str, EditSpec] = field(default_factory=dict)
    active: frozenset[str] = frozenset()
    _codes: Any = None
    notes: dict[str, Any] = field(default_factory=dict)
    #: The run's view of the content store: ``content.release(kind, day)`` is the release of
    #: a kind in force on a date of service, or None (say so: no data is never a pass).
    content: ContentView = field(default_factory=_builtin_content)
    #: Releases that judged something in this run, for the report head.
    releases_used: dict[CodeSetRelease, None] = field(default_factory=dict)
    #: The shared code lists of edits/lists/ as the profile leaves them (by name).
    lists: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: release_for without a date (the default release), kept once
    _by_day: dict[date | None, tuple[Icd10cm, bool]] = field(default_factory=dict)

    def refined_codes(self, claim: Claim, edit_id: str) -> dict[str, str]:
        """Codes of this claim that active refinements of ``edit_id`` settle ({code: the code
        that fits}): the refined edit leaves them to the refinement."""
        settled: dict[str, str] = {}
        for other, spec in self.edits.items():
            if spec.refines == edit_id and other in self.active and other in SETTLERS:
                settled.update(SETTLERS[other](claim, spec.params))
        return settled

    @property
    def codes(self) -> Icd10cm:
        """The default release: the newest installed one (the packaged one unless a later
        release was added). Checks that know a date of service use :meth:`codes_for`."""
        if self._codes is None:
            self._codes = self.content.code_sets.newest
        return self._codes

    @property
    def code_sets(self) -> CodeSets:
        """The ICD-10-CM releases by date of service (the packaged one and any installed)."""
        return self.content.code_sets

    def release_for(self, day: date | None) -> tuple[Icd10cm, bool]:
        """The release in force on a date of service and True, else the nearest release and
        False (DX010). No date: the default release, counted as covering."""
        if day is not None:
            # the content view memoizes the look-up, and records it for the claim every time
            index, covered = self.content.icd10cm_for(day)
            self.releases_used[index.release] = None
            return index, covered
        known = self._by_day.get(day)
        if known is None:
            known = self._by_day[day] = (self.codes, True)
            self.releases_used[self.codes.release] = None
        return known

    def codes_for(self, day: date | None) -> Icd10cm:
        """The release that judges codes on a date of service (see :meth:`release_for`)."""
        return self.release_for(day)[0]

    def code_set_names(self) -> str:
        """The releases used so far, oldest first ("" if none was)."""
        used = sorted(self.releases_used, key=lambda r: r.effective_from)
        return "; ".join(r.name for r in used)


def diagnosis_date(claim: Claim, diagnosis: Diagnosis) -> date | None:
    """The date a diagnosis is judged on: the earliest date of service of the lines that point
    to it, else the claim's earliest date of service (derived once per claim)."""
    return claim.diagnosis_date(diagnosis.position)


def diagnosis_dates(claim: Claim, diagnosis: Diagnosis) -> list[date | None]:
    """Every date a diagnosis is judged on: the dates of service of the lines that point to it
    (earliest first), else the claim's earliest date of service (derived once per claim)."""
    return claim.diagnosis_dates(diagnosis.position)


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

    def refined_codes(self, claim: Claim) -> dict[str, str]:
        """Codes of this claim that refinements of this edit settle (see RunContext)."""
        return self.run.refined_codes(claim, self.edit.id)

    def code_list(self, name: str) -> dict[str, Any]:
        """A shared list of edits/lists/ (as the profile changed it)."""
        if not self.run.lists:
            from scrubber.catalogue import data_dir
            from scrubber.codelists import load_lists

            self.run.lists = load_lists(data_dir("edits"))
        return self.run.lists[name]

    def codes_on(self, claim: Claim, diagnosis: Diagnosis) -> Icd10cm:
        """The release that judges one diagnosis of a claim (see :func:`diagnosis_date`)."""
        return self.run.codes_for(diagnosis_date(claim, diagnosis))

    def codes_on_each(
        self, claim: Claim, diagnosis: Diagnosis
    ) -> list[tuple[date | None, Icd10cm]]:
        """Each release that judges a diagnosis, with the first date it judges it on: a code
        on lines either side of October 1 is judged by both fiscal years."""
        seen: dict[int, tuple[date | None, Icd10cm]] = {}
        for day in diagnosis_dates(claim, diagnosis):
            index = self.run.codes_for(day)
            seen.setdefault(id(index), (day, index))
        return list(seen.values())


ClaimCheck = Callable[[Claim, CheckContext], Iterable[Finding]]
CLAIM_CHECKS: dict[str, ClaimCheck] = {}


F = TypeVar("F")

#: What an edit that refines another (``refines = "DX002"`` in its TOML) settles on a claim:
#: {code: the code that fits}, from the claim and the refining edit's params.
Settler = Callable[[Claim, dict[str, Any]], dict[str, str]]
SETTLERS: dict[str, Settler] = {}


def claim_check(edit_id: str) -> Callable[[ClaimCheck], ClaimCheck]:
    """Register a check for an edit of the catalogue."""
    return _register(CLAIM_CHECKS, edit_id, "check")


def settles(edit_id: str) -> Callable[[Settler], Settler]:
    """Register what a refining edit settles (the edit it refines is named in its TOML)."""
    return _register(SETTLERS, edit_id, "settler")


def _register(table: dict[str, F], edit_id: str, what: str) -> Callable[[F], F]:
    def register(function: F) -> F:
        if edit_id in table:
            raise ValueError(f"two {what}s for {edit_id}")
        table[edit_id] = function
        return function

    return register
