"""A TR3 error (pyx12's map walk) as the 999 codes it: IK304 segment code, IK403 element code,
element and component positions, and the IK303 loop code."""

from __future__ import annotations

from scrubber.x12.tr3 import Tr3Error

# IK304 and IK403 codes of 005010X231A1
IK3_CODES = frozenset({"1", "2", "3", "4", "5", "6", "7", "8", "I4", "I6", "I7", "I8", "I9"})
IK4_CODES = frozenset(
    {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "12", "13"}
    | {"I10", "I11", "I12", "I13", "I6", "I9"}
)


def element_code_from_message(message: str) -> str | None:
    """IK403 for a segment-level content error pyx12 raised without an element node."""
    if message.startswith("Too many sub-elements"):
        return "13"
    if message.startswith("Too many elements"):
        return "3"
    if "At most one of" in message:
        return "10"
    if message.startswith("Syntax Error"):
        return "2"
    return None


def loop_code(loop_id: str | None) -> str | None:
    """IK303 (AN 1-4): the TR3 loop number, e.g. 2010 for 2010AA; none for envelope loops."""
    if loop_id and loop_id[:4].isdigit():
        return loop_id[:4]
    return None


def codes_for(error: Tr3Error) -> tuple[str, str | None, int | None, int | None]:
    """(IK304, IK403, element position, component position) for a segment/element error."""
    code = error.code
    position, component = error.element_position, error.component_position
    if error.level == "element":
        return "8", (code if code in IK4_CODES else "7"), position, component
    if code in ("HL1", "LX"):  # HL01 / LX01 out of sequence
        return "8", "7", 1, None
    if code == "HL2":  # HL02 names no parent
        return "8", "7", 2, None
    if code == "SEG1":  # trailing element separators
        return "8", None, None, None
    if code == "8" and position is not None:
        element_code = error.element_code if error.element_code in IK4_CODES else None
        return "8", element_code or element_code_from_message(error.message), position, component
    return (code if code in IK3_CODES else "8"), None, None, None
