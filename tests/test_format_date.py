"""format_date reads dates without strptime and says what the strptime version said."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber.report.formatting import format_date


def _by_strptime(value: object) -> str:
    text = ("" if value is None else str(value)).strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            d = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return f"{d.month:02d}/{d.day:02d}/{d.year:04d}"
    return text


def test_the_usual_forms() -> None:
    assert format_date("2026-04-10") == "04/10/2026"
    assert format_date("20260410") == "04/10/2026"
    assert format_date("2026-4-1") == "04/01/2026"  # strptime took it: still taken
    assert format_date("20260230") == "20260230"  # no such day: as given
    assert format_date("1970") == "1970"  # masked
    assert format_date(None) == ""


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="0123456789- ", max_size=12))
def test_same_as_strptime_on_digit_texts(text: str) -> None:
    assert format_date(text) == _by_strptime(text)


@settings(max_examples=1000, deadline=None)
@given(st.integers(0, 9999), st.integers(0, 14), st.integers(0, 33), st.sampled_from(["", "-"]))
def test_same_as_strptime_on_date_shapes(year: int, month: int, day: int, sep: str) -> None:
    text = f"{year:04d}{sep}{month:02d}{sep}{day:02d}"
    assert format_date(text) == _by_strptime(text)
