"""Small helpers shared by checks: code normalising and code ranges as written in edits/ data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache, lru_cache

from scrubber.model import Claim, Diagnosis, ServiceLine

ICD10_QUALIFIERS = frozenset({"ABK", "ABF"})


@lru_cache(maxsize=8192)
def normalize_code(code: str) -> str:
    """M62.830 / m62830 / ' M62830' -> M62830 (how codes are sent: no decimal point)."""
    return "".join(code.split()).replace(".", "").upper()


def dotted(code: str) -> str:
    """For messages: M62830 -> M62.830."""
    code = normalize_code(code)
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def in_ranges(code: str, ranges: Iterable[str]) -> bool:
    """True if the code falls in any of the ranges: 'M00-M99' (categories), 'Z96.6' (a subtree)."""
    code = normalize_code(code)
    for item in ranges:
        if "-" in item:
            first, last = (normalize_code(part) for part in item.split("-", 1))
            head = code[: len(first)]
            if first <= head <= last:
                return True
        elif code.startswith(normalize_code(item)):
            return True
    return False


def icd10_codes(claim: Claim) -> list[Diagnosis]:
    """Diagnoses that are sent as ICD-10-CM (qualifier ABK/ABF)."""
    return [d for d in claim.diagnoses if d.qualifier in ICD10_QUALIFIERS and d.code.strip()]


def pointed_diagnoses(claim: Claim, line: ServiceLine) -> list[Diagnosis]:
    """The diagnoses a line's SV107 names (pointers that name nothing are left out)."""
    by_position = {d.position: d for d in claim.diagnoses}
    return [by_position[n] for n in line.pointed_positions if n in by_position]


def expand_codes(items: Sequence[str]) -> frozenset[str]:
    """Procedure code lists in edits/ may hold ranges like '97161-97168' (numeric)."""
    return _expand(tuple(items))


@cache
def _expand(items: tuple[str, ...]) -> frozenset[str]:
    codes: set[str] = set()
    for item in items:
        if "-" in item:
            first, last = item.split("-", 1)
            if first.isdigit() and last.isdigit():
                codes.update(str(n).zfill(len(first)) for n in range(int(first), int(last) + 1))
                continue
        codes.add(item)
    return frozenset(codes)
