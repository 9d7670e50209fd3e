"""Scrubbed synthetic claims and the 835s that pay them, for the remittance tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from scrubber.api import ScrubResult, scrub
from scrubber.options import ScrubOptions
from scrubber.remit.api import RemitOptions, RemitResult, remit
from scrubber.synth import ClaimSpec, LineSpec, build_837
from scrubber.synth835 import build_835

RUN_DATE = date(2026, 5, 1)


def claim(number: int, diagnosis: str = "M5450", first: str = "97140", **extra: Any) -> ClaimSpec:
    """A two-line therapy claim: `first` ($43) pointing to the diagnosis, then 97110 ($45)."""
    lines = (
        LineSpec(procedure=first, charge=Decimal("43.00")),
        LineSpec(procedure="97110", charge=Decimal("45.00")),
    )
    return ClaimSpec(
        claim_id=f"E{number:04d}",
        diagnoses=(diagnosis,),
        member_id=f"MBR{number:07d}",
        lines=lines,
        **extra,
    )


def scrub_claims(
    folder: Path, name: str, claims: list[ClaimSpec], ledger: Path, **options: Any
) -> ScrubResult:
    receiver = options.pop("receiver", "PAYER01")
    path = folder / name
    path.write_text(build_837(claims, receiver=receiver))
    options.setdefault("tr3", False)
    options.setdefault("run_date", RUN_DATE)
    options.setdefault("html", False)
    return scrub(path, ScrubOptions(out_dir=folder / "out", ledger=ledger, **options))


def remit_claims(
    folder: Path,
    name: str,
    claims: list[ClaimSpec],
    ledger: Path,
    validate: bool = False,
    **options: Any,
) -> RemitResult:
    path = folder / name
    path.write_text(build_835(claims, **options))
    return remit(path, RemitOptions(ledger=ledger, validate=validate))


def remit_text(
    folder: Path, name: str, text: str, ledger: Path, validate: bool = False
) -> RemitResult:
    path = folder / name
    path.write_text(text)
    return remit(path, RemitOptions(ledger=ledger, validate=validate))
