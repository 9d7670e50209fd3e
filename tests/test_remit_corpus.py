"""Every public 835 of the shared corpus reads without a traceback; where pyx12's 005010X221A1 map
accepts the file, the CLP count and the paid total agree with what pyx12's own reader sees; the
others get messages that name the segment."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from scrubber.remit.api import RemitOptions, remit
from tests.corpus import corpus_files

FILES = corpus_files("835")
NAMES_A_SEGMENT = re.compile(r"segment \d+ \([A-Z0-9]{2,3}\)|\bISA\b|\bsegment \d+\b")


def pyx12_claims(path: Path) -> tuple[int, Decimal]:
    """CLP segments and the sum of CLP04 as pyx12's X12Reader reads the file."""
    import pyx12.x12file

    count, paid = 0, Decimal(0)
    for segment in pyx12.x12file.X12Reader(str(path)):
        if segment.get_seg_id() == "CLP":
            count += 1
            paid += Decimal(segment.get_value("CLP04") or "0")
    return count, paid


def test_the_corpus_has_835s() -> None:
    assert len(FILES) >= 20


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_835_reads(path: Path, tmp_path: Path) -> None:
    result = remit(path, RemitOptions(ledger=tmp_path / "ledger.sqlite3"))
    if result.status == "rejected":
        assert NAMES_A_SEGMENT.search(result.message), result.message
        assert path.name in result.message
        return
    assert result.status == "read"
    for line in result.problems + result.tr3_errors:
        assert NAMES_A_SEGMENT.search(line), line
    if result.tr3_errors:
        return  # pyx12 does not accept the file: the messages above say where
    count, paid = pyx12_claims(path)
    assert result.claims == count
    recorded = sum((p.claims_paid for p in result.payments if p.recorded), Decimal(0))
    assert recorded == paid
    assert all(isinstance(p.amount, Decimal) for p in result.payments)


def test_most_of_the_corpus_is_accepted_and_compared(tmp_path: Path) -> None:
    """The comparison with pyx12 must not pass by rejecting everything."""
    compared = 0
    for index, path in enumerate(FILES):
        result = remit(path, RemitOptions(ledger=tmp_path / f"{index}.sqlite3"))
        compared += result.status == "read" and not result.tr3_errors
    assert compared >= 12
