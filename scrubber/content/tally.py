"""The run's record of content use, fed claim by claim in file order: which release of each
kind served each claim (the JSON report's per-claim ``content``), the releases used (the report
head), and the dates of service no release covered with how many claims had them.

A claim's checks leave a log in the content view (what they asked, first time each); the
pipeline hands the logs here in file order, whichever process checked the claim, so the record
is the same for a run in one process and a run that checks claims in two."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from scrubber.content.release import KINDS
from scrubber.seen_ids import SeenIds

if TYPE_CHECKING:
    from scrubber.content.release import Release
    from scrubber.content.view import ContentView

__all__ = ["ContentTally", "Log"]

Log = Iterable[tuple[str, str, date | None]]
MEMO_LOGS = 4096  # distinct logs remembered (a file's claims ask about a few dates)


class ContentTally:
    def __init__(self, view: ContentView) -> None:
        self._view = view
        #: releases that served some claim of the run, for the report head
        self.used: dict[tuple[str, str], Release] = {}
        #: per kind: the dates of service no release covered, and how many claims had them
        #: (claims told apart by id, as many as a file holds: the ids are kept mostly on disk)
        self.uncovered: dict[str, dict[date, None]] = {}
        self._uncovered_claims: dict[str, int] = {}
        self._uncovered_ids = SeenIds()  # claim id -> the kinds it was counted for (bits)
        self._kind_bits: dict[str, int] = {}
        self._nearest: dict[str, dict[str, None]] = {}
        self._by_log: dict[tuple[Any, ...], tuple[dict[str, Any], list[str]]] = {}

    def add(self, claim_id: str, log: Log) -> dict[str, Any]:
        """Record one claim's log; its ``content``: which release of each kind served it, the
        dates no release covered, the release that judged instead (checked_with)."""
        key = tuple(log)
        known = self._by_log.get(key)
        if known is None:  # (claims of a file mostly ask alike: a log is replayed once)
            known = self._replay(key)
            if len(self._by_log) < MEMO_LOGS:
                self._by_log[key] = known
        content, uncovered_kinds = known
        counted = -1  # the kinds the claim's id was counted for (-1: not looked up yet)
        for kind in uncovered_kinds:
            counted = self._count_uncovered(claim_id, kind, counted)
        return {
            kind: {
                **entry,
                "releases": list(entry["releases"]),
                "uncovered": list(entry["uncovered"]),
            }
            for kind, entry in content.items()
        }

    def _replay(
        self, log: tuple[tuple[str, str, date | None], ...]
    ) -> tuple[dict[str, Any], list[str]]:
        """A log's content and the kinds it has uncovered days of; the run's releases used,
        nearest releases and uncovered days updated."""
        claim: dict[str, dict[str, Any]] = {}
        uncovered_kinds: list[str] = []
        for how, kind, day in log:
            release, nearest = self._view.served(how, kind, day)
            entry = claim.get(kind)
            if entry is None:
                entry = claim[kind] = {"releases": [], "uncovered": []}
            if release is not None:
                if release.name not in entry["releases"]:
                    entry["releases"].append(release.name)
                self.used[(kind, release.name)] = release
                continue
            if nearest is not None:
                entry.setdefault("checked_with", nearest.name)
                self.used[(kind, nearest.name)] = nearest
                self._nearest.setdefault(kind, {})[nearest.name] = None
            if day is not None:
                if day.isoformat() not in entry["uncovered"]:
                    entry["uncovered"].append(day.isoformat())
                self.uncovered.setdefault(kind, {})[day] = None
                if kind not in uncovered_kinds:
                    uncovered_kinds.append(kind)
        return {kind: claim[kind] for kind in KINDS if kind in claim}, uncovered_kinds

    def _count_uncovered(self, claim_id: str, kind: str, counted: int) -> int:
        """Count the claim for the kind, unless a claim with its id was counted already."""
        bit = 1 << self._kind_bits.setdefault(kind, len(self._kind_bits))
        if counted < 0:  # once per claim: what its id was counted for before
            counted = self._uncovered_ids.get(claim_id) or 0
        if counted & bit:
            return counted
        counted |= bit
        self._uncovered_ids.set(claim_id, counted)
        self._uncovered_claims[kind] = self._uncovered_claims.get(kind, 0) + 1
        return counted

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
