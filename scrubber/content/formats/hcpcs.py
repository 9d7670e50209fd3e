"""HCPCS Level II: the CMS quarterly alpha-numeric file.

The quarterly ZIP (e.g. ``january-2026-alpha-numeric-hcpcs-file.zip``) holds the record layout,
an Excel file and a fixed-width text file ``HCPC2026_JAN_ANWEB.txt`` of 320-character records
(HCPCS2016_recordlayout.txt; later layouts UNVERIFIED to be the same): code in columns 1-5 (a
modifier right-aligned in 4-5), sequence number 6-10, record id 11 (3 = first line of a
procedure, 4 = its continuation, 7/8 = a modifier), long description 12-91, code added date
269-276, action effective date 277-284, termination date 285-292 (the last date the code may
be used; blank = none), action code 293. An Excel sheet saved as CSV with the column titles
(HCPC, ..., ADD DT, ACT EFF DT, TERM DT) reads too.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from scrubber.content.formats.common import ContentError, csv_rows, parse_day
from scrubber.content.periods import month_year_in_name, quarter_end
from scrubber.content.release import Release

KIND = "hcpcs"
_CODE = re.compile(r"^[A-Z][0-9]{4}$")
_NAME = re.compile(r"hcpc", re.IGNORECASE)
_EXPECTED = (
    "expected the CMS HCPCS quarterly file: the fixed-width HCPC<year>_<MON>_ANWEB.txt (320 "
    "characters a record: code in columns 1-5, record id in 11, termination date in 285-292) "
    "or its Excel sheet saved as CSV with the columns HCPC and TERM DT"
)


def looks_like(name: str, head: str) -> bool:
    if _NAME.search(name) and not re.search(r"layout|proc_notes|trans", name, re.IGNORECASE):
        return True
    first = head.splitlines()[0] if head else ""
    return len(first.rstrip("\r\n")) >= 293 and first[10:11] in "3478" and first[:5].strip() != ""


def period(name: str, head: str) -> tuple[date, date | None] | None:
    start = month_year_in_name(name)
    if start is None:
        return None
    return start, quarter_end(start)


def title(start: date, name: str) -> str:
    return f"HCPCS {start:%B} {start.year}"


def _fixed(path: Path) -> dict[str, list[str]]:
    codes: dict[str, list[str]] = {}
    try:
        with path.open(encoding="latin-1", newline=None) as stream:
            for number, raw in enumerate(stream, 1):
                line = raw.rstrip("\r\n")
                if not line.strip():
                    continue
                if len(line) < 293 or line[10:11] not in "3478":
                    raise ContentError(
                        f"{path.name} line {number} is not a HCPCS record: {_EXPECTED}"
                    )
                code = line[:5].strip()
                if line[10] != "3" or not _CODE.match(code):
                    continue  # continuation lines and modifiers
                added, terminated = parse_day(line[268:276]), parse_day(line[284:292])
                codes[code] = [
                    added.isoformat() if added else "",
                    terminated.isoformat() if terminated else "",
                ]
    except ValueError as exc:
        raise ContentError(f"{path.name}: {exc}: {_EXPECTED}") from exc
    return codes


def _sheet(path: Path) -> dict[str, list[str]]:
    rows = csv_rows(path)
    header: list[str] | None = None
    codes: dict[str, list[str]] = {}
    for row in rows:
        if header is None:
            titles = [c.upper() for c in row]
            if "HCPC" in titles and "TERM DT" in titles:
                header = titles
            continue
        cells = dict(zip(header, row, strict=False))
        code = cells.get("HCPC", "").upper()
        if not _CODE.match(code) or cells.get("RECID", "3") not in ("3", ""):
            continue
        try:
            added, terminated = (
                parse_day(cells.get("ADD DT", "")),
                parse_day(cells.get("TERM DT", "")),
            )
        except ValueError as exc:
            raise ContentError(f"{path.name}: {code}: {exc}") from exc
        codes[code] = [
            added.isoformat() if added else "",
            terminated.isoformat() if terminated else "",
        ]
    if header is None:
        raise ContentError(f"{path.name}: no HCPC / TERM DT column titles: {_EXPECTED}")
    return codes


def build(path: Path) -> dict[str, Any]:
    with path.open("rb") as stream:
        first = stream.readline().decode("latin-1").rstrip("\r\n")
    codes = _fixed(path) if len(first) >= 293 else _sheet(path)
    if not codes:
        raise ContentError(f"{path.name}: no HCPCS Level II code in the file: {_EXPECTED}")
    return {"codes": codes}


def restore(payload: dict[str, Any], release: Release) -> dict[str, list[str]]:
    codes: dict[str, list[str]] = payload["codes"]
    return codes
