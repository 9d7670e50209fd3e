"""The catalogue holds together: every TOML has its check (or is structural), every check its
TOML, every edit a firing and a passing case, the order lists every edit once, and every id of
../shared/EDITS.md exists with the default severity EDITS.md gives."""

from __future__ import annotations

import tomllib

import pytest

from scrubber.catalogue import data_dir, load_catalogue
from scrubber.checks import CLAIM_CHECKS, SETTLERS
from tests.edit_cases import cases_of, edit_tomls
from tests.edits_md import _severity_of, edits_md_defaults

CATALOGUE = load_catalogue()


@pytest.mark.parametrize("edit", sorted(CATALOGUE))
def test_edit_has_its_check_and_its_texts(edit: str) -> None:
    spec = CATALOGUE[edit]
    assert spec.kind in ("claim", "structure"), f"{edit}: kind {spec.kind!r}"
    if spec.kind == "claim":
        assert edit in CLAIM_CHECKS, f"{edit}.toml has no @claim_check({edit!r}) in checks/"
    else:
        assert edit not in CLAIM_CHECKS, f"{edit} is structural but has a check function"
    assert spec.source and spec.what and spec.why
    assert spec.example and spec.use_instead, f"{edit}: example and use_instead are cases"
    if spec.refines is not None:
        assert edit in SETTLERS, f"{edit} refines {spec.refines}: register @settles({edit!r})"


def test_every_check_has_its_toml() -> None:
    assert not sorted(set(CLAIM_CHECKS) - set(CATALOGUE))
    assert not sorted(set(SETTLERS) - set(CATALOGUE))


@pytest.mark.parametrize("edit", sorted(CATALOGUE))
def test_edit_has_a_firing_and_a_passing_case(edit: str) -> None:
    data = edit_tomls()[edit]
    assert data.get("cases"), f"{edit}: no [[cases]] of its own beside example and use_instead"
    cases = cases_of(edit, data)
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), f"{edit}: case names repeat: {names}"
    assert any(case.fires for case in cases), f"{edit}: no case where it fires"
    assert any(not case.fires for case in cases), f"{edit}: no case where it passes"


def test_order_lists_every_edit_once() -> None:
    order = tomllib.loads((data_dir("edits") / "order.toml").read_text())["order"]
    assert len(order) == len(set(order)), "edits/order.toml names an edit twice"
    assert not sorted(set(order) - set(CATALOGUE)), "edits/order.toml names unknown edits"
    assert not sorted(set(CATALOGUE) - set(order)), "add these to edits/order.toml"


def test_severity_mapping_examples() -> None:
    table = {"DX002": "error"}
    assert _severity_of("reject file", table) == "error"
    assert _severity_of("error in `validate`; in `scrub`, info", table) == "info"
    assert _severity_of("error for Medicare (SBR09 = MB), warning otherwise", table) == "warning"
    assert _severity_of("(refines DX002)", table) == "error"
    assert _severity_of("info (once per file)", table) == "info"


def test_every_edit_of_edits_md_exists_with_its_severity() -> None:
    expected = edits_md_defaults()
    assert len(expected) >= 40
    missing = sorted(set(expected) - set(CATALOGUE))
    assert not missing, f"in EDITS.md, not in edits/: {missing}"
    wrong = {
        e: (CATALOGUE[e].severity, s) for e, s in expected.items() if CATALOGUE[e].severity != s
    }
    assert not wrong, f"severity (edits/, EDITS.md): {wrong}"
