"""ICD-10-CM tabular index: existence, billability, titles, hierarchy and Excludes1 notes.

The data source is the official CDC/NCHS tabular XML shipped inside the PyPI package
``simple-icd-10-cm`` (we read its data files only, never its Python API). The XML is parsed once
with lxml into flat arrays in pre-order (a node's subtree is the contiguous run ``i .. end[i]``),
then written to a ``marshal`` cache file so that later processes load in a few tens of
milliseconds. One instance per process is kept by :func:`scrubber.codesets.cache.load_icd10cm`.

Codes are keyed as they appear on claims: upper case, no decimal point (``M62830``). Every public
method also accepts the dotted form (``M62.830``).

Billable rule (domain.md 1.3): a code is billable iff it is a leaf after the 7th-character codes
are generated. A ``<diag>`` without ``<diag>`` children under a ``sevenChrDef`` (on itself or an
ancestor) gets children ``<code padded with X to 6 characters><7th character>``; it is then not
billable itself. Generated codes are kept only if the package's code list (same release) lists
them: the tabular states some exceptions only in prose (e.g. S06 codes with 6th character 7 or 8
take 7th character A only).

This module holds the index; the note parser is in notes.py, the XML reader in tabular.py and the
disk cache and the loaders (load_icd10cm, read_icd10cm) in cache.py, which imports this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from scrubber.codesets.notes import (
    CodeRange,
    Excludes1Rule,
    normalize_code,
    parse_excludes1_note,
)

# Also imported from here by releases.py and the tests (the names lived here before the split).
from scrubber.codesets.tabular import _BILLABLE, _GENERATED, _MANIFESTATION
from scrubber.codesets.tabular import _MANIFESTATION_PHRASE as _MANIFESTATION_PHRASE
from scrubber.codesets.tabular import _MONTH_NAMES as _MONTH_NAMES
from scrubber.codesets.tabular import FORMAT_VERSION as FORMAT_VERSION
from scrubber.codesets.tabular import _release_for as _release_for

__all__ = [
    "CodeRange",
    "CodeSetRelease",
    "Excludes1Pairs",
    "Excludes1Rule",
    "Icd10cm",
    "LoadInfo",
    "excludes1_conflict",
    "normalize_code",
    "parse_excludes1_note",
]

# --------------------------------------------------------------------------------------------
# Public value types


@dataclass(frozen=True, slots=True)
class CodeSetRelease:
    """One release of the code set and the dates of service it applies to (inclusive)."""

    name: str
    effective_from: date
    effective_to: date | None

    def covers(self, dos: date) -> bool:
        """True if a date of service falls within this release's effective range."""
        return self.effective_from <= dos and (
            self.effective_to is None or dos <= self.effective_to
        )


@dataclass(frozen=True, slots=True)
class LoadInfo:
    """How an index was obtained: ``source`` is "cache" or "built"."""

    source: str
    seconds: float
    cache_file: Path | None


# --------------------------------------------------------------------------------------------
# The index


class Icd10cm:
    """Read-only ICD-10-CM index. Build with :func:`load_icd10cm` (cached) or
    :func:`read_icd10cm`."""

    release: CodeSetRelease
    load_info: LoadInfo | None

    def __init__(self, payload: dict[str, Any], release: CodeSetRelease | None = None) -> None:
        self._payload = payload
        self.version: str = payload["version"]
        self._codes: list[str] = payload["codes"]
        self._titles: list[str] = payload["titles"]
        self._parent: list[int] = payload["parent"]
        self._end: list[int] = payload["end"]
        self._flags: bytes = payload["flags"]
        self._chapter_of: bytes = payload["chapter_of"]
        self._chapters: list[list[Any]] = payload["chapters"]  # [name, title, [notes]]
        self._sections: list[list[Any]] = payload["sections"]  # [id, title, [notes]]
        self._cat_sections: dict[str, list[int]] = payload["cat_sections"]
        self._excl1: dict[int, list[str]] = payload["excl1"]
        if len(self._codes) != len(self._titles) or len(self._codes) != len(self._flags):
            raise ValueError("inconsistent ICD-10-CM payload")
        self._index: dict[str, int] = dict(zip(self._codes, range(len(self._codes)), strict=True))
        name, start, end = payload["release"]
        self.release = release or CodeSetRelease(
            name, date.fromisoformat(start), date.fromisoformat(end) if end else None
        )
        self.load_info = None
        self._rules: dict[str, tuple[Excludes1Rule, ...]] = {}
        # the notes that apply to a code, by its node; like _rules a function of the payload
        # alone, so a copy with another release (CodeSets) may share it
        self._excludes1_of: dict[int, tuple[Excludes1Rule, ...]] = {}

    # -- equality / size ---------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Icd10cm):
            return NotImplemented
        return self.release == other.release and self._payload == other._payload

    __hash__ = None  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self._codes)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.exists(code)

    def __repr__(self) -> str:
        return f"<Icd10cm {self.release.name}: {len(self)} codes>"

    # -- lookups -----------------------------------------------------------------------------
    def _idx(self, code: str) -> int | None:
        # claims send codes in claim form: a key found as given needs no normalizing
        found = self._index.get(code)
        return found if found is not None else self._index.get(normalize_code(code))

    def exists(self, code: str) -> bool:
        """Any code node: category, subcategory, leaf or generated 7th-character code."""
        return self._idx(code) is not None

    def is_billable(self, code: str) -> bool:
        i = self._idx(code)
        return i is not None and bool(self._flags[i] & _BILLABLE)

    def title(self, code: str) -> str | None:
        """Tabular title; for a generated code, its parent's title + ", " + the 7th character's
        meaning ("..., initial encounter")."""
        i = self._idx(code)
        if i is None:
            return None
        if self._flags[i] & _GENERATED:
            return f"{self._titles[self._parent[i]]}, {self._titles[i]}"
        return self._titles[i]

    def parent(self, code: str) -> str | None:
        """Parent code (claim form); None for a category (its parent is a block) or unknown."""
        i = self._idx(code)
        if i is None or self._parent[i] < 0:
            return None
        return self._codes[self._parent[i]]

    def children(self, code: str) -> list[str]:
        """Direct children in tabular order (generated 7th-character codes included)."""
        i = self._idx(code)
        return [] if i is None else [self._codes[j] for j in self._child_indexes(i)]

    def _child_indexes(self, i: int) -> Iterator[int]:
        j = i + 1
        while j < self._end[i]:
            yield j
            j = self._end[j]

    def billable_under(self, code: str) -> list[str]:
        """Billable descendants, sorted (not the code itself): M6283 -> M62830, M62831, M62838."""
        i = self._idx(code)
        if i is None:
            return []
        flags, codes = self._flags, self._codes
        return sorted(codes[j] for j in range(i + 1, self._end[i]) if flags[j] & _BILLABLE)

    def siblings(self, code: str) -> list[str]:
        """Billable codes with the same parent, the code itself excluded (sorted)."""
        i = self._idx(code)
        if i is None or self._parent[i] < 0:
            return []
        return sorted(
            self._codes[j]
            for j in self._child_indexes(self._parent[i])
            if j != i and self._flags[j] & _BILLABLE
        )

    def is_manifestation(self, code: str) -> bool:
        """Own or ancestor title contains "in diseases classified elsewhere" (domain.md 1.7)."""
        i = self._idx(code)
        return i is not None and bool(self._flags[i] & _MANIFESTATION)

    def is_unspecified(self, code: str) -> bool:
        """The title says "unspecified". For a 7th-character code that is the parent's title or
        the character's meaning ("stage unspecified", "unspecified eye"), except the O-code
        fetus character 0 "not applicable or unspecified", which is the correct character for
        a single gestation, not a vague one."""
        i = self._idx(code)
        if i is None:
            return False
        if self._flags[i] & _GENERATED:
            ext = self._titles[i].lower()
            return "unspecified" in self._titles[self._parent[i]].lower() or (
                "unspecified" in ext and not ext.startswith("not applicable")
            )
        return "unspecified" in self._titles[i].lower()

    def chapter(self, code: str) -> str | None:
        """Chapter number as printed in the tabular ("13")."""
        i = self._idx(code)
        return None if i is None else self._chapters[self._chapter_of[i]][0]

    def block(self, code: str) -> str | None:
        """Id of the block (section) holding the code's category, e.g. "M60-M63"."""
        secs = self._cat_sections.get(self._category(code) or "")
        return self._sections[secs[0]][0] if secs else None

    def _category(self, code: str) -> str | None:
        i = self._idx(code)
        if i is None:
            return None
        while self._parent[i] >= 0:
            i = self._parent[i]
        return self._codes[i]

    # -- Excludes1 -------------------------------------------------------------------------
    def _node_rules(
        self, kind: str, source: str, notes: Iterable[str]
    ) -> tuple[Excludes1Rule, ...]:
        # A block id can equal a category code (block "B99" holds category B99): key by kind.
        key = f"{kind}:{source}"
        rules = self._rules.get(key)
        if rules is None:
            rules = tuple(Excludes1Rule(n, parse_excludes1_note(n)[0], source) for n in notes)
            self._rules[key] = rules
        return rules

    def excludes1(self, code: str) -> list[Excludes1Rule]:
        """Excludes1 notes that apply to the code, nearest first: the code, its ancestors, its
        block (and any enclosing super-block such as V00-V99), its chapter. Never Excludes2."""
        return list(self.excludes1_rules(code))

    def excludes1_rules(self, code: str) -> tuple[Excludes1Rule, ...]:
        """:meth:`excludes1` as a shared tuple (read it, do not keep changing it)."""
        i = self._idx(code)
        if i is None:
            return ()
        known = self._excludes1_of.get(i)
        if known is None:
            known = self._excludes1_of[i] = tuple(self._find_excludes1(i))
        return known

    def _find_excludes1(self, i: int) -> list[Excludes1Rule]:
        out: list[Excludes1Rule] = []
        cat = i
        j: int = i
        while j >= 0:
            notes = self._excl1.get(j)
            if notes:
                out.extend(self._node_rules("code", self._codes[j], notes))
            cat = j
            j = self._parent[j]
        for s in self._cat_sections.get(self._codes[cat], []):
            sid, _title, notes = self._sections[s]
            if notes:
                out.extend(self._node_rules("block", sid, notes))
        name, _title, notes = self._chapters[self._chapter_of[i]]
        if notes:
            out.extend(self._node_rules("chapter", f"chapter {name}", notes))
        return out

    # -- iteration / reporting ---------------------------------------------------------------
    def codes(self, billable_only: bool = False) -> Iterator[str]:
        """All codes in tabular order."""
        if not billable_only:
            yield from self._codes
            return
        for c, f in zip(self._codes, self._flags, strict=True):
            if f & _BILLABLE:
                yield c


def excludes1_conflict(
    index: Icd10cm,
    code_a: str,
    code_b: str,
    text_notes: Mapping[str, tuple[CodeRange, ...]] | None = None,
) -> Excludes1Rule | None:
    """An Excludes1 rule from ``code_a``'s tree that matches ``code_b``, or from ``code_b``'s
    tree that matches ``code_a``; None if the pair is not an Excludes1 pair. ``text_notes``
    gives the codes of notes written as text (see :func:`text_note_ranges`)."""
    for rule in index.excludes1_rules(code_a):
        if rule.matches(code_b, text_notes):
            return rule
    for rule in index.excludes1_rules(code_b):
        if rule.matches(code_a, text_notes):
            return rule
    return None


class Excludes1Pairs:
    """:func:`excludes1_conflict` for one run's text notes, each (release, pair) judged once:
    a file repeats the same few code pairs on thousands of claims. Keyed by the index object
    (a release of the run) and the pair in claim form; the text notes are fixed at creation,
    so a run whose profile changes them makes a new one."""

    #: a file of millions of distinct pairs would otherwise keep them all
    MAX_PAIRS = 200_000

    def __init__(self, text_notes: Mapping[str, tuple[CodeRange, ...]] | None = None) -> None:
        self.text_notes = text_notes
        self._verdicts: dict[tuple[int, str, str], Excludes1Rule | None] = {}
        self._indexes: dict[int, Icd10cm] = {}  # holds each index so that its id stays its own

    def conflict(self, index: Icd10cm, code_a: str, code_b: str) -> Excludes1Rule | None:
        """See :func:`excludes1_conflict`."""
        key = (id(index), code_a, code_b)
        try:
            return self._verdicts[key]
        except KeyError:
            pass
        if len(self._verdicts) >= self.MAX_PAIRS:
            self._verdicts.clear()
        self._indexes[id(index)] = index
        rule = self._verdicts[key] = excludes1_conflict(index, code_a, code_b, self.text_notes)
        return rule
