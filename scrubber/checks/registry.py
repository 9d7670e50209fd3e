"""Where check functions register: one function per edit id."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from scrubber.catalogue import EditSpec
from scrubber.checks.common import icd10_codes, in_ranges
from scrubber.findings import Finding
from scrubber.model import Claim, Diagnosis

S = TypeVar("S")
T = TypeVar("T")

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
    #: the claim being checked, as (claim, its diagnoses list, content claims_started, facts):
    #: see :meth:`claim_facts`
    _claim_facts: tuple[Any, Any, int, ClaimFacts] | None = None
    #: (edits, active, {edit id: its refinements}) for the edits and active set it was made of
    _refiners: tuple[Any, Any, dict[str, list[tuple[str, EditSpec]]]] = field(
        default_factory=lambda: (None, None, {})
    )

    def refined_codes(self, claim: Claim, edit_id: str) -> dict[str, str]:
        """Codes of this claim that active refinements of ``edit_id`` settle ({code: the code
        that fits}): the refined edit leaves them to the refinement."""
        settled: dict[str, str] = {}
        for other, spec in self._refinements(edit_id):
            settled.update(SETTLERS[other](claim, spec.params))
        return settled

    def _refinements(self, edit_id: str) -> list[tuple[str, EditSpec]]:
        """The active refinements of an edit that settle codes, found once per edits/active
        (an engine sets both for its run)."""
        edits, active, known = self._refiners
        if edits is not self.edits or active is not self.active:
            edits, active, known = self._refiners = (self.edits, self.active, {})
        found = known.get(edit_id)
        if found is None:
            found = known[edit_id] = [
                (other, spec)
                for other, spec in edits.items()
                if spec.refines == edit_id and other in active and other in SETTLERS
            ]
        return found

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
        if day is not None:  # release_for without the tuple: checks ask this most
            index = self.content.icd10cm_for(day)[0]
            self.releases_used[index.release] = None
            return index
        return self.release_for(day)[0]

    def claim_facts(self, claim: Claim) -> ClaimFacts:
        """What the checks of one claim share (its ICD-10-CM codes, the releases judging each),
        derived once per claim instead of once per edit. Kept while the claim is the one
        being checked: a fix makes the claim read its diagnoses again (a new list), and the
        next claim of the content view (start_claim) starts a record of its own."""
        diagnoses = claim.diagnoses
        started = self.content.claims_started
        known = self._claim_facts
        if (
            known is not None
            and known[0] is claim
            and known[1] is diagnoses
            and known[2] == started
        ):
            return known[3]
        facts = ClaimFacts(self, claim)
        self._claim_facts = (claim, diagnoses, started, facts)
        return facts

    def code_set_names(self) -> str:
        """The releases used so far, oldest first ("" if none was)."""
        used = sorted(self.releases_used, key=lambda r: r.effective_from)
        return "; ".join(r.name for r in used)


class ClaimFacts:
    """Facts of one claim as it stands, for its checks (see :meth:`RunContext.claim_facts`)."""

    __slots__ = ("_claim", "_derived", "_first", "_icd10", "_judged", "_run")

    def __init__(self, run: RunContext, claim: Claim) -> None:
        self._run = run
        self._claim = claim
        self._icd10: list[Diagnosis] | None = None
        self._judged: dict[int, list[tuple[date | None, Icd10cm]]] = {}
        self._first: dict[int, Icd10cm] = {}
        self._derived: dict[str, Any] = {}

    def derive(self, name: str, make: Callable[[Claim], T]) -> T:
        """``make(claim)`` once per claim: a fact several edits read (``make`` reads the claim
        and nothing else; the answer is shared, read-only)."""
        try:
            found: T = self._derived[name]
        except KeyError:
            found = self._derived[name] = make(self._claim)
        return found

    @property
    def icd10_codes(self) -> list[Diagnosis]:
        """:func:`scrubber.checks.common.icd10_codes` of the claim (read-only)."""
        if self._icd10 is None:
            self._icd10 = icd10_codes(self._claim)
        return self._icd10

    def first(self, diagnosis: Diagnosis) -> Icd10cm:
        """The release that judges the diagnosis on its first date (asks the run of that date
        only: the content view records what was asked)."""
        found = self._first.get(diagnosis.position)
        if found is None:
            known = self._judged.get(diagnosis.position)
            if known is not None:
                found = known[0][1]
            else:
                found = self._run.codes_for(self._claim.diagnosis_date(diagnosis.position))
            self._first[diagnosis.position] = found
        return found

    def judged(self, diagnosis: Diagnosis) -> list[tuple[date | None, Icd10cm]]:
        """Each release that judges the diagnosis with the first date it judges it on,
        in date order (read-only). Asked of the run once per claim and position."""
        found = self._judged.get(diagnosis.position)
        if found is None:
            codes_for = self._run.codes_for
            days = self._claim.diagnosis_dates(diagnosis.position)
            if len(days) == 1:
                found = [(days[0], codes_for(days[0]))]
            else:
                seen: dict[int, tuple[date | None, Icd10cm]] = {}
                for day in days:
                    index = codes_for(day)
                    seen.setdefault(id(index), (day, index))
                found = list(seen.values())
            self._judged[diagnosis.position] = found
        return found


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
    #: facts an edit derives from its params or a shared list, for the life of the run (see
    #: :meth:`derived`)
    _derived: dict[str, tuple[object, Any]] = field(default_factory=dict)

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

    def derived(self, name: str, source: S, make: Callable[[S], T]) -> T:
        """``make(source)``, computed once and kept while ``source`` is the same object: a
        lookup built from this edit's params or a shared list (as the profile left them) is
        built once per run, not once per claim. Keep ``make`` a pure function of ``source``."""
        known = self._derived.get(name)
        if known is None or known[0] is not source:
            known = self._derived[name] = (source, make(source))
        return known[1]

    def memo(self, name: str, source: object) -> dict[Any, Any]:
        """A dict for this edit's verdicts derived from ``source`` (a list of its params or a
        shared list), kept for the run while ``source`` is the same object: a file repeats
        the same few codes on thousands of claims."""
        return self.derived(name, source, _new_memo)

    def in_ranges(self, code: str, ranges: Sequence[str], name: str) -> bool:
        """:func:`scrubber.checks.common.in_ranges` for a list of this edit's params or a
        shared list (``name`` says which), each code judged once per run."""
        seen = self.memo(f"in_ranges {name}", ranges)
        found = seen.get(code)
        if found is None:
            found = seen[code] = in_ranges(code, ranges)
        return found

    def per_release(
        self, name: str, index: Icd10cm, code: str, judge: Callable[[Icd10cm, str], T]
    ) -> T:
        """``judge(index, code)``, a verdict of this edit on one code in one release, computed
        once per run: ``judge`` may read the code, the release and this edit's params, nothing
        of the claim. Treat the verdict as read-only (it is shared)."""
        seen = self.memo(name, self.edit)
        key = (id(index), code)
        try:
            verdict: T = seen[key][1]
        except KeyError:
            verdict = judge(index, code)
            seen[key] = (index, verdict)  # holding the index keeps its id its own
        return verdict

    def per_claim(self, claim: Claim, name: str, make: Callable[[Claim], T]) -> T:
        """``make(claim)``, derived once per claim for all edits (see :meth:`ClaimFacts.derive`;
        ``name`` says what it is, the same name always with the same ``make``)."""
        return self.run.claim_facts(claim).derive(name, make)

    def icd10_codes(self, claim: Claim) -> list[Diagnosis]:
        """The claim's diagnoses sent as ICD-10-CM, found once per claim (read-only)."""
        return self.run.claim_facts(claim).icd10_codes

    def codes_on(self, claim: Claim, diagnosis: Diagnosis) -> Icd10cm:
        """The release that judges one diagnosis of a claim (see :func:`diagnosis_date`)."""
        return self.run.claim_facts(claim).first(diagnosis)

    def codes_on_each(
        self, claim: Claim, diagnosis: Diagnosis
    ) -> list[tuple[date | None, Icd10cm]]:
        """Each release that judges a diagnosis, with the first date it judges it on: a code
        on lines either side of October 1 is judged by both fiscal years (read-only)."""
        return self.run.claim_facts(claim).judged(diagnosis)


def _new_memo(_source: object) -> dict[Any, Any]:
    return {}


ClaimCheck = Callable[[Claim, CheckContext], Iterable[Finding]]
CLAIM_CHECKS: dict[str, ClaimCheck] = {}


F = TypeVar("F")

#: What an edit that refines another (``refines = "DX002"`` in its TOML) settles on a claim:
#: {code: the code that fits}, from the claim and the refining edit's params.
Settler = Callable[[Claim, dict[str, Any]], dict[str, str]]
SETTLERS: dict[str, Settler] = {}


#: checks that need the claims before in the file (run in file order on each claim as it
#: was finally fixed, never in another process; they offer no fixes and ask no content)
IN_FILE_ORDER: set[str] = set()
#: edits said once per file: on the first claim (in file order) whose check has them
ONCE_PER_FILE: set[str] = set()


def claim_check(
    edit_id: str, *, in_file_order: bool = False, once_per_file: bool = False
) -> Callable[[ClaimCheck], ClaimCheck]:
    """Register a check for an edit of the catalogue. A check that remembers claims before
    the one in hand says so (`in_file_order`), so that the claims of a large file can be
    checked in two processes and still be judged alike; `once_per_file` keeps an edit's
    findings on the first claim that has them. An `in_file_order` check must not ask the
    content view (ctx.run.content, codes_on, codes_on_each): it runs when the claim is
    decided, after the claim's content log was taken, and what it asked would be recorded
    against another claim."""
    if in_file_order:
        IN_FILE_ORDER.add(edit_id)
    if once_per_file:
        ONCE_PER_FILE.add(edit_id)
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
