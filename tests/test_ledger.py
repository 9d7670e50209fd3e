"""The claim ledger (issue 14): every scrub records what it sent, per claim, no patient data."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from scrubber.cli import main
from scrubber.ledger import default_ledger_path
from tests.helpers import scrub_text, wrap

TWO_CLAIMS = (
    "CLM*PCN0001*145***11:B:1*Y*A*Y*Y~HI*ABK:M5450*ABF:M62830~"
    "LX*1~SV1*HC:97110:GP*100*UN*2***1:2~DTP*472*D8*20260410~"
    "LX*2~SV1*HC:97140:GP:59*45*UN*1***2~DTP*472*D8*20260411~"
    "CLM*PCN0002*100***11:B:1*Y*A*Y*Y~HI*ABK:M6283~"
    "LX*1~SV1*HC:97110:GP*100*UN*1***1~DTP*472*D8*20260410~"
)


def rows(path: Path, sql: str) -> list[sqlite3.Row]:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_a_scrub_records_each_claim_it_sent(tmp_path: Path) -> None:
    ledger = tmp_path / "state" / "ledger.sqlite3"
    result = scrub_text(tmp_path, wrap(TWO_CLAIMS), ledger=ledger)
    assert result.counts["claims"] == 2
    assert stat.S_IMODE(os.stat(ledger).st_mode) == 0o600
    (run,) = rows(ledger, "SELECT * FROM run")
    assert run["complete"] == 1 and run["file_name"] == "batch.837"
    assert run["file_sha256"] == result.report["sha256"]
    claims = rows(ledger, "SELECT * FROM submission ORDER BY position")
    assert [c["claim_id"] for c in claims] == ["PCN0001", "PCN0002"]
    first, second = claims
    assert (first["payer_id"], first["payer_name"]) == ("PAYER01", "EXAMPLE PAYER")
    assert first["billing_npi"] == "1234567893"
    assert (first["service_from"], first["service_to"]) == ("2026-04-10", "2026-04-11")
    assert first["charge"] == "145" and json.loads(first["diagnoses"]) == ["M5450", "M62830"]
    assert first["disposition"] == "clean" and json.loads(first["edits"]) == ["SPC001"]
    assert second["disposition"] == "held" and "DX002" in json.loads(second["edits"])
    lines = rows(ledger, f"SELECT * FROM submission_line WHERE submission_id = {first['id']}")
    assert [
        (r["procedure"], json.loads(r["modifiers"]), r["units"], r["charge"]) for r in lines
    ] == [
        ("97110", ["GP"], "2", "100"),
        ("97140", ["GP", "59"], "1", "45"),
    ]
    assert [json.loads(r["diagnoses"]) for r in lines] == [["M5450", "M62830"], ["M62830"]]


def test_no_names_member_ids_or_birth_dates(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    scrub_text(tmp_path, wrap(TWO_CLAIMS), ledger=ledger)
    db = sqlite3.connect(ledger)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = ledger.read_bytes()
    for secret in (b"DOE", b"JANE", b"MBR0000001", b"19700101", b"1970-01-01", b"ELM ST"):
        assert secret not in data


def test_no_ledger_and_validate_record_nothing(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    scrub_text(tmp_path, wrap(TWO_CLAIMS), ledger=False)
    scrub_text(tmp_path, wrap(TWO_CLAIMS), mode="validate", ledger=ledger)
    assert not ledger.exists()


def test_the_default_ledger_is_in_the_data_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SCRUB837_DATA", str(tmp_path / "data"))
    scrub_text(tmp_path, wrap(TWO_CLAIMS))
    path = tmp_path / "data" / "ledger.sqlite3"
    assert path == default_ledger_path()
    assert len(rows(path, "SELECT * FROM submission")) == 2
    monkeypatch.delenv("SCRUB837_DATA")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_ledger_path() == tmp_path / "xdg" / "scrub837" / "ledger.sqlite3"


def test_a_failed_run_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    from scrubber.pipeline import FileRun

    ledger = tmp_path / "ledger.sqlite3"

    def broken(self, report):  # the outputs cannot be put in place
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileRun, "finish", broken)
    with pytest.raises(OSError):
        scrub_text(tmp_path, wrap(TWO_CLAIMS), ledger=ledger)
    assert rows(ledger, "SELECT * FROM run") == []
    assert rows(ledger, "SELECT * FROM submission") == []


def test_cli_ledger_options(tmp_path: Path) -> None:
    source = tmp_path / "batch.837"
    source.write_text(wrap(TWO_CLAIMS))
    ledger = tmp_path / "mine.sqlite3"
    runner = CliRunner()
    args = ["scrub", str(source), "-o", str(tmp_path / "out"), "--no-tr3"]
    result = runner.invoke(main, [*args, "--ledger", str(ledger)])
    assert result.exit_code == 1, result.output
    assert len(rows(ledger, "SELECT * FROM submission")) == 2
    other = tmp_path / "other.sqlite3"
    result = runner.invoke(main, [*args, "--no-ledger", "--ledger", str(other)])
    assert result.exit_code == 1 and not other.exists()
    result = runner.invoke(main, [*args, "--ledger", str(tmp_path)])  # a folder: usage error
    assert result.exit_code == 2 and "ledger" in result.output
