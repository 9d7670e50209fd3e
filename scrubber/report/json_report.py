"""The JSON report, serialized as a stream so that large files never sit in memory as objects:
the head field by field, then each claim entry as it comes from the spool."""

from __future__ import annotations

import json
from typing import Any, TextIO

from scrubber.report.spool import ClaimSpool


def _value(value: Any) -> str:
    """A head value as it stands one level into the report's object (two spaces in)."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")


def write_json(out: TextIO, report: dict[str, Any], claims: ClaimSpool) -> None:
    """`report` holds every field but claims; the claims come from the spool in file order, one
    entry per line, as the report's last field."""
    out.write("{")
    for key, value in report.items():
        if key != "claims":
            out.write(f"\n  {json.dumps(key)}: {_value(value)},")
    out.write('\n  "claims": [')
    for index, entry in enumerate(claims.encoded()):  # encoded once, when spooled
        out.write(",\n    " if index else "\n    ")
        out.write(entry)
    out.write("\n  ]\n}\n" if len(claims) else "]\n}\n")
