"""The claim file as the scrubber sees it: segments, the HL tree's blocks, claims and service lines.

Every segment keeps its original text so that an untouched segment is written back byte-for-byte.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from scrubber.x12.tokens import Delimiters

DIAGNOSIS_QUALIFIERS = frozenset({"ABK", "ABF", "BK", "BF"})
ICD10_QUALIFIERS = frozenset({"ABK", "ABF"})


@dataclass(slots=True)
class Segment:
    """One segment: its elements (elements[0] is the segment id) and where it stands in the file."""

    elements: list[str]
    suffix: str  # terminator plus any line break, as read
    number: int  # position in the file, ISA = 1
    delimiters: Delimiters
    loop: str = ""
    original: str | None = None  # the text as read; None once the segment was changed
    id: str = field(init=False)  # the segment id, e.g. "CLM"

    def __post_init__(self) -> None:
        self.id = self.elements[0].strip()

    @classmethod
    def parse(cls, text: str, suffix: str, number: int, delimiters: Delimiters) -> Segment:
        # every segment of a file passes here: fill the slots directly (what __init__ and
        # __post_init__ would do, without their two calls)
        segment = cls.__new__(cls)
        segment.elements = elements = text.split(delimiters.element)
        segment.suffix = suffix
        segment.number = number
        segment.delimiters = delimiters
        segment.loop = ""
        segment.original = text
        segment.id = elements[0].strip()
        return segment

    @property
    def text(self) -> str:
        if self.original is not None:
            return self.original
        return self.delimiters.element.join(self.elements)

    def render(self) -> str:
        # a file cut off mid-segment leaves its last segment without a terminator
        return self.text + (self.suffix or self.delimiters.segment)

    def get(self, position: int) -> str:
        """Element at a 1-based position, '' when absent."""
        try:
            return self.elements[position]
        except IndexError:
            return ""

    def components(self, position: int) -> list[str]:
        try:
            return self.elements[position].split(self.delimiters.component)
        except IndexError:
            return [""]

    def component(self, position: int, sub: int) -> str:
        try:
            parts = self.elements[position].split(self.delimiters.component)
        except IndexError:
            return ""
        return parts[sub - 1] if sub - 1 < len(parts) else ""

    def with_elements(self, elements: list[str]) -> Segment:
        """A changed copy: same place in the file, new content."""
        while len(elements) > 1 and elements[-1] == "":
            elements = elements[:-1]  # X12 forbids trailing empty elements
        return Segment(list(elements), self.suffix, self.number, self.delimiters, self.loop, None)

    def with_elements_kept(self, elements: list[str]) -> Segment:
        """Like with_elements, but the original text stays when nothing differs."""
        if elements == self.elements and self.original is not None:
            return self
        return self.with_elements(elements)

    def join_components(self, parts: list[str]) -> str:
        while len(parts) > 1 and parts[-1] == "":
            parts = parts[:-1]
        return self.delimiters.component.join(parts)


# the X12 R (decimal) type: ASCII digits, an optional leading minus and decimal point; no
# exponent, no thousands separator, no NaN (Decimal() itself accepts all of those)
_X12_DECIMAL = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")


def parse_decimal(value: str) -> Decimal | None:
    text = value.strip()
    if not _X12_DECIMAL.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):  # pragma: no cover - the pattern admits none
        return None


def parse_d8(value: str) -> date | None:
    """CCYYMMDD -> date; None when it is not one. A file repeats a few dates many times."""
    return _parse_d8(value.strip())


@lru_cache(maxsize=4096)
def _parse_d8(value: str) -> date | None:
    if len(value) != 8 or not value.isdigit():
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def dtp_dates(dtp: Segment) -> tuple[date | None, date | None]:
    """The from- and to-date of a DTP as written: RD8 FROM-TO, else one day (D8). A part that
    is not a real date is None. The one parser of DTP*472 dates: see service_date_of and
    scrubber.checks.dates.date_range."""
    elements = dtp.elements
    count = len(elements)
    return _dates_of(elements[2] if count > 2 else "", elements[3] if count > 3 else "")


@lru_cache(maxsize=4096)
def _dates_of(qualifier: str, value: str) -> tuple[date | None, date | None]:
    value = value.strip()
    if qualifier.strip() == "RD8":
        parts = value.split("-")
        return parse_d8(parts[0]), parse_d8(parts[1]) if len(parts) == 2 else None
    day = parse_d8(value)
    return day, day


def service_date_of(dtp: Segment) -> date | None:
    """From-date of a DTP (D8 or RD8; of a reversed range too, which DTE004 reports)."""
    return dtp_dates(dtp)[0]


@dataclass(slots=True)
class TransactionHeader:
    """ST through the segment before the first HL, with the envelope around it."""

    isa: Segment
    gs: Segment
    segments: list[Segment]  # ST, BHT, 1000A, 1000B
    version: str  # as labelled (GS08/ST03)

    @property
    def st(self) -> Segment:
        return self.segments[0]

    @property
    def control_number(self) -> str:
        return self.st.get(2)

    @property
    def created(self) -> date | None:
        for segment in self.segments:
            if segment.id == "BHT":
                return parse_d8(segment.get(4))
        return None


@dataclass(slots=True)
class BillingProvider:
    """A 2000A block: HL*20 and its 2010AA/AB/AC loops."""

    segments: list[Segment]
    hl_id: str = ""

    def first(self, segment_id: str, loop: str | None = None) -> Segment | None:
        return _first(self.segments, segment_id, loop)


@dataclass(slots=True)
class Patient:
    """A 2000C block (patient who is not the subscriber): HL*23, PAT, 2010CA."""

    segments: list[Segment]
    hl_id: str = ""


_UNSET: Any = object()  # a cached fact not derived yet (None is a fact: no such segment)


@dataclass(slots=True)
class ServiceLine:
    """A 2400 loop. Its facts are derived once, when first asked for: a fix replaces the claim's
    lines (Claim.replace), so a line never outlives the segments it read them from."""

    segments: list[Segment]  # LX first
    _sv1: Any = _UNSET
    _date_segment: Any = _UNSET
    _pointers: list[str] | None = None
    _date: Any = _UNSET  # the line's date of service within its claim (Claim.line_date)
    _procedure: str | None = None  # SV101-2, with the modifiers below (_read_sv101)
    _modifiers: list[str] = field(default_factory=list)
    _charge: Any = _UNSET
    _units: Any = _UNSET
    _positions: list[int] | None = None
    _pointed: list[Diagnosis] | None = None  # Claim.pointed_diagnoses
    #: what check helpers derive from the line and the run's data, by name: (the data it was
    #: derived from, the answer), e.g. the line's therapy-list entry (checks.therapy_list)
    facts: dict[str, tuple[object, Any]] = field(default_factory=dict)

    @property
    def sv1(self) -> Segment | None:
        if self._sv1 is _UNSET:
            self._sv1 = _first(self.segments, "SV1")
        return self._sv1

    def _read_sv101(self) -> str:
        sv1 = self.sv1
        if sv1 is None:
            self._procedure = ""
            return ""
        parts = sv1.components(1)
        self._procedure = parts[1].strip().upper() if len(parts) > 1 else ""
        self._modifiers = [m.strip().upper() for m in parts[2:6] if m.strip()]
        return self._procedure

    @property
    def procedure(self) -> str:
        found = self._procedure
        return self._read_sv101() if found is None else found

    @property
    def modifiers(self) -> list[str]:
        """SV101-3..6 as written (upper case, empty ones left out); one list, not to be changed."""
        if self._procedure is None:
            self._read_sv101()
        return self._modifiers

    @property
    def charge(self) -> Decimal | None:
        if self._charge is _UNSET:
            sv1 = self.sv1
            self._charge = parse_decimal(sv1.get(2)) if sv1 else None
        return self._charge

    @property
    def units(self) -> Decimal | None:
        if self._units is _UNSET:
            sv1 = self.sv1
            self._units = parse_decimal(sv1.get(4)) if sv1 else None
        return self._units

    @property
    def pointers(self) -> list[str]:
        """SV107 components as written (strings, so that bad values can be reported)."""
        if self._pointers is None:
            sv1 = self.sv1
            self._pointers = [] if sv1 is None or not sv1.get(7) else sv1.components(7)
        return self._pointers

    @property
    def pointed_positions(self) -> list[int]:
        """The diagnosis positions SV107 names, as numbers (values that are not are left out)."""
        if self._positions is None:
            self._positions = [int(p) for p in (q.strip() for q in self.pointers) if p.isdigit()]
        return self._positions

    @property
    def service_date_segment(self) -> Segment | None:
        if self._date_segment is _UNSET:
            self._date_segment = next(
                (s for s in self.segments if s.id == "DTP" and s.get(1) == "472"), None
            )
        return self._date_segment


@dataclass(slots=True)
class Diagnosis:
    position: int  # 1..12, the number a pointer names
    qualifier: str
    code: str  # as written
    segment: Segment
    element: int  # HIxx element index in that segment
    normalized: str = field(init=False)  # the code as sent: no spaces, no point, upper case

    def __post_init__(self) -> None:
        self.normalized = "".join(self.code.split()).replace(".", "").upper()

    @property
    def location(self) -> str:
        return f"HI{self.element:02d}-2"


@dataclass(slots=True)
class SubscriberBlock:
    """A 2000B block with all under it: the unit the reader hands on and the writer writes."""

    segments: list[Segment]  # HL*22, SBR, PAT, 2010BA, 2010BB
    items: list[Claim | Patient] = field(default_factory=list)  # in file order
    hl_id: str = ""
    provider: BillingProvider | None = None
    problems: list[Any] = field(default_factory=list)  # reader Problems that concern this block

    @property
    def filing_indicator(self) -> str:
        sbr = _first(self.segments, "SBR")
        return sbr.get(9) if sbr else ""

    def claims(self) -> Iterator[Claim]:
        for item in self.items:
            if isinstance(item, Claim):
                yield item


@dataclass(slots=True)
class Claim:
    """A 2300 loop and its 2400 lines, with the blocks above it for context."""

    segments: list[Segment]  # CLM first, every segment up to the next claim or HL
    header: TransactionHeader
    provider: BillingProvider
    subscriber: SubscriberBlock
    patient: Patient | None = None
    # derived views, rebuilt after a fix replaces a segment (checks ask for them many times):
    # every one of them is forgotten in _forget
    _lines: list[ServiceLine] | None = None
    _diagnoses: list[Diagnosis] | None = None
    _claim_date: Any = _UNSET  # the claim-level DTP*472's date
    _diagnosis_dates: dict[int, list[date]] | None = None  # pointed lines' dates by position
    _claim_segments: list[Segment] | None = None
    _diagnosis_segment: Any = _UNSET
    _by_position: dict[int, Diagnosis] | None = None
    _icd10: list[Diagnosis] | None = None
    _earliest: Any = _UNSET
    _charge: Any = _UNSET

    @property
    def clm(self) -> Segment:
        return self.segments[0]

    @property
    def claim_id(self) -> str:
        return self.clm.get(1)

    @property
    def charge(self) -> Decimal | None:
        if self._charge is _UNSET:
            self._charge = parse_decimal(self.clm.get(2))
        return self._charge

    @property
    def lines(self) -> list[ServiceLine]:
        if self._lines is None:
            lines: list[ServiceLine] = []
            for segment in self.segments:
                if segment.id == "LX":
                    lines.append(ServiceLine([segment]))
                elif lines:
                    lines[-1].segments.append(segment)
            self._lines = lines
        return self._lines

    @property
    def claim_segments(self) -> list[Segment]:
        """The 2300 part only (before the first LX); one list, not to be changed."""
        if self._claim_segments is None:
            out = []
            for segment in self.segments:
                if segment.id == "LX":
                    break
                out.append(segment)
            self._claim_segments = out
        return self._claim_segments

    @property
    def diagnosis_segment(self) -> Segment | None:
        if self._diagnosis_segment is _UNSET:
            self._diagnosis_segment = next(
                (
                    segment
                    for segment in self.claim_segments
                    if segment.id == "HI"
                    and segment.component(1, 1).strip().upper() in DIAGNOSIS_QUALIFIERS
                ),
                None,
            )
        return self._diagnosis_segment

    @property
    def diagnoses(self) -> list[Diagnosis]:
        if self._diagnoses is None:
            self._diagnoses = self._read_diagnoses()
        return self._diagnoses

    @property
    def icd10_diagnoses(self) -> list[Diagnosis]:
        """Diagnoses sent as ICD-10-CM (qualifier ABK/ABF) with a code; one list, not to be
        changed."""
        if self._icd10 is None:
            self._icd10 = [
                d for d in self.diagnoses if d.qualifier in ICD10_QUALIFIERS and d.code.strip()
            ]
        return self._icd10

    def _read_diagnoses(self) -> list[Diagnosis]:
        hi = self.diagnosis_segment
        if hi is None:
            return []
        found = []
        for index in range(1, len(hi.elements)):
            parts = hi.components(index)
            if not any(p.strip() for p in parts):
                continue
            code = parts[1] if len(parts) > 1 else ""
            found.append(Diagnosis(index, parts[0].strip().upper(), code, hi, index))
        return found

    def pointed_diagnoses(self, line: ServiceLine) -> list[Diagnosis]:
        """The diagnoses a line's SV107 names (pointers that name nothing are left out); one
        list, not to be changed."""
        if line._pointed is None:
            by_position = self._by_position
            if by_position is None:
                by_position = self._by_position = {d.position: d for d in self.diagnoses}
            line._pointed = [by_position[n] for n in line.pointed_positions if n in by_position]
        return line._pointed

    def line_date(self, line: ServiceLine) -> date | None:
        """A line's date of service: its own DTP*472, else the claim's."""
        if line._date is _UNSET:
            dtp = line.service_date_segment
            line._date = service_date_of(dtp) if dtp else self._claim_level_date()
        return line._date

    def _claim_date_segment(self) -> Segment | None:
        for segment in self.claim_segments:
            if segment.id == "DTP" and segment.get(1) == "472":
                return segment
        return None

    def _claim_level_date(self) -> date | None:
        if self._claim_date is _UNSET:
            dtp = self._claim_date_segment()
            self._claim_date = service_date_of(dtp) if dtp else None
        return self._claim_date

    def diagnosis_date(self, position: int) -> date | None:
        """The date the diagnosis at a position is judged on: the earliest date of service of
        the lines that point to it, else the claim's earliest date of service."""
        if self._diagnosis_dates is None:
            return self.diagnosis_dates(position)[0]
        found = self._diagnosis_dates.get(position)
        return found[0] if found else self.earliest_service_date

    def diagnosis_dates(self, position: int) -> list[date | None]:
        """Every date the diagnosis at a position is judged on: the dates of service of the
        lines that point to it (earliest first), else the claim's earliest date of service."""
        if self._diagnosis_dates is None:
            days: dict[int, set[date]] = {}
            for line in self.lines:
                day = self.line_date(line)
                if day is not None:
                    for named in line.pointed_positions:
                        days.setdefault(named, set()).add(day)
            self._diagnosis_dates = {n: sorted(found) for n, found in days.items()}
        found: list[date | None] = list(self._diagnosis_dates.get(position, ()))
        return found or [self.earliest_service_date]

    @property
    def earliest_service_date(self) -> date | None:
        if self._earliest is _UNSET:
            dates = [d for d in (self.line_date(line) for line in self.lines) if d is not None]
            self._earliest = min(dates) if dates else self._claim_level_date()
        return self._earliest

    def replace(self, segment: Segment) -> None:
        """Put a changed segment in place of the one with the same number."""
        for index, current in enumerate(self.segments):
            if current.number == segment.number:
                self.segments[index] = segment
                self._forget()
                return
        raise KeyError(segment.number)

    def _forget(self) -> None:
        """Drop every derived view (the lines with their own facts go with them)."""
        self._lines = None
        self._diagnoses = None
        self._claim_date = _UNSET
        self._diagnosis_dates = None
        self._claim_segments = None
        self._diagnosis_segment = _UNSET
        self._by_position = None
        self._icd10 = None
        self._earliest = _UNSET
        self._charge = _UNSET

    def segment(self, number: int) -> Segment | None:
        for current in self.segments:
            if current.number == number:
                return current
        return None

    @property
    def patient_segments(self) -> list[Segment]:
        """The patient's own segments: 2000C when present, else the subscriber's."""
        return self.patient.segments if self.patient else self.subscriber.segments


def _first(segments: list[Segment], segment_id: str, loop: str | None = None) -> Segment | None:
    for segment in segments:
        if segment.id == segment_id and (loop is None or segment.loop == loop):
            return segment
    return None
