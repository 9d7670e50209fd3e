"""ICD-10-CM releases: the CDC/CMS tabular XML (``icd10cm-tabular-2027.xml``, also inside the
CMS ``icd10cm-table-index-2027.zip``; UNVERIFIED for FY2027 names) or an order file
(``icd10cm-order-2027.txt``), dated as :mod:`scrubber.codesets.releases` reads names: a bare
year is that fiscal year (from October 1 of the year before), ``April-1-2026`` that day.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from scrubber.codesets.icd10cm import CodeSetRelease, Icd10cm
from scrubber.codesets.releases import (
    CodeSetError,
    _order_payload,
    fiscal_year_end,
    release_from_name,
)
from scrubber.content.formats.common import ContentError
from scrubber.content.release import Release

KIND = "icd10cm"


def looks_like(name: str, head: str) -> bool:
    if re.search(r"icd-?10-?cm|icd10c|tabular", name, re.IGNORECASE) and not re.search(
        r"index|pcs|drug|neoplasm|eindex", name.replace("table-index", ""), re.IGNORECASE
    ):
        return True
    return "<ICD10CM.tabular" in head or bool(re.match(r"\d{5} [A-Z][0-9A-Z]{2}", head))


def period(name: str, head: str) -> tuple[date, date | None] | None:
    release = release_from_name(Path(name))
    if release is None:
        if m := re.search(r"<version>\s*(\d{4})\s*</version>", head):
            fy = int(m.group(1))
            return date(fy - 1, 10, 1), date(fy, 9, 30)
        return None
    return release.effective_from, release.effective_to


def title(start: date, name: str) -> str:
    if start.month == 10 and start.day == 1:
        return f"ICD-10-CM FY{start.year + 1}"
    return f"ICD-10-CM {start:%B} {start.day}, {start.year}"


def build(path: Path) -> dict[str, Any]:
    from lxml import etree

    from scrubber.codesets.tabular import _build_payload

    with path.open("rb") as stream:
        xml = stream.read(512).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    placeholder = CodeSetRelease("ICD-10-CM", date(2000, 10, 1), fiscal_year_end(date(2000, 10, 1)))
    try:
        payload = _build_payload(path, None) if xml else _order_payload(path, placeholder)
    except CodeSetError as exc:
        raise ContentError(str(exc)) from exc
    except (etree.XMLSyntaxError, ValueError, KeyError) as exc:
        raise ContentError(f"{path.name}: not an ICD-10-CM tabular XML ({exc})") from exc
    if not payload["codes"]:
        raise ContentError(f"{path.name}: no ICD-10-CM codes in the file")
    return payload


def restore(payload: dict[str, Any], release: Release) -> Icd10cm:
    return Icd10cm(
        payload, CodeSetRelease(release.name, release.effective_from, release.effective_to)
    )
