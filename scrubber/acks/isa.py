"""The interchange header as a 999 partner judges it: TA105 note codes for an ISA's elements,
and the elements of an ISA the tokenizer refuses but a TA1 can still answer."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from scrubber.x12.tokens import BOM, WHITESPACE, Delimiters

ID_QUALIFIERS = frozenset({"01", "14", "20", "27", "28", "29", "30", "33", "ZZ"})  # I05
AUTHORIZATION_QUALIFIERS = frozenset({"00", "01", "02", "03", "04", "05", "06"})  # I01
SECURITY_QUALIFIERS = frozenset({"00", "01"})  # I03
USAGE_INDICATORS = frozenset({"I", "P", "T"})  # I14
CONTROL_VERSION = "00501"
# TA105 note code for a bad ISA element, by element position (as pyx12's 999 writer maps them)
ISA_NOTE_CODES = {
    1: "010", 2: "011", 3: "012", 4: "013", 5: "005", 6: "006", 7: "007", 8: "008",
    9: "014", 10: "015", 11: "016", 12: "017", 13: "018", 14: "019", 15: "020", 16: "027",
}  # fmt: skip
IEA_NOTE_CODES = {1: "021", 2: "018"}


def _valid_date(value: str, pattern: str) -> bool:
    try:
        datetime.strptime(value, pattern)
    except ValueError:
        return False
    return True


def isa_note_codes(isa: list[str], delimiters: Delimiters) -> list[str]:
    """TA105 note codes for an ISA whose elements are `isa` (isa[0] == "ISA"), in element order."""
    codes: list[str] = []

    def bad(position: int, code: str | None = None) -> None:
        codes.append(code or ISA_NOTE_CODES[position])

    if len(isa) != 17:
        return ["022"]
    if isa[1] not in AUTHORIZATION_QUALIFIERS:
        bad(1)
    if len(isa[2]) != 10:
        bad(2)
    if isa[3] not in SECURITY_QUALIFIERS:
        bad(3)
    if len(isa[4]) != 10:
        bad(4)
    if isa[5] not in ID_QUALIFIERS:
        bad(5)
    if len(isa[6]) != 15 or not isa[6].strip():
        bad(6)
    if isa[7] not in ID_QUALIFIERS:
        bad(7)
    if len(isa[8]) != 15 or not isa[8].strip():
        bad(8)
    if not (len(isa[9]) == 6 and isa[9].isdigit() and _valid_date(isa[9], "%y%m%d")):
        bad(9)
    if not (len(isa[10]) == 4 and isa[10].isdigit() and _valid_date(isa[10], "%H%M")):
        bad(10)
    others = {delimiters.element, delimiters.component, delimiters.segment}
    if len(isa[11]) != 1 or isa[11].isalnum() or isa[11] == " " or isa[11] in others:
        bad(11)
    if isa[12] != CONTROL_VERSION:
        bad(12, "003" if len(isa[12]) == 5 and isa[12].isdigit() else "017")
    if not (len(isa[13]) == 9 and isa[13].isdigit()):
        bad(13)
    if isa[14] not in ("0", "1"):
        bad(14)
    if isa[15] not in USAGE_INDICATORS:
        bad(15)
    component = isa[16][:1]
    if (
        len(isa[16]) != 1
        or component.isalnum()
        or component == " "
        or component in (delimiters.element, delimiters.segment)
    ):
        bad(16)
    return codes


def read_broken_isa(path: Path) -> tuple[list[str], Delimiters] | None:
    """The elements and delimiters of an ISA the tokenizer refuses (not 106 characters, e.g. a
    sender id that is too short), when it can still be split into its 16 elements."""
    with path.open("rb") as stream:
        head = stream.read(1024).decode("utf-8", "replace")
    head = head.removeprefix(BOM).lstrip(WHITESPACE)
    if not head.startswith("ISA") or len(head) < 4:
        return None
    element = head[3]
    if element.isalnum() or element in WHITESPACE:
        return None
    parts = head.split(element, 16)
    if len(parts) != 17 or len(parts[16]) < 2:
        return None
    component, terminator = parts[16][0], parts[16][1]
    if terminator.isalnum() or terminator == " " or terminator in "".join(parts[:16]):
        return None  # not 16 elements before the first terminator: not an ISA to answer
    repetition = parts[11][:1] or "^"
    elements = parts[:16] + [component]
    return elements, Delimiters(element, component, repetition, terminator)
