"""Releases of dated content: what each kind answers (HCPCS, CPT, MUE, PTP, coverage, CARC/RARC,
ICD-10-CM), each with its effective period and where it came from.

A release's data is read on first use from its index (built once, when it was installed), so a
store of many releases costs nothing until a claim's date needs one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from scrubber.ncci import PtpEdit, PtpTable

if TYPE_CHECKING:
    from scrubber.codesets.icd10cm import Icd10cm

__all__ = [
    "KINDS",
    "CodeListRelease",
    "CoverageRelease",
    "CoverageRule",
    "CptRelease",
    "HcpcsRelease",
    "Icd10cmRelease",
    "MueLimit",
    "MueRelease",
    "PtpRelease",
    "Release",
]

#: Every kind of content, in the order `content list` shows them.
KINDS = ("icd10cm", "hcpcs", "cpt", "ptp", "mue", "coverage", "carc", "rarc")

KIND_TITLES = {
    "icd10cm": "ICD-10-CM",
    "hcpcs": "HCPCS Level II",
    "cpt": "CPT (licensed list)",
    "ptp": "NCCI PTP (practitioner)",
    "mue": "MUE (practitioner)",
    "coverage": "Coverage list",
    "carc": "CARC",
    "rarc": "RARC",
}


@dataclass(eq=False)
class Release:
    """One installed release of a kind and the dates of service it applies to (inclusive;
    ``effective_to`` None = until a later release of the kind replaces it)."""

    kind: str
    name: str
    effective_from: date
    effective_to: date | None
    source: str  # the file name(s) it was installed from
    sha256: str
    installed: datetime | None  # None: a one-run addition or the packaged release
    origin: str = "store"  # "store", "run" (--code-set, --ncci) or "builtin"
    loader: Callable[[], Any] | None = field(default=None, repr=False)
    id: str = ""

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    @functools.cached_property
    def data(self) -> Any:
        """The release's content, read from its index on first use."""
        if self.loader is None:
            raise ValueError(f"{self.name}: no data")
        return self.loader()

    def describe(self) -> dict[str, Any]:
        """The release as the JSON report and `content list` show it."""
        return {
            "kind": self.kind,
            "name": self.name,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "source": self.source,
            "sha256": self.sha256,
            "installed": self.installed.isoformat(timespec="seconds") if self.installed else None,
            "origin": self.origin,
        }


class _CodeRelease(Release):
    """A list of procedure codes, each valid from its add date to its termination date."""

    def has(self, code: str, day: date | None = None) -> bool:
        """The code is in the list (and, given a day, not yet terminated or not yet added)."""
        dates = self.data.get(code.strip().upper())
        if dates is None:
            return False
        if day is None:
            return True
        added, terminated = dates
        if added and day < date.fromisoformat(added):
            return False
        return not (terminated and day > date.fromisoformat(terminated))


class HcpcsRelease(_CodeRelease):
    """HCPCS Level II: ``has(code)``; the CMS termination date is the last day a code may be
    used."""


class CptRelease(_CodeRelease):
    """The user's licensed CPT list: ``has(code)`` (CPT is the AMA's: never shipped here)."""


@dataclass(frozen=True, slots=True)
class MueLimit:
    """A practitioner MUE: the most units of the code per line or per day."""

    code: str
    value: int
    adjudication_indicator: str  # as CMS writes it, e.g. "2 Date of Service Edit: Policy"
    rationale: str

    @property
    def mai(self) -> str:
        """The MUE adjudication indicator's digit: 1 line, 2 date of service (absolute),
        3 date of service (clinical)."""
        return self.adjudication_indicator[:1]


class MueRelease(Release):
    def limit(self, code: str) -> MueLimit | None:
        row = self.data.get(code.strip().upper())
        if row is None:
            return None
        return MueLimit(code.strip().upper(), int(row[0]), row[1], row[2])


class PtpRelease(Release):
    @property
    def table(self) -> PtpTable:
        table: PtpTable = self.data
        return table

    def pairs(self, code_a: str, code_b: str, day: date | None = None) -> list[PtpEdit]:
        """The edits between the two codes in either column order (given a day, those in
        force on it)."""
        a, b = code_a.strip().upper(), code_b.strip().upper()
        found = [*self.table.edits.get((a, b), []), *self.table.edits.get((b, a), [])]
        return [e for e in found if day is None or e.in_force(day)]


@dataclass(frozen=True, slots=True)
class CoverageRule:
    """A procedure that a payer or contractor covers for the listed ICD-10-CM codes."""

    procedure: str
    codes: tuple[tuple[str, str], ...]  # inclusive ranges of codes without dots (first, last)
    payer: str  # payer id; "" = any payer of the contractor
    contractor: str
    effective_from: date | None
    effective_to: date | None
    source: str

    def covers(self, icd_code: str) -> bool:
        """The diagnosis is in the list: an exact code, within a range, or under a listed
        category (M54.5 lists M54.50, M54.51, ...)."""
        code = icd_code.replace(".", "").strip().upper()
        return any(
            code[: len(first)] >= first and code[: len(last)] <= last for first, last in self.codes
        )

    def in_force(self, day: date | None) -> bool:
        if day is None:
            return True
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to


class CoverageRelease(Release):
    @property
    def all_rules(self) -> list[CoverageRule]:
        rules: list[CoverageRule] = self.data
        return rules

    def rules(
        self, payer_id: str | None, procedure: str, day: date | None = None
    ) -> list[CoverageRule]:
        """Rules for the procedure that apply to the payer: its payer id or contractor number is
        the claim's payer id (a rule naming neither applies to every payer); in force on the
        day when one is given."""
        payer = (payer_id or "").strip().upper()
        proc = procedure.strip().upper()
        return [
            r
            for r in self.all_rules
            if r.procedure == proc
            and (payer in (r.payer, r.contractor) or not (r.payer or r.contractor))
            and r.in_force(day)
        ]


class MergedCoverage(CoverageRelease):
    """Every coverage list in force on a day, as one release (lists of several contractors or
    articles stand side by side instead of replacing one another)."""

    def __init__(self, parts: Iterable[CoverageRelease]) -> None:
        self.parts = list(parts)
        first = self.parts[0]
        ends = [p.effective_to for p in self.parts]
        super().__init__(
            kind="coverage",
            name="; ".join(p.name for p in self.parts),
            effective_from=max(p.effective_from for p in self.parts),
            effective_to=None if None in ends else min(e for e in ends if e is not None),
            source="; ".join(p.source for p in self.parts),
            sha256=first.sha256 if len(self.parts) == 1 else "",
            installed=first.installed,
            origin=first.origin,
            loader=lambda: [rule for p in self.parts for rule in p.all_rules],
        )


class CodeListRelease(Release):
    """CARC or RARC: the description of a code."""

    def description(self, code: str) -> str | None:
        found = self.data.get(code.strip().upper())
        return found if isinstance(found, str) else None


class Icd10cmRelease(Release):
    @property
    def index(self) -> Icd10cm:
        index: Icd10cm = self.data
        return index


RELEASE_TYPES: dict[str, type[Release]] = {
    "icd10cm": Icd10cmRelease,
    "hcpcs": HcpcsRelease,
    "cpt": CptRelease,
    "ptp": PtpRelease,
    "mue": MueRelease,
    "coverage": CoverageRelease,
    "carc": CodeListRelease,
    "rarc": CodeListRelease,
}
