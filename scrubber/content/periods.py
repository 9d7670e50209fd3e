"""Effective periods as CMS names state them: quarters, calendar and fiscal years, dates in
file names (``Eff_01-01-2026``, ``2026q2``, ``JAN2026``, NCCI version ``v321``)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from scrubber.codesets.tabular import _MONTH_NAMES

__all__ = [
    "ContentError",
    "NeedsEffective",
    "date_in_name",
    "month_year_in_name",
    "ncci_version_start",
    "quarter_end",
    "quarter_in_name",
    "year_end",
]

_MONTHS = _MONTH_NAMES


class ContentError(ValueError):
    """A content file that cannot be used; the message names the file and what was expected."""


class NeedsEffective(ContentError):
    """The file does not say which dates of service it applies to: give ``--effective``."""


def quarter_end(day: date) -> date:
    """The last day of the calendar quarter holding the day."""
    last_month = (day.month - 1) // 3 * 3 + 3
    first_of_next = (
        date(day.year + 1, 1, 1) if last_month == 12 else date(day.year, last_month + 1, 1)
    )
    return first_of_next - timedelta(days=1)


def year_end(day: date) -> date:
    return date(day.year, 12, 31)


_MDY = re.compile(r"(?<!\d)(\d{2})[-_.](\d{2})[-_.]((?:19|20)\d{2})(?!\d)")
_YMD = re.compile(r"(?<!\d)((?:19|20)\d{2})-(\d{2})-(\d{2})(?!\d)")
_QUARTER = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_ ]?q([1-4])(?![0-9])", re.IGNORECASE)
_MONTH_YEAR = re.compile(
    r"(?<![a-z])(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[-_ ]?((?:19|20)\d{2})"
    r"(?!\d)|(?<!\d)((?:19|20)\d{2})[-_ ]?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"(?![a-z])",
    re.IGNORECASE,
)
_NCCI_VERSION = re.compile(r"(?<![a-z0-9])v(\d{2})([0-3])r\d(?!\d)", re.IGNORECASE)


def date_in_name(name: str) -> date | None:
    """A full date in a file name: MM-DD-YYYY (CMS MUE ``Eff_01-01-2026``) or YYYY-MM-DD."""
    for pattern, order in ((_MDY, (2, 0, 1)), (_YMD, (0, 1, 2))):
        if m := pattern.search(name):
            year, month, day = (int(m.group(i + 1)) for i in order)
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


def quarter_in_name(name: str) -> date | None:
    """The first day of a quarter named ``2026q2`` / ``2026-Q2``."""
    if m := _QUARTER.search(name):
        return date(int(m.group(1)), (int(m.group(2)) - 1) * 3 + 1, 1)
    return None


def month_year_in_name(name: str) -> date | None:
    """The first day of a month named ``JAN2026``, ``2026_JAN`` or ``january-2026``."""
    if m := _MONTH_YEAR.search(name):
        month = (m.group(1) or m.group(4)).lower()
        year = int(m.group(2) or m.group(3))
        return date(year, [n[:3] for n in _MONTHS].index(month[:3]) + 1, 1)
    return None


def ncci_version_start(name: str) -> date | None:
    """NCCI files carry their version, ``v321r0``: 32 = 2026 (the version's first two digits
    plus 1994), quarter digit 0-3 = January, April, July, October (``ccipra-v320r0`` is
    published as 2026q1 and ``v323r0`` with the MUE table effective 10-01-2026)."""
    if m := _NCCI_VERSION.search(name):
        return date(1994 + int(m.group(1)), int(m.group(2)) * 3 + 1, 1)
    return None
