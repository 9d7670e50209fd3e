"""ICD-10-CM tabular index: existence, billability, titles, hierarchy and Excludes1 notes.

The data source is the official CDC/NCHS tabular XML shipped inside the PyPI package
``simple-icd-10-cm`` (we read its data files only, never its Python API). The XML is parsed once
with lxml into flat arrays in pre-order (a node's subtree is the contiguous run ``i .. end[i]``),
then written to a ``marshal`` cache file so that later processes load in a few tens of
milliseconds. One instance per process is kept by :func:`load_icd10cm`.

Codes are keyed as they appear on claims: upper case, no decimal point (``M62830``). Every public
method also accepts the dotted form (``M62.830``).

Billable rule (domain.md 1.3): a code is billable iff it is a leaf after the 7th-character codes
are generated. A ``<diag>`` without ``<diag>`` children under a ``sevenChrDef`` (on itself or an
ancestor) gets children ``<code padded with X to 6 characters><7th character>``; it is then not
billable itself. Generated codes are kept only if the package's code list (same release) lists
them: the tabular states some exceptions only in prose (e.g. S06 codes with 6th character 7 or 8
take 7th character A only).
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import hashlib
import importlib.util
import logging
import marshal
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "CodeRange",
    "CodeSetRelease",
    "Excludes1Rule",
    "Icd10cm",
    "LoadInfo",
    "cache_dir",
    "excludes1_conflict",
    "load_icd10cm",
    "normalize_code",
    "packaged_sources",
    "parse_excludes1_note",
    "read_icd10cm",
]

log = logging.getLogger(__name__)

#: Bump whenever the layout of the cached payload or the build rules change.
FORMAT_VERSION = 2
_DATA_PACKAGE = "simple_icd_10_cm.data"
_XML_GLOB = "icd10c-tabular-*.xml"
_CODE_LIST_GLOB = "code-list-*.txt"

_BILLABLE = 1
_MANIFESTATION = 2
_GENERATED = 4  # a 7th-character code; its titles[] entry is the extension text only
_MANIFESTATION_PHRASE = "in diseases classified elsewhere"

_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_NAMES)}


def normalize_code(code: str) -> str:
    """Claim form of a code: stripped, upper case, without the decimal point."""
    return code.strip().upper().replace(".", "")


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
class CodeRange:
    """A code reference parsed out of a tabular note, in claim form (no dots).

    ``first == last``: the code and everything below it (``R25.2`` covers ``R25.2`` and any
    descendant; ``M51.2-`` / ``M33.-`` are written with a dash to say so explicitly, recorded in
    ``subtree``). ``first != last``: an inclusive range compared on the endpoints' lengths, so
    ``G71-G72`` covers every code of categories G71 and G72 and ``T80-T88.6`` stops after T88.6.
    ``positions`` holds extra constraints from qualifiers such as "with 5th character 1" or
    "E08-E13 with .44": ``(index into the code, low, high)``; a negative index counts from the
    end ("I69. with final characters -23").
    """

    first: str
    last: str
    subtree: bool
    positions: tuple[tuple[int, str, str], ...] = ()

    def matches(self, code: str) -> bool:
        c = normalize_code(code)
        if self.first == self.last:
            if not c.startswith(self.first):
                return False
        elif not (c[: len(self.first)] >= self.first and c[: len(self.last)] <= self.last):
            return False
        for pos, low, high in self.positions:
            start = pos if pos >= 0 else len(c) + pos
            if start < 0:
                return False
            part = c[start : start + len(low)]
            if len(part) != len(low) or not low <= part <= high:
                return False
        return True

    def __str__(self) -> str:
        text = self.first if self.first == self.last else f"{self.first}-{self.last}"
        if self.positions:
            text += " with " + ", ".join(f"[{p}]={lo}..{hi}" for p, lo, hi in self.positions)
        return text


@dataclass(frozen=True, slots=True)
class Excludes1Rule:
    """One Excludes1 note and the code references parsed out of its text.

    ``source_node`` is the node that carries the note: a code in claim form (``M545``), a block
    id (``M60-M63``) or ``chapter N``. ``excluded`` is empty for notes that name no code
    (e.g. "current injury - see injury of spine by body region").
    """

    note: str
    excluded: tuple[CodeRange, ...]
    source_node: str

    def matches(self, code: str) -> bool:
        return any(r.matches(code) for r in self.excluded)


@dataclass(frozen=True, slots=True)
class LoadInfo:
    """How an index was obtained: ``source`` is "cache" or "built"."""

    source: str
    seconds: float
    cache_file: Path | None


# --------------------------------------------------------------------------------------------
# Excludes1 note parsing

_CODE_TOKEN = re.compile(
    r"(?<![A-Za-z0-9])([A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?)(?:(\.?-)|(?![A-Za-z0-9]))"
)
_GROUP = re.compile(r"\(([^()]*)(?:\)|$)")
_ITEM_SPLIT = re.compile(r",|;|\band\b")
_RANGE_BETWEEN = re.compile(r"\s*(?:-+|to)?\s*")
_ORDINALS = {"fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7}
_Q_SUFFIX = re.compile(r"\.([0-9A-Z]+)-?(?:\s*-\s*\.([0-9A-Z]+)-?)?")
_Q_NTH = re.compile(
    r"(\d)(?:st|nd|rd|th)[- ]character\s+\.?([0-9A-Z])"
    r"|(fourth|fifth|sixth|seventh)[- ]character\s+\.?([0-9A-Z])"
)
_Q_SPAN = re.compile(r"(fourth|fifth|sixth|seventh) to \w+ characters\s+([0-9A-Z]+)")
_Q_FINAL = re.compile(r"final characters\s+-?([0-9A-Z]+)")


def _qualifier(text: str) -> tuple[tuple[int, str, str], ...] | None:
    """Position constraints for the text after "with"; None if it cannot be read."""
    q = text.strip().rstrip(".").strip()
    if m := _Q_SUFFIX.fullmatch(q):
        low = m.group(1)
        high = m.group(2) or low
        if len(high) != len(low):
            return None
        return ((3, low, high),)
    if m := _Q_NTH.fullmatch(q):
        n = int(m.group(1)) if m.group(1) else _ORDINALS[m.group(3)]
        ch = m.group(2) or m.group(4)
        return ((n - 1, ch, ch),)
    if m := _Q_SPAN.fullmatch(q):
        return ((_ORDINALS[m.group(1)] - 1, m.group(2), m.group(2)),)
    if m := _Q_FINAL.fullmatch(q):
        return ((-len(m.group(1)), m.group(1), m.group(1)),)
    return None


def _parse_item(item: str) -> tuple[list[CodeRange], bool]:
    """Code references in one comma-separated item; the flag says a qualifier was not understood."""
    tokens = list(_CODE_TOKEN.finditer(item))
    if not tokens:
        return [], False
    positions: tuple[tuple[int, str, str], ...] = ()
    tail = item[tokens[-1].end() :].lstrip(" .")
    if tail.startswith("with"):
        parsed = _qualifier(tail[4:])
        if parsed is None:
            return [], True
        positions = parsed
    out: list[CodeRange] = []
    i = 0
    while i < len(tokens):
        a = tokens[i]
        first = a.group(1).replace(".", "")
        if i + 1 < len(tokens):
            b = tokens[i + 1]
            between = item[a.end() : b.start()]
            if _RANGE_BETWEEN.fullmatch(between) and (
                a.group(2) or "-" in between or "to" in between
            ):
                last = b.group(1).replace(".", "")
                out.append(CodeRange(first, last, True, positions))
                i += 2
                continue
        out.append(CodeRange(first, first, bool(a.group(2)), positions))
        i += 1
    return out, False


#: Notes whose punctuation contradicts the same note elsewhere in the tabular. F06.7 writes
#: "(I69.01-I69.11-, ...)" where G31.84 and R41.84 list the same six subcategories with commas;
#: read as ranges it would also exclude I69.02- .. I69.09- (aphasia, hemiplegia, ...).
_NOTE_FIXES = {
    "cognitive deficits following (sequelae of) cerebral hemorrhage or infarction "
    "(I69.01-I69.11-, I69.21-I69.31-, I69.81- I69.91-)": "cognitive deficits following "
    "(sequelae of) cerebral hemorrhage or infarction "
    "(I69.01-, I69.11-, I69.21-, I69.31-, I69.81-, I69.91-)",
}


def parse_excludes1_note(note: str) -> tuple[tuple[CodeRange, ...], bool]:
    """Code references of a note, and whether some reference had to be dropped.

    Codes are read inside parentheses when the note has any ("cramp and spasm (R25.2)"), else
    from the whole text ("hearing loss as classified in H90.-"), so that prose next to a
    parenthesised code is never read as a code. A parenthesised group (or a note without
    parentheses) that ends in a qualifier we cannot read ("... E11, E13 with ketoacidosis",
    "S52.- with open fracture 7th character") is dropped as a whole: the qualifier narrows
    every code of the list, and over-matching would raise false Excludes1 errors.
    """
    text = _NOTE_FIXES.get(note, note)
    chunks = [m.group(1) for m in _GROUP.finditer(text)] if "(" in text else [text]
    refs: list[CodeRange] = []
    dropped = False
    for chunk in chunks:
        found: list[CodeRange] = []
        lost = False
        for item in _ITEM_SPLIT.split(chunk):
            item_refs, item_lost = _parse_item(item)
            found.extend(item_refs)
            lost = lost or item_lost
        if lost:
            dropped = True
        else:
            refs.extend(found)
    return tuple(dict.fromkeys(refs)), dropped


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
        return self._index.get(normalize_code(code))

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

    def ancestors(self, code: str) -> list[str]:
        """Parent, grandparent, ... up to the category."""
        out: list[str] = []
        i = self._idx(code)
        while i is not None and self._parent[i] >= 0:
            i = self._parent[i]
            out.append(self._codes[i])
        return out

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
        i = self._idx(code)
        if i is None:
            return []
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

    def all_excludes1_notes(self) -> Iterator[tuple[str, str]]:
        """(source node, note text) for every Excludes1 note in the release."""
        for name, _t, notes in self._chapters:
            for n in notes:
                yield f"chapter {name}", n
        for sid, _t, notes in self._sections:
            for n in notes:
                yield sid, n
        for i, notes in sorted(self._excl1.items()):
            for n in notes:
                yield self._codes[i], n


def excludes1_conflict(index: Icd10cm, code_a: str, code_b: str) -> Excludes1Rule | None:
    """An Excludes1 rule from ``code_a``'s tree that matches ``code_b``, or from ``code_b``'s
    tree that matches ``code_a``; None if the pair is not an Excludes1 pair."""
    for rule in index.excludes1(code_a):
        if rule.matches(code_b):
            return rule
    for rule in index.excludes1(code_b):
        if rule.matches(code_a):
            return rule
    return None


# --------------------------------------------------------------------------------------------
# Building from the XML


def _text(el: Any, tag: str) -> str:
    child = el.find(tag)
    return "" if child is None or child.text is None else " ".join(child.text.split())


def _notes(el: Any, tag: str) -> list[str]:
    out: list[str] = []
    for block in el.findall(tag):
        for note in block.findall("note"):
            if note.text and note.text.strip():
                out.append(" ".join(note.text.split()))
    return out


def _section_bounds(sid: str) -> tuple[str, str]:
    first, _, last = sid.partition("-")
    return first, last or first


def _release_for(xml: Path, version: str) -> tuple[str, str, str | None]:
    m = re.search(r"([A-Za-z]+)-(\d{1,2})-(\d{4})", xml.name)
    if m and m.group(1).lower() in _MONTHS:
        start = date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
        # A release runs to the end of the federal fiscal year it starts in (Oct 1 - Sep 30);
        # the April update replaces the October files for Apr 1 - Sep 30 (domain.md 1.4).
        fy_end = date(start.year + (1 if start.month >= 10 else 0), 9, 30)
        month = _MONTH_NAMES[start.month - 1].capitalize()  # not strftime: locale-free
        name = f"ICD-10-CM {month} {start.day}, {start.year}"
        return name, start.isoformat(), fy_end.isoformat()
    fy = int(version) if version.isdigit() else date.today().year
    return f"ICD-10-CM FY{fy}", date(fy - 1, 10, 1).isoformat(), date(fy, 9, 30).isoformat()


def _read_code_list(path: Path) -> set[str]:
    with path.open(encoding="utf-8") as f:
        return {line.split(" ")[0].strip().replace(".", "") for line in f if line.strip()}


def _build_payload(xml: Path, code_list: Path | None) -> dict[str, Any]:
    from lxml import etree  # only needed to build; keeps cache-only start-up light

    confirmed = _read_code_list(code_list) if code_list is not None else None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    root = etree.parse(str(xml), parser).getroot()

    codes: list[str] = []
    titles: list[str] = []
    parent: list[int] = []
    end: list[int] = []
    flags = bytearray()
    chapter_of = bytearray()
    chapters: list[list[Any]] = []
    sections: list[list[Any]] = []
    cat_sections: dict[str, list[int]] = {}
    excl1: dict[int, list[str]] = {}

    def add(code: str, title: str, par: int, flag: int, chap: int) -> int:
        codes.append(code)
        titles.append(title)
        parent.append(par)
        end.append(len(codes))
        flags.append(flag)
        chapter_of.append(chap)
        return len(codes) - 1

    def walk(diag: Any, par: int, chap: int, seven: dict[str, str] | None, manif: bool) -> None:
        code = normalize_code(_text(diag, "name"))
        title = _text(diag, "desc")
        manif = manif or _MANIFESTATION_PHRASE in title.lower()
        scd = diag.find("sevenChrDef")
        if scd is not None:
            seven = {
                e.get("char"): " ".join((e.text or "").split()) for e in scd.findall("extension")
            }
        mflag = _MANIFESTATION if manif else 0
        i = add(code, title, par, mflag, chap)
        notes = _notes(diag, "excludes1")
        if notes:
            excl1[i] = notes
        kids = diag.findall("diag")
        for kid in kids:
            walk(kid, i, chap, seven, manif)
        if not kids:
            if seven:
                base = code.ljust(6, "X")
                for ch, text in seven.items():
                    full = base + ch
                    if confirmed is None or full in confirmed:
                        # The same str object each time: marshal stores it once.
                        add(full, text, i, mflag | _BILLABLE | _GENERATED, chap)
                # A code that needs a 7th character is never billable without one, even if the
                # code list dropped all of its extensions.
            else:
                flags[i] |= _BILLABLE
        end[i] = len(codes)

    for chapter in root.iter("chapter"):
        chap = len(chapters)
        chapters.append(
            [_text(chapter, "name"), _text(chapter, "desc"), _notes(chapter, "excludes1")]
        )
        supers: list[int] = []
        chapter_cats: list[str] = []
        for section in chapter.findall("section"):
            s = len(sections)
            sections.append(
                [section.get("id") or "", _text(section, "desc"), _notes(section, "excludes1")]
            )
            diags = section.findall("diag")
            if not diags:
                supers.append(s)
            for diag in diags:
                cat = normalize_code(_text(diag, "name"))
                chapter_cats.append(cat)
                cat_sections[cat] = [s]
                walk(diag, -1, chap, None, False)
        # Empty "super-blocks" (e.g. V00-V99) are siblings of the real blocks in the XML; their
        # notes still govern every category inside their range.
        for s in supers:
            first, last = _section_bounds(sections[s][0])
            for cat in chapter_cats:
                if first <= cat <= last:
                    cat_sections[cat].append(s)

    version = _text(root, "version")
    return {
        "format": FORMAT_VERSION,
        "version": version,
        "release": list(_release_for(xml, version)),
        "codes": codes,
        "titles": titles,
        "parent": parent,
        "end": end,
        "flags": bytes(flags),
        "chapter_of": bytes(chapter_of),
        "chapters": chapters,
        "sections": sections,
        "cat_sections": cat_sections,
        "excl1": excl1,
    }


# --------------------------------------------------------------------------------------------
# Sources, disk cache and the per-process instance


def _package_data_dir() -> Path:
    # importlib.resources.files("simple_icd_10_cm.data") would import simple_icd_10_cm, whose
    # __init__ parses the whole tabular into its own tree (about 2 s). find_spec only asks the
    # import system where the package lives, without running it.
    spec = importlib.util.find_spec(_DATA_PACKAGE.partition(".")[0])
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            data = Path(location) / _DATA_PACKAGE.partition(".")[2]
            if data.is_dir():
                return data
    data = Path(str(resources.files(_DATA_PACKAGE)))  # unusual layout: let importlib find it
    if not data.is_dir():
        raise FileNotFoundError(f"package data {_DATA_PACKAGE} is not a folder on disk")
    return data


def packaged_sources() -> tuple[Path, Path | None]:
    """The tabular XML and the code list shipped in the ``simple_icd_10_cm`` package."""
    data = _package_data_dir()
    names = [p.name for p in data.iterdir()]
    xmls = sorted(fnmatch.filter(names, _XML_GLOB))
    lists = sorted(fnmatch.filter(names, _CODE_LIST_GLOB))
    if not xmls:
        raise FileNotFoundError(f"no {_XML_GLOB} in {data}")
    return data / xmls[-1], (data / lists[-1] if lists else None)


def cache_dir() -> Path:
    """$SCRUB837_CACHE, else $XDG_CACHE_HOME/scrub837, else ~/.cache/scrub837."""
    explicit = os.environ.get("SCRUB837_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "scrub837"


def _cache_key(xml: Path, code_list: Path | None) -> str:
    parts = [f"format={FORMAT_VERSION}", f"py={sys.version_info[:2]}", f"marshal={marshal.version}"]
    for p in (xml, code_list):
        if p is None:
            parts.append("-")
            continue
        st = p.stat()
        parts.append(f"{p.resolve()}|{st.st_size}|{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def _read_cache(file: Path, key: str) -> dict[str, Any] | None:
    try:
        payload = marshal.loads(file.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValueError, TypeError) as exc:
        log.warning("ignoring unreadable ICD-10-CM cache %s: %s", file, exc)
        return None
    if (
        not isinstance(payload, dict)
        or payload.get("format") != FORMAT_VERSION
        or payload.get("key") != key
    ):
        log.warning("ignoring stale ICD-10-CM cache %s", file)
        return None
    return payload


def _write_cache(file: Path, payload: dict[str, Any]) -> bool:
    """Write atomically (temp file in the same folder, fsync, rename). False if not writable."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=file.name + ".", suffix=".tmp", dir=file.parent)
    except OSError as exc:
        log.info("ICD-10-CM cache not written (%s): keeping the index in memory", exc)
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            marshal.dump(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, file)
        return True
    except OSError as exc:
        log.info("ICD-10-CM cache not written (%s): keeping the index in memory", exc)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False


def read_icd10cm(
    path: Path | None = None,
    *,
    code_list: Path | None = None,
    cache: Path | None = None,
    use_cache: bool = True,
    release: CodeSetRelease | None = None,
) -> Icd10cm:
    """Load an index from the disk cache, or build it from the XML and cache it.

    ``path=None`` means the packaged release and its code list. For another ``path`` the code
    list (which filters the generated 7th-character codes) is ``code_list``, else the only
    ``code-list-*.txt`` next to the XML if there is exactly one, else none. ``cache`` overrides
    :func:`cache_dir`. No in-process caching here: use :func:`load_icd10cm` for that.
    """
    started = time.perf_counter()
    if path is None:
        path, packaged_list = packaged_sources()
        code_list = code_list or packaged_list
    elif code_list is None:
        siblings = sorted(Path(path).parent.glob(_CODE_LIST_GLOB))
        code_list = siblings[0] if len(siblings) == 1 else None
    path = Path(path)
    key = _cache_key(path, code_list)
    file: Path | None = None
    if use_cache:
        try:
            file = (cache or cache_dir()) / f"icd10cm-{key}.marshal"
        except RuntimeError:  # Path.home() without a home directory
            file = None
    index: Icd10cm | None = None
    payload = _read_cache(file, key) if file is not None else None
    if payload is not None:
        try:
            index = Icd10cm(payload, release)
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("ignoring malformed ICD-10-CM cache %s: %s", file, exc)
    source = "cache"
    if index is None:
        source = "built"
        payload = _build_payload(path, code_list)
        payload["key"] = key
        if file is not None and not _write_cache(file, payload):
            file = None
        index = Icd10cm(payload, release)
    index.load_info = LoadInfo(source, time.perf_counter() - started, file)
    return index


@functools.cache
def _load_cached(path: Path | None) -> Icd10cm:
    return read_icd10cm(path)


def load_icd10cm(path: Path | None = None) -> Icd10cm:
    """The index for ``path`` (None = the packaged April 1, 2026 release), one per process."""
    return _load_cached(None if path is None else Path(path).resolve())


load_icd10cm.cache_clear = _load_cached.cache_clear  # type: ignore[attr-defined]
