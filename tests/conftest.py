"""Every test run gets its own data directory, so scrubs record their claims in a throw-away
ledger, never in the home directory of whoever runs the tests."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_DATA = tempfile.mkdtemp(prefix="scrub837-data-")
os.environ["SCRUB837_DATA"] = _DATA
atexit.register(shutil.rmtree, _DATA, True)

# and an empty content store of its own, never the developer's
os.environ["SCRUB837_CONTENT"] = tempfile.mkdtemp(prefix="scrub837-content-")
atexit.register(shutil.rmtree, os.environ["SCRUB837_CONTENT"], True)
