"""Every test run gets its own data directory, so scrubs record their claims in a throw-away
ledger, never in the home directory of whoever runs the tests."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser import artifacts, browser, open_page  # noqa: F401 (fixtures for all tests)

if TYPE_CHECKING:  # scrubber is imported inside the fixtures, once the environment is set
    from tests.watching import Dirs

_DATA = tempfile.mkdtemp(prefix="scrub837-data-")
os.environ["SCRUB837_DATA"] = _DATA
atexit.register(shutil.rmtree, _DATA, True)

# and an empty content store of its own, never the developer's
os.environ["SCRUB837_CONTENT"] = tempfile.mkdtemp(prefix="scrub837-content-")
atexit.register(shutil.rmtree, os.environ["SCRUB837_CONTENT"], True)


@pytest.fixture
def dirs(tmp_path: Path) -> Dirs:
    """The folders of a watcher run (tests/watching.py)."""
    from tests.watching import Dirs

    return Dirs.make(tmp_path)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """A run that skipped tests ends with one line saying how to run them (under CI=true a
    missing Chromium, sshd or corpus fails instead: see tests/browser.py, tests/corpus.py)."""
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} skipped for a missing Chromium, sshd or ../shared/corpus: "
            "`make test-deps` installs the packages (as root), then `make test` runs them all"
        )
