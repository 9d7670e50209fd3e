"""A non-editable `pip install .` gives a working scrub837 with edits/ and templates/ inside."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_built_wheel_works_outside_the_checkout(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # dependencies come from the test environment; the package itself from the wheel
    site = Path(sysconfig.get_paths()["purelib"])
    target = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(target) / "deps.pth").write_text(str(site) + "\n")
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            str(ROOT),
        ],
        check=True,
        cwd=tmp_path,
    )
    located = subprocess.run(
        [str(python), "-c", "import scrubber, pathlib; print(pathlib.Path(scrubber.__file__))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert str(ROOT) not in located, located
    package = Path(located).parent
    assert (package / "edits" / "DX002.toml").exists()
    assert (package / "templates").is_dir()
    sample = ROOT / "x12_samples" / "mixed.837"
    done = subprocess.run(
        [
            str(venv / "bin" / "scrub837"),
            "scrub",
            str(sample),
            "-o",
            str(tmp_path / "out"),
            "--no-tr3",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    assert (tmp_path / "out" / "mixed.report.html").exists()
