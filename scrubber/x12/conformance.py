"""pyx12's own verdict on a whole document, for any map it has (837P, 999, 277CA).

This is pyx12's x12valid run in process, with a JSON error document instead of files beside
the input. The scrubber itself uses x12/tr3.py (errors by segment number); this is the judge
that tests and tools use to check what we write.
"""

from __future__ import annotations

import io
import json
import logging
from typing import Any


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


def pyx12_errors(text: str, *, logged: bool = True) -> list[str]:
    """Every error pyx12 finds in `text` against the map its envelope names (empty: valid).

    With `logged`, errors pyx12 only logs (some it cannot attach to a node) count too.
    """
    import pyx12.params
    import pyx12.x12n_document

    logger = logging.getLogger("pyx12")
    collect = _Collect()
    logger.addHandler(collect)
    propagate = logger.propagate
    logger.propagate = False  # pyx12 logs every error with its value: keep it off our logs
    try:
        report = io.StringIO()
        ok = pyx12.x12n_document.x12n_document(
            param=pyx12.params.ParamsBase(),
            src_file=io.StringIO(text),
            fd_997=None,
            fd_html=None,
            fd_json=report,
        )
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate
    found: list[str] = list(collect.records) if logged else []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "errors" and value:
                    found.extend(f"{e.get('err_cde')}: {e.get('err_str')}" for e in value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(report.getvalue()))
    if not ok and not found:
        found.append("pyx12 reports the document invalid")
    return sorted(set(found), key=found.index)
