"""The 999 implementation acknowledgment (005010X231A1) and the TA1 interchange acknowledgment.

One reply interchange per received interchange. An interchange whose envelope is in error
(ISA contents, ISA13/IEA02, IEA01, a missing IEA, a duplicate ISA13) is answered by a TA1 alone,
right after the ISA (TA104 R, TA105 the note code): nothing in it was processed. Every other
interchange is answered by a 999 interchange with one ST*999 per received functional group
(AK1), one AK2..IK5 per transaction set, IK3/CTX/IK4 for each TR3 error and AK9 A/E/P/R.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TextIO

from scrubber.acks.scan import FileScan, GroupScan, InterchangeScan, PlacedError, TransactionScan
from scrubber.acks.segments import SegmentWriter, ack_delimiters, clean_value, open_reply, reply_isa

VERSION_999 = "005010X231A1"
AK1_CODES = frozenset({"BE", "HB", "HC", "HI", "HN", "HP", "HR", "HS", "RA"})
AK2_CODES = frozenset({"270", "271", "276", "277", "278", "820", "834", "835", "837"})
MAP_837 = "837.5010.X222.A1.xml"


@dataclass(frozen=True, slots=True)
class InterchangeAck:
    """What the reply to one received interchange said."""

    received_control: str  # ISA13 as received
    control: int  # our ISA13
    ta1: str | None  # TA105 note code when the interchange was rejected (TA1 only)
    group_codes: tuple[str, ...]  # AK901 per group


def control_numbers_needed(scan: FileScan) -> int:
    """ISA13/GS06 of each reply interchange and ST02 of each 999 transaction."""
    return sum(1 if i.rejected else 1 + len(i.groups) for i in scan.interchanges)


def write_999(
    out: TextIO, scan: FileScan, numbers: Iterator[int], now: datetime
) -> list[InterchangeAck]:
    """Write the replies (999 or TA1 interchanges) to `out`, taking control numbers from
    `numbers`; return what each said."""
    replies = []
    for interchange in scan.interchanges:
        if interchange.rejected:
            replies.append(_ta1(out, interchange, next(numbers), now))
        else:
            replies.append(_interchange(out, interchange, numbers, now))
    return replies


def _ta1(out: TextIO, interchange: InterchangeScan, control: int, now: datetime) -> InterchangeAck:
    d = ack_delimiters(interchange.delimiters)
    w = SegmentWriter(out, d)
    w.write_raw(reply_isa(interchange.isa, d, control, now))
    received = interchange.element(13)
    date, time = interchange.element(9), interchange.element(10)
    if not (len(date) == 6 and date.isdigit() and _valid(date, "%y%m%d")):
        date = now.strftime("%y%m%d")  # the received date is unusable: today, so TA1 parses
    if not (len(time) == 4 and time.isdigit() and _valid(time, "%H%M")):
        time = now.strftime("%H%M")
    w.write(
        "TA1",
        received if len(received) == 9 and received.isdigit() else "000000000",
        date,
        time,
        "R",
        interchange.note_code,
    )
    w.write("IEA", "0", f"{control:09d}")
    return InterchangeAck(received, control, interchange.note_code, ())


def _valid(value: str, pattern: str) -> bool:
    try:
        datetime.strptime(value, pattern)
    except ValueError:
        return False
    return True


def _interchange(
    out: TextIO, interchange: InterchangeScan, numbers: Iterator[int], now: datetime
) -> InterchangeAck:
    control = next(numbers)
    w = open_reply(out, interchange, control, now, "FA", VERSION_999)
    codes = []
    for group in interchange.groups:
        codes.append(_group(w, group, next(numbers)))
    w.write("GE", str(len(interchange.groups)), str(control))
    w.write("IEA", "1", f"{control:09d}")
    return InterchangeAck(interchange.element(13), control, None, tuple(codes))


def _group(w: SegmentWriter, group: GroupScan, st_control: int) -> str:
    d = w.delimiters
    st02 = f"{st_control:04d}"
    w.reset_count()
    w.write("ST", "999", st02, VERSION_999)
    fic = group.element(1)
    control = group.control_number
    w.write(
        "AK1",
        fic if fic in AK1_CODES else "HC",
        control if control.isdigit() and len(control) <= 9 else "0",
        clean_value(group.version, d, 12) or "005010X222A1",
    )
    for transaction in group.transactions:
        _transaction(w, transaction)
    ack = group.ack_code
    w.write(
        "AK9",
        ack,
        str(group.included_count()),
        str(len(group.transactions)),
        str(group.accepted_count),
        *group.codes[:5],
    )
    w.write("SE", str(w.count + 1), st02)
    return ack


def _transaction(w: SegmentWriter, transaction: TransactionScan) -> None:
    d = w.delimiters
    st02 = transaction.st02
    if not 4 <= len(st02) <= 9:
        st02 = clean_value(st02, d, 9).rjust(4, "0")
    w.write(
        "AK2",
        transaction.st01 if transaction.st01 in AK2_CODES else "837",
        st02,
        clean_value(transaction.st03, d, 35),
    )
    for segment in _by_segment(transaction.errors):
        _segment_errors(w, segment)
    w.write("IK5", transaction.ack_code, *transaction.syntax_codes())


def _by_segment(errors: list[PlacedError]) -> list[list[PlacedError]]:
    """The errors grouped by the segment they are on, in the order of the transaction."""
    groups: dict[tuple[int, str], list[PlacedError]] = {}
    for error in sorted(errors, key=lambda e: e.position):
        groups.setdefault((error.position, error.segment_id), []).append(error)
    return list(groups.values())


def _segment_errors(w: SegmentWriter, errors: list[PlacedError]) -> None:
    first = errors[0]
    d = w.delimiters
    codes: list[str] = []
    for error in errors:
        if error.segment_code != "8" and error.segment_code not in codes:
            codes.append(error.segment_code)
    element_errors = [e for e in errors if e.segment_code == "8"]
    if element_errors:
        codes.append("8")
    claim = clean_value(first.claim_id, d, 35) if first.claim_id else ""
    for code in codes:
        w.write("IK3", first.segment_id, str(first.position), first.loop_id or "", code)
        if claim:
            w.write("CTX", ("CLM01", claim))
        if code != "8":
            continue
        seen: set[tuple[int, int | None, str]] = set()
        for error in element_errors:
            if error.element_position is None or error.element_code is None:
                continue
            key = (error.element_position, error.component_position, error.element_code)
            if key in seen or not 1 <= error.element_position <= 99:
                continue
            seen.add(key)
            position: list[str] = [str(error.element_position)]
            if error.component_position:
                position.append(str(error.component_position))
            reference = data_element(
                error.segment_id_raw, error.element_position, error.component_position
            )
            w.write("IK4", position, reference or "", error.element_code)


@cache
def _segment_index() -> dict[str, Any]:
    """The first segment node of each segment id in pyx12's 837P map."""
    import pyx12.map_if
    import pyx12.params

    root = pyx12.map_if.load_map_file(MAP_837, pyx12.params.ParamsBase())
    index: dict[str, Any] = {}
    for node in root.loop_segment_iterator():
        if node.is_segment() and node.id not in index:
            index[node.id] = node
    return index


def data_element(segment_id: str, element: int, component: int | None) -> str | None:
    """IK402: the data element reference number (e.g. 1028 for CLM01) from pyx12's map."""
    try:
        node = _segment_index().get(segment_id)
        if node is None or element > node.get_child_count():
            return None
        child = node.get_child_node_by_idx(element - 1)
        if child.is_composite():
            if not component or component > child.get_child_count():
                return None
            child = child.get_child_node_by_idx(component - 1)
        reference = str(getattr(child, "data_ele", "") or "")
    except Exception:  # the map is a convenience here: no reference number, no harm
        return None
    return reference if reference.isdigit() and len(reference) <= 4 else None
