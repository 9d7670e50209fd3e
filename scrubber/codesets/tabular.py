"""Building the ICD-10-CM index payload from the official tabular XML (with lxml).

The payload is flat arrays in pre-order (a node's subtree is the contiguous run ``i .. end[i]``);
:class:`scrubber.codesets.icd10cm.Icd10cm` reads it and :mod:`scrubber.codesets.cache` stores it.
The billable rule and the 7th-character codes are described in icd10cm.py.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from scrubber.codesets.notes import normalize_code

#: Bump whenever the layout of the cached payload or the build rules change.
FORMAT_VERSION = 2

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
