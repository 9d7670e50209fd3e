"""Every case of the edit catalogue (edits/*.toml: [[cases]], example, use_instead) through the
library API: tests/edit_cases.py says what a case is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.edit_cases import Case, all_cases, check


@pytest.mark.parametrize("case", all_cases(), ids=lambda case: case.id)
def test_edit_case(case: Case, tmp_path: Path) -> None:
    check(case, tmp_path)
