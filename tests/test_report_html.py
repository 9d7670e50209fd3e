"""The HTML report: content, escaping, and how it behaves in a real headless Chromium.

The browser tests drive Debian's `chromium` through Playwright (`executable_path`); they skip
when Chromium or Playwright is missing, except under CI (CI=true), where they fail instead.
Set SCRUB837_ARTIFACTS to a folder to keep the screenshots.
"""

from __future__ import annotations

import copy
import io
import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scrubber.report.html import (
    INDEX_NAME,
    format_money,
    highlight_changes,
    highlight_element,
    iter_html,
    render_html,
    render_index,
    status_sentence,
    templates_dir,
    write_html,
    write_index,
)

XSS_NAME = "<script>alert(1)</script>"
XSS_NTE = 'NTE*ADD*"><img src=x onerror=alert(1)>'


# --------------------------------------------------------------------------- sample data


def _edits() -> dict[str, Any]:
    return {
        "DX002": {
            "title": "Diagnosis code is not billable",
            "severity": "error",
            "fix": "unsafe",
            "what": "Each ICD-10-CM code must be billable for the date of service.",
            "why": "Payers deny claims that carry a category code.",
            "example": "HI*ABK:M6283~",
            "fix_text": "Pick the billable code that the record supports.",
            "source": "ICD-10-CM Official Guidelines I.A.6",
        },
        "DX003": {
            "title": "Diagnosis code format",
            "severity": "warning",
            "fix": "safe",
            "what": "Codes go without the decimal point.",
            "why": "Some payers reject dotted codes.",
            "example": "HI*ABK:M62.830~",
            "fix_text": "Remove the decimal point.",
            "source": "005010X222A1",
        },
        "PTR003": {
            "title": "Diagnosis not pointed to",
            "severity": "warning",
            "fix": "none",
            "what": "A diagnosis that no line points to.",
            "why": "It supports no line.",
            "example": "SV1*HC:97110*100*UN*1***1~",
            "fix_text": "",
            "source": "005010X222A1 SV107",
        },
        "SPC001": {
            "title": "Unspecified code",
            "severity": "info",
            "fix": "none",
            "what": "An unspecified code with specific siblings.",
            "why": "Specific codes support medical necessity.",
            "example": "HI*ABK:M5450~",
            "fix_text": "",
            "source": "ICD-10-CM",
        },
        "ENV004": {
            "title": "Counts wrong",
            "severity": "info",
            "fix": "safe",
            "what": "SE01, GE01 and IEA01 counts.",
            "why": "Clearinghouses reject miscounted envelopes.",
            "example": "SE*40*0001~",
            "fix_text": "Outputs are recounted.",
            "source": "X12",
        },
    }


def sample_report() -> dict[str, Any]:
    """Three claims in file order clean, held, fixed, plus one file-level finding."""
    return {
        "input": "batch.837",
        "sha256": "ab" * 32,
        "status": "held",
        "mode": "scrub",
        "scrubber_version": "0.1.0",
        "code_set": "ICD-10-CM April 1, 2026",
        "profile": "default",
        "generated_at": "2026-11-26T21:00:00Z",
        "rejection": None,
        "notes": ["The file starts with a UTF-8 byte-order mark."],
        "counts": {"claims": 3, "clean": 1, "fixed": 1, "held": 1},
        "charges": {"total": "2140.00", "clean": "1820.00", "held": "320.00"},
        "outputs": {
            "clean": "batch.clean.837",
            "held": "batch.held.837",
            "json": "batch.report.json",
            "html": "batch.report.html",
        },
        "findings": [
            {
                "edit": "ENV004",
                "severity": "info",
                "message": "SE01 says 40 segments; the transaction has 41.",
                "location": {
                    "loop": "",
                    "segment": "SE",
                    "element": "SE01",
                    "segment_number": 88,
                    "text": "SE*40*0001",
                },
                "suggestions": [],
                "fix": {
                    "safety": "safe",
                    "applied": True,
                    "before": "SE*40*0001",
                    "after": "SE*41*0001",
                },
            }
        ],
        "claims": [
            {
                "claim_id": "CLEAN01",
                "transaction": "0001",
                "disposition": "clean",
                "total_charge": "1500.00",
                "patient": {
                    "name": "ROE, RICHARD",
                    "member_id": "MBR0000003",
                    "birth_date": "1980-05-05",
                },
                "service_dates": ["2026-04-08"],
                "findings": [
                    {
                        "edit": "SPC001",
                        "severity": "info",
                        "message": "M54.50 has specific codes: M54.51, M54.59.",
                        "location": {
                            "loop": "2300",
                            "segment": "HI",
                            "element": "HI01-2",
                            "segment_number": 60,
                            "text": "HI*ABK:M5450",
                        },
                        "suggestions": ["M5451", "M5459"],
                        "suggestion_titles": {
                            "M5451": "Vertebrogenic low back pain",
                            "M5459": "Other low back pain",
                        },
                        "fix": None,
                    }
                ],
            },
            {
                "claim_id": "PCN1",
                "transaction": "0001",
                "disposition": "held",
                "total_charge": "320.00",
                "patient": {
                    "name": "DOE, JANE",
                    "member_id": "MBR0000001",
                    "birth_date": "1970-01-01",
                },
                "service_dates": ["2026-04-10"],
                "findings": [
                    {
                        "edit": "PTR003",
                        "severity": "warning",
                        "message": "R25.2 is on the claim but no line points to it.",
                        "location": {
                            "loop": "2400",
                            "segment": "SV1",
                            "element": "SV107",
                            "segment_number": 30,
                            "text": "SV1*HC:97110:GP*320*UN*2***1",
                        },
                        "suggestions": [],
                        "fix": None,
                    },
                    {
                        "edit": "DX002",
                        "severity": "error",
                        "message": "M62.83 (Muscle spasm) is a category, not a billable code.",
                        "location": {
                            "loop": "2300",
                            "segment": "HI",
                            "element": "HI01-2",
                            "segment_number": 24,
                            "text": "HI*ABK:M6283*ABF:M5450",
                        },
                        "suggestions": ["M62830", "M62831", "M62838"],
                        "suggestion_titles": {
                            "M62830": "Muscle spasm of back",
                            "M62831": "Muscle spasm of calf",
                            "M62838": "Other muscle spasm",
                        },
                        "fix": {
                            "safety": "unsafe",
                            "applied": False,
                            "before": "HI*ABK:M6283*ABF:M5450",
                            "after": "HI*ABK:M62830*ABF:M5450",
                        },
                    },
                ],
            },
            {
                "claim_id": "PCN2",
                "transaction": "0001",
                "disposition": "fixed",
                "total_charge": "320.00",
                "patient": {
                    "name": "SMITH, JOHN",
                    "member_id": "MBR0000002",
                    "birth_date": "1965-03-12",
                },
                "service_dates": ["2026-04-11"],
                "findings": [
                    {
                        "edit": "DX003",
                        "severity": "warning",
                        "message": "M62.830 is written with a decimal point; sent as M62830.",
                        "location": {
                            "loop": "2300",
                            "segment": "HI",
                            "element": "HI01-2",
                            "segment_number": 44,
                            "text": "HI*ABK:M62.830",
                        },
                        "suggestions": [],
                        "fix": {
                            "safety": "safe",
                            "applied": True,
                            "before": "HI*ABK:M62.830",
                            "after": "HI*ABK:M62830",
                        },
                    }
                ],
            },
        ],
        "edits": _edits(),
    }


def xss_report() -> dict[str, Any]:
    """Hostile values in every field that comes from the file."""
    report = sample_report()
    report["input"] = "<b>batch</b>.837"
    report["notes"] = ["<iframe src=x></iframe>"]
    held = report["claims"][1]
    held["claim_id"] = "PCN1<img src=x onerror=alert(2)>"
    held["patient"]["name"] = XSS_NAME
    held["patient"]["member_id"] = "\"'><svg onload=alert(3)>"
    held["findings"].append(
        {
            "edit": "NTE001",
            "severity": "error",
            "message": "Note says <img src=x onerror=alert(4)>",
            "location": {
                "loop": "2300",
                "segment": "NTE",
                "element": "NTE02",
                "segment_number": 25,
                "text": XSS_NTE,
            },
            "suggestions": ["<script>alert(5)</script>"],
            "suggestion_titles": {"<script>alert(5)</script>": "<img src=x onerror=alert(6)>"},
            "fix": {
                "safety": "safe",
                "applied": False,
                "before": XSS_NTE,
                "after": "NTE*ADD*<script>alert(7)</script>",
            },
        }
    )
    report["edits"]["NTE001"] = {
        "title": "<script>alert(8)</script>",
        "severity": "error",
        "fix": "none",
        "what": "<img src=x onerror=alert(9)>",
        "why": "",
        "example": XSS_NTE,
        "fix_text": "",
        "source": "",
    }
    return report


def rejected_report() -> dict[str, Any]:
    return {
        "input": "remit.835",
        "sha256": "cd" * 32,
        "status": "rejected",
        "mode": "scrub",
        "scrubber_version": "0.1.0",
        "code_set": "ICD-10-CM April 1, 2026",
        "profile": "default",
        "generated_at": "2026-11-26T21:00:00Z",
        "rejection": {
            "edit": "ENV002",
            "message": "This is an 835 payment file, not an 837 professional claim file.",
            "what_to_do": "Export the claims again from the billing system as 837P (005010X222A1).",
        },
        "notes": [],
        "counts": {"claims": 0, "clean": 0, "fixed": 0, "held": 0},
        "charges": {"total": "0.00", "clean": "0.00", "held": "0.00"},
        "outputs": {
            "clean": None,
            "held": None,
            "json": "remit.report.json",
            "html": "remit.report.html",
        },
        "findings": [],
        "claims": [],
        "edits": {
            "ENV002": {
                "title": "Not an 837 professional transaction",
                "severity": "error",
                "fix": "none",
                "what": "The transaction must be an 837P.",
                "why": "Other transactions cannot be scrubbed.",
                "example": "ST*835*0001~",
                "fix_text": "",
                "source": "005010X222A1",
            }
        },
    }


# --------------------------------------------------------------------------- pure rendering


def test_format_money_uses_thousands_separators_and_decimal() -> None:
    assert format_money("2140.00") == "$2,140.00"
    assert format_money("1234567.5") == "$1,234,567.50"
    assert format_money("0.1") == "$0.10"
    assert format_money("-5.00") == "-$5.00"
    assert format_money("0.30000000000000004") == "$0.30"
    assert format_money(None) == "—"
    assert format_money("abc") == "abc"


def test_status_sentence_in_words() -> None:
    report = {
        "status": "held",
        "counts": {"claims": 14, "clean": 9, "fixed": 3, "held": 2},
        "charges": {"total": "2140.00", "clean": "1820.00", "held": "320.00"},
    }
    assert status_sentence(report) == "2 of 14 claims held, $320.00 of $2,140.00"
    clean = {
        "status": "clean",
        "counts": {"claims": 14, "clean": 11, "fixed": 3, "held": 0},
        "charges": {"total": "2140.00", "clean": "2140.00", "held": "0.00"},
    }
    assert status_sentence(clean) == "All 14 claims ready to send, $2,140.00 (3 fixed)"
    assert status_sentence(rejected_report()) == "File rejected: no claims were checked"
    big = {
        "status": "held",
        "counts": {"claims": 5000, "clean": 2000, "fixed": 2000, "held": 1000},
        "charges": {"total": "2745050.00", "clean": "2198400.00", "held": "546650.00"},
    }
    assert status_sentence(big) == "1,000 of 5,000 claims held, $546,650.00 of $2,745,050.00"
    assert status_sentence({**big, "mode": "validate"}).startswith("1,000 of 5,000 claims with")


def test_highlight_component_and_whole_element() -> None:
    markup, note = highlight_element("HI*ABK:M6283*ABF:M5450", "HI01-2")
    assert str(markup) == "HI*ABK:<mark>M6283</mark>*ABF:M5450"
    assert note == ""
    markup, _ = highlight_element("SV1*HC:97110:GP*320*UN*2***1", "SV107")
    assert str(markup) == "SV1*HC:97110:GP*320*UN*2***<mark>1</mark>"
    markup, _ = highlight_element("HI*ABK:M6283*ABF:M5450", "HI02")
    assert str(markup) == "HI*ABK:M6283*<mark>ABF:M5450</mark>"
    twelve = "HI*" + "*".join(f"ABF:R{n:02d}" for n in range(1, 13))
    markup, _ = highlight_element(twelve, "HI12-2")
    assert str(markup).endswith("*ABF:R11*ABF:<mark>R12</mark>")
    markup, _ = highlight_element("N4*SPRINGFIELD*IL*62704", "N403")
    assert str(markup) == "N4*SPRINGFIELD*IL*<mark>62704</mark>"
    markup, _ = highlight_element("CLM*PCN1*100***11:B:1*Y", "CLM05-3")
    assert str(markup) == "CLM*PCN1*100***11:B:<mark>1</mark>*Y"


def test_highlight_missing_and_empty_elements() -> None:
    markup, note = highlight_element("SV1*HC:97110*100*UN*1", "SV107")
    assert "<mark" not in str(markup)
    assert "SV107 is not present" in note
    markup, _ = highlight_element("SV1*HC:97110*100*UN*1**", "SV106")
    assert '<mark class="empty"></mark>' in str(markup)


def test_highlight_uses_the_files_delimiters() -> None:
    report = sample_report()
    report["delimiters"] = {"element": "|", "component": "^"}
    held = report["claims"][1]
    held["findings"][1]["location"]["text"] = "HI|ABK^M6283|ABF^M5450"
    html = render_html(report)
    assert "HI|ABK^<mark>M6283</mark>|ABF^M5450" in html


def test_highlight_changes_marks_what_differs() -> None:
    before, after = highlight_changes("HI*ABK:M62.830*ABF:M5450", "HI*ABK:M62830*ABF:M5450")
    assert str(before) == "HI*ABK:<mark>M62.830</mark>*ABF:M5450"
    assert str(after) == "HI*ABK:<mark>M62830</mark>*ABF:M5450"
    before, after = highlight_changes("SE*40*0001", "SE*41*0001")
    assert str(after) == "SE*<mark>41</mark>*0001"


def test_header_status_and_groups_in_order() -> None:
    html = render_html(sample_report())
    assert "1 of 3 claims held, $320.00 of $2,140.00" in html
    assert "ICD-10-CM April 1, 2026" in html
    assert "November 26, 2026, 21:00 UTC" in html
    assert "$1,820.00" in html
    held, fixed, clean = (html.index(f'id="g-{g}"') for g in ("held", "fixed", "clean"))
    assert held < fixed < clean
    # Clean claims are collapsed; held and fixed are not.
    assert re.search(r'<details id="g-clean"[^>]*>', html)
    assert not re.search(r'<details id="g-clean"[^>]*\bopen\b', html)
    assert '<section id="g-held"' in html
    # The held claim's error comes before its warning.
    pcn1 = html[html.index('data-claim="pcn1"') :]
    assert pcn1.index('data-edit="DX002"') < pcn1.index('data-edit="PTR003"')


def test_finding_details_are_shown() -> None:
    html = render_html(sample_report())
    assert "<code>M62830</code> Muscle spasm of back" in html
    assert "HI*ABK:<mark>M6283</mark>*ABF:M5450" in html
    assert "Unsafe fix, not applied" in html
    assert "Safe fix, applied" in html
    assert "HI*ABK:<mark>M62830</mark>*ABF:M5450" in html
    assert "segment 24, loop 2300, HI01-2" in html
    # Severity in words, not colour alone.
    assert '<span class="sev s-error">Error</span>' in html
    assert '<span class="sev s-warning">Warning</span>' in html


def test_every_edit_link_has_its_explanation() -> None:
    html = render_html(sample_report())
    links = set(re.findall(r'href="#(edit-[^"]+)"', html))
    anchors = set(re.findall(r'id="(edit-[^"]+)"', html))
    assert links == {"edit-DX002", "edit-DX003", "edit-PTR003", "edit-SPC001", "edit-ENV004"}
    assert links <= anchors
    assert "Edits in this report" in html
    assert "Payers deny claims that carry a category code." in html


def test_page_is_self_contained() -> None:
    for html in (render_html(sample_report()), render_index([sample_report()])):
        assert not re.search(r"https?://", html), "the page must not reference the network"
        assert not re.search(r"\bsrc\s*=", html)
        assert "url(" not in html and "@import" not in html
        assert '<link rel="stylesheet"' not in html
        csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
        assert csp and "default-src 'none'" in csp.group(1)
        assert "'unsafe-inline'" not in csp.group(1)


def test_rejected_report_says_why_and_what_to_do() -> None:
    html = render_html(rejected_report())
    assert "File rejected: no claims were checked" in html
    assert "This is an 835 payment file, not an 837 professional claim file." in html
    assert "What to do:" in html
    assert "Export the claims again from the billing system as 837P" in html
    assert 'href="#edit-ENV002"' in html and 'id="edit-ENV002"' in html


def test_streamed_claims_are_rendered_one_at_a_time() -> None:
    report = sample_report()
    claims = report.pop("claims")
    held, fixed, clean = claims[1], claims[2], claims[0]
    taken: list[str] = []

    def spool() -> Iterator[dict[str, Any]]:
        for claim in (held, fixed, clean):
            taken.append(claim["claim_id"])
            yield claim

    chunks = iter_html(report, spool())
    head = next(chunks)
    assert taken == []  # the head goes out before any claim is read
    out = io.StringIO()
    out.write(head)
    for chunk in chunks:
        out.write(chunk)
    html = out.getvalue()
    assert taken == ["PCN1", "PCN2", "CLEAN01"]
    positions = [html.index(f'data-claim="{c}"') for c in ("pcn1", "pcn2", "clean01")]
    assert positions == sorted(positions)
    assert html.index('id="g-held"') < html.index('id="g-fixed"') < html.index('id="g-clean"')
    assert 'Held claims <span class="gc">1 · $320.00</span>' in html
    # Explanations come after the claims and still count them.
    assert html.count("1 finding in this report") == 5

    again = io.StringIO()
    write_html(again, report, iter([held, fixed, clean]))
    assert again.getvalue() == html


def test_minimal_report_renders() -> None:
    html = render_html({"input": "x.837", "status": "clean", "claims": [], "findings": []})
    assert "No claims in the file" in html


def test_xss_values_are_escaped_in_the_source() -> None:
    html = render_html(xss_report())
    body = html[html.index("<body>") : html.index("<script>")]
    for raw in ("<script>alert", "<img src=x", "<svg", "<iframe", "<b>batch", 'onerror=alert(1)>"'):
        assert raw not in body, raw
    assert html.count("<script>") == 1  # ours, at the end
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "NTE*ADD*&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&#34;&#39;&gt;&lt;svg onload=alert(3)&gt;" in html


def test_templates_dir_is_found() -> None:
    folder = templates_dir()
    assert (folder / "report.html.j2").is_file()
    assert (folder / "index.html.j2").is_file()


def test_write_index(tmp_path: Path) -> None:
    second = rejected_report()
    hostile = copy.deepcopy(sample_report())
    hostile["input"] = "javascript:alert(1).837"
    hostile["outputs"]["html"] = "javascript:alert(1).report.html"
    html = write_index(
        [sample_report(), second, hostile], tmp_path, generated_at="2026-11-26T21:00:00Z"
    )
    written = tmp_path / INDEX_NAME
    assert written.read_text(encoding="utf-8") == html
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert 'href="./batch.report.html"' in html
    assert 'href="./remit.report.html"' in html
    assert 'href="./javascript%3Aalert%281%29.report.html"' in html
    assert 'href="javascript' not in html
    assert "This is an 835 payment file" in html
    assert "$4,280.00" in html  # total over the three files
    assert "3 files scrubbed" in html


# --------------------------------------------------------------------------- browser


def _write(tmp_path: Path, name: str, html: str) -> Path:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path


def test_report_opens_cleanly_in_chromium(open_page: Any, tmp_path: Path, artifacts: Path) -> None:
    path = _write(tmp_path, "batch.report.html", render_html(sample_report()))
    opened = open_page(path)
    page = opened.page
    shot = artifacts / "report-screen.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert opened.console_errors == []
    assert opened.page_errors == []
    assert opened.requests == [opened.url], "the page fetched something"

    held = page.locator("article.claim.d-held")
    assert held.count() == 1
    assert held.locator(".cid").is_visible()
    assert held.locator(".cid").inner_text() == "PCN1"
    assert "DOE, JANE" in held.inner_text()
    assert "1 of 3 claims held, $320.00 of $2,140.00" in page.locator(".status h2").inner_text()
    for edit in ("DX002", "PTR003"):
        link = held.locator(f'a.eid[href="#edit-{edit}"]')
        assert link.is_visible() and link.inner_text() == edit
    assert page.locator('a.eid[href="#edit-DX003"]').is_visible()  # the fixed claim
    assert page.locator("mark", has_text="M6283").first.is_visible()
    # The filter bar is shown by the script.
    assert page.locator("#filters").is_visible()
    assert page.locator("#f-status").inner_text() == "Showing all 3 claims"

    # Clean claims start collapsed and open on a click.
    clean_id = page.locator("article.claim.d-clean .cid")
    assert not clean_id.is_visible()
    page.locator("#g-clean > summary").click()
    assert clean_id.is_visible()

    # An edit link leads to its explanation.
    held.locator('a.eid[href="#edit-DX002"]').click()
    assert page.evaluate("location.hash") == "#edit-DX002"
    assert page.locator("#edit-DX002").is_visible()


def test_filters_hide_and_restore(open_page: Any, tmp_path: Path, artifacts: Path) -> None:
    path = _write(tmp_path, "batch.report.html", render_html(sample_report()))
    opened = open_page(path)
    page = opened.page

    def visible(selector: str) -> int:
        return int(
            page.evaluate(
                "s => Array.from(document.querySelectorAll(s))"
                ".filter(e => e.checkVisibility()).length",
                selector,
            )
        )

    page.locator("#g-clean > summary").click()
    assert visible("article.claim") == 3
    assert visible('li.f[data-sev="warning"]') == 2

    page.select_option("#f-sev", "error")
    assert visible("article.claim") == 1
    assert visible("article.claim.d-held") == 1
    assert visible("article.claim.d-clean") == 0
    assert visible('li.f[data-sev="warning"]') == 0
    assert visible('li.f[data-sev="info"]') == 0
    assert visible('li.f[data-edit="DX002"]') == 1
    assert page.locator("#f-status").inner_text() == "Showing 1 of 3 claims"
    page.screenshot(path=str(artifacts / "report-filtered.png"), full_page=True)

    page.select_option("#f-sev", "")
    page.select_option("#f-edit", "DX003")
    assert visible("article.claim") == 1
    assert visible("article.claim.d-fixed") == 1

    # Searching a clean claim opens its collapsed group; clearing closes it again.
    page.select_option("#f-edit", "")
    page.locator("#g-clean > summary").click()  # close it by hand first
    assert visible("article.claim.d-clean") == 0
    page.fill("#f-claim", "clean0")
    assert visible("article.claim") == 1
    assert visible("article.claim.d-clean") == 1
    page.fill("#f-claim", "nothing-like-this")
    assert page.locator("#f-status").inner_text() == "No claims match"
    page.click("#f-reset")
    # a locator waits in Playwright's own script: a string for wait_for_function is eval'd in
    # the page, which the report's CSP refuses whenever the first look does not find it
    page.locator("#f-status", has_text="all").wait_for(state="attached")
    assert visible("article.claim") == 2  # clean collapsed again
    assert visible("li.f") == 4
    assert opened.console_errors == [] and opened.page_errors == []


def test_without_javascript_everything_is_visible(open_page: Any, tmp_path: Path) -> None:
    path = _write(tmp_path, "batch.report.html", render_html(sample_report()))
    page = open_page(path, javascript=False).page
    assert not page.locator("#filters").is_visible()
    assert page.locator("article.claim.d-held .cid").is_visible()
    assert page.locator("article.claim.d-fixed .cid").is_visible()
    for finding in page.locator("section.group li.f").all():
        assert finding.is_visible()
    assert page.locator("article.claim.d-clean").count() == 1


def test_print_shows_held_claims_only(open_page: Any, tmp_path: Path, artifacts: Path) -> None:
    path = _write(tmp_path, "batch.report.html", render_html(sample_report()))
    page = open_page(path).page
    page.emulate_media(media="print")
    assert not page.locator("#filters").is_visible()
    assert not page.locator("#g-clean").is_visible()
    assert not page.locator("#g-fixed").is_visible()
    assert page.locator("article.claim.d-held .cid").is_visible()
    assert page.locator("article.claim.d-held li.f").first.is_visible()
    page.screenshot(path=str(artifacts / "report-print.png"), full_page=True)
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF")


@pytest.mark.parametrize("keep_csp", [True, False], ids=["with-csp", "escaping-alone"])
def test_xss_nothing_runs(open_page: Any, tmp_path: Path, keep_csp: bool) -> None:
    html = render_html(xss_report())
    if not keep_csp:
        # Escaping alone must be enough: drop the policy and look again.
        html, n = re.subn(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        assert n == 1
    path = _write(tmp_path, "xss.report.html", html)
    opened = open_page(path)
    page = opened.page
    page.locator("#g-clean > summary").click()
    page.wait_for_timeout(200)
    assert opened.dialogs == []
    assert opened.page_errors == []
    assert opened.requests == [opened.url]
    assert page.evaluate("document.querySelectorAll('img, svg, iframe').length") == 0
    assert page.evaluate("document.scripts.length") == 1
    held = page.locator("article.claim.d-held")
    assert XSS_NAME in held.inner_text()
    assert XSS_NTE in held.inner_text()
    # Filtering still works on a hostile claim id.
    page.fill("#f-claim", "<img")
    assert page.locator("article.claim.d-held").is_visible()
    assert opened.dialogs == []


def test_index_opens_in_chromium(open_page: Any, tmp_path: Path) -> None:
    write_index([sample_report(), rejected_report()], tmp_path, generated_at="2026-11-26T21:00:00Z")
    opened = open_page(tmp_path / INDEX_NAME)
    page = opened.page
    assert opened.console_errors == [] and opened.page_errors == []
    assert opened.requests == [opened.url]
    assert page.locator("a", has_text="batch.837").is_visible()
    assert page.locator("tfoot").inner_text().count("$2,140.00") == 1


def test_real_scrub_report_of_the_mixed_sample(open_page: Any, tmp_path: Path) -> None:
    """End to end: the report scrub837 writes for a sample with held, fixed and clean claims."""
    from scrubber.api import ScrubOptions, scrub

    sample = Path(__file__).resolve().parents[1] / "x12_samples" / "mixed.837"
    result = scrub(sample, ScrubOptions(out_dir=tmp_path, tr3=True))
    assert result.counts["held"] and result.counts["fixed"] and result.counts["clean"]
    report = json.loads(Path(result.outputs["json"] or "").read_text())
    opened = open_page(Path(result.outputs["html"] or ""))
    page = opened.page
    assert opened.console_errors == [] and opened.page_errors == []
    assert opened.requests == [opened.url]
    held = [c for c in report["claims"] if c["disposition"] == "held"]
    for claim in held:
        card = page.locator("article.claim.d-held", has_text=claim["claim_id"])
        assert card.locator(".cid").inner_text() == claim["claim_id"]
        for finding in claim["findings"]:
            assert card.locator(f'a.eid[href="#edit-{finding["edit"]}"]').first.is_visible()


def test_mask_phi_leaves_no_patient_data_in_either_report(tmp_path: Path) -> None:
    from scrubber.api import ScrubOptions, scrub
    from scrubber.synth import ClaimSpec, build_837

    claims = [
        ClaimSpec(
            claim_id="PCN1",
            patient_last="QUIXOTE",
            patient_first="ALONSO",
            member_id="MBRZ98765",
            diagnoses=("M6283",),
        ),
        ClaimSpec(
            claim_id="PCN2",
            patient_last="PANZA",
            patient_first="SANCHO",
            member_id="MBRY12345",
            dependent=True,
            subscriber_first="TERESA",
        ),
    ]
    source = tmp_path / "batch.837"
    source.write_text(build_837(claims))
    result = scrub(source, ScrubOptions(out_dir=tmp_path / "out", mask_phi=True, tr3=False))
    for name in ("json", "html"):
        text = Path(result.outputs[name] or "").read_text()
        for secret in (
            "QUIXOTE",
            "ALONSO",
            "PANZA",
            "SANCHO",
            "TERESA",
            "MBRZ98765",
            "MBRY12345",
            "19700101",
            "1970-01-01",
        ):
            assert secret not in text, (name, secret)
    unmasked = scrub(source, ScrubOptions(out_dir=tmp_path / "plain", tr3=False))
    assert "QUIXOTE" in Path(unmasked.outputs["json"] or "").read_text()  # the test can fail
