"""Small helpers shared by checks: code normalising and code ranges as written in edits/ data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache, lru_cache

from scrubber.model import Claim, Diagnosis, ServiceLine


@lru_cache(maxsize=8192)
def normalize_code(code: str) -> str:
    """M62.830 / m62830 / ' M62830' -> M62830 (how codes are sent: no decimal point)."""
    return "".join(code.split()).replace(".", "").upper()


def dotted(code: str) -> str:
    """For messages: M62830 -> M62.830."""
    code = normalize_code(code)
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


class CodeRanges:
    """Code ranges as written in edits/ data, read once: 'M00-M99' (categories: the code's
    first characters between the two), 'Z96.6' (a subtree: the code starts with it). A file
    asks about the same few codes again and again, so each answer is kept."""

    __slots__ = ("_answers", "_prefix_lengths", "_prefixes", "_spans")

    MAX_ANSWERS = 65536  # a long-running desk or watcher sees many files

    def __init__(self, ranges: Iterable[str]) -> None:
        prefixes: set[str] = set()
        spans: list[tuple[int, str, str]] = []
        for item in ranges:
            if "-" in item:
                first, last = (normalize_code(part) for part in item.split("-", 1))
                spans.append((len(first), first, last))
            else:
                prefixes.add(normalize_code(item))
        self._prefixes = frozenset(prefixes)
        self._prefix_lengths = tuple(sorted({len(p) for p in prefixes}))
        self._spans = tuple(spans)
        self._answers: dict[str, bool] = {}

    def __contains__(self, code: str) -> bool:
        answer = self._answers.get(code)
        if answer is None:
            if len(self._answers) >= self.MAX_ANSWERS:
                self._answers.clear()
            answer = self._answers[code] = self._match(normalize_code(code))
        return answer

    def _match(self, code: str) -> bool:
        prefixes = self._prefixes
        for length in self._prefix_lengths:
            if code[:length] in prefixes:
                return True
        return any(first <= code[:length] <= last for length, first, last in self._spans)


@lru_cache(maxsize=512)
def code_ranges(ranges: tuple[str, ...]) -> CodeRanges:
    """The ranges read once (keyed by their text: a profile that changes a list gets its own)."""
    return CodeRanges(ranges)


def in_ranges(code: str, ranges: Iterable[str]) -> bool:
    """True if the code falls in any of the ranges: 'M00-M99' (categories), 'Z96.6' (a subtree)."""
    matcher = ranges if isinstance(ranges, CodeRanges) else code_ranges(tuple(ranges))
    return code in matcher


def icd10_codes(claim: Claim) -> list[Diagnosis]:
    """Diagnoses that are sent as ICD-10-CM (qualifier ABK/ABF)."""
    return list(claim.icd10_diagnoses)


def pointed_diagnoses(claim: Claim, line: ServiceLine) -> list[Diagnosis]:
    """The diagnoses a line's SV107 names (pointers that name nothing are left out)."""
    return list(claim.pointed_diagnoses(line))


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
