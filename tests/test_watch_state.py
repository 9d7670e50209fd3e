"""The watcher's state folder (issue 9, defect 13): outside the inbox by default, created 0700,
refused when others can write it or another user owns it, and a journal whose paths point
outside the configured folders is never acted on."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from scrubber.cli_watch import watch
from scrubber.watch import Watcher
from scrubber.watch.journal import Journal
from tests.watching import SAMPLES, Dirs, claim_ids, events


def run_cli(dirs: Dirs) -> tuple[int, str]:
    result = CliRunner().invoke(watch, dirs.args("--once", "--no-tr3"))
    return result.exit_code, result.output


def test_state_writable_by_others_is_a_usage_error(dirs: Dirs) -> None:
    dirs.state.mkdir(mode=0o700)
    os.chmod(dirs.state, 0o777)
    shutil.copy(SAMPLES / "clean.837", dirs.inbox / "clean.837")
    code, output = run_cli(dirs)
    assert code == 2, output
    assert str(dirs.state) in output and "chmod 700" in output
    assert "Traceback" not in output
    assert (dirs.inbox / "clean.837").exists() and not dirs.out.exists()  # nothing was done
    os.chmod(dirs.state, 0o770)  # writable by the group: refused too
    assert run_cli(dirs)[0] == 2


def test_state_owned_by_another_user_is_a_usage_error(dirs: Dirs) -> None:
    if os.geteuid() != 0 and not os.environ.get("CI"):  # CI runs as root: never skipped there
        pytest.skip("only root can give a folder to another user")
    dirs.state.mkdir(mode=0o700)
    os.chown(dirs.state, 65534, 65534)
    code, output = run_cli(dirs)
    assert code == 2 and "belongs to uid 65534" in output, output


def test_journal_writable_by_others_is_a_usage_error(dirs: Dirs) -> None:
    dirs.state.mkdir(mode=0o700)
    Journal(dirs.state / "journal.sqlite3").close()
    os.chmod(dirs.state / "journal.sqlite3", 0o666)
    code, output = run_cli(dirs)
    assert code == 2 and "journal" in output, output


def test_state_inside_the_inbox_is_a_usage_error(dirs: Dirs) -> None:
    dirs.state = dirs.inbox / ".scrub837"
    code, output = run_cli(dirs)
    assert code == 2 and "inside the inbox" in output, output
    assert not dirs.state.exists()


def test_default_state_is_private_and_outside_the_inbox(
    dirs: Dirs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state-home"))
    shutil.copy(SAMPLES / "clean.837", dirs.inbox / "clean.837")
    assert Watcher(dirs.config(once=True, state=None, archive=None, failed=None)).run() == 0
    [journal] = (tmp_path / "state-home" / "scrub837").glob("*/journal.sqlite3")
    assert stat.S_IMODE(journal.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    assert [p.name for p in dirs.inbox.iterdir()] == []
    assert [p.name for p in (journal.parent / "archive").iterdir()] == ["clean.837"]


def test_forged_journal_paths_outside_the_folders_are_never_acted_on(
    dirs: Dirs, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("precious")
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the outbox")
    dirs.state.mkdir(mode=0o700)
    (dirs.state / "work").mkdir(mode=0o700)
    journal = Journal(dirs.state / "journal.sqlite3")
    forged = [
        # a finished job whose work folder is somewhere else: removed once it is done
        dict(state="committed", kind="scrub", work=outside, input_dest=dirs.archive / "a.837"),
        # a scrub resumed in a work folder elsewhere: its staging folder would be replaced
        dict(state="scrubbing", kind="scrub", work=outside, snapshot=outside / "keep.txt"),
        # an output copied from anywhere into the outbox
        dict(
            state="staged",
            kind="scrub",
            work=dirs.state / "work" / "job-x",
            installs=[("copy", str(secret), str(dirs.out / "stolen.837"))],
            input_dest=dirs.archive / "b.837",
        ),
        # the input moved out of the configured folders
        dict(
            state="committed",
            kind="scrub",
            work=dirs.state / "work" / "job-y",
            input_dest=outside / "moved.837",
        ),  # fmt: skip
    ]
    for n, fields in enumerate(forged):
        journal.create(name=f"f{n}.837", stem=f"f{n}", sha256=f"{n:064x}", **fields)
    journal.create(
        name="../../outside/keep.txt",
        stem="x",
        kind="scrub",
        state="committed",
        work=dirs.state / "work" / "job-z",
        input_dest=dirs.archive / "z.837",
    )
    journal.close()
    shutil.copy(SAMPLES / "clean.837", dirs.inbox / "clean.837")

    assert Watcher(dirs.config(once=True)).run() == 0
    assert (outside / "keep.txt").read_text() == "precious"
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    assert not (dirs.out / "stolen.837").exists() and secret.exists()
    refused = events(dirs.log, "journal entry points outside")
    assert len(refused) == 5 and all(e["reason"] for e in refused)
    assert claim_ids(dirs.out / "clean.clean.837") == claim_ids(SAMPLES / "clean.837")
    # marked abandoned: a restart does not try them again
    assert Watcher(dirs.config(once=True)).run() == 0
    assert len(events(dirs.log, "journal entry points outside")) == 5
    assert (outside / "keep.txt").exists()
    states = {j.name: j.state for j in Journal(dirs.state / "journal.sqlite3").all()}
    assert all(states[f"f{n}.837"] == "abandoned" for n in range(4))
