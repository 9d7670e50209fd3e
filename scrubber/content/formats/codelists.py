"""Plain code lists: the user's licensed CPT list, and the CARC and RARC lists.

UNVERIFIED layouts: X12 publishes the CARC and RARC lists on its web pages, and an AMA licence
comes with its own files, so these readers take what a user exports: one code a line, first in
a CSV, tab-delimited or plain line, optionally followed by its description (a header line is
skipped). CPT is the AMA's: scrub837 never ships it, the user installs their own list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from scrubber.content.formats.common import ContentError, csv_rows
from scrubber.content.periods import date_in_name, month_year_in_name, year_end
from scrubber.content.release import Release


@dataclass(frozen=True)
class CodeList:
    """One kind of plain code list (a module-like object: see formats/__init__.py)."""

    KIND: str
    pattern: str
    names: str  # what in a file name says the kind
    what: str

    def looks_like(self, name: str, head: str) -> bool:
        return bool(re.search(self.names, name, re.IGNORECASE))

    def period(self, name: str, head: str) -> tuple[date, date | None] | None:
        if self.KIND == "cpt":
            if m := re.search(r"(?<!\d)(20\d{2})(?!\d)", name):
                return date(int(m.group(1)), 1, 1), year_end(date(int(m.group(1)), 1, 1))
            return None
        start = date_in_name(name) or month_year_in_name(name)
        return (start, None) if start else None

    def title(self, start: date, name: str) -> str:
        if self.KIND == "cpt":
            return f"CPT {start.year} (licensed list)"
        return f"{self.KIND.upper()} {start:%B} {start.year}"

    def build(self, path: Path) -> dict[str, Any]:
        code = re.compile(self.pattern)
        found: dict[str, str] = {}
        for number, row in enumerate(csv_rows(path), 1):
            cells = [c for c in row if c] if len(row) > 1 else row[0].split(None, 1) if row else []
            if not cells:
                continue
            first = cells[0].upper()
            if not code.fullmatch(first):
                if number == 1 or not found:
                    continue  # a header line
                raise ContentError(
                    f"{path.name} line {number}: {cells[0]!r} is not a {self.what} code: expected "
                    f"one {self.what} code a line, first in the line, optionally followed by its "
                    "description"
                )
            found[first] = cells[1] if len(cells) > 1 else ""
        if not found:
            raise ContentError(
                f"{path.name}: no {self.what} code: expected one code a line, optionally "
                "followed by its description"
            )
        key = "codes" if self.KIND == "cpt" else "descriptions"
        return {key: found}

    def restore(self, payload: dict[str, Any], release: Release) -> dict[str, Any]:
        if self.KIND == "cpt":
            return {c: ["", ""] for c in payload["codes"]}
        descriptions: dict[str, Any] = payload["descriptions"]
        return descriptions


CPT = CodeList("cpt", r"[0-9]{4}[0-9FTU]", r"cpt", "CPT")
CARC = CodeList("carc", r"[A-Z]?[0-9]{1,3}|[A-Z][0-9A-Z]?", r"carc|adjustment[-_ ]?reason", "CARC")
RARC = CodeList("rarc", r"M[A-Z]?[0-9]{1,3}|N[0-9]{1,3}", r"rarc|remark", "RARC")
