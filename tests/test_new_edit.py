"""tools/new_edit.py writes a TOML that loads, with a firing and a passing case, a check stub
that compiles and registers under the id, and the id in the order after its family."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from scrubber.catalogue import _load_edit
from tests.edit_cases import cases_of

ROOT = Path(__file__).resolve().parent.parent


def test_new_edit_scaffold(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "edits", tmp_path / "edits")
    shutil.copytree(ROOT / "scrubber" / "checks", tmp_path / "scrubber" / "checks")
    before = (tmp_path / "scrubber" / "checks" / "therapy.py").read_text()
    old_order = tomllib.loads((tmp_path / "edits" / "order.toml").read_text())["order"]
    last_therapy = [
        e for e in old_order if _load_edit(ROOT / "edits" / f"{e}.toml").family == "therapy"
    ][-1]
    command = [sys.executable, str(ROOT / "tools" / "new_edit.py"), "--root", str(tmp_path)]
    done = subprocess.run(
        [*command, "thr901", "--title", "Same code twice"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr

    toml = tmp_path / "edits" / "THR901.toml"
    spec = _load_edit(toml)
    assert spec.family == "therapy" and spec.title == "Same code twice"
    cases = cases_of("THR901", tomllib.loads(toml.read_text()))
    assert {c.fires for c in cases} == {True, False} and len(cases) == 4

    module = (tmp_path / "scrubber" / "checks" / "therapy.py").read_text()
    assert module.startswith(before) and '@claim_check("THR901")' in module
    compile(module, "therapy.py", "exec")
    order = tomllib.loads((tmp_path / "edits" / "order.toml").read_text())["order"]
    assert order.index("THR901") == order.index(last_therapy) + 1

    again = subprocess.run([*command, "THR901"], capture_output=True, text=True)
    assert again.returncode == 2 and "exists" in again.stderr
    unknown = subprocess.run([*command, "ZZ901"], capture_output=True, text=True)
    assert unknown.returncode == 2 and "--family" in unknown.stderr
