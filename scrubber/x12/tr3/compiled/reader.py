"""pyx12's reader checks (pyx12.x12file.X12Reader) on the elements of each line, split once.

The lines are pyx12's own: RawX12File over the fed stream cuts them, so where pyx12's reader
stops (an element longer than its read-ahead, an empty line) it stops here too. What X12Reader
then does with a line (leading spaces, trailing separators, empty segments, segment ids, ISA
element count, unique control numbers, HL and LX sequences, trailer counts, loops left open)
is done here with the same state, the same error codes and the same messages, and raises the
same exceptions where pyx12 raises them, without building a pyx12 Segment.
"""

from __future__ import annotations

import re
from typing import Any

import pyx12.errors

# (kind, code, message, value, line) as pyx12's X12Base.err_list holds them
ErrTuple = tuple[str, str, str, str | None, int | None]

_SEG_ID = re.compile("^[A-Z][A-Z0-9]{1,2}$", re.S)  # pyx12.segment.rec_seg_id
_ENVELOPE = frozenset(("ISA", "IEA", "GS", "GE", "ST", "SE"))
_VALID_IDS: dict[str, bool] = {}  # segment id -> pyx12's Segment.is_seg_id_valid


class Line:
    """One line as pyx12's Segment would hold it: the id and the raw element strings (ISA
    elements are never split into components, as in pyx12)."""

    __slots__ = ("seg_id", "elements", "component", "text", "separators")

    def __init__(self, text: str, element: str, component: str, separators: str) -> None:
        self.text = text
        parts = text.split(element)  # text is never empty: pyx12's raw reader stops there
        self.seg_id: str = parts[0]
        self.elements: list[str] = parts[1:]
        self.component = element if parts[0] == "ISA" else component
        self.separators = separators  # element + component, as the file gives them

    def value(self, index: int) -> str | None:
        """pyx12's Segment.get_value of element `index` (1-based): None when absent, trailing
        empty components dropped."""
        if index > len(self.elements):
            return None
        return self.elements[index - 1].rstrip(self.component)

    def is_empty(self) -> bool:
        """No element holds anything but component separators (the ISA's none)."""
        # the text after the id holds only separators (the ISA's element separator is its
        # component one: its elements are not split)
        chars = self.component if self.seg_id == "ISA" else self.separators
        return not self.text[len(self.seg_id) :].strip(chars)

    def formatted(self, segment: str, element: str) -> str:
        """pyx12's str(Segment) (only in messages that are cleaned before anyone sees them)."""
        values = [raw.rstrip(self.component) for raw in self.elements]
        while len(values) > 1 and not values[-1]:
            values.pop()
        return f"{self.seg_id}{element}{element.join(values)}{segment}"


def _int(value: str | None) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return None


class Reader:
    """X12Reader's state and checks, fed pyx12's lines one at a time."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw  # pyx12.rawx12file.RawX12File over the fed stream
        self.icvn: str = raw.icvn
        self.seg_term: str = raw.seg_term
        self.ele_term: str = raw.ele_term
        self.subele_term: str = raw.subele_term
        self.separators = raw.ele_term + raw.subele_term
        self.err_list: list[ErrTuple] = []
        self.loops: list[tuple[str, str | None]] = []
        self.hl_stack: list[int | None] = []
        self.gs_count = 0
        self.st_count = 0
        self.hl_count = 0
        self.seg_count = 0
        self.cur_line = 0
        self.isa_ids: list[str | None] = []
        self.gs_ids: list[str | None] = []
        self.st_ids: list[str | None] = []
        self.lx_count = 0
        self.check_837_lx = False

    def close(self) -> None:
        """X12Reader.close: nothing to close (the caller owns the stream)."""

    def pop_errors(self) -> list[ErrTuple]:
        errors, self.err_list = self.err_list, []
        return errors

    def _seg(self, code: str, message: str, line: int | None = None) -> None:
        self.err_list.append(("seg", code, message, None, line))

    def read(self, text: str) -> Line:
        """X12Reader.__iter__'s body for one line of RawX12File."""
        if text.startswith(" "):
            self._seg("1", "Segment contains a leading space", self.cur_line + 1)
            text = text.lstrip()
        if text[-1] == self.ele_term:  # IndexError on a line of spaces, as in pyx12
            self._seg("SEG1", "Segment contains trailing element terminators", self.cur_line + 1)
        line = Line(text, self.ele_term, self.subele_term, self.separators)
        self._parse(line)
        return line

    def _parse(self, seg: Line) -> None:
        """X12Base._parse_segment, then X12Reader's trailer checks."""
        if seg.is_empty():
            message = f'Segment "{seg.formatted(self.seg_term, self.ele_term)}" is empty'
            self._seg("8", message, self.cur_line + 1)
        seg_id = seg.seg_id
        valid = _VALID_IDS.get(seg_id)
        if valid is None:
            valid = bool(seg_id) and 2 <= len(seg_id) <= 3 and _SEG_ID.search(seg_id) is not None
            if len(_VALID_IDS) < 4096:
                _VALID_IDS[seg_id] = valid
        if not valid:
            self._seg("1", f'Segment identifier "{seg_id}" is invalid', self.cur_line + 1)
        special = _SPECIAL.get(seg_id)
        if special is None:
            self.seg_count += 1
            self.cur_line += 1
        else:
            special(self, seg)

    def _isa(self, seg: Line) -> None:
        if len(seg.elements) != 16:
            shown = seg.formatted(self.seg_term, self.ele_term)
            raise pyx12.errors.X12Error(f"The ISA segment must have 16 elements ({shown})")
        icn = seg.value(13)
        if icn in self.isa_ids:
            self._env("isa", "025", f"ISA Interchange Control Number {icn} not unique within file")
        self.loops.append(("ISA", icn))
        self.isa_ids.append(icn)
        self.gs_count = 0
        self.gs_ids = []
        self.cur_line += 1

    def _gs(self, seg: Line) -> None:
        gcn = seg.value(6)
        if gcn in self.gs_ids:
            self._env("gs", "6", f"GS Interchange Control Number {gcn} not unique within file")
        self.gs_count += 1
        self.gs_ids.append(gcn)
        self.loops.append(("GS", gcn))
        self.st_count = 0
        self.st_ids = []
        self.cur_line += 1

    def _st(self, seg: Line) -> None:
        self.hl_stack = []
        self.hl_count = 0
        tcn = seg.value(2)
        if tcn in self.st_ids:
            self._env("st", "23", f"ST Interchange Control Number {tcn} not unique within file")
        self.st_count += 1
        self.st_ids.append(tcn)
        self.loops.append(("ST", tcn))
        self.seg_count = 1
        self.cur_line += 1

    def _clm(self, seg: Line) -> None:
        if self.check_837_lx:
            self.lx_count = 0
        self.seg_count += 1
        self.cur_line += 1

    def _lx(self, seg: Line) -> None:
        if self.check_837_lx:
            self.lx_count += 1
            lx01 = seg.value(1)
            if lx01 != f"{self.lx_count:d}":
                self._seg(
                    "LX",
                    f"Your 2400/LX01 Service Line Number {lx01} does not match my count of "
                    f"{self.lx_count:d}",
                )
        self.seg_count += 1
        self.cur_line += 1

    def _closer(self, seg: Line) -> None:
        """IEA, GE, SE: counted as pyx12's X12Base does, then X12Reader's trailer checks."""
        self.cur_line += 1
        if seg.seg_id == "IEA":
            self._iea(seg)
        elif seg.seg_id == "GE":
            self._ge(seg)
        else:
            self._se(seg)

    def _hl_segment(self, seg: Line) -> None:
        self._hl(seg)
        self.seg_count += 1
        self.cur_line += 1

    def _hl(self, seg: Line) -> None:
        self.hl_count += 1
        hl01 = seg.value(1)
        if self.hl_count != _int(hl01):
            self._seg("HL1", f"My HL count {self.hl_count:d} does not match your HL count {hl01}")
        if seg.value(2) != "":
            parent = _int(seg.value(2))
            if parent not in self.hl_stack:
                self._seg("HL2", f"HL parent ({parent}) is not a valid parent")
            while self.hl_stack and parent != self.hl_stack[-1]:
                del self.hl_stack[-1]
        self.hl_stack.append(self.hl_count)

    def _env(self, kind: str, code: str, message: str) -> None:
        self.err_list.append((kind, code, message, None, None))

    def _iea(self, seg: Line) -> None:
        if self.loops[-1][0] != "ISA":
            self._env("isa", "024", f"Unterminated Loop {self.loops[-1][0]}")
            del self.loops[-1]
        iea02 = seg.value(2)
        if self.loops[-1][1] != iea02:
            self._env("isa", "001", f"IEA id={iea02} does not match ISA id={self.loops[-1][1]}")
        if _int(seg.value(1)) != self.gs_count:
            self._env("isa", "021", f"IEA count for IEA02={iea02} is wrong")
        del self.loops[-1]

    def _ge(self, seg: Line) -> None:
        if self.loops[-1][0] != "GS":
            self._env("gs", "3", f"Unterminated segment {self.loops[-1][1]}")
            del self.loops[-1]
        ge02 = seg.value(2)
        if self.loops[-1][1] != ge02:
            self._env("gs", "4", f"GE id={ge02} does not match GS id={self.loops[-1][1]}")
        if _int(seg.value(1)) != self.st_count:
            self._env(
                "gs",
                "5",
                f"GE count of {seg.value(1)} for GE02={ge02} is wrong. I count {self.st_count}",
            )
        del self.loops[-1]

    def _se(self, seg: Line) -> None:
        se02 = seg.value(2)
        if self.loops[-1][0] != "ST" or self.loops[-1][1] != se02:
            self._env("st", "3", f"SE id={se02} does not match ST id={self.loops[-1][1]}")
        if _int(seg.value(1)) != self.seg_count + 1:
            self._env(
                "st",
                "4",
                f"SE count of {seg.value(1)} for SE02={se02} is wrong. "
                f"I count {self.seg_count + 1}",
            )
        del self.loops[-1]

    def cleanup(self) -> None:
        """X12Reader.cleanup: the trailers missing at the end of the file."""
        for seg, id1 in self.loops:
            if seg == "ST":
                self._env(
                    "st", "2", f'Mandatory segment "Transaction Set Trailer" (SE={id1}) missing'
                )
            elif seg == "GS":
                self._env(
                    "gs", "3", f'Mandatory segment "Functional Group Trailer" (GE={id1}) missing'
                )
            elif seg == "ISA":
                self._env(
                    "isa",
                    "023",
                    f'Mandatory segment "Interchange Control Trailer" (IEA={id1}) missing',
                )


# What X12Base._parse_segment does beyond counting, by segment id (CLM and LX only in an 837)
_SPECIAL = {
    "ISA": Reader._isa,
    "GS": Reader._gs,
    "ST": Reader._st,
    "HL": Reader._hl_segment,
    "CLM": Reader._clm,
    "LX": Reader._lx,
    "IEA": Reader._closer,
    "GE": Reader._closer,
    "SE": Reader._closer,
}
