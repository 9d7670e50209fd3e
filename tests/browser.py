"""Debian's Chromium for the report tests and the report benchmark."""

from __future__ import annotations

import os
import shutil

# as root, headless, with nothing that reaches for the (closed) network
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
]


def find_chromium() -> str | None:
    """$SCRUB837_CHROMIUM, or chromium on PATH."""
    given = os.environ.get("SCRUB837_CHROMIUM")
    return given or shutil.which("chromium") or shutil.which("chromium-browser")
