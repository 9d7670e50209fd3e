"""The denials page (issue 14): self-contained, charts as inline SVG, every value escaped, no
fetch, opened in real Chromium; and its JSON twin."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scrubber.cli import main
from scrubber.synth835 import Denial
from tests.remit_helpers import claim, remit_claims, scrub_claims

XSS = '<img src=x onerror=alert(1)>"'


@pytest.fixture
def denials_folder(tmp_path: Path) -> Path:
    ledger = tmp_path / "ledger.sqlite3"
    claims = [claim(n, "M5459") for n in range(1, 5)] + [claim(n) for n in range(5, 9)]
    scrub_claims(tmp_path, "a.837", claims, ledger)
    # a payer whose name and a claim id carry markup: both must show as text
    hostile = [claim(9, "M5459")]
    scrub_claims(tmp_path, "h.837", hostile, ledger, receiver="PAYER09")
    remit_claims(tmp_path, "a.835", claims, ledger, denials=[Denial("97140", diagnosis="M5459")])
    remit_claims(
        tmp_path,
        "h.835",
        [claim(9, "M5459")],
        ledger,
        denials=[Denial("97140", diagnosis="M5459", payer="PAYER09")],
        payer="PAYER09",
        payer_name=f"EVIL {XSS}",
        trace="EFT9",
    )
    out = CliRunner().invoke(
        main,
        ["denials", "--ledger", str(ledger), "-o", str(tmp_path / "den"), "--min-denials", "2"],
    )
    assert out.exit_code == 0, out.output
    return tmp_path / "den"


def test_json_and_html_are_written_private(denials_folder: Path) -> None:
    report = json.loads((denials_folder / "denials.json").read_text())
    assert report["totals"]["denied"] == 5
    assert [p["id"] for p in report["proposals"]] == ["dx-PAYER01-97140-M5459"]
    for name in ("denials.json", "denials.html"):
        assert stat.S_IMODE(os.stat(denials_folder / name).st_mode) == 0o600
    html = (denials_folder / "denials.html").read_text()
    assert XSS not in html and "&lt;img src=x" in html
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_page_opens_in_chromium(browser: Any, denials_folder: Path) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    url = (denials_folder / "denials.html").resolve().as_uri()
    try:
        page.goto(url, wait_until="load")
        assert requests == [url], "the page fetched something"
        assert errors == [] and dialogs == []
        charts = page.locator("svg.chart")
        assert charts.count() == 4
        first = charts.nth(0)
        assert first.is_visible() and first.bounding_box()["width"] > 300
        bars = first.locator("rect")
        assert bars.count() == 2  # PAYER01 and PAYER09
        widths = sorted(float(bars.nth(i).get_attribute("width")) for i in range(2))
        assert widths[0] > 0
        assert page.locator("#totals").inner_text().count("\n") >= 7
        text = page.locator("body").inner_text()
        assert f"EVIL {XSS}" in text  # shown as the text it is
        assert page.locator("img").count() == 0  # the payer's markup stayed text
        assert "dx-PAYER01-97140-M5459" in page.locator("#proposals ~ .proposal").first.inner_text()
        assert "E0001" in page.locator("#missed + table").inner_text()
        shot = denials_folder / "denials.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
    finally:
        context.close()
