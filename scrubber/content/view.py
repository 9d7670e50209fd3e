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
from scrubber.seen_ids import SeenIds

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
        self._claim: dict[str, dict[str, Any]] = {}
        #: releases that served some claim of the run, for the report head
        self.used: dict[tuple[str, str], Release] = {}
        #: per kind: the dates of service no release covered, and how many claims had them
        #: (claims told apart by id, as many as a file holds: the ids are kept mostly on disk)
        self.uncovered: dict[str, dict[date, None]] = {}
        self._uncovered_claims: dict[str, int] = {}
        self._uncovered_ids = SeenIds()  # claim id -> the kinds it was counted for (bits)
        self._kind_bits: dict[str, int] = {}
        self._claim_id = ""
        self._claim_kinds = -1  # the bits of the claim in hand's id (-1: not looked up yet)
        self._nearest: dict[str, dict[str, None]] = {}
        self._icd_by_day: dict[date, tuple[Release, Icd10cm, bool]] = {}
        # (kind, day) already recorded for the current claim: recording again changes nothing
        # (the release of a kind on a day is fixed for the run), and checks ask many times
        self._recorded: set[tuple[str, date | None]] = set()
        self._found: dict[tuple[str, date | None], Release | None] = {}
        #: how many claims started: what a claim's checks remember is for one claim's record
        self.claims_started = 0

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
            if kind not in self._by_kind:
                raise ValueError(
                    f"unknown content kind {kind!r} (one of {', '.join(KINDS)})"
                ) from None
            # the lists in force on a day are fixed for the run: a merged coverage release
            # is built (and its rules gathered) once per day, not once per line
            found = self._found[key] = self._find(kind, day)
        if key not in self._recorded:
            self._recorded.add(key)
            self._record(kind, day, found)
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
        known = self._icd_by_day.get(day)
        if known is None:  # a file holds a few dates, asked about many times
            sets = self.code_sets
            i, covered = sets.release_for(day)
            index, _covered = sets.for_date(day)
            known = self._icd_by_day[day] = (self._by_kind["icd10cm"][i], index, covered)
        release, index, covered = known
        # a key of its own: unlike release("icd10cm", day), this records the nearest release
        if ("icd10cm_for", day) not in self._recorded:
            self._recorded.add(("icd10cm_for", day))
            self._record("icd10cm", day, release if covered else None, nearest=release)
        return index, covered

    # -- the record per claim
    def start_claim(self, claim_id: str = "") -> None:
        self._claim = {}
        self._claim_id = claim_id
        self._recorded = set()
        self.claims_started += 1
        self._claim_kinds = -1

    def _record(
        self, kind: str, day: date | None, release: Release | None, nearest: Release | None = None
    ) -> None:
        entry = self._claim.get(kind)
        if entry is None:
            entry = self._claim[kind] = {"releases": [], "uncovered": []}
        if release is not None:
            if release.name not in entry["releases"]:
                entry["releases"].append(release.name)
            self.used[(kind, release.name)] = release
            return
        if nearest is not None:
            entry.setdefault("checked_with", nearest.name)
            self.used[(kind, nearest.name)] = nearest
            self._nearest.setdefault(kind, {})[nearest.name] = None
        if day is not None:
            if day.isoformat() not in entry["uncovered"]:
                entry["uncovered"].append(day.isoformat())
            self.uncovered.setdefault(kind, {})[day] = None
            self._count_uncovered(kind)

    def _count_uncovered(self, kind: str) -> None:
        """Count the claim for the kind, unless a claim with its id was counted already."""
        bit = 1 << self._kind_bits.setdefault(kind, len(self._kind_bits))
        if self._claim_kinds < 0:  # once per claim: what its id was counted for before
            self._claim_kinds = self._uncovered_ids.get(self._claim_id) or 0
        if self._claim_kinds & bit:
            return
        self._claim_kinds |= bit
        self._uncovered_ids.set(self._claim_id, self._claim_kinds)
        self._uncovered_claims[kind] = self._uncovered_claims.get(kind, 0) + 1

    def claim_content(self) -> dict[str, Any]:
        """Which release of each kind served the claim since :meth:`start_claim`, and the
        dates no release covered: the JSON report's per-claim ``content``."""
        return {kind: self._claim[kind] for kind in KINDS if kind in self._claim}

    # -- the report head
    def gaps(self, kind: str) -> list[Gap]:
        return gaps(kind, self._by_kind.get(kind, []))

    def head(self) -> dict[str, Any]:
        """Releases used, and per kind the uncovered dates of service with the command that
        installs the missing release."""
        from scrubber.content.advice import install_command

        used = sorted(self.used.values(), key=lambda r: (KINDS.index(r.kind), r.effective_from))
        missing = []
        for kind, days in self.uncovered.items():
            first, last = min(days), max(days)
            missing.append(
                {
                    "kind": kind,
                    "first": first.isoformat(),
                    "last": last.isoformat(),
                    "claims": self._uncovered_claims[kind],
                    "checked_with": list(self._nearest.get(kind, {})),
                    "command": install_command(kind, first),
                }
            )
        missing.sort(key=lambda m: KINDS.index(m["kind"]))
        return {"releases": [r.describe() for r in used], "uncovered": missing}
