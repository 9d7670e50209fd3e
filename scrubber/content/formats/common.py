"""What the readers share: the first lines of a file, dates as CMS writes them, CSV rows."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from scrubber.content.periods import ContentError

__all__ = ["ContentError", "csv_rows", "head_of", "parse_day"]


def head_of(path: Path, size: int = 4096) -> str:
    """The first bytes of a file as text (latin-1 never fails), to recognise its kind."""
    try:
        with path.open("rb") as stream:
            return stream.read(size).decode("latin-1")
    except OSError as exc:
        raise ContentError(f"{path.name}: cannot read ({exc.strerror or exc})") from exc


_D8 = re.compile(r"^\d{8}$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_day(text: str) -> date | None:
    """CCYYMMDD, YYYY-MM-DD or MM/DD/YYYY; None for an empty cell or ``*``."""
    value = text.strip()
    if value in ("", "*"):
        return None
    try:
        if _D8.match(value):
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        if m := _US.match(value):
            return date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
        return datetime.fromisoformat(value[:10]).date()
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a date") from exc


def csv_rows(path: Path) -> Iterator[list[str]]:
    """Rows of a CSV or tab-delimited file (the delimiter is the one the first lines use more)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ContentError(f"{path.name}: cannot read ({exc.strerror or exc})") from exc
    text = raw.decode("utf-8-sig", errors="replace") if raw[:3] == b"\xef\xbb\xbf" else None
    if text is None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        yield [cell.strip() for cell in row]
