"""CompiledRun: the pass of walk._Run with the reader, the map walk and the content checks
compiled (reader.py, transitions.py, content.py); pyx12 raises every error it reports."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

import pyx12.errors
import pyx12.segment
from pyx12.rawx12file import RawX12File

from scrubber.x12.tr3.compiled.content import _checks, segment_check, segment_ok
from scrubber.x12.tr3.compiled.lines import FastLines
from scrubber.x12.tr3.compiled.reader import Line, Reader
from scrubber.x12.tr3.compiled.transitions import Transitions
from scrubber.x12.tr3.errors import Tr3Unavailable, stopped_reading
from scrubber.x12.tr3.feed import _Feed
from scrubber.x12.tr3.walk import (
    RANK_WALK,
    _Found,
    _load_map,
    _loop_of,
    _refusal,
    _Run,
    _RunResult,
    read_to_the_end,
)

_loops: dict[int, str | None] = {}  # id(node) -> its loop id (maps live as long as the process)
_qualifiers: dict[tuple[int, str], tuple[int, ...]] = {}  # (id(map), segment id) -> positions


_OPENERS = frozenset(("ISA", "GS", "ST"))
_FIRST = (1,)
_CLOSERS = frozenset(("SE", "GE", "IEA"))


def _at(elements: list[str], position: int) -> str | None:
    return elements[position - 1] if position <= len(elements) else None


def _loop(node: Any) -> str | None:
    key = id(node)
    if key not in _loops:
        _loops[key] = _loop_of(node)
    return _loops[key]


def _root(node: Any) -> Any:
    while not node.is_map_root():
        node = node.parent
    return node


_roots: dict[int, Any] = {}


_positions_of: dict[tuple[int, str], tuple[int, ...]] = {}  # (id(node), segment id) -> positions


def _positions(node: Any, seg_id: str) -> tuple[int, ...]:
    """The elements pyx12's is_match reads for this segment id in the map of `node`."""
    found = _positions_of.get((id(node), seg_id))
    if found is None:
        if len(_positions_of) >= 65536:  # segment ids of junk must not grow memory
            _positions_of.clear()
        found = _positions_of[(id(node), seg_id)] = _map_positions(node, seg_id)
    return found


def _map_positions(node: Any, seg_id: str) -> tuple[int, ...]:
    root = _roots.get(id(node))
    if root is None:
        root = _roots[id(node)] = _root(node)
    key = (id(root), seg_id)
    found = _qualifiers.get(key)
    if found is None:
        positions = {
            field[1]
            for child in root.loop_segment_iterator()
            if child.is_segment() and child.id == seg_id
            if (field := child._resolve_unique_key_field(seg_id, with_qual=False)) is not None
        }
        found = _qualifiers[key] = tuple(sorted(positions))
    return found


class CompiledRun(_Run):
    """walk._Run's pass, compiled. Same arguments, same results, same failures."""

    pending: int | None = None  # tag of the line being read (not yet a segment checked)

    def lines_of(self, stream: BinaryIO) -> FastLines:
        return FastLines(stream)

    def execute_file(self, lines: FastLines) -> _RunResult:
        """The pass over FastLines: the lines and tags pyx12's reader would get."""
        try:
            src = Reader(lines.open())
        except pyx12.errors.X12Error as exc:
            raise Tr3Unavailable(_refusal(str(exc))) from None

        def walk() -> None:
            self._walk(src, lines.lines())
            if lines.stopped_at is not None:
                raise stopped_reading(lines.stopped_at)

        return self._execute(src, walk, self._upcoming(lambda: lines.upcoming(self.at)), None)

    def _upcoming(self, otherwise: Callable[[], int]) -> Callable[[], int]:
        """Where a failure not on a segment is: the line being read, else the next one."""
        return lambda: self.pending if self.pending is not None else otherwise()

    def execute(
        self, lines: Iterable[tuple[int, str]], end_tag: Callable[[], int] | None = None
    ) -> _RunResult:
        tags, feed, src = self._opened(lines)

        def walk() -> None:
            self._walk(src, self._tagged(src, tags))
            read_to_the_end(feed, tags, self.at)

        upcoming = self._upcoming(lambda: tags[0] if tags else self.at + 1)
        return self._execute(src, walk, upcoming, end_tag)

    def _tagged(self, src: Reader, tags: deque[int]) -> Iterator[tuple[int, str]]:
        """RawX12File's lines, each with the tag fed with it (pyx12 yields a line per line)."""
        for text in src.raw:
            yield (tags.popleft() if tags else self.at + 1), text

    def _open(self, feed: _Feed) -> Reader:
        """pyx12's raw reader cuts the lines (and stops where it stops); Reader checks them."""
        return Reader(RawX12File(feed))

    def _walk(self, src: Reader, lines: Iterator[tuple[int, str]]) -> None:
        """walk._Run._loop, line for line, over the compiled parts."""
        walk = self.walk
        control_name = "x12.control.00501.xml" if src.icvn == "00501" else "x12.control.00401.xml"
        self.map_names.add(control_name)
        control_map: Any = _load_map(control_name) if walk else None
        node: Any = control_map.getnodebypath("/ISA_LOOP/ISA") if walk else None
        walker = Transitions(src.seg_term, src.ele_term, src.subele_term)
        cur_map: Any = None
        icvn: str | None = None
        skipping = False
        seg_term, ele_term, subele_term = src.seg_term, src.ele_term, src.subele_term
        on_segment = self.on_segment
        steps, counts, checks = walker._steps, walker.counts, _checks
        positions_of = _positions_of
        for tag, text in lines:
            self.pending = tag
            line = src.read(text)
            self.at, self.busy = tag, True
            seg_id = line.seg_id
            in_skipped = skipping
            matched = False
            if seg_id == "ISA":
                icvn = line.value(12)
                in_skipped = skipping = False
                if walk:
                    node = control_map.getnodebypath("/ISA_LOOP/ISA")
                    walker.force_loop_start("/ISA_LOOP", "/ISA_LOOP/ISA")
                    matched = True
            elif seg_id == "GS":
                chosen = self._group(src, icvn, line.value(8), line.value(1))
                in_skipped = skipping = chosen is None
                if chosen is not None and walk:
                    cur_map = _load_map(chosen[0])
                if walk:
                    node = (control_map if skipping else cur_map).getnodebypath(
                        "/ISA_LOOP/GS_LOOP/GS"
                    )
                    walker.force_loop_start("/ISA_LOOP/GS_LOOP", "/ISA_LOOP/GS_LOOP/GS")
                    matched = not skipping
            elif skipping:
                if seg_id == "GE":
                    skipping = False
                    if walk:
                        node = control_map.getnodebypath("/ISA_LOOP/GS_LOOP/GE")
            elif walk:
                elements = line.elements
                at_node = (id(node), seg_id)
                positions = positions_of.get(at_node)
                if positions is None:
                    positions = _positions(node, seg_id)
                if not positions:
                    key: tuple[Any, ...] = at_node
                elif positions == _FIRST:
                    key = (*at_node, elements[0] if elements else None)
                else:
                    key = (*at_node, *(_at(elements, p) for p in positions))
                step = steps.get(key)
                outcome = step.replay(counts) if step is not None else None
                if outcome is None:
                    outcome = walker.walk(node, key, line.text, src.seg_count, src.cur_line, _loop)
                found_node, walked = outcome
                if found_node is not None:
                    node, matched = found_node, True
                for err_seg, loop_id, code, message in walked:
                    self.add(
                        _Found(
                            tag=tag,
                            rank=RANK_WALK,
                            segment_id=err_seg,
                            loop_id=loop_id,
                            code=code,
                            level="segment",
                            message=message,
                        )
                    )
            if seg_id in _OPENERS:
                self._track_envelope(seg_id, tag)
            flagged = False
            if src.err_list or seg_id in _CLOSERS:  # (the closers also update self.open)
                flagged = self._reader_errors(
                    src.pop_errors(), tag, seg_id, node, skipping=in_skipped
                )
            if walk and not in_skipped:
                if self.record_loops and (flagged or seg_id in ("HL", "LX")):
                    self.loops[tag] = _loop(node)
                if matched:
                    # a segment this node found valid before (with these separators) is again
                    check = checks.get(id(node))
                    if check is None or check.valid.get(line.text) != line.separators:
                        self._content(node, line, tag, seg_term, ele_term, subele_term)
            self.busy = False
            self.pending = None
            if on_segment is not None:
                on_segment(self)

    def _content(
        self, node: Any, line: Line, tag: int, seg_term: str, ele_term: str, subele_term: str
    ) -> None:
        split = line.seg_id != "ISA"
        check = segment_check(node)
        if segment_ok(check, line.text, line.elements, line.component, split, line.separators):
            return
        seg = pyx12.segment.Segment(line.text, seg_term, ele_term, subele_term)
        self._content_errors(node, seg, tag, line.seg_id)
