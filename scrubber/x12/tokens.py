"""Split an X12 byte stream into segments, keeping every byte.

pyx12's own raw reader strips the text after each terminator and takes one delimiter set per file;
we need both the exact bytes (to write untouched segments back unchanged) and per-ISA delimiters,
so tokenizing is done here and pyx12 is used for what it is good at: the TR3 map walk.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO, TypeVar, cast

ISA_LENGTH = 106
CHUNK = 1 << 16
WHITESPACE = " \t\r\n"
BOM = "\ufeff"
T = TypeVar("T")


class NotX12Error(Exception):
    """The bytes are not an X12 interchange (no ISA, an ISA that is not 106 characters, or a
    byte that is not UTF-8 text)."""

    def __init__(self, message: str, segment_number: int = 0, kind: str = "not_x12") -> None:
        super().__init__(message)
        self.segment_number = segment_number
        self.kind = kind  # the ENV001 message: "not_x12", or "bytes" for text that is not UTF-8


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str
    component: str
    repetition: str
    segment: str

    @classmethod
    def from_isa(cls, isa: str) -> Delimiters:
        """Delimiters of an interchange from its 106-character ISA (terminator included)."""
        return cls(element=isa[3], component=isa[104], repetition=isa[82], segment=isa[105])


@dataclass(slots=True)
class RawSegment:
    """One segment as it stands in the file."""

    text: str  # without terminator
    suffix: str  # the terminator and any whitespace after it, exactly as read
    number: int  # 1-based position in the file, ISA of the first interchange = 1
    delimiters: Delimiters


@dataclass(slots=True)
class ReadNotes:
    """Things about the bytes worth telling the user, none of them an error."""

    bom: bool = False
    leading_whitespace: bool = False
    line_breaks: str = ""  # "CRLF", "LF", "CR" or "" after terminators


def _decode_chunks(stream: BinaryIO) -> Iterator[str]:
    # surrogateescape keeps undecodable bytes so that they are written back unchanged
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    while True:
        block = stream.read(CHUNK)
        if not block:
            tail = decoder.decode(b"", final=True)
            if tail:
                yield tail
            return
        text = decoder.decode(block)
        if text:
            yield text


class _Cursor:
    """A read position over decoded text that pulls more chunks on demand."""

    def __init__(self, stream: BinaryIO) -> None:
        self._chunks = _decode_chunks(stream)
        self.text = ""
        self.pos = 0
        self.eof = False

    def _pull(self) -> bool:
        more = next(self._chunks, None)
        if more is None:
            self.eof = True
            return False
        self.text = self.text[self.pos :] + more
        self.pos = 0
        return True

    def available(self, count: int) -> int:
        """Make up to `count` characters available after pos; return how many are."""
        while len(self.text) - self.pos < count and not self.eof:
            self._pull()
        return min(count, len(self.text) - self.pos)

    def find(self, char: str) -> int:
        """Offset of the next `char` from pos, or -1 at end of input."""
        searched = 0
        while True:
            index = self.text.find(char, self.pos + searched)
            if index >= 0:
                return index - self.pos
            searched = len(self.text) - self.pos
            if not self._pull():
                return -1

    def skip_whitespace(self, offset: int = 0) -> int:
        """Offset of the first non-whitespace character at or after pos+offset (or the end)."""
        while True:
            i = self.pos + offset
            n = len(self.text)
            while i < n and self.text[i] in WHITESPACE:
                i += 1
            offset = i - self.pos
            if i < n or not self._pull():
                return offset


def _segment_pattern(terminator: str) -> re.Pattern[str]:
    """A segment's text, then its terminator and the white space after it."""
    t = re.escape(terminator)
    return re.compile(f"([^{t}]*)({t}[ \t\r\n]*)")


@dataclass(slots=True)
class SegmentRun:
    """Whole segments that stand together in the decoded text, not split into RawSegments: the
    text from `start` (where the first one's text begins) to `stop` (where the text of the
    segment after the last one begins). They are numbered `first` to `first + count - 1`; none
    is an ISA and none holds a byte that is not UTF-8. For a pass that only needs a few facts
    about the file (the envelope pass), which it finds with a regular expression over the run."""

    text: str
    start: int
    stop: int
    first: int
    count: int
    delimiters: Delimiters


def iter_segments(stream: BinaryIO, notes: ReadNotes | None = None) -> Iterator[RawSegment]:
    """Yield every segment of a stream of one or more interchanges, in order.

    Raises NotX12Error when the stream does not start with a readable ISA.

    One segment at a time where care is needed (an ISA, which sets the delimiters; a segment
    that runs past the decoded text; the end of the input), then a regular expression over the
    segments the decoded text holds whole (the bulk of a file, about 2.6 times faster).
    """
    return cast(Iterator[RawSegment], _tokenize(stream, notes, RawSegment, runs=False))


def iter_made(
    stream: BinaryIO, notes: ReadNotes, make: Callable[[str, str, int, Delimiters], T]
) -> Iterator[T]:
    """`iter_segments`, each segment made by `make(text, suffix, number, delimiters)` (the
    reader's model.Segment, made straight from the text with no RawSegment in between)."""
    return cast(Iterator[T], _tokenize(stream, notes, make, runs=False))


def iter_segment_runs(stream: BinaryIO) -> Iterator[RawSegment | SegmentRun]:
    """The segments of `iter_segments`, with the same checks (NotX12Error at the same segment),
    but the bulk of the file as SegmentRuns: a pass over them costs a few searches of the text,
    not a Python object per segment."""
    return cast(Iterator[RawSegment | SegmentRun], _tokenize(stream, None, RawSegment, runs=True))


def _tokenize(
    stream: BinaryIO,
    notes: ReadNotes | None,
    make: Callable[[str, str, int, Delimiters], object],
    *,
    runs: bool,
) -> Iterator[object]:
    notes = notes if notes is not None else ReadNotes()
    cur = _Cursor(stream)
    if cur.available(1) and cur.text.startswith(BOM):
        notes.bom = True
        cur.pos += 1
    lead = cur.skip_whitespace()
    if lead:
        notes.leading_whitespace = True
        cur.pos += lead
    if not cur.available(1):
        raise NotX12Error("the file is empty", 0)
    number = 0
    delimiters: Delimiters | None = None
    pattern: re.Pattern[str] | None = None
    pattern_for = ""
    while cur.available(1):
        if cur.available(ISA_LENGTH) >= 3 and cur.text.startswith("ISA", cur.pos):
            isa = cur.text[cur.pos : cur.pos + ISA_LENGTH]
            if len(isa) < ISA_LENGTH or isa[3] != isa[6] or isa[3] != isa[103]:
                raise NotX12Error(
                    "the ISA segment is not the fixed 106 characters the X12 standard requires",
                    number + 1,
                )
            delimiters = Delimiters.from_isa(isa)
            if delimiters.segment.isalnum() or delimiters.element.isalnum():
                raise NotX12Error("the ISA segment's delimiters are letters or digits", number + 1)
        elif delimiters is None:
            raise NotX12Error("the file does not start with an ISA segment", 1)
        end = cur.find(delimiters.segment)
        if end != ISA_LENGTH - 1 and cur.text.startswith("ISA", cur.pos):
            # a terminator inside the fixed-length ISA: its fields cannot be trusted
            raise NotX12Error(
                _terminator_inside_isa(cur.text[cur.pos : cur.pos + ISA_LENGTH]), number + 1
            )
        if end < 0:  # last segment without a terminator
            end = len(cur.text) - cur.pos
            stop = end
        else:
            stop = cur.skip_whitespace(end + 1)
        text = cur.text[cur.pos : cur.pos + end]
        suffix = cur.text[cur.pos + end : cur.pos + stop]
        number += 1
        if not text.isascii() and _UNDECODABLE.search(text):
            raise NotX12Error(_undecodable(text, number), number, "bytes")
        if number == 1 and len(suffix) > 1:
            notes.line_breaks = _describe_breaks(suffix[1:])
        cur.pos += stop
        yield make(text, suffix, number, delimiters)
        if pattern is None or pattern_for != delimiters.segment:
            pattern, pattern_for = _segment_pattern(delimiters.segment), delimiters.segment
        run = _run(cur.text, cur.pos, number + 1, delimiters)
        if run is not None:
            # the bulk of the file: whole segments, no ISA, nothing undecodable, so no checks
            if runs:
                yield run
                number += run.count
            else:
                for text, suffix in pattern.findall(run.text, run.start, run.stop):
                    number += 1
                    yield make(text, suffix, number, delimiters)
            cur.pos = run.stop
            continue  # the segment after the run: one at a time, it may go past the text
        buffer, pos = cur.text, cur.pos
        for found in pattern.finditer(buffer, pos):
            if found.end() == len(buffer) and not cur.eof:
                break  # the white space after the terminator may go on in the next chunk
            text = found.group(1)
            if text.startswith("ISA"):
                break  # a new interchange: its own delimiters
            number += 1
            if not text.isascii() and _UNDECODABLE.search(text):
                raise NotX12Error(_undecodable(text, number), number, "bytes")
            pos = found.end()
            yield make(text, found.group(2), number, delimiters)
        cur.pos = pos


_AFTER_TERMINATOR = re.compile("[ \t\r\n]*")


@lru_cache(maxsize=16)
def _isa_after(terminator: str) -> re.Pattern[str]:
    """A terminator and the white space after it, then an ISA: where a new interchange starts."""
    return re.compile(re.escape(terminator) + "[ \t\r\n]*ISA")


def _run(buffer: str, pos: int, first: int, delimiters: Delimiters) -> SegmentRun | None:
    """The whole segments from `pos`, a segment's start, up to the last two of the text (the
    last one's white space may go on in the next chunk), the next ISA or the first byte that is
    not UTF-8; None when there are none."""
    terminator = delimiters.segment
    if terminator in WHITESPACE or buffer.startswith("ISA", pos):
        return None  # a white-space terminator runs into the white space after it: one by one
    last = buffer.rfind(terminator, pos)
    before = buffer.rfind(terminator, pos, last) if last >= 0 else -1
    if before < 0:
        return None
    stop = _AFTER_TERMINATOR.match(buffer, before + 1).end()  # type: ignore[union-attr]
    isa = _isa_after(terminator).search(buffer, pos, stop)
    if isa is not None:
        stop = isa.end() - 3
    if _UNDECODABLE.search(buffer, pos, stop):
        return None  # one by one, to name the segment (ENV001)
    count = buffer.count(terminator, pos, stop)
    if not count:
        return None
    return SegmentRun(buffer, pos, stop, first, count, delimiters)


# what surrogateescape makes of a byte that is not UTF-8
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_SEGMENT_ID = re.compile("[A-Z][A-Z0-9]{0,2}|")


def _undecodable(text: str, number: int) -> str:
    found = _UNDECODABLE.search(text)
    assert found is not None
    byte = ord(found.group()) - 0xDC00
    segment_id = _SEGMENT_ID.match(text).group() or "?"  # type: ignore[union-attr]
    return (
        f"segment {number} ({segment_id}) holds the byte 0x{byte:02X}, which is not UTF-8 text "
        "(X12 files are ASCII or UTF-8): export the file again as UTF-8, or correct the "
        "character in your practice management system"
    )


def _terminator_inside_isa(isa: str) -> str:
    """Why an ISA of the right length is refused when its terminator occurs inside it."""
    terminator = isa[105]
    elements = isa[:105].split(isa[3])
    for position, value in enumerate(elements[1:], start=1):
        if terminator in value:
            return (
                f"ISA{position:02d} holds {terminator!r}, the character the ISA ends with as its "
                "segment terminator; the delimiters (ISA11, ISA16, the terminator and the "
                "element separator) must all differ"
            )
    return "the ISA segment is not the fixed 106 characters the X12 standard requires"


def _describe_breaks(after: str) -> str:
    if after.startswith("\r\n"):
        return "CRLF"
    if after.startswith("\n"):
        return "LF"
    if after.startswith("\r"):
        return "CR"
    return ""
