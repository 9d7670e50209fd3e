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

import bisect
import codecs
import io
import re
from collections import deque
from collections.abc import Iterator, Sequence
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


Block = tuple[Sequence[int], list[str]]  # the numbers and texts of some segments


def _blocks(stream: BinaryIO, empties: list[int], terminator_of: list[str]) -> Iterator[Block]:
    """The non-empty segments, numbered and normalized as _Normalized numbers and normalizes
    them, a decoded block at a time; raises _Irregular at the first segment this does not cover
    (after the segments before it). The segment terminator is appended to `terminator_of`
    before the first block."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    block = stream.read(BLOCK)
    eof = not block
    text = decoder.decode(block, final=eof)
    isa = text[:ISA_LEN]
    if len(isa) < ISA_LEN or not isa.startswith("ISA"):
        raise _Irregular(1)
    element, terminator = isa[3], isa[105]
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
    number = 0
    while True:
        # a segment's text runs to its terminator; the white space after that is skipped
        pieces = text.split(terminator)
        rest = pieces.pop()  # after the last terminator: the start of the next block's first
        texts = [piece.lstrip(WHITESPACE) for piece in pieces]
        tail = ""
        if eof:
            tail = rest.lstrip(WHITESPACE)
            if tail:  # the last segment, without a terminator
                texts.append(tail)
        plain = (
            "ISA" not in text
            and "005010X222" not in text
            and (text.isascii() or not _UNDECODABLE.search(text))
            and "" not in texts
        )
        if plain:
            yield range(number + 1, number + 1 + len(texts)), texts
            number += len(texts)
        else:
            numbers: list[int] = []
            kept: list[str] = []
            try:
                last = len(texts) - 1 if tail else -1
                for index, segment in enumerate(texts):
                    number += 1
                    if not segment:
                        empties.append(number)
                        continue
                    kept.append(_checked(segment, number, isa, index == last))
                    numbers.append(number)
            except _Irregular:
                yield numbers, kept
                raise
            yield numbers, kept
        if eof:
            return
        block = stream.read(BLOCK)
        eof = not block
        text = rest + decoder.decode(block, final=eof)


def _checked(segment: str, number: int, isa: str, last: bool) -> str:
    """A non-empty segment as _Normalized gives it (GS08, ST03 relabelled); raises _Irregular
    when it is not one the fast path covers: bytes that are not UTF-8, an ISA with other
    delimiters or not 106 characters long, an ISA without a terminator."""
    if not segment.isascii() and _UNDECODABLE.search(segment):
        raise _Irregular(number)
    element = isa[3]
    if segment.startswith("ISA"):
        if (
            last
            or len(segment) != ISA_LEN - 1
            or segment[3] != element
            or segment[6] != element
            or segment[103] != element
            or segment[104] != isa[104]
            or segment[82] != isa[82]
        ):
            raise _Irregular(number)
    elif segment[:2] in _RELABELLED and "005010X222" in segment:
        seg_id = segment.partition(element)[0]
        if seg_id in _RELABELLED:
            segment = _relabel(segment, element, 8 if seg_id == "GS" else 3)
    return segment


_RELABELLED = ("GS", "ST")
_END = _Irregular(0)  # the tokenizer's end: the file has no more segments


def _segments(
    stream: BinaryIO, empties: list[int], terminator_of: list[str]
) -> Iterator[tuple[int, str]]:
    """_blocks, a segment at a time: (number, text)."""
    for numbers, texts in _blocks(stream, empties, terminator_of):
        yield from zip(numbers, texts, strict=True)


class FastLines:
    """The (tag, line) pairs pyx12's RawX12File and the fed tags give a run, and where its
    reader stopped. open() first (RawX12File's own checks of the first line), then lines().

    The fast tokenizer runs ahead a block at a time; what pyx12 would have pulled from the fed
    stream by then (every line starting before what RawX12File has read) is followed by
    offsets, so that a segment the fast path does not cover hands over to the reference layers
    exactly where pyx12's read-ahead would reach it."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.empties = _Empties()
        self.stopped_at: int | None = None  # segment where pyx12's reader stopped early
        self._terminator: list[str] = []
        self._fast: Iterator[Block] | None = _blocks(stream, self.empties, self._terminator)
        self._ahead: deque[Block] = deque()  # tokenized, not given yet
        self._tokenized = 0  # where the tokenized lines end in the fed stream
        self._irregular: _Irregular | None = None  # met by the tokenizer, at _tokenized
        self.ending = ""
        self._given = 0  # lines given so far
        self._tags: deque[int] = deque()
        self._raw: RawX12File | None = None  # the reference layers' reader, once they run

    def open(self) -> Any:
        """The RawX12File of the run's reader: icvn and delimiters (raises pyx12's X12Error as
        it does on the first line, NotX12Error when the read-ahead meets bytes it refuses)."""
        if self._reaches_irregular(ISA_LEN + DEFAULT_BUFSIZE):  # what RawX12File reads first
            self._fast = None
            self.empties.clear()  # the reference layers find them all again
            self._raw = self._reference()
            return self._raw
        return RawX12File(io.StringIO(self._ahead[0][1][0] + self.ending))

    def _tokenize(self, upto: int) -> None:
        """Run the tokenizer on until the lines it gave end at `upto` or later in the fed
        stream (or the file ends, or it meets a segment it does not cover)."""
        fast, ahead = self._fast, self._ahead
        assert fast is not None
        while self._tokenized < upto and self._irregular is None:
            try:
                block = next(fast, None)
            except _Irregular as irregular:
                self._irregular = irregular
                return
            if block is None:
                self._irregular = _END
                return
            if not self.ending:
                self.ending = self._terminator[0] + "\n"  # as _Normalized ends a line
            texts = block[1]
            if texts:
                ahead.append(block)
                self._tokenized += sum(map(len, texts)) + len(self.ending) * len(texts)

    def _reaches_irregular(self, read: int) -> bool:
        """Whether pyx12, having read `read` characters of the fed stream, has pulled the
        segment the fast path does not cover (its lines are pulled while they start before)."""
        self._tokenize(read)
        return self._irregular not in (None, _END) and self._tokenized < read

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
        given = 0
        handover = False
        while not handover:
            if not ahead:
                self._tokenize(self._tokenized + 1)
                if not ahead:
                    # what is left of RawX12File's buffer holds no terminator: it reads once
                    # more, and pulls the segment the fast path does not cover, if any
                    handover = self._irregular is not _END
                    break
            numbers, texts = ahead.popleft()
            for number, text in zip(numbers, texts, strict=True):
                end = start + len(text)  # its terminator
                if end >= read:  # not in what RawX12File has read: it reads once more
                    read += DEFAULT_BUFSIZE
                    if self._reaches_irregular(read):
                        handover = True
                        break
                    if end >= read:  # still no terminator: its iteration ends there
                        self.stopped_at = number  # (the line was pulled: its tag is queued)
                        # the tokenizer ran ahead of pyx12's reader: empty segments after
                        # the line it stopped on were never read by it
                        del self.empties[bisect.bisect_right(self.empties, number) :]
                        return
                given += 1
                yield number, text
                start = end + width
        self._given = given
        if handover:
            assert self._irregular is not None
            self.empties.floor = self._irregular.number - 1
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
