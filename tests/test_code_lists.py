"""Shared code lists (edits/lists/): a profile changes them under [lists.NAME] (issue 11)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import report_of, scrub_text, wrap


def test_a_profile_changes_a_shared_list(tmp_path: Path) -> None:
    """[lists.NAME] in a profile: add.KEY appends entries (here a supporting code)."""
    text = wrap(
        "CLM*P1*100***11:B:1*Y*A*Y*Y~HI*ABK:C50911~LX*1~SV1*HC:97140:GO*100*UN*1***1~"
        "DTP*472*D8*20260410~"
    )
    profile = tmp_path / "oncology.toml"
    profile.write_text(
        'name = "oncology"\n[lists.therapy_diagnoses]\n'
        'add.supporting = [{codes = ["C50"], label = "breast cancer", source = "payer policy"}]\n',
        encoding="utf-8",
    )

    def thr006(folder: str, **options: Any) -> list[str]:
        report = report_of(scrub_text(tmp_path / folder, text, **options))
        return [f["edit"] for c in report["claims"] for f in c["findings"] if f["edit"] == "THR006"]

    assert thr006("default") == ["THR006"]
    assert thr006("oncology", profile=str(profile)) == []


def test_a_profile_naming_an_unknown_list_is_refused(tmp_path: Path) -> None:
    from scrubber.catalogue import CatalogueError, load_profile

    profile = tmp_path / "bad.toml"
    profile.write_text('name = "bad"\n[lists.nope]\nx = 1\n', encoding="utf-8")
    with pytest.raises(CatalogueError, match="no code list named 'nope'"):
        load_profile(str(profile))
