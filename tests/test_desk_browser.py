"""The desk in real Chromium (Playwright, as the report tests): log in, upload, resolve held
claims by choosing and by typing a code, query the provider, build, download; the downloads are
valid for pyx12, carry the chosen codes and keep every claim.

Screenshots of the batch list and a claim page go to $SCRUB837_ARTIFACTS (the README's come from
`make desk-screenshots`, which points it at docs/images)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrubber.x12.conformance import pyx12_errors
from tests.desk_client import PASSWORDS, SAMPLES, running_desk


def claim_ids(text: str) -> list[str]:
    return [s.strip().split("*")[1] for s in text.split("~") if s.strip().startswith("CLM*")]


def his(text: str) -> list[str]:
    return [s.strip() for s in text.split("~") if s.strip().startswith("HI*")]


def drop_file(page: Any, selector: str, path: Path) -> None:
    """Drag and drop a file on an element, as a browser does (a DataTransfer with a File)."""
    data = list(path.read_bytes())
    transfer = page.evaluate_handle(
        """([bytes, name]) => {
            const t = new DataTransfer();
            t.items.add(new File([new Uint8Array(bytes)], name, {type: "text/plain"}));
            return t;
        }""",
        [data, path.name],
    )
    page.dispatch_event(selector, "dragenter", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def open_batch(page: Any, name: str) -> None:
    page.goto(page.url.split("/batches")[0].rstrip("/") + "/")
    page.get_by_role("link", name=name).click()


def build_and_download(page: Any, tmp_path: Path) -> dict[str, str]:
    page.click("#build-button")
    page.wait_for_selector("#build")
    found: dict[str, str] = {}
    for kind in ("resolved", "held"):
        link = page.query_selector(f"#download-{kind}")
        if link is None:
            continue
        with page.expect_download() as info:
            link.click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        found[kind] = target.read_text(encoding="utf-8")
    return found


def test_a_coder_resolves_held_claims_in_chromium(
    browser: Any, tmp_path: Path, artifacts: Path
) -> None:
    with running_desk(tmp_path / "data") as server:
        context = browser.new_context(
            viewport={"width": 1200, "height": 900}, accept_downloads=True
        )
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))

        # log in
        page.goto(server.url + "/")
        assert page.url.endswith("/login")
        page.fill("input[name=name]", "ann")
        page.fill("input[name=password]", PASSWORDS["ann"])
        page.click("button[type=submit]")
        page.wait_for_selector("#upload")

        # upload mixed.837 with the file picker, muscle_spasm_category.837 by drag and drop
        page.set_input_files("#file", str(SAMPLES / "mixed.837"))
        page.click("#upload button[type=submit]")
        page.wait_for_selector("tr[data-status]")
        drop_file(page, "#drop", SAMPLES / "muscle_spasm_category.837")
        page.locator("tr[data-status=ready]").nth(1).wait_for(timeout=60_000)
        rows = page.inner_text("#batches")
        assert "mixed.837" in rows and "muscle_spasm_category.837" in rows
        assert "$135.00" in rows and "$133.00" in rows  # charges held
        page.screenshot(path=str(artifacts / "desk-batches.png"), full_page=True)

        # the M54.5 claim: choose M54.50 among the suggestions
        open_batch(page, "mixed.837")
        page.get_by_role("link", name="MIX0002").click()
        assert "Low back pain, unspecified" in page.inner_text(".decide")
        page.check("input[name=choice][value=M5450]")
        page.click("button[value=code]")
        assert "Code chosen" in page.inner_text("#decided")

        # the unbalanced claim: query the provider
        open_batch(page, "mixed.837")
        page.get_by_role("link", name="MIX0004").click()
        page.fill("textarea[name=question]", "Is the claim total 90.00 or the lines' 86.25?")
        page.click("button[value=query]")
        page.wait_for_selector("#query")
        page.emulate_media(media="print")
        printed = page.inner_text("body")
        assert "MIX0004" in printed and "Is the claim total 90.00 or the lines' 86.25?" in printed
        assert "Documentation needed" in printed and "BAL001" in printed
        assert not page.is_visible("header.top")  # the desk's navigation does not print
        page.emulate_media(media="screen")

        # build and download
        open_batch(page, "mixed.837")
        files = build_and_download(page, tmp_path)
        assert claim_ids(files["resolved"]) == ["MIX0002"]
        assert his(files["resolved"]) == ["HI*ABK:M5450*ABF:M62830"]
        assert pyx12_errors(files["resolved"]) == []
        assert claim_ids(files["held"]) == ["MIX0004"]
        assert "waiting for the provider" in page.inner_text("#outcomes")
        mixed = next(b for b in server.desk.store.batches() if b["name"] == "mixed.837")
        held_input = server.desk.held_path(mixed).read_text(encoding="utf-8")
        assert sorted(claim_ids(files["resolved"]) + claim_ids(files["held"])) == sorted(
            claim_ids(held_input)
        )

        # an M62.83 claim: type M62.830, checked as it is typed
        open_batch(page, "muscle_spasm_category.837")
        page.get_by_role("link", name="SPASM0001").click()
        field = page.locator(".decide", has_text="CTX002").locator(".code-input")
        field.press_sequentially("M62.83", delay=30)
        page.wait_for_selector(".check.bad")
        assert "category" in page.inner_text(".check.bad")
        field.press_sequentially("0", delay=30)
        page.wait_for_selector(".check.ok")
        assert "Muscle spasm of back" in page.inner_text(".check.ok")
        page.screenshot(path=str(artifacts / "desk-claim.png"), full_page=True)
        page.locator(".decide", has_text="CTX002").locator("button[value=code]").click()
        assert "M62830" in page.inner_text("#decided")
        open_batch(page, "muscle_spasm_category.837")
        files = build_and_download(page, tmp_path)
        assert claim_ids(files["resolved"]) == ["SPASM0001"]
        assert his(files["resolved"]) == ["HI*ABK:M62830*ABF:M5450"]
        assert pyx12_errors(files["resolved"]) == []
        assert "held" not in files

        # the audit page lists every change
        page.goto(server.url + "/audit")
        audit = page.inner_text("#audit")
        assert "M5450" in audit and "M62830" in audit and "Provider queried" in audit
        assert problems == []  # no CSP violation, no script error
        context.close()
