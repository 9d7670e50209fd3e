"""The HTML report from the report head and the claim spool (held, then fixed, then clean)."""

from __future__ import annotations

from typing import Any, TextIO

from scrubber.report.html import write_html as write_page
from scrubber.report.spool import ClaimSpool


def write_html(out: TextIO, report: dict[str, Any], claims: ClaimSpool) -> None:
    write_page(out, report, claims.by_disposition("held", "fixed", "clean"))
