"""CARC and RARC descriptions from the content store (`scrub837 content add` installs the lists);
without a list the codes are shown as they are (no description is ever made up)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from scrubber.content.run import run_content


class Descriptions:
    """`carc(code)` and `rarc(code)`: the installed list's text, or None."""

    def __init__(self, store: Path | None = None, day: date | None = None) -> None:
        view = run_content(store)
        # day None: the newest list (a code's text rarely changes; its use does)
        self._lists: dict[str, Any] = {kind: view.release(kind, day) for kind in ("carc", "rarc")}

    @property
    def available(self) -> dict[str, bool]:
        return {kind: found is not None for kind, found in self._lists.items()}

    def _describe(self, kind: str, code: str) -> str | None:
        found = self._lists.get(kind)
        text = found.description(code) if found is not None else None
        return str(text) if text else None

    def carc(self, code: str) -> str | None:
        return self._describe("carc", code)

    def rarc(self, code: str) -> str | None:
        return self._describe("rarc", code)
