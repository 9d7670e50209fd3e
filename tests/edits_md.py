"""../shared/EDITS.md (the contract beside the repository) as {edit id: default severity}."""

from __future__ import annotations

import re
from pathlib import Path

EDITS_MD = Path(__file__).resolve().parents[1].parent / "shared" / "EDITS.md"


def _severity_of(default: str, table: dict[str, str]) -> str:
    """EDITS.md's "default" column as the catalogue's default severity: rejections are errors;
    where the column names several severities, the default is the mildest one (the check or a
    profile raises it case by case); "(refines X)" takes X's."""
    text = default.replace("`", "").lower()
    if refined := re.search(r"\(refines (\w+)\)", text):
        return _severity_of(table[refined.group(1).upper()], table)
    named = [s for s in ("info", "warning", "error") if re.search(rf"\b{s}\b", text)]
    if named:
        return named[0]
    if text.startswith("reject"):
        return "error"
    raise AssertionError(f"cannot read the default severity {default!r}")


def edits_md_defaults() -> dict[str, str]:
    """Every edit id of ../shared/EDITS.md (beside the repository) with its default severity.
    A missing EDITS.md is a failure, never a skip."""
    assert EDITS_MD.exists(), f"the contract {EDITS_MD} is missing (shared/ beside the repo)"
    rows: dict[str, str] = {}
    for line in EDITS_MD.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and re.fullmatch(r"[A-Z]{2,3}\d{3}", cells[0]):
            rows[cells[0]] = cells[2]
    return {edit: _severity_of(default, rows) for edit, default in rows.items()}
