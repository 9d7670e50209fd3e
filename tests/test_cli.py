"""The command line: exit statuses, messages, no traceback for bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from scrubber import __version__
from scrubber.catalogue import load_catalogue
from scrubber.cli import main
from tests.helpers import CLEAN, HELD, wrap

SAMPLES = Path(__file__).resolve().parents[1] / "x12_samples"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_exit_statuses(tmp_path: Path) -> None:
    clean, held, garbage = tmp_path / "a.837", tmp_path / "b.837", tmp_path / "c.837"
    clean.write_text(wrap(CLEAN))
    held.write_text(wrap(HELD))
    garbage.write_text("not x12")
    out = str(tmp_path / "out")
    assert run("scrub", str(clean), "-o", out, "--no-tr3")[0] == 0
    assert run("scrub", str(held), "-o", out, "--no-tr3")[0] == 1
    code, output = run("scrub", str(garbage), "-o", out)
    assert code == 3 and "not an X12 interchange" in output
    assert run("scrub", str(tmp_path / "missing.837"))[0] == 2
    assert run("scrub", str(clean), "--profile", "no-such-payer")[0] == 2
    assert run("scrub", str(clean), "--jobs", "0")[0] == 2


def test_outputs_default_to_the_input_folder(tmp_path: Path) -> None:
    source = tmp_path / "batch.txt"
    source.write_text(wrap(CLEAN + HELD))
    code, output = run("scrub", str(source), "--no-tr3")
    assert code == 1
    for name in ("batch.clean.837", "batch.held.837", "batch.report.json", "batch.report.html"):
        assert (tmp_path / name).exists(), output


def test_edits_lists_and_explains() -> None:
    code, output = run("edits")
    assert code == 0
    for edit_id in load_catalogue():
        assert edit_id in output
    code, output = run("edits", "dx002")
    assert code == 0 and "What it checks" in output and "HI*ABK:M6283" in output
    assert run("edits", "XX999")[0] == 2


def test_python_dash_m_and_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scrubber", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and __version__ in done.stdout


def test_malformed_corpus_file_gives_no_traceback(tmp_path: Path) -> None:
    from tests.corpus import corpus_files

    for path in corpus_files("malformed"):
        result = CliRunner().invoke(main, ["scrub", str(path), "-o", str(tmp_path), "--no-tr3"])
        unexpected = result.exception if not isinstance(result.exception, SystemExit) else None
        assert unexpected is None, (path.name, repr(unexpected))
        assert result.exit_code in (0, 1, 3), (path.name, result.output)
        assert "Traceback" not in result.output, path.name


def test_malformed_file_smoke_test_in_a_process(tmp_path: Path) -> None:
    """The same through `python -m scrubber`, once: the installed entry point and real exit."""
    from tests.corpus import corpus_files

    path = corpus_files("malformed")[0]
    done = subprocess.run(
        [sys.executable, "-m", "scrubber", "scrub", str(path), "-o", str(tmp_path), "--no-tr3"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1, 3), (path.name, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout, path.name


def test_each_edit_sample_shows_its_edit(tmp_path: Path) -> None:
    """x12_samples/NAME_<edit>.837 exists for each core edit and that edit fires on it."""
    import json
    import re

    shown = set()
    for path in sorted(SAMPLES.glob("*.837")):
        code, output = run("scrub", str(path), "-o", str(tmp_path))
        assert code in (0, 1, 3), output
        match = re.search(r"_((?:env|hl|ig|dx|ptr|bal|ctx|thr)\d{3})$", path.stem)
        if match is None:
            assert code in (0, 1), output  # the claim samples are all readable 837Ps
            continue
        edit = match.group(1).upper()
        report = json.loads((tmp_path / f"{path.stem}.report.json").read_text())
        found = {f["edit"] for f in report["findings"]}
        found |= {f["edit"] for c in report["claims"] for f in c["findings"]}
        assert edit in found, (path.name, found)
        shown.add(edit)
    core = {"ENV001", "ENV002", "ENV003", "ENV004", "ENV005", "HL001", "IG001", "IG002"}
    assert core | {"DX001", "DX005", "DX010", "PTR002", "PTR003"} <= shown


def test_several_files_get_an_index(tmp_path: Path) -> None:
    first, second = tmp_path / "a.837", tmp_path / "b.837"
    first.write_text(wrap(CLEAN))
    second.write_text(wrap(HELD))
    code, output = run("scrub", str(first), str(second), "-o", str(tmp_path / "out"), "--no-tr3")
    assert code == 1
    index = (tmp_path / "out" / "scrub-index.html").read_text()
    assert 'a.report.html"' in index and 'b.report.html"' in index


def test_unwritable_output_folder_is_a_clear_usage_error(tmp_path: Path) -> None:
    source = tmp_path / "a.837"
    source.write_text(wrap(CLEAN))
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the output folder should be")
    code, output = run("scrub", str(source), "-o", str(blocked / "sub"), "--no-tr3")
    assert code == 2 and "a.837" in output and "Traceback" not in output


def test_sigterm_mid_run_leaves_no_partial_output(tmp_path: Path) -> None:
    import signal
    import time

    from scrubber.synth import write_837

    source = tmp_path / "big.837"
    write_837(source, 20000)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "scrubber", "scrub", str(source), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not list(out.glob(".*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.05)  # until it is writing its outputs
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert b"Traceback" not in stderr
    assert list(out.iterdir()) == []
