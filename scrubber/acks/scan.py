"""One pass over the file's segments for the acknowledgments: its envelopes and what is wrong
with them, and each TR3 error placed in its transaction.

The envelope checks (ISA contents, control numbers and counts of every trailer, missing
trailers, unsupported groups and transactions) are made here, not taken from pyx12, so that they
hold with TR3 validation switched off. TR3 errors (pyx12's map walk, scrubber.x12.tr3) are placed
by their file-wide segment number: the position in the transaction (ST = 1) for IK302, and the
CLM01 of the claim whose loops hold the segment for the CTX business-unit context.

Memory holds the envelope outline and the errors, not the segments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from scrubber.acks.isa import IEA_NOTE_CODES, ISA_NOTE_CODES, isa_note_codes, read_broken_isa
from scrubber.acks.tr3codes import codes_for, loop_code
from scrubber.x12.tokens import Delimiters, NotX12Error, iter_segments
from scrubber.x12.tr3 import Tr3Error
from scrubber.x12.versions import PROFESSIONAL_VERSIONS

Severity = Literal["error", "warning", "info"]

_SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{1,2}$")


@dataclass(slots=True)
class PlacedError:
    """A TR3 error as the 999 reports it (IK3, and IK4 when an element is known)."""

    segment_id: str
    position: int  # IK302: position in the transaction, ST = 1
    loop_id: str | None  # IK303 (at most 4 characters)
    segment_code: str  # IK304
    element_position: int | None = None  # IK401-1
    component_position: int | None = None  # IK401-2
    element_code: str | None = None  # IK403
    claim_id: str | None = None  # CTX*CLM01 business unit
    severity: Severity = "error"
    message: str = ""
    segment_id_raw: str = ""  # as pyx12 named it (to look up the data element number)


@dataclass(slots=True)
class TransactionScan:
    st_number: int  # file-wide segment number of the ST
    st01: str
    st02: str
    st03: str
    segments: int = 1  # ST..SE counted so far
    se_number: int | None = None
    codes: list[str] = field(default_factory=list)  # IK502.. syntax error codes
    errors: list[PlacedError] = field(default_factory=list)
    unsupported: bool = False  # not an 837P: IK501 R

    @property
    def ack_code(self) -> str:
        """IK501: A accepted, E accepted with errors noted, R rejected."""
        if self.unsupported or self.codes or any(e.severity == "error" for e in self.errors):
            return "R"
        return "E" if self.errors else "A"

    @property
    def accepted(self) -> bool:
        return self.ack_code != "R"

    def syntax_codes(self) -> list[str]:
        codes = list(self.codes)
        if self.errors and "5" not in codes:
            codes.append("5")
        return codes[:5]


@dataclass(slots=True)
class GroupScan:
    gs: list[str]  # elements, gs[0] == "GS"
    gs_number: int
    transactions: list[TransactionScan] = field(default_factory=list)
    ge: list[str] | None = None
    codes: list[str] = field(default_factory=list)  # AK905.. codes

    def element(self, position: int) -> str:
        return self.gs[position].strip() if position < len(self.gs) else ""

    @property
    def control_number(self) -> str:
        return self.element(6)

    @property
    def version(self) -> str:
        return self.element(8)

    @property
    def accepted_count(self) -> int:
        if self.codes:
            return 0
        return sum(1 for t in self.transactions if t.accepted)

    @property
    def ack_code(self) -> str:
        """AK901: A, E (all accepted, some with errors), P (some rejected), R."""
        if self.codes or not self.transactions:
            return "R"
        accepted = self.accepted_count
        if accepted == 0:
            return "R"
        if accepted < len(self.transactions):
            return "P"
        return "E" if any(t.ack_code == "E" for t in self.transactions) else "A"

    def included_count(self) -> int:
        """AK902: GE01 as the sender counted, or the count when GE01 is missing or not a number."""
        if self.ge is not None and len(self.ge) > 1 and self.ge[1].strip().isdigit():
            return int(self.ge[1].strip())
        return len(self.transactions)


@dataclass(slots=True)
class InterchangeScan:
    isa: list[str]  # 17 elements, isa[0] == "ISA" (as read: fixed-width values unstripped)
    delimiters: Delimiters
    isa_number: int
    groups: list[GroupScan] = field(default_factory=list)
    iea: list[str] | None = None
    note_codes: list[str] = field(default_factory=list)  # TA105 candidates, the first is used

    def element(self, position: int) -> str:
        return self.isa[position] if position < len(self.isa) else ""

    @property
    def rejected(self) -> bool:
        """TA104 R: the interchange envelope itself is in error; nothing in it is processed."""
        return bool(self.note_codes)

    @property
    def note_code(self) -> str:
        return self.note_codes[0] if self.note_codes else "000"


@dataclass(slots=True)
class FileScan:
    interchanges: list[InterchangeScan] = field(default_factory=list)

    def transactions(self) -> Iterator[tuple[InterchangeScan, GroupScan, TransactionScan]]:
        for interchange in self.interchanges:
            for group in interchange.groups:
                for transaction in group.transactions:
                    yield interchange, group, transaction

    def accepted_transactions(self) -> set[int]:
        """ST segment numbers of the transactions the acknowledgments accept."""
        return {
            t.st_number
            for i, g, t in self.transactions()
            if not i.rejected and not g.codes and t.accepted
        }


def _el(elements: list[str], position: int) -> str:
    return elements[position].strip() if position < len(elements) else ""


@dataclass(slots=True)
class _Open:
    interchange: InterchangeScan | None = None
    group: GroupScan | None = None
    transaction: TransactionScan | None = None
    claim_id: str | None = None


class Scanner:
    """Builds a FileScan from the file's segments and its TR3 errors."""

    def __init__(
        self,
        errors: Iterable[Tr3Error],
        *,
        claim_severity: Severity | None = "error",
        other_severity: Severity | None = "error",
        unwalked_from: int | None = None,
    ) -> None:
        """`claim_severity` / `other_severity`: what a TR3 error inside a claim's loops (IG001) or
        outside them (IG002) counts as; None when that edit is switched off (not reported).
        `unwalked_from`: the segment at which pyx12's reader stopped (scrubber.x12.tr3.stopped_at),
        so that no transaction from there on passes for checked."""
        self.errors = sorted(errors, key=lambda e: e.segment_number)
        self.unwalked_from = unwalked_from
        self.claim_severity = claim_severity
        self.other_severity = other_severity
        self.scan = FileScan()
        self.open = _Open()
        self._isa_numbers: set[str] = set()
        self._next_error = 0

    def run(self, path: Path) -> FileScan:
        try:
            with path.open("rb") as stream:
                for raw in iter_segments(stream):
                    elements = raw.text.split(raw.delimiters.element)
                    self._segment(raw.number, elements, raw.delimiters)
        except NotX12Error as error:
            self._unreadable(path, error)
        self._end()
        return self.scan

    # -- envelopes
    def _segment(self, number: int, elements: list[str], delimiters: Delimiters) -> None:
        seg_id = elements[0].strip()
        o = self.open
        if o.transaction is not None and seg_id not in ("ISA", "GS", "GE", "IEA", "ST"):
            o.transaction.segments += 1
        if seg_id == "TA1" and o.group is None:
            pass  # an interchange acknowledgment travelling with the interchange: not ours
        elif seg_id == "ISA":
            self._close_interchange(missing_trailer=True)
            interchange = InterchangeScan(elements, delimiters, number)
            interchange.note_codes = isa_note_codes(elements, delimiters)
            control = elements[13] if len(elements) > 13 else ""
            if control in self._isa_numbers and "025" not in interchange.note_codes:
                interchange.note_codes.append("025")
            self._isa_numbers.add(control)
            self.scan.interchanges.append(interchange)
            o.interchange = interchange
        elif o.interchange is None:
            self._stray()
        elif seg_id == "GS":
            self._close_group(missing_trailer=True)
            group = GroupScan(elements, number)
            if any(g.control_number == group.control_number for g in o.interchange.groups):
                group.codes.append("19")
            control = group.control_number
            if not (control.isdigit() and 1 <= len(control) <= 9):
                group.codes.append("6")
            if group.element(1) != "HC":
                group.codes.append("1")
            elif group.version not in PROFESSIONAL_VERSIONS:
                group.codes.append("2")
            o.interchange.groups.append(group)
            o.group = group
        elif seg_id == "GE" and o.group is None:
            self._stray()
        elif seg_id == "GE":
            assert o.group is not None
            self._close_transaction(missing_trailer=True)
            group = o.group
            group.ge = elements
            counted = len(group.transactions)
            if _el(elements, 1) != str(counted):
                group.codes.append("5")
            if _el(elements, 2) != group.control_number:
                group.codes.append("4")
            o.group = None
        elif seg_id == "IEA":
            self._close_group(missing_trailer=True)
            interchange = o.interchange
            interchange.iea = elements
            if _el(elements, 2) != interchange.element(13):
                interchange.note_codes.append("001")
            if _el(elements, 1) != str(len(interchange.groups)):
                interchange.note_codes.append("021")
            if not interchange.groups:
                interchange.note_codes.append("024")
            o.interchange = None
        elif o.group is None:
            self._stray()
        elif seg_id == "ST":
            self._close_transaction(missing_trailer=True)
            transaction = TransactionScan(
                number, _el(elements, 1), _el(elements, 2), _el(elements, 3)
            )
            version = transaction.st03 or o.group.version
            if transaction.st01 != "837":
                transaction.unsupported = True
                transaction.codes.append("1")
            elif version not in PROFESSIONAL_VERSIONS:
                transaction.unsupported = True
                transaction.codes.append("I6")
            if not (4 <= len(transaction.st02) <= 9):
                transaction.codes.append("7")
            elif any(t.st02 == transaction.st02 for t in o.group.transactions):
                transaction.codes.append("23")
            o.group.transactions.append(transaction)
            o.transaction = transaction
            o.claim_id = None
            self._unwalked(number, elements)
        elif o.transaction is None:
            pass  # between transactions of a group: the report says it was not read
        elif seg_id == "SE":
            transaction = o.transaction
            transaction.se_number = number
            if _el(elements, 1) != str(transaction.segments):
                transaction.codes.append("4")
            if _el(elements, 2) != transaction.st02:
                transaction.codes.append("3")
            self._place_errors(number)  # errors on the SE belong to the transaction it closes
            o.transaction = None
            o.claim_id = None
        elif seg_id == "HL":
            o.claim_id = None
        elif seg_id == "CLM":
            o.claim_id = elements[1] if len(elements) > 1 else ""
        if seg_id != "ST":
            self._unwalked(number, elements)
        self._place_errors(number)

    def _unwalked(self, number: int, elements: list[str]) -> None:
        """Reject the transaction holding the segment pyx12's reader stopped at, and every later
        one: none of it was checked against the TR3 map (the report holds their claims, IG002).

        005010X231A1 has no code for "not validated", so the 999 says what the receiver's
        translator met: on the stopped-at segment, IK304 8 (segment has data element errors)
        with IK403 4 (data element too long) on its longest element, as a segment over 16 KB
        holds an element far longer than any 005010X222A1 allows; a later transaction, never
        read, is rejected with IK502 5 (one or more segments in error), the transaction-level
        code of a segment error, as the segment before it in the file made the rest unreadable.
        """
        start = self.unwalked_from
        transaction = self.open.transaction
        if start is None or number < start or transaction is None:
            return
        if self.other_severity != "error" or transaction.unsupported:
            return  # IG002 off or not an error under the profile; not an 837P: IK5 says so
        if number > start:
            if transaction.st_number == number and "5" not in transaction.codes:
                transaction.codes.append("5")
            return
        seg_id = elements[0].strip()
        lengths = [len(e) for e in elements[1:100]]
        longest = lengths.index(max(lengths)) + 1 if lengths else None
        if not _SEGMENT_ID.match(seg_id) or longest is None:
            if "5" not in transaction.codes:
                transaction.codes.append("5")
            return
        transaction.errors.append(
            PlacedError(
                segment_id=seg_id,
                position=number - transaction.st_number + 1,
                loop_id=None,
                segment_code="8",
                element_position=longest,
                element_code="4",
                claim_id=self.open.claim_id,
                message="pyx12 stopped reading at this segment (longer than its 16 KB buffer)",
                segment_id_raw=seg_id,
            )
        )

    def _stray(self) -> None:
        """A segment outside the envelope it needs (e.g. after the IEA): the interchange's
        control structure is wrong."""
        target = self.open.interchange or (
            self.scan.interchanges[-1] if self.scan.interchanges else None
        )
        if target is not None and "022" not in target.note_codes:
            target.note_codes.append("022")

    def _close_transaction(self, *, missing_trailer: bool) -> None:
        transaction = self.open.transaction
        if transaction is not None and missing_trailer and transaction.se_number is None:
            transaction.codes.append("2")
        self.open.transaction = None
        self.open.claim_id = None

    def _close_group(self, *, missing_trailer: bool) -> None:
        self._close_transaction(missing_trailer=missing_trailer)
        group = self.open.group
        if group is not None and missing_trailer and group.ge is None:
            group.codes.append("3")
        self.open.group = None

    def _close_interchange(self, *, missing_trailer: bool) -> None:
        self._close_group(missing_trailer=missing_trailer)
        interchange = self.open.interchange
        if interchange is not None and missing_trailer and interchange.iea is None:
            interchange.note_codes.append("023")
        self.open.interchange = None

    def _end(self) -> None:
        self._close_interchange(missing_trailer=True)
        self._place_errors(None)

    def _unreadable(self, path: Path, error: NotX12Error) -> None:
        """The tokenizer stopped at an ISA it cannot read. When that ISA can still be split into
        its elements, its interchange is answered with a TA1."""
        self._close_interchange(missing_trailer=True)
        if error.segment_number > 1:
            # a later interchange's ISA is unreadable: the file cannot be read to its end and
            # is rejected as a whole (as the scrubber's report says), every interchange with
            # an invalid control structure
            for interchange in self.scan.interchanges:
                if "022" not in interchange.note_codes:
                    interchange.note_codes.append("022")
            return
        broken = read_broken_isa(path)
        if broken is None:
            return
        elements, delimiters = broken
        interchange = InterchangeScan(elements, delimiters, 1)
        interchange.note_codes = isa_note_codes(elements, delimiters) or ["022"]
        self.scan.interchanges.append(interchange)

    # -- TR3 errors
    def _place_errors(self, number: int | None) -> None:
        """Place every TR3 error on segments up to `number` (all of them when None)."""
        errors = self.errors
        while self._next_error < len(errors) and (
            number is None or errors[self._next_error].segment_number <= number
        ):
            error = errors[self._next_error]
            self._next_error += 1
            if error.segment_number == number or number is None:
                self._place(error)
            # an error on a segment the scan has passed without placing it (cannot happen with
            # the same tokenizer) is dropped

    def _place(self, error: Tr3Error) -> None:
        if error.level in ("interchange", "group", "transaction"):
            return  # the envelope checks above make these
        o = self.open
        seg_id = error.segment_id
        if seg_id == "ISA" and o.interchange is not None:
            code = ISA_NOTE_CODES.get(error.element_position or 0, "022")
            if code not in o.interchange.note_codes:
                o.interchange.note_codes.append(code)
            return
        if seg_id == "IEA":
            target = self.scan.interchanges[-1] if self.scan.interchanges else None
            code = IEA_NOTE_CODES.get(error.element_position or 0, "022")
            if target is not None and code not in target.note_codes:
                target.note_codes.append(code)
            return
        if seg_id in ("GS", "GE"):
            group = o.group or (
                o.interchange.groups[-1] if o.interchange and o.interchange.groups else None
            )
            if group is not None:
                if seg_id == "GS":
                    code = {6: "6", 8: "2"}.get(error.element_position or 0, "1")
                else:
                    code = {1: "5", 2: "4"}.get(error.element_position or 0, "1")
                if code not in group.codes:
                    group.codes.append(code)
            return
        transaction = o.transaction
        if transaction is None:
            # on the SE itself (the transaction was just closed) or outside any transaction
            group = o.group
            if group is None or not group.transactions:
                return
            transaction = group.transactions[-1]
            if transaction.se_number != error.segment_number:
                return  # outside any transaction: the reader reports the stray segment
        if transaction.unsupported:
            return  # not an 837P: IK5 says so; its content was walked with the wrong map
        in_claim = o.claim_id is not None and error.segment_id != "SE"
        severity = self.claim_severity if in_claim else self.other_severity
        if severity is None:
            return  # IG001 / IG002 switched off by the profile
        segment_code, element_code, element, component = codes_for(error)
        shown_id = seg_id if _SEGMENT_ID.match(seg_id) else ""
        if not shown_id:
            # no valid segment id to name in IK301 (e.g. an empty segment): the transaction
            # is still rejected, with IK502 code 5
            if severity == "error" and "5" not in transaction.codes:
                transaction.codes.append("5")
            return
        transaction.errors.append(
            PlacedError(
                segment_id=shown_id,
                position=error.segment_number - transaction.st_number + 1,
                loop_id=loop_code(error.loop_id),
                segment_code=segment_code,
                element_position=element,
                component_position=component,
                element_code=element_code if element is not None else None,
                claim_id=o.claim_id if in_claim else None,
                severity=severity,
                message=error.message,
                segment_id_raw=seg_id,
            )
        )


def scan_file(
    path: Path,
    errors: Iterable[Tr3Error] = (),
    *,
    claim_severity: Severity | None = "error",
    other_severity: Severity | None = "error",
    unwalked_from: int | None = None,
) -> FileScan:
    """The envelope outline of `path` with its problems and the TR3 `errors` placed in it."""
    scanner = Scanner(
        errors,
        claim_severity=claim_severity,
        other_severity=other_severity,
        unwalked_from=unwalked_from,
    )
    return scanner.run(Path(path))
