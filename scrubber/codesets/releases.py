"""ICD-10-CM releases by date of service: the packaged release plus any the user installs.

Codes are valid by the release in force on the date of service (domain.md 1.4, 5.3). CMS/NCHS
publish an October 1 release for each federal fiscal year and, since FY2022, an April 1 update
that replaces it for April 1 - September 30. :class:`CodeSets` holds the installed releases in
date order and answers "which release judges this day".

A release is either

* a tabular XML (``icd10cm-tabular-2025.xml``, ``icd10c-tabular-April-1-2026.xml``), read by
  :func:`scrubber.codesets.cache.read_icd10cm`, or
* an order file (``icd10cm-order-2021.txt``), read here into the same :class:`Icd10cm` index.
  Its fixed columns (domain.md 1.3 item 5): 5-digit order number, space, the code without a dot
  left-justified in 7 columns, space, flag ``0`` header / ``1`` valid for submission, space, the
  60-column short title, space, the long title. The file lists the whole hierarchy in tabular
  order, so a code's parent is the nearest preceding code it starts with. An order file has no
  notes: ``excludes1()`` is empty and ``block()`` is None for its codes.

Effective dates come from the file name, or from an explicit start written ``PATH@YYYY-MM-DD``:

* ``April-1-2026`` (month, day, year): starts that day;
* ``April-2024`` / ``Oct-2020`` (month, year): the release in force that month: April 1 for
  April-September, October 1 for October-March (``Jan-2021`` is the FY2021 October release);
* a bare year ``2021``: fiscal year 2021, starting 2020-10-01.

A release runs to the end of its fiscal year (September 30), cut short by the start of the next
installed release. A day before the first release, after the last, or in a gap between fiscal
years is covered by none: the nearest release judges it and DX010 says so.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from scrubber.codesets.cache import load_icd10cm, read_icd10cm
from scrubber.codesets.icd10cm import (
    _BILLABLE,
    _GENERATED,
    _MANIFESTATION,
    _MANIFESTATION_PHRASE,
    _MONTH_NAMES,
    FORMAT_VERSION,
    CodeSetRelease,
    Icd10cm,
)

__all__ = [
    "CodeSetError",
    "CodeSets",
    "PendingIndex",
    "fiscal_year_end",
    "load_code_set",
    "load_code_sets",
    "parse_code_set_spec",
    "read_order_file",
    "release_from_name",
]


class CodeSetError(ValueError):
    """A code-set file that cannot be used; the message is meant for the user."""


# --------------------------------------------------------------------------------------------
# Effective dates


def fiscal_year_end(day: date) -> date:
    """September 30 of the federal fiscal year holding the day (FY runs Oct 1 - Sep 30)."""
    return date(day.year + (1 if day.month >= 10 else 0), 9, 30)


_SPEC = re.compile(r"^(?P<path>.+)@(?P<start>\d{4}-\d{2}-\d{2})$")
_MONTH_PART = "|".join(m[:3] for m in _MONTH_NAMES)
# "April-1-2026", "Apr_1_2026", "April-2024", "Jan-2021" (case-insensitive)
_NAME_DATE = re.compile(
    rf"(?<![a-z])(?P<month>{_MONTH_PART})[a-z]*[-_ .]?(?:(?P<day>\d{{1,2}})[-_ .,]+)?"
    r"(?P<year>(?:19|20)\d{2})(?!\d)",
    re.IGNORECASE,
)
_NAME_YEAR = re.compile(r"(?<!\d)(?P<year>20\d{2})(?!\d)")


def parse_code_set_spec(spec: str | Path) -> tuple[Path, date | None]:
    """``PATH`` or ``PATH@YYYY-MM-DD`` -> (path, explicit start). A path that exists as written
    is never split, so a file whose name holds an ``@`` still loads."""
    text = str(spec)
    m = _SPEC.match(text)
    if m is None or Path(text).exists():
        return Path(text), None
    try:
        start = date.fromisoformat(m.group("start"))
    except ValueError as exc:
        raise CodeSetError(f"{text}: {m.group('start')} is not a date (YYYY-MM-DD)") from exc
    return Path(m.group("path")), start


def _display(day: date) -> str:
    return f"{_MONTH_NAMES[day.month - 1].capitalize()} {day.day}, {day.year}"  # locale-free


def release_from_name(path: Path, start: date | None = None) -> CodeSetRelease | None:
    """The release a file name states (see the module notes); None if it states none.

    ``start`` (from ``PATH@YYYY-MM-DD``) overrides the name. The end is the fiscal-year end;
    :class:`CodeSets` cuts it at the next release's start.
    """
    if start is not None:
        return CodeSetRelease(
            f"ICD-10-CM {_display(start)} ({path.name})", start, fiscal_year_end(start)
        )
    name = path.name
    if m := _NAME_DATE.search(name):
        month = [n[:3] for n in _MONTH_NAMES].index(m.group("month")[:3].lower()) + 1
        year = int(m.group("year"))
        if m.group("day"):
            try:
                begin = date(year, month, int(m.group("day")))
            except ValueError:
                return None
        elif 4 <= month <= 9:
            begin = date(year, 4, 1)
        else:
            begin = date(year - (1 if month < 10 else 0), 10, 1)
        return CodeSetRelease(f"ICD-10-CM {_display(begin)}", begin, fiscal_year_end(begin))
    if m := _NAME_YEAR.search(name):
        fy = int(m.group("year"))
        return CodeSetRelease(f"ICD-10-CM FY{fy}", date(fy - 1, 10, 1), date(fy, 9, 30))
    return None


# --------------------------------------------------------------------------------------------
# Order files

_ORDER_CODE = re.compile(r"[A-Z][0-9A-Z]{2,6}")

#: Chapter ranges (first and last category) for order files, which carry no chapters.
_CHAPTERS = (
    ("1", "A00", "B99"),
    ("2", "C00", "D49"),
    ("3", "D50", "D89"),
    ("4", "E00", "E89"),
    ("5", "F01", "F99"),
    ("6", "G00", "G99"),
    ("7", "H00", "H59"),
    ("8", "H60", "H95"),
    ("9", "I00", "I99"),
    ("10", "J00", "J99"),
    ("11", "K00", "K95"),
    ("12", "L00", "L99"),
    ("13", "M00", "M99"),
    ("14", "N00", "N99"),
    ("15", "O00", "O9A"),
    ("16", "P00", "P96"),
    ("17", "Q00", "Q99"),
    ("18", "R00", "R99"),
    ("19", "S00", "T88"),
    ("20", "V00", "Y99"),
    ("21", "Z00", "Z99"),
    ("22", "U00", "U85"),
)


def _chapter_index(code: str) -> int:
    category = code[:3]
    for i, (_name, first, last) in enumerate(_CHAPTERS):
        if first <= category <= last:
            return i
    for i, (_name, first, last) in enumerate(_CHAPTERS):  # a category outside every range
        if first[0] <= category[0] <= last[0]:
            return i
    return len(_CHAPTERS) - 1


def _order_rows(path: Path) -> Iterator[tuple[str, bool, str]]:
    """(code, billable, long title) per line; CodeSetError on a line of another layout."""
    try:
        with path.open(encoding="utf-8", errors="replace", newline=None) as stream:
            for number, raw in enumerate(stream, 1):
                line = raw.rstrip("\r\n")
                if not line.strip():
                    continue
                code = line[6:13].strip()
                if not (
                    line[:5].isdigit()
                    and line[5:6] == " "
                    and _ORDER_CODE.fullmatch(code)
                    and line[13:14] == " "
                    and line[14:15] in ("0", "1")
                    and line[15:16] in ("", " ")
                ):
                    raise CodeSetError(
                        f"{path.name} line {number} is not an ICD-10-CM order-file line "
                        "(5-digit order number, code in 7 columns, flag 0 or 1, short title, "
                        "long title)"
                    )
                short, long = line[16:76].strip(), line[77:].strip()
                yield code, line[14] == "1", long or short
    except OSError as exc:
        raise CodeSetError(f"{path.name}: cannot read ({exc.strerror or exc})") from exc


def _order_payload(path: Path, release: CodeSetRelease) -> dict[str, Any]:
    """The order file as the flat pre-order arrays :class:`Icd10cm` reads."""
    codes: list[str] = []
    titles: list[str] = []
    parent: list[int] = []
    end: list[int] = []
    flags = bytearray()
    chapter_of = bytearray()
    stack: list[int] = []
    seen: set[str] = set()
    for code, billable, title in _order_rows(path):
        if code in seen:
            raise CodeSetError(f"{path.name}: {code} is listed twice")
        seen.add(code)
        while stack and not code.startswith(codes[stack[-1]]):
            end[stack.pop()] = len(codes)
        par = stack[-1] if stack else -1
        flag = _BILLABLE if billable else 0
        if _MANIFESTATION_PHRASE in title.lower() or (par >= 0 and flags[par] & _MANIFESTATION):
            flag |= _MANIFESTATION
        if par >= 0 and len(code) == 7 and not flags[par] & _GENERATED:
            # A 7th-character code: keep the character's meaning only, as the tabular index
            # does, so that title() and is_unspecified() answer alike for both sources.
            head = titles[par] + ", "
            if title.startswith(head) and len(title) > len(head):
                title = title[len(head) :]
                flag |= _GENERATED
        codes.append(code)
        titles.append(title)
        parent.append(par)
        end.append(len(codes))
        flags.append(flag)
        chapter_of.append(_chapter_index(code))
        stack.append(len(codes) - 1)
    while stack:
        end[stack.pop()] = len(codes)
    if not codes:
        raise CodeSetError(f"{path.name}: no ICD-10-CM codes in the file")
    return {
        "format": FORMAT_VERSION,
        "version": str(release.effective_to.year if release.effective_to else ""),
        "release": [
            release.name,
            release.effective_from.isoformat(),
            release.effective_to.isoformat() if release.effective_to else None,
        ],
        "codes": codes,
        "titles": titles,
        "parent": parent,
        "end": end,
        "flags": bytes(flags),
        "chapter_of": bytes(chapter_of),
        "chapters": [[name, f"({first}-{last})", []] for name, first, last in _CHAPTERS],
        "sections": [],
        "cat_sections": {},
        "excl1": {},
    }


def read_order_file(path: Path, release: CodeSetRelease | None = None) -> Icd10cm:
    """An index over a CMS/CDC order file; the release defaults to what the name states."""
    path = Path(path)
    release = release or release_from_name(path)
    if release is None:
        raise CodeSetError(_no_date_message(path))
    return Icd10cm(_order_payload(path, release), release)


# --------------------------------------------------------------------------------------------
# Loading


def _no_date_message(path: Path) -> str:
    return (
        f"{path.name}: the file name gives no effective date (e.g. 'April-1-2026' or '2026'); "
        f"give the first date of service it applies to as {path}@YYYY-MM-DD"
    )


def _is_xml(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            head = stream.read(512)
    except OSError as exc:
        raise CodeSetError(f"{path.name}: cannot read ({exc.strerror or exc})") from exc
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _read_tabular(path: Path, start: date | None) -> Icd10cm:
    from lxml import etree

    release = release_from_name(path, start)
    try:
        index = read_icd10cm(path, release=release)
    except (etree.XMLSyntaxError, ValueError, KeyError) as exc:
        raise CodeSetError(f"{path.name}: not an ICD-10-CM tabular XML ({exc})") from exc
    if len(index) == 0:
        raise CodeSetError(f"{path.name}: no ICD-10-CM codes in the tabular XML")
    if release is None and not index.version.isdigit():  # nor the XML's <version> (FY)
        raise CodeSetError(_no_date_message(path))
    return index


@functools.cache
def _load(path: Path, start: date | None, stamp: tuple[int, int]) -> Icd10cm:
    if _is_xml(path):
        return _read_tabular(path, start)
    return read_order_file(path, release_from_name(path, start))


def load_code_set(spec: str | Path) -> Icd10cm:
    """One release from ``PATH`` or ``PATH@YYYY-MM-DD`` (tabular XML or order file), kept per
    process while the file is unchanged. CodeSetError for a missing or unusable file."""
    path, start = parse_code_set_spec(spec)
    try:
        st = path.stat()
    except OSError as exc:
        raise CodeSetError(f"{path}: no such file") from exc
    if not path.is_file():
        raise CodeSetError(f"{path}: not a file")
    return _load(path.resolve(), start, (st.st_size, st.st_mtime_ns))


def load_code_sets(specs: Iterable[str | Path] = ()) -> CodeSets:
    """The packaged release plus the given ones (a given release with the same start date as
    another replaces it)."""
    return CodeSets([load_icd10cm(), *(load_code_set(s) for s in specs)])


# --------------------------------------------------------------------------------------------
# The set


class PendingIndex:
    """A release whose dates are known but whose index is opened only when a date needs it
    (a store of several releases costs nothing until a claim falls in one)."""

    def __init__(self, release: CodeSetRelease, opener: Callable[[], Icd10cm]) -> None:
        self.release = release
        self._opener = opener

    def open(self) -> Icd10cm:
        return self._opener()


class CodeSets:
    """Installed releases in date order; each one's end cut at the next one's start. An entry
    is an open :class:`Icd10cm` or a :class:`PendingIndex`, opened on first use."""

    def __init__(self, indexes: Iterable[Icd10cm | PendingIndex]) -> None:
        by_start: dict[date, Icd10cm | PendingIndex] = {}
        for index in indexes:  # a later one with the same start replaces an earlier one
            by_start[index.release.effective_from] = index
        if not by_start:
            raise ValueError("CodeSets needs at least one release")
        starts = sorted(by_start)
        self._entries: list[tuple[CodeSetRelease, Icd10cm | PendingIndex]] = []
        self._opened: dict[int, Icd10cm] = {}
        for i, start in enumerate(starts):
            entry = by_start[start]
            own = entry.release
            end = own.effective_to or fiscal_year_end(start)
            if i + 1 < len(starts):
                end = min(end, starts[i + 1] - timedelta(days=1))
            self._entries.append((CodeSetRelease(own.name, own.effective_from, end), entry))

    def _index(self, i: int) -> Icd10cm:
        index = self._opened.get(i)
        if index is None:
            release, entry = self._entries[i]
            index = entry.open() if isinstance(entry, PendingIndex) else entry
            if index.release != release:
                # never change a shared (cached) index: a shallow copy shares its arrays
                index = copy.copy(index)
                index.release = release
            self._opened[i] = index
        return index

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Icd10cm]:
        return (self._index(i) for i in range(len(self._entries)))

    def __repr__(self) -> str:
        return f"<CodeSets {', '.join(r.name for r in self.releases)}>"

    @property
    def releases(self) -> tuple[CodeSetRelease, ...]:
        return tuple(release for release, _entry in self._entries)

    @property
    def opened(self) -> int:
        """How many releases were opened so far (the rest cost nothing)."""
        return len(self._opened)

    @property
    def newest(self) -> Icd10cm:
        """The release with the latest start."""
        return self._index(len(self._entries) - 1)

    def release_for(self, day: date) -> tuple[int, bool]:
        """The position of the release in force on the day and True; else of the nearest one
        and False. Opens nothing."""
        best = 0
        best_gap: int | None = None
        for i, (release, _entry) in enumerate(self._entries):
            if release.covers(day):
                return i, True
            if day < release.effective_from:
                gap = (release.effective_from - day).days
            else:
                assert release.effective_to is not None  # set for every release of the set
                gap = (day - release.effective_to).days
            if best_gap is None or gap <= best_gap:  # a tie goes to the later release
                best, best_gap = i, gap
        return best, False

    def for_date(self, day: date) -> tuple[Icd10cm, bool]:
        """The release in force on the day, and True; else the nearest one, and False."""
        i, covered = self.release_for(day)
        return self._index(i), covered
