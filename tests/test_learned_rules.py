"""Rules learned from remittances: proposals, the profiles `denials --accept` writes, and the reason
families (RMT001's cases are in edits/RMT001.toml and run with the catalogue's)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from scrubber.catalogue import CatalogueError, load_profile
from scrubber.remit.accept import accept
from scrubber.remit.families import load_families
from scrubber.remit.outcomes import DeniedLine, Outcome, Remit
from scrubber.remit.proposals import Proposer


def _proposal() -> Any:
    proposer = Proposer()
    for n in range(3):
        remit = Remit(n, "1", 100, 0, "", None, date(2026, 5, 1), None)  # type: ignore[arg-type]
        outcome = Outcome(f"C{n}", "PAYER01", "PLAN", [remit], [remit])
        outcome.denied_lines.append(
            DeniedLine("97140", ["GP"], 1, 43, ["M5459"], [("CO", "11", 43)], ["M76"])  # type: ignore[arg-type]
        )
        proposer.add(outcome)
    (proposal,) = proposer.proposals(3)
    return proposal


def test_accept_keeps_the_users_profile_and_refuses_a_broken_one(tmp_path: Path) -> None:
    profile = tmp_path / "mine.toml"
    profile.write_text('# my payer\nname = "mine"\n\n[edits.THR002]\nseverity = "error"\n')
    assert accept(_proposal(), profile, today=date(2026, 5, 20))
    text = profile.read_text()
    assert text.startswith('# my payer\nname = "mine"\n\n[edits.THR002]\nseverity = "error"\n')
    loaded = load_profile(str(profile))
    assert loaded.edits["THR002"].severity == "error"
    (rule,) = loaded.edits["RMT001"].params["rules"]
    assert rule["accepted"] == "2026-05-20" and rule["id"] == "dx-PAYER01-97140-M5459"
    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n")
    with pytest.raises(CatalogueError):
        accept(_proposal(), broken)
    assert broken.read_text() == "name = \n"
    assert not list(tmp_path.glob(".*.tmp.toml"))


def test_reason_families_are_data() -> None:
    families = load_families()
    assert {f.name for f in families.values()} >= {
        "diagnosis",
        "medical-necessity",
        "modifier",
        "units",
        "bundled",
        "non-covered",
    }
    assert "11" in families["diagnosis"].carcs and families["units"].rule == "max-units"
