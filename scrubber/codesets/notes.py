"""Code references in tabular notes: the claim form of a code, code ranges, Excludes1 rules and
the parser that reads them out of a note's text (see icd10cm.py for the index that holds them)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

__all__ = [
    "CodeRange",
    "Excludes1Rule",
    "normalize_code",
    "parse_excludes1_note",
    "text_note_ranges",
]


def normalize_code(code: str) -> str:
    """Claim form of a code: stripped, upper case, without the decimal point."""
    return code.strip().upper().replace(".", "")


# --------------------------------------------------------------------------------------------
# Public value types


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

    def matches(
        self, code: str, text_notes: Mapping[str, tuple[CodeRange, ...]] | None = None
    ) -> bool:
        """Whether the note excludes the code; a note naming no code is looked up by its text
        in ``text_notes`` (see :func:`text_note_ranges`)."""
        ranges = self.excluded or (text_notes or {}).get(self.note, ())
        return any(r.matches(code) for r in ranges)


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


@lru_cache(maxsize=16384)
def parse_excludes1_note(note: str) -> tuple[tuple[CodeRange, ...], bool]:
    """Code references of a note, and whether some reference had to be dropped.

    Codes are read inside parentheses when the note has any ("cramp and spasm (R25.2)"), else
    from the whole text ("hearing loss as classified in H90.-"), so that prose next to a
    parenthesised code is never read as a code. A parenthesised group (or a note without
    parentheses) that ends in a qualifier we cannot read ("... E11, E13 with ketoacidosis",
    "S52.- with open fracture 7th character") is dropped as a whole: the qualifier narrows
    every code of the list, and over-matching would raise false Excludes1 errors.

    A pure function of the text, read once (each release's notes, and the text-note lists of
    every run, share the same few thousand notes).
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


def text_note_ranges(entries: Iterable[Mapping[str, Any]]) -> dict[str, tuple[CodeRange, ...]]:
    """Ranges for notes written as text, by note text, from list entries ``{text = [...],
    codes = [...], seventh = "A-R"}``: codes are written as in the tabular's notes and read
    by the same parser; ``seventh`` (optional) limits the 7th character (e.g. all but sequela S).
    """
    out: dict[str, tuple[CodeRange, ...]] = {}
    for entry in entries:
        positions: tuple[tuple[int, str, str], ...] = ()
        if seventh := entry.get("seventh"):
            low, _, high = str(seventh).partition("-")
            positions = ((6, low, high or low),)
        ranges = tuple(
            replace(r, positions=positions)
            for code in entry["codes"]
            for r in parse_excludes1_note(code)[0]
        )
        for text in entry["text"]:
            out[text] = out.get(text, ()) + ranges
    return out
