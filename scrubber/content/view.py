"""One run's view of the content: the store's releases plus the run's own additions (--code-set,
--ncci), the release of each kind in force on a date of service, and a record of which release
served each claim (or that none did) for the reports."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from scrubber.content.release import (
    KINDS,
    CoverageRelease,
    Icd10cmRelease,
    MergedCoverage,
    Release,
)
from scrubber.content.store import Gap, cut, gaps
from scrubber.content.tally import ContentTally

if TYPE_CHECKING:
    from scrubber.codesets.icd10cm import Icd10cm
    from scrubber.codesets.releases import CodeSets

__all__ = ["ContentView", "packaged_icd10cm"]


@functools.cache
def _packaged_period() -> tuple[str, date, date | None]:
    from scrubber.codesets.cache import packaged_sources
    from scrubber.codesets.releases import release_from_name

    release = release_from_name(packaged_sources()[0])
    if release is None:  # a package whose file name states no date: ask the index itself
        from scrubber.codesets.cache import load_icd10cm

        release = load_icd10cm().release
    return release.name, release.effective_from, release.effective_to


def packaged_icd10cm() -> Icd10cmRelease:
    """The ICD-10-CM release shipped in the simple-icd-10-cm package (the built-in default),
    dated without opening it."""
    from scrubber.codesets.cache import load_icd10cm

    name, start, end = _packaged_period()
    return Icd10cmRelease(
        kind="icd10cm",
        name=name,
        effective_from=start,
        effective_to=end,
        source="simple-icd-10-cm (packaged)",
        sha256="",
        installed=None,
        origin="builtin",
        loader=load_icd10cm,
        id="icd10cm-builtin",
    )


def icd10cm_release(index: Icd10cm, source: str, origin: str = "run") -> Icd10cmRelease:
    """A release for an index already open (a --code-set file)."""
    r = index.release
    return Icd10cmRelease(
        kind="icd10cm",
        name=r.name,
        effective_from=r.effective_from,
        effective_to=r.effective_to,
        source=source,
        sha256="",
        installed=None,
        origin=origin,
        loader=lambda: index,
    )


class ContentView:
    """Releases by kind for one run (see the module notes)."""

    def __init__(self, releases: Iterable[Release] = (), *, builtin: bool = True) -> None:
        by_kind: dict[str, list[Release]] = {kind: [] for kind in KINDS}
        if builtin:
            by_kind["icd10cm"].append(packaged_icd10cm())
        for release in releases:
            by_kind[release.kind].append(release)
        # a later release with the same start replaces an earlier one (one-run additions come
        # last, so they win over the store)
        self._by_kind: dict[str, list[Release]] = {}
        for kind, found in by_kind.items():
            if kind == "coverage":
                self._by_kind[kind] = found
                continue
            by_start = {r.effective_from: r for r in found}
            self._by_kind[kind] = cut(list(by_start.values()))
        self._code_sets: CodeSets | None = None
        self._icd_by_day: dict[date, tuple[Release, Icd10cm, bool]] = {}
        # (kind, day) already recorded for the current claim: recording again changes nothing
        # (the release of a kind on a day is fixed for the run), and checks ask many times
        self._recorded: set[tuple[str, date | None]] = set()
        self._found: dict[tuple[str, date | None], Release | None] = {}
        #: what the claim in hand asked, first time each: ("release" | "icd10cm_for", kind,
        #: day). A log, not Release objects: another process's log replays here (see tally)
        self._log: list[tuple[str, str, date | None]] = []
        self._claim_id = ""
        #: how many claims started: what a claim's checks remember is for one claim's record
        self.claims_started = 0
        #: the run's record, claim by claim in file order, for the reports
        self.tally = ContentTally(self)

    # -- what the checks ask
    def releases(self, kind: str) -> list[Release]:
        return list(self._by_kind.get(kind, []))

    def release(self, kind: str, day: date | None) -> Release | None:
        """The release of the kind in force on the date of service, or None: no installed
        release covers that day, and the caller must say so (never pass). Without a date:
        the newest release."""
        key = (kind, day)
        try:
            found = self._found[key]
        except KeyError:
            found = self.found(kind, day)
        if key not in self._recorded:
            self._recorded.add(key)
            self._log.append(("release", kind, day))
        return found

    def found(self, kind: str, day: date | None) -> Release | None:
        """What :meth:`release` answers, without recording it for the claim in hand."""
        key = (kind, day)
        try:
            return self._found[key]
        except KeyError:
            if kind not in self._by_kind:
                raise ValueError(
                    f"unknown content kind {kind!r} (one of {', '.join(KINDS)})"
                ) from None
            # the lists in force on a day are fixed for the run: a merged coverage release
            # is built (and its rules gathered) once per day, not once per line
            found = self._found[key] = self._find(kind, day)
            return found

    def _find(self, kind: str, day: date | None) -> Release | None:
        candidates = self._by_kind[kind]
        if day is None:
            return candidates[-1] if candidates else None
        if kind == "coverage":
            parts = [r for r in candidates if r.covers(day) and isinstance(r, CoverageRelease)]
            if not parts:
                return None
            return parts[0] if len(parts) == 1 else MergedCoverage(parts)
        for release in candidates:
            if release.covers(day):
                return release
        return None

    @property
    def code_sets(self) -> CodeSets:
        """The ICD-10-CM releases as :class:`CodeSets` (each opened on first use)."""
        if self._code_sets is None:
            from scrubber.codesets.icd10cm import CodeSetRelease
            from scrubber.codesets.releases import CodeSets, PendingIndex

            entries = [
                PendingIndex(
                    CodeSetRelease(r.name, r.effective_from, r.effective_to),
                    lambda r=r: r.data,  # type: ignore[misc]
                )
                for r in self._by_kind["icd10cm"]
            ]
            self._code_sets = CodeSets(entries)
        return self._code_sets

    def icd10cm_for(self, day: date) -> tuple[Icd10cm, bool]:
        """The ICD-10-CM index in force on the day and True, else the nearest and False
        (DX010); recorded for the claim either way."""
        _release, index, covered = self._icd10cm(day)
        # a key of its own: unlike release("icd10cm", day), this records the nearest release
        if ("icd10cm_for", day) not in self._recorded:
            self._recorded.add(("icd10cm_for", day))
            self._log.append(("icd10cm_for", "icd10cm", day))
        return index, covered

    def _icd10cm(self, day: date) -> tuple[Release, Icd10cm, bool]:
        known = self._icd_by_day.get(day)
        if known is None:  # a file holds a few dates, asked about many times
            sets = self.code_sets
            i, covered = sets.release_for(day)
            index, _covered = sets.for_date(day)
            known = self._icd_by_day[day] = (self._by_kind["icd10cm"][i], index, covered)
        return known

    def served(
        self, how: str, kind: str, day: date | None
    ) -> tuple[Release | None, Release | None]:
        """A logged question's answer as (the release that served, the nearest release that
        judged instead): what the tally records for it."""
        if how == "icd10cm_for" and day is not None:
            release, _index, covered = self._icd10cm(day)
            return (release if covered else None), release
        return self.found(kind, day), None

    # -- the record per claim
    def start_claim(self, claim_id: str = "") -> None:
        """A new claim's record begins (the last one's, if nobody took it, goes to the tally)."""
        if self._log:
            self.tally.add(self._claim_id, self._log)
        self._log = []
        self._claim_id = claim_id
        self._recorded = set()
        self.claims_started += 1

    def take_log(self) -> list[tuple[str, str, date | None]]:
        """What the claim in hand asked, for :meth:`ContentTally.add` in file order."""
        log, self._log = self._log, []
        return log

    # -- the report head
    def gaps(self, kind: str) -> list[Gap]:
        return gaps(kind, self._by_kind.get(kind, []))

    def head(self) -> dict[str, Any]:
        """Releases used, and per kind the uncovered dates of service with the command that
        installs the missing release (see :meth:`ContentTally.head`)."""
        if self._log:
            self.tally.add(self._claim_id, self.take_log())
        return self.tally.head()
