"""`scrub --no-tr3` loads nothing it does not use: not pyx12 and the TR3 walk, nor the
acknowledgments, the desk's web stack, the resolver's schema checker or Dask."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "x12_samples"
NOT_NEEDED = (
    "pyx12",
    "scrubber.x12.tr3",
    "scrubber.acks.ack999",
    "scrubber.acks.ack277ca",
    "scrubber.validate",
    "scrubber.desk",
    "flask",
    "cheroot",
    "jsonschema",
    "scrubber.resolve",
    "watchdog",
    "distributed",
)


def _loaded_after(args: list[str]) -> list[str]:
    code = (
        "import json, sys\n"
        "from scrubber.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as done:\n"
        "    assert done.code in (0, 1), done.code\n"
        f"print(json.dumps([m for m in {NOT_NEEDED!r} if m in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_scrub_without_tr3_imports_only_what_it_uses(tmp_path: Path) -> None:
    args = ["scrub", str(SAMPLES / "mixed.837"), "-o", str(tmp_path), "--no-tr3", "--no-ledger"]
    assert _loaded_after(args) == []


def test_with_tr3_the_walk_is_loaded(tmp_path: Path) -> None:
    """The same check can fail: with TR3 on, pyx12 is loaded."""
    args = ["scrub", str(SAMPLES / "mixed.837"), "-o", str(tmp_path), "--no-ledger"]
    assert "pyx12" in _loaded_after(args)
