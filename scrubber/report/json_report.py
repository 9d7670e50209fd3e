"""The JSON report, written as a stream so that large files never sit in memory as objects."""

from __future__ import annotations

import json
from typing import Any, TextIO

from scrubber.report.spool import ClaimSpool


def write_json(out: TextIO, report: dict[str, Any], claims: ClaimSpool) -> None:
    """`report` holds every field but claims; claims come from the spool in file order."""
    head = json.dumps({**report, "claims": []}, indent=2, ensure_ascii=False)
    before, _, after = head.rpartition('"claims": []')
    out.write(before + '"claims": [')
    for index, entry in enumerate(claims.encoded()):  # encoded once, when spooled
        out.write(",\n    " if index else "\n    ")
        out.write(entry)
    out.write("\n  ]" if len(claims) else "]")
    out.write(after)
    out.write("\n")
