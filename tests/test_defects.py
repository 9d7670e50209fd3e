"""The broken inputs of issue 9, one test per class, each an 837P built here: nothing broken
comes out `clean`, and claims and charges in = clean + fixed + held + rejected."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from scrubber.api import ScrubResult
from tests.corpus import claims_in
from tests.helpers import report_of, scrub_text, wrap

CLAIMS = "".join(
    f"CLM*P{n}*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
    "DTP*472*D8*20260410~"
    for n in (1, 2, 3)
)


def segments(text: str) -> list[str]:
    return text.split("~\n")[:-1]


def join(parts: list[str]) -> str:
    return "~\n".join(parts) + "~\n"


def conserved(result: ScrubResult, claims_in_input: int, charge_in: str) -> None:
    """Counts and charges in = clean + fixed + held + rejected; the outputs hold the rest."""
    counts, charges = result.counts, result.charges
    assert counts["claims"] == claims_in_input
    parts = ("clean", "fixed", "held", "rejected")
    assert counts["claims"] == sum(counts[k] for k in parts)
    assert Decimal(charges["total"]) == Decimal(charge_in)
    assert Decimal(charges["total"]) == sum(
        Decimal(charges[k]) for k in ("clean", "held", "rejected")
    )
    written = []
    for name in ("clean", "held"):
        output = result.outputs.get(name)
        written += claims_in(output) if output else []
    assert len(written) == counts["clean"] + counts["fixed"] + counts["held"]


# 1. cut off before the first claim ---------------------------------------------------------


def test_1_cut_before_the_first_claim_is_rejected(tmp_path: Path) -> None:
    parts = segments(wrap(CLAIMS))
    first_claim = next(i for i, s in enumerate(parts) if s.startswith("CLM"))
    for cut in range(1, first_claim + 1):  # header, 1000A/B, provider and subscriber loops
        result = scrub_text(tmp_path / str(cut), join(parts[:cut]))
        assert result.status == "rejected" and result.exit_status == 3, cut
        assert report_of(result)["rejection"]["edit"] in ("ENV005", "ENV002")
        assert result.outputs["clean"] is None and result.outputs["held"] is None


def test_1_cut_inside_a_later_claim_holds(tmp_path: Path) -> None:
    text = wrap(CLAIMS)
    result = scrub_text(tmp_path, text[: text.index("CLM*P3") + 10])
    assert result.status == "held" and result.exit_status == 1
    conserved(result, 3, "300")
    assert result.counts["held"] == 3  # the transaction has no SE: all of its claims are held


# 2. claims after an early SE, outside any GS, after the IEA --------------------------------


def test_2_claims_after_an_early_se_are_counted_rejected(tmp_path: Path) -> None:
    parts = segments(wrap(CLAIMS))
    second = next(i for i, s in enumerate(parts) if s.startswith("CLM*P2"))
    st = next(i for i, s in enumerate(parts) if s.startswith("ST*"))
    early = parts[:second] + [f"SE*{second - st + 1}*0001"] + parts[second:]
    result = scrub_text(tmp_path, join(early))
    assert result.status == "held" and result.exit_status == 1
    conserved(result, 3, "300")
    assert result.counts["rejected"] == 2
    [finding] = [f for f in report_of(result)["findings"] if f["edit"] == "ENV005"]
    assert "2 claim(s)" in finding["message"] and finding["severity"] == "error"


def test_2_transaction_outside_any_group_and_claims_after_the_iea(tmp_path: Path) -> None:
    parts = segments(wrap(CLAIMS))
    gs = next(i for i, s in enumerate(parts) if s.startswith("GS*"))
    ge = next(i for i, s in enumerate(parts) if s.startswith("GE*"))
    # a second copy of the transaction before the GS, then claim segments after the IEA
    transaction = parts[gs + 1 : ge]
    outside = parts[:gs] + transaction + parts[gs:] + transaction[-6:-1]
    result = scrub_text(tmp_path, join(outside))
    assert result.status == "held" and result.exit_status == 1
    conserved(result, 7, "700")
    assert result.counts["rejected"] == 4
    assert result.counts["clean"] == 3


# 7. an 837I interchange appended to an 837P file -------------------------------------------


def test_7_appended_837i_claims_are_rejected_and_counted(tmp_path: Path) -> None:
    professional = wrap(CLAIMS)
    institutional = wrap(CLAIMS, version="005010X223A2").replace("000000001", "000000002")
    result = scrub_text(tmp_path, professional + institutional)
    assert result.status == "held" and result.exit_status == 1
    conserved(result, 6, "600")
    assert result.counts["rejected"] == 3 and result.charges["rejected"] == "300.00"
    assert any(f["edit"] == "ENV002" for f in report_of(result)["findings"])
    clean = result.outputs["clean"]
    assert clean is not None
    assert claims_in(clean) == [("P1", "100"), ("P2", "100"), ("P3", "100")]


# 9. with --no-tr3: missing trailers, amounts that are not numbers, pointers -----------------


@pytest.mark.parametrize("dropped", ["GE", "IEA", "GE+IEA"])
def test_9_missing_ge_or_iea_is_never_clean(tmp_path: Path, dropped: str) -> None:
    parts = [s for s in segments(wrap(CLAIMS)) if s[:3].rstrip("*") not in dropped.split("+")]
    result = scrub_text(tmp_path, join(parts), tr3=False)
    assert result.status == "held" and result.exit_status == 1
    conserved(result, 3, "300")
    assert any(f["edit"] == "ENV005" for f in report_of(result)["findings"])


@pytest.mark.parametrize("total", ["NaN", "1,000", "", "1e2", "\u0661\u0660\u0660", "Infinity"])
def test_9_claim_total_that_is_not_an_amount_holds_its_claim(tmp_path: Path, total: str) -> None:
    text = wrap(CLAIMS).replace("CLM*P2*100*", f"CLM*P2*{total}*")
    result = scrub_text(tmp_path, text, tr3=False)
    assert result.status == "held"
    report = report_of(result)
    p2 = next(c for c in report["claims"] if c["claim_id"] == "P2")
    assert p2["disposition"] == "held"
    assert any(f["edit"] == "BAL001" and f["severity"] == "error" for f in p2["findings"])
    assert result.counts["held"] == 1 and result.counts["claims"] == 3
    assert any("not an amount" in note for note in report["notes"])


@pytest.mark.parametrize("pointer", ["01", "\u0661", "0", "13"])
def test_9_pointer_that_is_not_1_to_12_fails_ptr001(tmp_path: Path, pointer: str) -> None:
    text = wrap(CLAIMS).replace("UN*1***1~", f"UN*1***{pointer}~", 1)
    result = scrub_text(tmp_path, text, tr3=False)
    report = report_of(result)
    p1 = report["claims"][0]
    assert p1["disposition"] == "held"
    assert any(f["edit"] == "PTR001" for f in p1["findings"])


def test_9_the_unbroken_file_is_clean(tmp_path: Path) -> None:
    result = scrub_text(tmp_path, wrap(CLAIMS), tr3=False)
    assert result.status == "clean" and result.exit_status == 0
    conserved(result, 3, "300")
