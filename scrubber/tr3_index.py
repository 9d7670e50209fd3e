"""TR3 errors by segment number, as the scrub pass asks for them block by block."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import Any


class Tr3Index:
    """TR3 errors by segment number (those the writer does not repair), for range look-ups per
    claim and block.

    Either built from a whole list, or pulling from a tr3.Tr3Stream while pyx12 walks the file
    in other processes: a look-up first waits for the walk to pass the last segment it names.
    Look-ups go forward through the file, so once a block is decided its errors are released;
    only those on pinned segments (the current ISA and GS, which every transaction header of the
    interchange looks up) are kept. A stream that fails part way (pyx12 stops on a segment) is
    dropped: `failure` says why, `checked` up to which segment errors were known.
    """

    def __init__(self, stream: Any = None) -> None:
        self.numbers: list[int] = []
        self.errors: list[Any] = []
        self._first = 0  # numbers[:_first] are released (dropped in bulk: see release)
        self.stream = stream
        self.checked = 0 if stream is not None else _EVERYWHERE
        self.failure: Exception | None = None
        self._pins: set[int] = set()
        self._pinned: dict[int, list[Any]] = {}

    @classmethod
    def unchecked(cls, failure: Exception) -> Tr3Index:
        """No TR3 errors known anywhere: pyx12 could not validate the file at all."""
        index = cls()
        index.checked = 0
        index.failure = failure
        return index

    @classmethod
    def build(cls, errors: Iterable[Any]) -> Tr3Index:
        index = cls()
        index._add(sorted(errors, key=lambda e: e.segment_number))
        return index

    def _add(self, errors: list[Any]) -> None:
        for error in errors:
            if error.repaired_by_writer:
                continue
            number = _belongs_to(error)
            at = bisect.bisect_right(self.numbers, number, self._first)
            self.numbers.insert(at, number)
            self.errors.insert(at, error)

    def pull(self, through: int) -> None:
        """Make sure the errors on segments up to `through` are here."""
        if self.stream is None or through <= self.checked:
            return
        from scrubber.x12.tr3 import Tr3Unavailable

        # one segment further: a gap in the last loop is noticed at the segment after it; and
        # as far as the walk has got, so that the blocks up to there ask the stream no more
        arrived = getattr(self.stream, "arrived", None)
        try:
            # (at most READ_AHEAD segments ahead: the pipe then holds the walk back, and
            # the errors kept here stay few)
            ahead = arrived(through + 1 + READ_AHEAD) if arrived is not None else 0
            target = max(through + 1, min(ahead, through + 1 + READ_AHEAD))
            errors = self.stream.errors_through(target)
        except Tr3Unavailable as error:
            self.failure = error
            if arrived is not None:  # as far as the walk got, whenever the stop was met
                self.checked = max(self.checked, min(arrived(), _EVERYWHERE) - 1)
            self.close()
            return
        self.checked = target - 1
        self._add(errors)

    def known(self, through: int) -> bool:
        """Whether the errors up to `through` can be had without waiting for the walk."""
        if self.stream is None or through <= self.checked:
            return True
        passed = getattr(self.stream, "passed", None)
        if passed is None:
            return True
        from scrubber.x12.tr3 import Tr3Unavailable

        try:
            return bool(passed(through + 1))
        except Tr3Unavailable:  # (the look-up that follows learns why, and says so)
            return True

    @property
    def kept(self) -> int:
        """How many errors are here, not yet released (pinned ones aside)."""
        return len(self.numbers) - self._first

    @property
    def empty(self) -> bool:
        """Nothing to look up, now or later (TR3 off, or no error left): look-ups return []."""
        return self.stream is None and len(self.errors) == self._first and not self._pinned

    def between(self, first: int, last: int) -> list[Any]:
        if self.stream is not None and last > self.checked:
            self.pull(last)
        known, start = self.numbers, self._first
        if len(known) > start and known[start] <= last and first <= known[-1]:
            lo = bisect.bisect_left(known, first, start)
            hi = bisect.bisect_right(known, last, start)
            found = self.errors[lo:hi]
        else:  # (most look-ups: no error left in the range)
            found = []
        if self._pinned:
            for number in sorted(self._pinned):
                if first <= number <= last:
                    found += self._pinned[number]
        return found

    def at(self, numbers: Iterable[int]) -> list[Any]:
        if self.empty:
            return []
        numbers = list(numbers)
        if not numbers:
            return []
        self.pull(max(numbers))
        if len(self.numbers) == self._first and not self._pinned:
            return []
        found: list[Any] = []
        for number in numbers:
            found.extend(self.between(number, number))
        return found

    def pin(self, *numbers: int) -> None:
        """Keep the errors on these segments when they are released (and no longer others)."""
        self._pins = set(numbers)
        self._pinned = {n: e for n, e in self._pinned.items() if n in self._pins}

    def release(self, through: int) -> None:
        """Drop the errors on segments up to `through` (but the pinned ones)."""
        cut = bisect.bisect_right(self.numbers, through, self._first)
        for error in self.errors[self._first : cut]:
            if error.segment_number in self._pins:
                self._pinned.setdefault(error.segment_number, []).append(error)
        self._first = cut
        if cut >= 1024 and cut * 2 >= len(self.numbers):  # (in bulk: each error moved once)
            del self.numbers[:cut]
            del self.errors[:cut]
            self._first = 0

    def finish(self) -> None:
        """Wait for the walk to end, to learn whether pyx12 stopped on a later segment."""
        if self.stream is None:
            return
        from scrubber.x12.tr3 import Tr3Unavailable

        try:
            self.stream.finish()
        except Tr3Unavailable as error:
            self.failure = error
        self.close()

    def close(self) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.close()


_EVERYWHERE = 1 << 62
READ_AHEAD = 20_000  # segments past the block in hand whose errors a look-up takes in


def _belongs_to(error: Any) -> int:
    """The segment an error is about. pyx12 notices a missing segment or loop (code 3) at the
    first segment after the gap, which may open the next claim, block or provider; the gap
    belongs to the loop before it, so the error goes on the last segment before that."""
    number: int = error.segment_number
    if error.code == "3" and error.level == "segment" and number > 1:
        return number - 1
    return number
