"""The normalized stream: the file's segments as pyx12 is to see them, each tagged with its
number in the original file, and the text stream that feeds them to pyx12's reader."""

from __future__ import annotations

import io
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from scrubber.x12.tokens import Delimiters, RawSegment, iter_segments

ERRATA_VERSION = "005010X222A2"
# versions read with the A1 map: the errata, and the base X222 label some senders still use
READ_AS_A1 = (ERRATA_VERSION, "005010X222")
MAP_VERSION = "005010X222A1"


@dataclass(frozen=True, slots=True)
class _Line:
    number: int  # original segment number
    seg_id: str
    text: str  # normalized: first interchange's delimiters, version relabelled, no terminator


class _Normalized:
    """The segments of a file as pyx12 is to see them. Empty segments are left out (pyx12's
    reader stops at the first one) and their numbers kept in `empties`."""

    def __init__(self, stream: Any) -> None:
        self._raw: Iterator[RawSegment] = iter_segments(stream)
        self.delimiters: Delimiters | None = None
        self.ending = ""
        self.empties: list[int] = []

    def __iter__(self) -> Iterator[_Line]:
        table: dict[int, int] | None = None
        source: Delimiters | None = None
        for raw in self._raw:
            if self.delimiters is None:
                self.delimiters = raw.delimiters
                term = raw.delimiters.segment
                self.ending = term if term in "\r\n" else term + "\n"
            if raw.delimiters is not source:
                source = raw.delimiters
                table = None if source == self.delimiters else _translation(source, self.delimiters)
            text = raw.text if table is None else raw.text.translate(table)
            if not text:
                self.empties.append(raw.number)
                continue
            element = self.delimiters.element
            seg_id, _, _ = text.partition(element)
            if seg_id in ("GS", "ST") and "005010X222" in text:
                text = _relabel(text, element, 8 if seg_id == "GS" else 3)
            yield _Line(raw.number, seg_id, text)


def _translation(source: Delimiters, target: Delimiters) -> dict[int, int]:
    pairs = zip(
        (source.element, source.component, source.repetition),
        (target.element, target.component, target.repetition),
        strict=True,
    )
    return {ord(a): ord(b) for a, b in pairs if a != b}


def _relabel(text: str, element: str, index: int) -> str:
    parts = text.split(element)
    if len(parts) > index and parts[index] in READ_AS_A1:
        parts[index] = MAP_VERSION
        return element.join(parts)
    return text


class _Feed(io.TextIOBase):
    """A read-only text stream over (tag, line) pairs. The tag of every line handed to the
    reader is queued in `tags`; pyx12 yields one segment per line, in order."""

    def __init__(self, lines: Iterable[tuple[int, str]], tags: deque[int]) -> None:
        super().__init__()
        self._lines = iter(lines)
        self._tags = tags
        self._buffer = ""

    def readable(self) -> bool:
        return True

    def exhausted(self) -> bool:
        """Whether every line was handed to the reader (called once the reader has ended)."""
        return not self._buffer.strip() and next(self._lines, None) is None

    def read(self, size: int | None = -1) -> str:
        want = -1 if size is None else size
        pieces = [self._buffer]
        have = len(self._buffer)
        while want < 0 or have < want:
            item = next(self._lines, None)
            if item is None:
                break
            self._tags.append(item[0])
            pieces.append(item[1])
            have += len(item[1])
        text = "".join(pieces)
        if want < 0:
            self._buffer = ""
            return text
        self._buffer = text[want:]
        return text[:want]
