"""Coverage lists: a CSV in the shape of an LCD billing-and-coding article export.

One row per procedure and covered diagnoses (UNVERIFIED: the column titles of the CMS Medicare
Coverage Database export vary by download; these aliases are read, in any order):

* procedure: ``HCPCS``, ``HCPC Code``, ``CPT/HCPCS Code``, ``Procedure``, ``hcpc_code_id``
* covered diagnoses: ``ICD-10``, ``ICD-10-CM Code``, ``ICD-10 Codes``, ``icd10_code_id``,
  ``Covered ICD-10 Codes``: one code, a range ``M54.50-M54.59``, a category ``M54.5`` (all
  codes under it), or several separated by commas, semicolons or spaces
* who: ``Payer``/``Payer ID`` and ``Contractor``/``Contractor Number`` (a rule without a payer
  applies to every payer it is scrubbed for)
* dates: ``Effective Date``/``Effective From``/``Start``, ``End Date``/``Effective To``/
  ``Retirement Date`` (CCYYMMDD, YYYY-MM-DD or MM/DD/YYYY)
* the article: ``Article``/``Article ID``/``LCD``/``Document``
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from scrubber.content.formats.common import ContentError, csv_rows, parse_day
from scrubber.content.release import CoverageRule, Release

KIND = "coverage"
_ALIASES = {
    "procedure": (
        "hcpcs",
        "hcpc code",
        "hcpcs code",
        "cpt/hcpcs code",
        "procedure",
        "hcpc_code_id",
        "procedure code",
        "cpt/hcpcs",
    ),
    "icd": (
        "icd-10",
        "icd10",
        "icd-10-cm code",
        "icd-10 code",
        "icd-10 codes",
        "icd10_code_id",
        "covered icd-10 codes",
        "icd-10-cm",
        "diagnosis",
        "diagnoses",
    ),
    "payer": ("payer", "payer id", "payer_id"),
    "contractor": (
        "contractor",
        "contractor number",
        "contractor_number",
        "contract number",
        "mac",
    ),
    "from": (
        "effective date",
        "effective from",
        "effective_from",
        "start",
        "start date",
        "original effective date",
    ),
    "to": ("end date", "effective to", "effective_to", "end", "retirement date"),
    "article": ("article", "article id", "article_id", "lcd", "lcd id", "document", "document id"),
}
_EXPECTED = (
    "expected a coverage CSV (an LCD billing-and-coding article export): a header row with a "
    "procedure column (HCPCS or CPT/HCPCS Code) and a covered ICD-10 column (ICD-10 Codes), "
    "optionally Payer, Contractor, Effective Date, End Date and Article"
)
_ICD = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$")
_SPLIT = re.compile(r"[,;\s]+")


def _columns(row: list[str]) -> dict[str, int] | None:
    titles = [c.strip().lower() for c in row]
    found: dict[str, int] = {}
    for key, aliases in _ALIASES.items():
        for i, t in enumerate(titles):
            if t in aliases:
                found.setdefault(key, i)
    return found if "procedure" in found and "icd" in found else None


def has_coverage_titles(head: str) -> bool:
    """The first line names a procedure column and a covered ICD-10 column."""
    first = head.splitlines()[0] if head else ""
    cells = [c.strip().strip('"') for c in first.split("\t" if "\t" in first else ",")]
    return _columns(cells) is not None


def looks_like(name: str, head: str) -> bool:
    if re.search(r"coverage|lcd|billing-and-coding|article", name, re.IGNORECASE):
        return True
    return has_coverage_titles(head)


def _rules(path: Path) -> tuple[list[list[Any]], str]:
    columns: dict[str, int] | None = None
    rules: list[list[Any]] = []
    article = ""
    for number, row in enumerate(csv_rows(path), 1):
        if columns is None:
            columns = _columns(row)
            continue
        if not any(row):
            continue

        def cell(key: str, row: list[str] = row, columns: dict[str, int] = columns) -> str:
            i = columns.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""

        procedure = cell("procedure").upper()
        if not re.fullmatch(r"[0-9A-Z]{5}", procedure):
            raise ContentError(
                f"{path.name} row {number}: {procedure!r} is not a procedure code: {_EXPECTED}"
            )
        ranges = []
        for item in _SPLIT.split(cell("icd").upper()):
            if not item:
                continue
            first, _, last = item.partition("-")
            last = last or first
            if not (_ICD.match(first) and _ICD.match(last)):
                raise ContentError(
                    f"{path.name} row {number}: {item!r} is not an ICD-10-CM code or range: "
                    + _EXPECTED
                )
            ranges.append([first.replace(".", ""), last.replace(".", "")])
        if not ranges:
            raise ContentError(f"{path.name} row {number}: no covered ICD-10 code: {_EXPECTED}")
        try:
            start, end = parse_day(cell("from")), parse_day(cell("to"))
        except ValueError as exc:
            raise ContentError(f"{path.name} row {number}: {exc}") from exc
        article = article or cell("article")
        rules.append(
            [
                procedure,
                ranges,
                cell("payer").upper(),
                cell("contractor").upper(),
                start.isoformat() if start else "",
                end.isoformat() if end else "",
                cell("article") or path.name,
            ]
        )
    if columns is None:
        raise ContentError(f"{path.name}: no procedure and ICD-10 column titles: {_EXPECTED}")
    if not rules:
        raise ContentError(f"{path.name}: no coverage row: {_EXPECTED}")
    return rules, article


def period(name: str, head: str) -> tuple[date, date | None] | None:
    return None  # from the rows: see build()


def rows_period(payload: dict[str, Any]) -> tuple[date, date | None] | None:
    """The period the rows' own dates span (None when a row has no start date)."""
    starts = [r[4] for r in payload["rules"]]
    if not starts or "" in starts:
        return None
    ends = [r[5] for r in payload["rules"]]
    return date.fromisoformat(min(starts)), None if "" in ends else date.fromisoformat(max(ends))


def title(start: date, name: str) -> str:
    return f"Coverage {Path(name).stem}"


def build(path: Path) -> dict[str, Any]:
    rules, article = _rules(path)
    return {"rules": rules, "article": article}


def restore(payload: dict[str, Any], release: Release) -> list[CoverageRule]:
    return [
        CoverageRule(
            procedure,
            tuple((first, last) for first, last in ranges),
            payer,
            contractor,
            date.fromisoformat(start) if start else None,
            date.fromisoformat(end) if end else None,
            source,
        )
        for procedure, ranges, payer, contractor, start, end, source in payload["rules"]
    ]
