"""Writing acknowledgment segments: delimiters, element joining, segment counts, amounts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TextIO

from scrubber.x12.tokens import Delimiters

if TYPE_CHECKING:
    from scrubber.acks.scan import InterchangeScan

DEFAULT_DELIMITERS = Delimiters(element="*", component=":", repetition="^", segment="~")

Element = str | Sequence[str]  # a composite is given as its components


def ack_delimiters(source: Delimiters | None) -> Delimiters:
    """The input interchange's delimiters when they are usable for a reply (four distinct
    characters, none a letter, digit or space); the usual ones otherwise. Replying with the
    sender's own delimiters guarantees that values echoed back (claim ids, names) hold none."""
    if source is None:
        return DEFAULT_DELIMITERS
    chars = (source.element, source.component, source.repetition, source.segment)
    if all(len(c) == 1 and not c.isalnum() and c != " " for c in chars) and len(set(chars)) == 4:
        return source
    return DEFAULT_DELIMITERS


def clean_value(value: str, delimiters: Delimiters, max_length: int | None = None) -> str:
    """A value safe to write as one element: no delimiter characters, no control characters,
    no leading or trailing spaces, cut to `max_length`."""
    forbidden = {
        delimiters.element,
        delimiters.component,
        delimiters.repetition,
        delimiters.segment,
    }
    text = "".join(" " if (c in forbidden or not c.isprintable()) else c for c in value)
    text = re.sub(r"\s+", " ", text).strip()
    if max_length is not None:
        text = text[:max_length].rstrip()
    return text


_FREE_TEXT = re.compile(r"[^A-Za-z0-9 .,;()/'&+\-?=!%@#\"]")


def free_text(value: str, delimiters: Delimiters, max_length: int) -> str:
    """Free-form message text restricted to plain characters of the X12 character sets."""
    return clean_value(_FREE_TEXT.sub(" ", value), delimiters, max_length)


def amount(value: Decimal | None) -> str:
    """An X12 R-type amount: no exponent, no trailing zeros after the decimal point."""
    if value is None or not value.is_finite():
        return "0"
    value = value.quantize(Decimal("0.01"))
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


class SegmentWriter:
    """Writes segments with the given delimiters and counts them (for SE01)."""

    def __init__(self, out: TextIO, delimiters: Delimiters) -> None:
        self.out = out
        self.delimiters = delimiters
        term = delimiters.segment
        self.suffix = term if term in "\r\n" else term + "\n"
        self.count = 0  # segments written since the last reset_count()

    def reset_count(self) -> None:
        self.count = 0

    def text(self, seg_id: str, *elements: Element) -> str:
        d = self.delimiters
        parts = [seg_id]
        for element in elements:
            if isinstance(element, str):
                parts.append(element)
            else:
                components = list(element)
                while components and components[-1] == "":
                    components.pop()
                parts.append(d.component.join(components))
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        return d.element.join(parts)

    def write(self, seg_id: str, *elements: Element) -> None:
        self.out.write(self.text(seg_id, *elements) + self.suffix)
        self.count += 1

    def write_raw(self, text: str) -> None:
        """A segment built elsewhere (the ISA, whose elements are fixed width)."""
        self.out.write(text + self.suffix)
        self.count += 1


def _fixed(value: str, width: int) -> str:
    return value[:width].ljust(width)


ISA_ID_QUALIFIERS = frozenset({"01", "14", "20", "27", "28", "29", "30", "33", "ZZ"})


def reply_isa(
    received: list[str], delimiters: Delimiters, control_number: int, now: datetime
) -> str:
    """The ISA of a reply to the interchange whose ISA elements are `received`: sender and
    receiver swapped, our own control number, no acknowledgment requested, the received usage
    indicator (test or production). Values that would make our ISA invalid are replaced."""

    def get(position: int) -> str:
        return received[position] if position < len(received) else ""

    def qualifier(value: str) -> str:
        return value if value in ISA_ID_QUALIFIERS else "ZZ"

    def party(value: str) -> str:
        value = clean_value(value, delimiters, 15)
        return _fixed(value or "UNKNOWN", 15)

    usage = get(15) if get(15) in ("I", "P", "T") else "P"
    elements = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        qualifier(get(7)),
        party(get(8)),
        qualifier(get(5)),
        party(get(6)),
        now.strftime("%y%m%d"),
        now.strftime("%H%M"),
        delimiters.repetition,
        "00501",
        f"{control_number:09d}",
        "0",
        usage,
        delimiters.component,
    ]
    return delimiters.element.join(elements)


def open_reply(
    out: TextIO,
    interchange: InterchangeScan,
    control: int,
    now: datetime,
    functional_id: str,
    version: str,
) -> SegmentWriter:
    """Start a reply interchange and its one group (999: FA, 277CA: HN): ISA with sender and
    receiver swapped, GS from the received group's receiver to its sender."""
    d = ack_delimiters(interchange.delimiters)
    w = SegmentWriter(out, d)
    w.write_raw(reply_isa(interchange.isa, d, control, now))
    first = interchange.groups[0]
    sender = clean_value(first.element(3), d, 15) or interchange.element(8).strip() or "UNKNOWN"
    receiver = clean_value(first.element(2), d, 15) or interchange.element(6).strip() or "UNKNOWN"
    day, time = now.strftime("%Y%m%d"), now.strftime("%H%M")
    w.write("GS", functional_id, sender, receiver, day, time, str(control), "X", version)
    return w
