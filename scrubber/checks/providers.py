"""Provider edits: NPI check digit, billing provider ZIP+4, street address and tax id.

The billing provider (2000A/2010AA) sits above many claims; its edits run per claim, so a bad
billing provider holds every claim under it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from stdnum import luhn

from scrubber.checks.registry import CheckContext, claim_check
from scrubber.findings import Finding
from scrubber.model import Claim

BILLING_LOOP = "2010AA"


@lru_cache(maxsize=4096)  # a file names the same few providers on every claim
def npi_is_valid(npi: str, prefix: str = "80840") -> bool:
    """10 digits whose last one is the Luhn check digit over ``80840`` + NPI (domain.md 5.1)."""
    return len(npi) == 10 and npi.isdigit() and luhn.is_valid(prefix + npi)


@claim_check("PRV001")
def npi_check_digit(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    prefix = str(ctx.params.get("luhn_prefix", "80840"))
    for segment in [*claim.provider.segments, *claim.segments]:
        if segment.id != "NM1" or segment.get(8).strip() != "XX":
            continue
        npi = segment.get(9).strip()
        if not npi_is_valid(npi, prefix):
            key = "default" if len(npi) == 10 and npi.isdigit() else "format"
            yield Finding(
                ctx.message(key, npi=npi, loop=segment.loop or "?", entity=segment.get(1)),
                segment,
                "NM109",
            )


@claim_check("PRV002")
def billing_zip_not_nine_digits(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    n4 = claim.provider.first("N4", BILLING_LOOP)
    if n4 is None:
        return
    country = n4.get(4).strip()
    if country and country not in ctx.params.get("countries", ["US"]):
        return
    zip_code = n4.get(3).strip()
    digits = int(ctx.params.get("zip_digits", 9))
    if not (len(zip_code) == digits and zip_code.isdigit()):
        yield Finding(ctx.message(zip=zip_code or "(empty)"), n4, "N403")


@lru_cache(maxsize=4096)  # the billing provider's address is on every claim under it
def _normalized_address(text: str) -> str:
    """Upper case, punctuation as spaces, single spaces: 'P.O. Box 12' -> 'P O BOX 12'."""
    return " ".join(re.sub(r"[^0-9A-Za-z#]+", " ", text).upper().split())


def _compiled(patterns: list[str]) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in patterns]


@claim_check("PRV003")
def billing_address_po_box(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    patterns = ctx.derived("patterns", ctx.params["patterns"], _compiled)
    for segment in claim.provider.segments:
        if segment.id != "N3" or segment.loop != BILLING_LOOP:
            continue
        for position in (1, 2):
            text = segment.get(position)
            normalized = _normalized_address(text)
            if any(p.search(normalized) for p in patterns):
                yield Finding(ctx.message(address=text.strip()), segment, f"N30{position}")
                break


@claim_check("PRV004")
def billing_tax_id(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    digits = int(ctx.params.get("tin_digits", 9))
    for segment in claim.provider.segments:
        if segment.id != "REF" or segment.loop != BILLING_LOOP or segment.get(1).strip() != "EI":
            continue
        tin = segment.get(2).strip()
        if not (len(tin) == digits and tin.isdigit()):
            yield Finding(ctx.message(tin=tin or "(empty)"), segment, "REF02")
