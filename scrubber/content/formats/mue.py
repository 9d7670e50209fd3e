"""Practitioner MUE: the CMS quarterly table ``MCR_MUE_PractitionerServices_Eff_MM-DD-YYYY.csv``
(in ``medicare-ncci-2026-q3-practitioner-services-mue-table.zip``): lines of notice, then the
column titles ``HCPCS/CPT Code, Practitioner Services MUE Values, MUE Adjudication Indicator,
MUE Rationale``, then one code a row, e.g. ``97110,...,"3 Date of Service Edit: Clinical",...``
(the indicator's digit: 1 line, 2 date of service policy, 3 date of service clinical).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from scrubber.content.formats.common import ContentError, csv_rows
from scrubber.content.periods import date_in_name, ncci_version_start, quarter_end, quarter_in_name
from scrubber.content.release import Release

KIND = "mue"
_CODE = re.compile(r"^[0-9A-Z]{4}[0-9A-Z]$")
_EXPECTED = (
    "expected the CMS practitioner MUE table (CSV): the column titles 'HCPCS/CPT Code', "
    "'Practitioner Services MUE Values', 'MUE Adjudication Indicator', 'MUE Rationale', then "
    "one code a row"
)


def looks_like(name: str, head: str) -> bool:
    return bool(re.search(r"mue", name, re.IGNORECASE)) or "MUE Values" in head


def period(name: str, head: str) -> tuple[date, date | None] | None:
    start = date_in_name(name) or quarter_in_name(name) or ncci_version_start(name)
    if start is None:
        return None
    return start, quarter_end(start)


def title(start: date, name: str) -> str:
    return f"MUE practitioner {start.year} Q{(start.month - 1) // 3 + 1}"


def build(path: Path) -> dict[str, Any]:
    if re.search(r"hospital|dme", path.name, re.IGNORECASE):
        raise ContentError(
            f"{path.name} is not the practitioner MUE table (this looks like the outpatient "
            "hospital or DME supplier table): scrub837 checks professional claims with "
            "MCR_MUE_PractitionerServices_Eff_MM-DD-YYYY.csv"
        )
    limits: dict[str, list[Any]] = {}
    header = False
    for number, row in enumerate(csv_rows(path), 1):
        if not header:
            header = bool(row) and row[0].upper().startswith("HCPCS") and len(row) >= 3
            continue
        if not row or not any(row):
            continue
        code = row[0].upper()
        if not _CODE.match(code) or len(row) < 3 or not row[1].isdigit():
            raise ContentError(
                f"{path.name} row {number} is not an MUE row ({row[:3]}): {_EXPECTED}"
            )
        limits[code] = [int(row[1]), row[2], row[3] if len(row) > 3 else ""]
    if not header:
        raise ContentError(f"{path.name}: no 'HCPCS/CPT Code' column title: {_EXPECTED}")
    if not limits:
        raise ContentError(f"{path.name}: no MUE row: {_EXPECTED}")
    return {"limits": limits}


def restore(payload: dict[str, Any], release: Release) -> dict[str, list[Any]]:
    limits: dict[str, list[Any]] = payload["limits"]
    return limits
