"""Writes the HTML report from the report head and the claim spool (held first, then fixed, clean)."""

from __future__ import annotations

from typing import Any, TextIO

from scrubber.report.spool import ClaimSpool


def write_html(out: TextIO, report: dict[str, Any], claims: ClaimSpool) -> None:
    from scrubber.report.html import render_html

    full = {**report, "claims": list(claims.by_disposition("held", "fixed", "clean"))}
    out.write(render_html(full))
