"""--mask-phi: names, member ids and birth dates leave neither report."""

from __future__ import annotations

import copy
import html as htmllib
import json
import re
from typing import Any

import pytest

from scrubber.report.html import render_html
from scrubber.report.mask import mask_birth_date, mask_id, mask_name, mask_report

# The patient is a dependent (2010CA, QC); the subscriber (2010BA, IL) is someone else and
# appears only in the segments.
PATIENT = {"name": "O'BRIEN, MARY ANN", "member_id": "XYZ987654321", "birth_date": "1985-02-14"}
SUBSCRIBER_LAST, SUBSCRIBER_FIRST, SUBSCRIBER_ID = "KOWALSKI", "PATRICK", "W123456789"
SUBSCRIBER_DOB = "19600102"
NM1_IL = f"NM1*IL*1*{SUBSCRIBER_LAST}*{SUBSCRIBER_FIRST}*Q***MI*{SUBSCRIBER_ID}"
NM1_IL_FIXED = f"NM1*IL*1*{SUBSCRIBER_LAST}*{SUBSCRIBER_FIRST}****MI*{SUBSCRIBER_ID}"

SECRETS = [
    "O'BRIEN",
    "BRIEN",
    "MARY",
    "ANN",
    "XYZ987654321",
    "1985-02-14",
    "19850214",
    "02/14/1985",
    SUBSCRIBER_LAST,
    SUBSCRIBER_FIRST,
    SUBSCRIBER_ID,
    SUBSCRIBER_DOB,
    "1960-01-02",
    "01/02/1960",
    "SECOND",
    "PERSON",
    "M000000777",
]


def _finding(
    edit: str, message: str, text: str, fix: dict[str, Any] | None = None
) -> dict[str, Any]:
    segment = text.split("*", 1)[0]
    return {
        "edit": edit,
        "severity": "error",
        "message": message,
        "location": {
            "loop": "2010BA",
            "segment": segment,
            "element": f"{segment}02",
            "segment_number": 12,
            "text": text,
        },
        "suggestions": [],
        "fix": fix,
    }


def phi_report() -> dict[str, Any]:
    return {
        "input": "batch.837",
        "status": "held",
        "mode": "scrub",
        "code_set": "ICD-10-CM April 1, 2026",
        "profile": "default",
        "generated_at": "2026-11-26T21:00:00Z",
        "rejection": None,
        "notes": ["Mary Ann O'Brien appears twice in the file."],
        "counts": {"claims": 2, "clean": 1, "fixed": 0, "held": 1},
        "charges": {"total": "200.00", "clean": "100.00", "held": "100.00"},
        "outputs": {"clean": None, "held": None, "json": "b.json", "html": "b.html"},
        "findings": [
            _finding(
                "IG002",
                f"Subscriber {SUBSCRIBER_FIRST} {SUBSCRIBER_LAST} has no claims.",
                "BHT*0019*00*1*20261126",
            )
        ],
        "claims": [
            {
                "claim_id": "PCN1",
                "transaction": "0001",
                "disposition": "held",
                "total_charge": "100.00",
                "patient": dict(PATIENT),
                "service_dates": ["1985-02-10"],
                "findings": [
                    _finding(
                        "DTE002",
                        "The service date 1985-02-10 is before the patient's birth date "
                        "1985-02-14 (02/14/1985) for MARY ANN O'BRIEN.",
                        "DMG*D8*19850214*F",
                    ),
                    _finding(
                        "IG001",
                        "Subscriber name is too long.",
                        NM1_IL,
                        fix={
                            "safety": "safe",
                            "applied": True,
                            "before": NM1_IL,
                            "after": NM1_IL_FIXED,
                        },
                    ),
                    _finding("IG001", "Subscriber birth date.", f"DMG*D8*{SUBSCRIBER_DOB}*M"),
                    _finding("IG001", "Patient name.", "NM1*QC*1*O'BRIEN*MARY ANN"),
                    _finding("IG001", "Member id repeated.", "REF*1W*XYZ987654321"),
                    _finding(
                        "IG001", "Free text.", "NTE*ADD*CALL MARY ANN O'BRIEN ABOUT XYZ987654321"
                    ),
                    _finding(
                        "PRV001",
                        "NPI 1588667638 fails its check digit.",
                        "NM1*85*2*BACK CLINIC*****XX*1588667638",
                    ),
                ],
            },
            {
                "claim_id": "PCN2",
                "transaction": "0001",
                "disposition": "clean",
                "total_charge": "100.00",
                "patient": {
                    "name": "SECOND PERSON",
                    "member_id": "M000000777",
                    "birth_date": "2001-07-04",
                },
                "service_dates": ["2026-04-10"],
                "findings": [],
            },
        ],
        "edits": {},
    }


def test_mask_helpers() -> None:
    assert mask_name("DOE, JANE") == "J.D."
    assert mask_name("DOE, JANE Q") == "J.D."
    assert mask_name("JANE Q DOE") == "J.D."
    assert mask_name("DOE") == "D."
    assert mask_name("") == ""
    assert mask_id("MBR0000001") == "******0001"
    assert mask_id("1234") == "****"
    assert mask_birth_date("1970-01-01") == "1970"
    assert mask_birth_date("19700101") == "1970"
    assert mask_birth_date("01/01/1970") == "1970"


def test_patient_block_is_masked_and_the_input_untouched() -> None:
    report = phi_report()
    original = copy.deepcopy(report)
    masked = mask_report(report)
    assert report == original, "mask_report must not change its input"
    assert masked["claims"][0]["patient"] == {
        "name": "M.O.",
        "member_id": "********4321",
        "birth_date": "1985",
    }
    assert masked["claims"][1]["patient"] == {
        "name": "S.P.",
        "member_id": "******0777",
        "birth_date": "2001",
    }
    # What is not PHI stays as it was.
    assert masked["claims"][0]["claim_id"] == "PCN1"
    assert masked["charges"] == report["charges"]


def test_segments_are_masked_element_by_element() -> None:
    masked = mask_report(phi_report())
    findings = masked["claims"][0]["findings"]
    assert findings[0]["location"]["text"] == "DMG*D8*1985*F"
    assert findings[1]["location"]["text"] == "NM1*IL*1*K.*P.*Q.***MI*******6789"
    assert findings[1]["fix"]["after"] == "NM1*IL*1*K.*P.****MI*******6789"
    assert findings[2]["location"]["text"] == "DMG*D8*1960*M"
    assert findings[3]["location"]["text"] == "NM1*QC*1*O.*M.A."
    assert findings[4]["location"]["text"] == "REF*1W*********4321"
    # A provider is not a patient: NM1*85 stays as it is.
    assert findings[6]["location"]["text"] == "NM1*85*2*BACK CLINIC*****XX*1588667638"
    assert findings[6]["message"] == "NPI 1588667638 fails its check digit."


def test_messages_lose_the_literal_values() -> None:
    masked = mask_report(phi_report())
    message = masked["claims"][0]["findings"][0]["message"]
    assert message == (
        "The service date 1985-02-10 is before the patient's birth date 1985 (1985) for M.A. O.."
    )
    assert "PATRICK" not in masked["findings"][0]["message"]


def _contains(text: str, value: str) -> bool:
    """`value` as a whole word (not inside a longer word), case-insensitively."""
    pattern = r"(?<![A-Za-z0-9])" + re.escape(value) + r"(?![A-Za-z0-9])"
    return re.search(pattern, text, re.IGNORECASE) is not None


MEMBER_IDS = [PATIENT["member_id"], SUBSCRIBER_ID, "M000000777"]


def _leaks(text: str) -> list[str]:
    plain = htmllib.unescape(text)
    found = [s for s in SECRETS if _contains(plain, s)]
    # No more than the last four characters of a member id, anywhere.
    found += [m[-5:] for m in MEMBER_IDS if m[-5:] in plain]
    return found


def test_no_phi_in_masked_json_or_html() -> None:
    report = phi_report()
    # Make sure the check itself would see the values before masking.
    expected = set(SECRETS) - {"1960-01-02", "01/02/1960"} | {m[-5:] for m in MEMBER_IDS}
    assert set(_leaks(json.dumps(report))) == expected
    masked = mask_report(report)
    assert _leaks(json.dumps(masked)) == []
    assert _leaks(json.dumps(masked, ensure_ascii=False)) == []
    page = render_html(masked)
    assert _leaks(page) == []
    assert "Masked" in page


def test_masking_twice_changes_nothing_more() -> None:
    once = mask_report(phi_report())
    assert mask_report(once) == once


@pytest.mark.parametrize("name", ["AL, BO", "NG, LI"])
def test_short_names_are_masked_too(name: str) -> None:
    report = phi_report()
    report["claims"][0]["patient"]["name"] = name
    report["claims"][0]["findings"][0]["message"] = f"Patient {name} needs a look."
    masked = mask_report(report)
    text = json.dumps(masked)
    for part in name.split(", "):
        assert _contains(json.dumps(report), part)
        assert not _contains(text, part)
