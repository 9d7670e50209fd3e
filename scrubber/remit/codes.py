"""CARC and RARC descriptions from the content store, when a list is installed; without one the
codes are shown as they are (no description is ever made up)."""

from __future__ import annotations

from datetime import date
from typing import Any


def _release(kind: str, day: date) -> Any:
    try:
        from scrubber import content  # type: ignore[attr-defined]
    except ImportError:  # the content store is not part of this installation
        return None
    release = getattr(content, "release", None)
    if release is None:
        return None
    try:
        return release(kind, day)
    except Exception:  # no list of that kind installed, or none in force on that day
        return None


class Descriptions:
    """`carc(code)` and `rarc(code)`: the installed list's text or None."""

    def __init__(self, day: date | None = None) -> None:
        day = day or date.today()
        self._lists = {kind: _release(kind, day) for kind in ("carc", "rarc")}

    @property
    def available(self) -> dict[str, bool]:
        return {kind: found is not None for kind, found in self._lists.items()}

    def _describe(self, kind: str, code: str) -> str | None:
        found = self._lists.get(kind)
        if found is None:
            return None
        try:
            text = found.description(code)
        except (KeyError, LookupError):
            return None
        return str(text) if text else None

    def carc(self, code: str) -> str | None:
        return self._describe("carc", code)

    def rarc(self, code: str) -> str | None:
        return self._describe("rarc", code)
