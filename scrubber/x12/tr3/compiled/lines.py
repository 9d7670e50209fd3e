"""The lines pyx12's reader gets, straight from the file's bytes, for files of one delimiter set.

The reference path builds them in four layers: tokens.iter_segments, feed._Normalized (empty
segments out, delimiters of the first interchange, version relabelled), feed._Feed (the lines as
a text stream, each tagged) and pyx12's RawX12File, which cuts that stream again at the segment
terminator and stops quietly where a segment runs past its read-ahead (8 KB at a time). When
every interchange uses the first one's delimiters and the terminator is not white space, the
lines RawX12File yields are exactly the non-empty segment texts, each tagged with its own number,
up to where its read-ahead stops; that stop depends only on the lengths of the lines it was fed,
so it is computed from them. FastLines gives those (tag, line) pairs from one regular expression
over the decoded text. The first segment it does not cover (another delimiter set, an ISA to be
refused, bytes that are not UTF-8, a BOM or white space before the first ISA) sends it back to
the reference layers, over the file from its start, skipping the lines already given: the lines
and tags are the same either way, and so is where pyx12's reader stops.
"""

from __future__ import annotations

import codecs
import io
import re
from collections import deque
from collections.abc import Iterator
from typing import Any, BinaryIO

from pyx12.rawx12file import DEFAULT_BUFSIZE, ISA_LEN, RawX12File

from scrubber.x12.tokens import CHUNK, WHITESPACE
from scrubber.x12.tr3.feed import READ_AS_A1, _Feed, _Normalized, _relabel

_UNDECODABLE = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of a stray byte
BLOCK = CHUNK  # bytes decoded at a time (as iter_segments decodes them)


class _Irregular(Exception):
    """A segment the fast path does not cover, by its number in the file."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


class _Empties(list[int]):
    """The numbers of empty segments; once the reference layers take over, those they find
    again (numbers up to `floor`, already here) are not added twice."""

    floor: int = 0

    def append(self, number: int) -> None:
        if number > self.floor:
            super().append(number)


def _segments(
    stream: BinaryIO, empties: list[int], terminator_of: list[str]
) -> Iterator[tuple[int, str]]:
    """(number, normalized text) of the non-empty segments, as _Normalized numbers and
    normalizes them; raises _Irregular at the first segment this does not cover. The segment
    terminator is appended to `terminator_of` before the first pair."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    block = stream.read(BLOCK)
    eof = not block
    text = decoder.decode(block, final=eof)
    isa = text[:ISA_LEN]
    if len(isa) < ISA_LEN or not isa.startswith("ISA"):
        raise _Irregular(1)
    element, component, repetition, terminator = isa[3], isa[104], isa[82], isa[105]
    if (
        isa[6] != element
        or isa[103] != element
        or terminator.isalnum()
        or element.isalnum()
        or terminator in WHITESPACE
        or text.find(terminator) != ISA_LEN - 1
    ):
        raise _Irregular(1)
    terminator_of.append(terminator)
    escaped = re.escape(terminator)
    pattern = re.compile(f"([^{escaped}]*)({escaped}[ \t\r\n]*)")
    relabel = ("GS", "ST")
    number = 0
    pos = 0
    while True:
        buffer = text
        for found in pattern.finditer(buffer, pos):
            if found.end() == len(buffer) and not eof:
                break  # the white space after the terminator may go on in the next block
            segment = found.group(1)
            number += 1
            pos = found.end()
            if not segment:
                empties.append(number)
                continue
            if not segment.isascii() and _UNDECODABLE.search(segment):
                raise _Irregular(number)
            head = segment[:3]
            if head == "ISA":
                if (
                    len(segment) != ISA_LEN - 1
                    or segment[3] != element
                    or segment[6] != element
                    or segment[103] != element
                    or segment[104] != component
                    or segment[82] != repetition
                ):
                    raise _Irregular(number)
            elif head[:2] in relabel and "005010X222" in segment:
                seg_id = segment.partition(element)[0]
                if seg_id in relabel:
                    segment = _relabel(segment, element, 8 if seg_id == "GS" else 3)
            yield number, segment
        if eof:
            rest = buffer[pos:]
            if rest:  # the last segment, without a terminator
                number += 1
                if rest.startswith("ISA") or (not rest.isascii() and _UNDECODABLE.search(rest)):
                    raise _Irregular(number)
                seg_id = rest.partition(element)[0]
                if seg_id in relabel and "005010X222" in rest:
                    rest = _relabel(rest, element, 8 if seg_id == "GS" else 3)
                yield number, rest
            return
        block = stream.read(BLOCK)
        eof = not block
        text = buffer[pos:] + decoder.decode(block, final=eof)
        pos = 0


class FastLines:
    """The (tag, line) pairs pyx12's RawX12File and the fed tags give a run, and where its
    reader stopped. open() first (RawX12File's own checks of the first line), then lines()."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.empties = _Empties()
        self.stopped_at: int | None = None  # segment where pyx12's reader stopped early
        self._terminator: list[str] = []
        self._fast: Iterator[tuple[int, str]] | None = _segments(
            stream, self.empties, self._terminator
        )
        self._ahead: deque[tuple[int, str]] = deque()  # pulled, not given yet
        self._pulled = 0  # where the pulled lines end in the fed stream
        self.ending = ""
        self._given = 0  # lines given so far
        self._tags: deque[int] = deque()
        self._raw: RawX12File | None = None  # the reference layers' reader, once they run

    def open(self) -> Any:
        """The RawX12File of the run's reader: icvn and delimiters (raises pyx12's X12Error as
        it does on the first line, NotX12Error when the read-ahead meets bytes it refuses)."""
        assert self._fast is not None
        try:
            self._pull(ISA_LEN + DEFAULT_BUFSIZE)  # what RawX12File reads when it opens
        except _Irregular:
            self._fast = None
            self.empties.clear()  # the reference layers find them all again
            self._raw = self._reference()
            return self._raw
        return RawX12File(io.StringIO(self._ahead[0][1] + self.ending))

    def _pull(self, upto: int) -> None:
        """Take segments as _Feed pulls lines: while what it has pulled ends before `upto`."""
        fast, ahead = self._fast, self._ahead
        assert fast is not None
        while self._pulled < upto:
            item = next(fast, None)
            if item is None:
                return
            if not self.ending:
                self.ending = self._terminator[0] + "\n"  # as _Normalized ends a line
            ahead.append(item)
            self._pulled += len(item[1]) + len(self.ending)

    def _reference(self) -> RawX12File:
        """The reference layers over the file from its start."""
        self._stream.seek(0)
        self._normalized = _Normalized(self._stream)
        self._normalized.empties = self.empties
        self._feed = _Feed(_reference_fed(self._normalized), self._tags)
        return RawX12File(self._feed)

    def upcoming(self, at: int) -> int:
        """The tag the next line would get (after the line tagged `at`)."""
        if self._fast is None and self._tags:
            return self._tags[0]
        return at + 1

    def lines(self) -> Iterator[tuple[int, str]]:
        if self._fast is not None:
            yield from self._fast_lines()
            if self._fast is not None or self.stopped_at is not None:
                return
        yield from self._reference_lines()

    def _fast_lines(self) -> Iterator[tuple[int, str]]:
        ahead = self._ahead
        width = len(self.ending)
        read = ISA_LEN + DEFAULT_BUFSIZE  # characters RawX12File has read of the fed stream
        start = 0  # where the current line starts in the fed stream
        number, text, end = 0, "", 0
        try:
            while True:
                if ahead:
                    number, text = ahead[0]
                    end = start + len(text)  # its terminator
                if not ahead or end >= read:
                    # no terminator in what RawX12File has read: it reads once more
                    read += DEFAULT_BUFSIZE
                    self._pull(read)
                    if not ahead:
                        return  # the end of the fed stream
                    number, text = ahead[0]
                    end = start + len(text)
                    if end >= read:  # still none: its iteration ends there
                        self.stopped_at = number  # (the line was pulled: its tag is queued)
                        return
                ahead.popleft()
                self._given += 1
                yield number, text
                start = end + width
        except _Irregular as irregular:
            self.empties.floor = irregular.number - 1
            self._fast = None

    def _reference_lines(self) -> Iterator[tuple[int, str]]:
        raw = self._raw if self._raw is not None else self._reference()
        tags = self._tags
        previous = 0
        skip = self._given
        for text in raw:
            tag = tags.popleft() if tags else previous + 1
            previous = tag
            if skip:
                skip -= 1
                continue
            yield tag, text
        if tags or not self._feed.exhausted():
            self.stopped_at = tags[0] if tags else previous + 1


def _reference_fed(lines: _Normalized) -> Iterator[tuple[int, str]]:
    for line in lines:
        yield line.number, line.text + lines.ending


__all__ = ["READ_AS_A1", "FastLines"]


_ENVELOPE_HEADS = frozenset(("IS", "GS", "ST", "SE", "GE", "IE"))
_ENVELOPE_IDS = frozenset(("ISA", "GS", "ST", "SE", "GE", "IEA"))


class EnvelopeLines:
    """The envelope segments (ISA, GS, ST, SE, GE, IEA) of a file as _Normalized gives them,
    (number, text), read as they are asked for; `last`: the number of the last non-empty
    segment read so far, `ending`: the line ending _Normalized gives. By the fast tokenizer, else
    (from the first segment it does not cover) by _Normalized over the file from its start."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.last = 0
        self.ending = ""

    def __iter__(self) -> Iterator[tuple[int, str]]:
        heads, ids = _ENVELOPE_HEADS, _ENVELOPE_IDS
        terminator: list[str] = []
        given = 0
        try:
            element = ""
            for number, text in _segments(self._stream, [], terminator):
                self.last = number
                if text[:2] in heads:
                    if not element:
                        element = text[3]  # the first segment is the ISA
                        self.ending = terminator[0] + "\n"
                    if text.partition(element)[0] in ids:
                        given += 1
                        yield number, text
            return
        except _Irregular:
            pass
        self._stream.seek(0)
        lines = _Normalized(self._stream)
        for line in lines:
            self.last, self.ending = line.number, lines.ending
            if line.seg_id in ids:
                if given:
                    given -= 1  # given by the fast tokenizer already
                    continue
                yield line.number, line.text
