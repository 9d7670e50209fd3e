"""NCCI procedure-to-procedure (PTP) edits: a small table type and a loader for the CMS file.

CMS publishes the practitioner PTP edits quarterly as tab-delimited text (also inside a ZIP): a few
lines of notices and column titles, then one edit a line: column 1 code, column 2 code, (in the
CMS layout) a flag column "* = in existence prior to 1996", effective date (CCYYMMDD), deletion
date (CCYYMMDD, ``*`` = none), modifier indicator (0 = not allowed, 1 = allowed, 9 = not
applicable), rationale. The loader reads both that layout and the bare one without the flag column:
after the two codes, the first CCYYMMDD field is the effective date, the next field the deletion
date and the one after it the modifier indicator. Lines that do not read as an edit (notices,
titles) are skipped. Sources: reference/domain.md 4.5 [S68][S69][S70].
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

__all__ = ["NcciError", "PtpEdit", "PtpTable", "load_ptp", "table_from_params"]

_CODE = re.compile(r"^[0-9A-Z]{5}$")
_D8 = re.compile(r"^\d{8}$")
MODIFIER_INDICATORS = frozenset({"0", "1", "9"})


class NcciError(Exception):
    """The PTP file cannot be read or holds no edit."""


@dataclass(frozen=True, slots=True)
class PtpEdit:
    """One pair: column 2 is denied with column 1 on the same day unless a modifier is allowed."""

    column1: str
    column2: str
    effective: date | None  # None: in force for every date (a data-table entry with no date)
    deleted: date | None  # None: not deleted
    modifier_indicator: str  # "0" never bypassable, "1" bypassable with 59/X{EPSU}, "9" n/a
    source: str = ""
    unverified: bool = False
    rationale: str = ""  # the CMS file's last column, e.g. "Mutually exclusive procedures"

    def in_force(self, day: date | None) -> bool:
        """In force on the date of service. CMS deletion dates are the first day without it."""
        if day is None:
            return self.deleted is None
        if self.effective is not None and day < self.effective:
            return False
        return self.deleted is None or day < self.deleted

    @property
    def bypassable(self) -> bool:
        return self.modifier_indicator == "1"


@dataclass(slots=True)
class PtpTable:
    """PTP edits by (column 1, column 2); where it came from, for the report."""

    edits: dict[tuple[str, str], list[PtpEdit]] = field(default_factory=dict)
    origin: str = ""

    def add(self, edit: PtpEdit) -> None:
        self.edits.setdefault((edit.column1, edit.column2), []).append(edit)

    def __len__(self) -> int:
        return sum(len(v) for v in self.edits.values())

    def lookup(self, column1: str, column2: str, day: date | None) -> PtpEdit | None:
        """The edit for this ordered pair in force on the day (indicator 9 counts as none)."""
        return self._in_force(self.edits.get((column1.upper(), column2.upper())), day)

    @staticmethod
    def _in_force(edits: list[PtpEdit] | None, day: date | None) -> PtpEdit | None:
        for edit in edits or ():
            if edit.in_force(day) and edit.modifier_indicator != "9":
                return edit
        return None

    def pairs(self, codes: Iterable[str], day: date | None) -> Iterator[PtpEdit]:
        """Every edit in force on the day between two of the codes (either order)."""
        unique = sorted({c.upper() for c in codes})
        if len(unique) < 2:
            return
        edits = self.edits
        for first in unique:
            for second in unique:
                if first != second:
                    found = edits.get((first, second))
                    if found and (edit := self._in_force(found, day)) is not None:
                        yield edit


def _parse_date(value: str) -> date | None:
    value = value.strip()
    if not _D8.match(value):
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def _edit_from_fields(fields: list[str], origin: str) -> PtpEdit | None:
    fields = [f.strip().strip('"') for f in fields]
    if len(fields) < 4:
        return None
    column1, column2 = fields[0].upper(), fields[1].upper()
    if not (_CODE.match(column1) and _CODE.match(column2)):
        return None
    rest = fields[2:]
    start = next((i for i, value in enumerate(rest) if _parse_date(value)), None)
    if start is None or start + 2 >= len(rest):
        return None
    effective = _parse_date(rest[start])
    deletion_text = rest[start + 1]
    indicator = rest[start + 2]
    if deletion_text in ("*", ""):
        deleted = None
    else:
        deleted = _parse_date(deletion_text)
        if deleted is None:
            return None
    if indicator not in MODIFIER_INDICATORS:
        return None
    rationale = rest[start + 3] if start + 3 < len(rest) else ""
    return PtpEdit(
        column1, column2, effective, deleted, indicator, source=origin, rationale=rationale
    )


def _read_lines(stream: Iterable[str], origin: str, table: PtpTable) -> None:
    for line in stream:
        edit = _edit_from_fields(line.rstrip("\r\n").split("\t"), origin)
        if edit is not None:
            table.add(edit)


def load_ptp(path: str | Path) -> PtpTable:
    """Read a CMS practitioner PTP file (.txt, tab-delimited) or a ZIP holding such files."""
    path = Path(path)
    table = PtpTable(origin=path.name)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for name in sorted(archive.namelist()):
                    if name.lower().endswith((".txt", ".tsv")):
                        with archive.open(name) as raw:
                            text = io.TextIOWrapper(raw, encoding="latin-1", newline="")
                            _read_lines(text, f"{path.name}:{name}", table)
        else:
            with path.open(encoding="latin-1", newline="") as stream:
                _read_lines(stream, path.name, table)
    except OSError as error:
        raise NcciError(f"cannot read the NCCI PTP file {path}: {error}") from error
    except zipfile.BadZipFile as error:
        raise NcciError(f"{path.name} is not a readable ZIP: {error}") from error
    if not len(table):
        raise NcciError(
            f"{path.name} holds no PTP edit: expected tab-delimited lines of column 1 code, "
            "column 2 code, effective date, deletion date and modifier indicator"
        )
    return table


def table_from_params(entries: Iterable[Mapping[str, Any]], origin: str = "") -> PtpTable:
    """The small table kept as data in edits/THR005.toml (one entry may list several codes).

    Entry keys: ``column1`` and ``column2`` (a code or a list of codes), ``modifier_indicator``,
    optional ``effective_from``/``deleted`` (ISO dates), ``source``, ``unverified``.
    """
    table = PtpTable(origin=origin)
    for entry in entries:
        firsts = _as_list(entry["column1"])
        seconds = _as_list(entry["column2"])
        effective = _iso(entry.get("effective_from"))
        deleted = _iso(entry.get("deleted"))
        indicator = str(entry.get("modifier_indicator", "1"))
        for first in firsts:
            for second in seconds:
                table.add(
                    PtpEdit(
                        first.upper(),
                        second.upper(),
                        effective,
                        deleted,
                        indicator,
                        source=str(entry.get("source", "")),
                        unverified=bool(entry.get("unverified", False)),
                    )
                )
    return table


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    raise NcciError(f"a PTP code must be a string or a list of strings, not {value!r}")


def _iso(value: object) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
