"""The errors pyx12 raises, as the scrubber reports them: Tr3Error and Tr3Unavailable, which of
them the writer repairs by construction, and pyx12's messages without data values."""

from __future__ import annotations

import re
from dataclasses import dataclass

EMPTY = "Segment is empty"


@dataclass(frozen=True, slots=True)
class Tr3Error:
    """One error pyx12 raised, on the segment where it raised it.

    A missing segment or loop (code "3") sits on the segment at which pyx12 noticed the gap,
    while segment_id and loop_id name what is missing. A trailer missing at the end of the
    file (SE, GE, IEA) sits on the ST, GS or ISA it should have closed.
    """

    segment_number: int  # same numbering as tokens.iter_segments (file-wide, ISA=1)
    segment_id: str  # e.g. "HI"
    loop_id: str | None  # pyx12's loop id where known, e.g. "2300", "2010AA", "ISA_LOOP"
    element: str | None  # e.g. "HI01-02" or "CLM05-01"; None for segment/loop-level errors
    element_position: int | None  # 1-based element index (for 999 IK4), None if n/a
    component_position: int | None
    code: str  # pyx12's code (IK3 segment code, IK4 element code, or envelope/other codes)
    level: str  # "interchange" | "group" | "transaction" | "segment" | "element"
    message: str  # pyx12's description without the data value
    repaired_by_writer: bool  # the scrubber's writer fixes it by construction (ENV003/ENV004/HL001)
    # pyx12's element-level code when a segment-level error (code "8") is about one element
    # pyx12 could not attach a map node to: the 999's IK403
    element_code: str | None = None


class Tr3Unavailable(Exception):
    """pyx12 cannot validate this file at all; the message says why in plain words."""


# pyx12's reader ends quietly on a segment longer than its 16 KB buffer (walk.read_to_the_end);
# the message names that segment, and stopped_at() reads it back, also from a message that came
# from a walking process as text
_STOPPED = (
    "pyx12 stopped reading at segment {where} of the file (a segment longer than its "
    "reader's 16 KB buffer), so the file from there on could not be checked against "
    "the TR3 map"
)
_STOPPED_AT = re.compile(r"pyx12 stopped reading at segment (\d+) of the file \(a segment longer")


def stopped_reading(where: int) -> Tr3Unavailable:
    """The error for pyx12's reader ending early, before segment `where` (file-wide, ISA=1)."""
    return Tr3Unavailable(_STOPPED.format(where=where))


def stopped_at(error: Exception) -> int | None:
    """The segment at which pyx12's reader stopped (never walked from there on), or None when
    `error` is not that (pyx12 could not validate the file at all)."""
    found = _STOPPED_AT.search(str(error))
    return int(found.group(1)) if found else None


# --------------------------------------------------------------------------------------------
# Which errors the writer repairs by construction


# Reader (envelope) codes: ISA13/IEA02 mismatch, IEA01 count; GS06/GE02 mismatch, GE01 count;
# SE01 count (ST02/SE02 mismatch is "3", decided where it is raised: only when an ST is open).
_REPAIRED_ENVELOPE = {"interchange": {"001", "021"}, "group": {"4", "5"}, "transaction": {"4"}}
_REPAIRED_SEGMENT = {"HL1", "HL2", "LX"}  # HL01 sequence, HL02 parent, 2400 LX01 sequence
# Elements the writer writes itself: trailers, HL numbering/parent/child code, LX01.
_REPAIRED_ELEMENTS = {"HL01", "HL02", "HL04", "LX01"}
_WRITER_TRAILERS = {"SE", "GE", "IEA"}


def _repaired_element(segment_id: str, element: str | None) -> bool:
    if segment_id in _WRITER_TRAILERS:
        return True
    return element is not None and element in _REPAIRED_ELEMENTS


# --------------------------------------------------------------------------------------------
# Messages without data values


_NOT_FOUND = re.compile(r"^Segment .* not found\.\s+Started at (\S*)$", re.DOTALL)
_HL_COUNT = re.compile(r"^My HL count (\d+) does not match your HL count", re.DOTALL)
_LX_COUNT = re.compile(r"does not match my count of (\d+)$")


def _clean_element_message(message: str, value: str | None) -> str:
    """pyx12's element message with the element's value taken out."""
    if not value:
        return message
    cleaned = message.replace(f'len("{value}")', "len(value)")
    cleaned = cleaned.replace(f" with a value of ({value})", "")
    prefix = f"({value}) is not a valid code for "
    if cleaned.startswith(prefix):
        cleaned = "Value is not a valid code for " + cleaned[len(prefix) :]
    suffix = f"({value})"
    if cleaned.endswith(suffix):
        cleaned = cleaned[: -len(suffix)].rstrip(" .")
    if len(value) > 2 and value in cleaned:  # a template not handled above
        cleaned = cleaned.replace(value, "(value)")
    return cleaned


def _clean_segment_message(code: str, message: str, segment_id: str) -> str:
    """pyx12's segment-level message with segment contents taken out."""
    if code == "1" and (found := _NOT_FOUND.match(message)):
        return f"Segment {segment_id or '(no identifier)'} not found. Started at {found.group(1)}"
    if code == "1" and message.startswith("Segment identifier "):
        return "Segment identifier is invalid"
    if code == "8" and message.startswith('Segment "') and message.endswith('" is empty'):
        return EMPTY
    if code == "HL1" and (count := _HL_COUNT.match(message)):
        return f"HL01 does not match the HL count of {count.group(1)}"
    if code == "HL2":
        return "HL02 does not name a valid parent HL"
    if code == "LX":
        lx = _LX_COUNT.search(message)
        expected = f" of {lx.group(1)}" if lx else ""
        return f"2400 LX01 Service Line Number does not match the count{expected}"
    return message
