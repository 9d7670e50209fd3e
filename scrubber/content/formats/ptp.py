"""NCCI practitioner PTP edits: the CMS quarterly files ``ccipra-v321r0-f1.txt`` ... ``f4`` (in
``medicare-ncci-2026q2-practitioner-ptp-edits-ccipra-v321r0-f1.zip``), read by
:func:`scrubber.ncci.load_ptp`: tab-delimited column 1, column 2, ``*`` (in existence prior to
1996), effective date, deletion date, modifier indicator, rationale. The four files of a quarter
are parts of one release.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from scrubber.content.formats.common import ContentError
from scrubber.content.periods import ncci_version_start, quarter_end, quarter_in_name
from scrubber.content.release import Release
from scrubber.ncci import NcciError, PtpEdit, PtpTable, load_ptp

KIND = "ptp"


def looks_like(name: str, head: str) -> bool:
    if re.search(r"ccipra|ccioph|ptp", name, re.IGNORECASE):
        return True
    return bool(re.search(r"^[0-9A-Z]{5}\t[0-9A-Z]{5}\t", head, re.MULTILINE))


def period(name: str, head: str) -> tuple[date, date | None] | None:
    start = ncci_version_start(name) or quarter_in_name(name)
    if start is None:
        return None
    return start, quarter_end(start)


def title(start: date, name: str) -> str:
    version = re.search(r"v\d{3}r\d", name, re.IGNORECASE)
    quarter = f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return f"NCCI PTP practitioner {quarter}" + (
        f" ({version.group(0).lower()})" if version else ""
    )


def build(path: Path) -> dict[str, Any]:
    if re.search(r"ccioph|hospital", path.name, re.IGNORECASE):
        raise ContentError(
            f"{path.name} is the outpatient hospital PTP file (ccioph): scrub837 checks "
            "professional claims with the practitioner files (ccipra-v...-f1 to f4)"
        )
    try:
        table = load_ptp(path)
    except NcciError as exc:
        raise ContentError(str(exc)) from exc
    rows = [
        [
            e.column1,
            e.column2,
            e.effective.isoformat() if e.effective else "",
            e.deleted.isoformat() if e.deleted else "",
            e.modifier_indicator,
            e.rationale,
        ]
        for edits in table.edits.values()
        for e in edits
    ]
    return {"edits": rows}


def restore(payload: dict[str, Any], release: Release) -> PtpTable:
    source = release.name
    table = PtpTable(origin=source)
    for c1, c2, effective, deleted, indicator, rationale in payload["edits"]:
        table.add(
            PtpEdit(
                c1,
                c2,
                date.fromisoformat(effective) if effective else None,
                date.fromisoformat(deleted) if deleted else None,
                indicator,
                source=source,
                rationale=rationale,
            )
        )
    return table
