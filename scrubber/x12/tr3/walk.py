"""The pyx12 run: pyx12's reader, map walker and per-segment validation over a fed stream, the
errors collected by segment; and the whole file walked in this process."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, BinaryIO

import pyx12.errors
import pyx12.map_if
import pyx12.map_index
import pyx12.params
import pyx12.x12file
from pyx12.map_walker import walk_tree

from scrubber.x12.tokens import NotX12Error
from scrubber.x12.tr3.errors import (
    _REPAIRED_ENVELOPE,
    _REPAIRED_SEGMENT,
    _WRITER_TRAILERS,
    EMPTY,
    Tr3Error,
    Tr3Unavailable,
    _clean_element_message,
    _clean_segment_message,
    _repaired_element,
    stopped_reading,
)
from scrubber.x12.tr3.feed import ERRATA_VERSION, MAP_VERSION, _Feed, _Normalized

# Order of errors found on the same segment, as pyx12 raises them.
RANK_WALK = 0  # map walker: segment not found, missing, not used, too many
RANK_READER = 1  # reader: envelope counts and control numbers, HL/LX sequence, syntax
RANK_CONTENT = 2  # element and segment content against the map


@dataclass(slots=True, kw_only=True)
class _Found:
    tag: int
    rank: int
    segment_id: str
    code: str
    level: str
    message: str
    loop_id: str | None = None
    element: str | None = None
    element_position: int | None = None
    component_position: int | None = None
    repaired: bool = False
    element_code: str | None = None
    seq: int = 0
    origin: int = 1  # 0: carried over from the chunk before (sorts first)

    def to_error(self) -> Tr3Error:
        return Tr3Error(
            segment_number=self.tag,
            segment_id=self.segment_id,
            loop_id=self.loop_id,
            element=self.element,
            element_position=self.element_position,
            component_position=self.component_position,
            code=self.code,
            level=self.level,
            message=self.message,
            repaired_by_writer=self.repaired,
            element_code=self.element_code,
        )


@dataclass(slots=True)
class _RunResult:
    found: list[_Found]
    loops: dict[int, str | None]  # tag -> loop id (record_loops): HL, LX, segment errors
    needs_loop: set[int]  # reader-only run: tags of segment errors whose loop id is unknown
    validated_groups: int
    skipped_versions: list[str]
    map_names: set[str]
    ended: int = 0  # index in found of the first error raised at the end of the file


def _key(found: _Found) -> tuple[int, int, int, int]:
    """The order of errors: by segment, then as pyx12 raises them on one segment."""
    return (found.tag, found.rank, found.origin, found.seq)


@lru_cache(maxsize=1)
def _params() -> Any:
    return pyx12.params.ParamsBase()  # no config files read from the user's home


@lru_cache(maxsize=8)
def _load_map(name: str) -> Any:
    return pyx12.map_if.load_map_file(name, _params())


@lru_cache(maxsize=1)
def _map_index() -> Any:
    return pyx12.map_index.map_index()


@lru_cache(maxsize=64)
def _map_for(icvn: str | None, vriic: str | None, fic: str | None) -> tuple[str, bool] | None:
    """The map file pyx12 would load for a group and whether it is an 837 map (pyx12 then
    checks the 2400 LX01 sequence), or None when pyx12 has no map for it."""
    name = _map_index().get_filename(icvn, vriic, fic)
    if name is None:
        return None
    resource = files("pyx12").joinpath("map", name)
    if not resource.is_file():  # listed in pyx12's index but not shipped
        return None
    with resource.open("rb") as handle:
        head = handle.read(4096).decode("utf-8", "replace")
    found = re.search(r'<transaction\b[^>]*\bxid="([^"]*)"', head)
    return name, bool(found and found.group(1) == "837")


def _loop_of(node: Any) -> str | None:
    while node is not None:
        if node.is_loop():
            return str(node.id)
        if node.is_map_root():
            return None
        node = node.parent
    return None


_ENVELOPE_LEVEL = {"isa": "interchange", "gs": "group", "st": "transaction"}
_ENVELOPE_LOOP = {"isa": "ISA_LOOP", "gs": "GS_LOOP", "st": "ST_LOOP"}
_ENVELOPE_SEGMENT = {"isa": "ISA", "gs": "GS", "st": "ST"}
_CLOSERS = {"isa": "IEA", "gs": "GE", "st": "SE"}


def read_to_the_end(feed: _Feed, tags: deque[int], at: int) -> None:
    """Raise Tr3Unavailable when pyx12's reader ended before the fed lines did: it ends quietly
    on a segment longer than its 16 KB buffer, and the rest of the file, never walked, must not
    pass for checked (the caller holds the claims after the last segment it got through)."""
    if tags or not feed.exhausted():
        where = tags[0] if tags else at + 1
        raise stopped_reading(where)


class _Run:
    """One pass of pyx12 over a fed stream. With walk=False only pyx12's reader runs (envelope,
    HL and LX checks); with walk=True the map walk and content validation run as well.

    on_segment, when given, is called after each segment is checked: every error on a segment
    up to `at` is then in `found` (which it may empty), but for trailers missing at the end of
    the file, which are raised at the end on the ISA, GS or ST they should have closed (left
    out altogether with at_end=False).
    """

    def __init__(
        self,
        walk: bool,
        record_loops: bool = False,
        *,
        at_end: bool = True,
        on_segment: Callable[[_Run], None] | None = None,
    ) -> None:
        self.walk = walk
        self.record_loops = record_loops
        self.at_end = at_end
        self.on_segment = on_segment
        self.found: list[_Found] = []
        self.count = 0  # errors found so far (found may have been emptied)
        self.loops: dict[int, str | None] = {}
        self.needs_loop: set[int] = set()
        self.validated_groups = 0
        self.skipped_versions: list[str] = []
        self.map_names: set[str] = set()
        self.at = 0  # tag of the segment last handed over by pyx12's reader
        self.busy = False  # that segment is being checked
        # envelope openers not yet closed, by tag (for trailers missing at the end of the file)
        self.open: dict[str, int | None] = {"isa": None, "gs": None, "st": None}

    def add(self, found: _Found) -> None:
        found.seq = self.count
        self.count += 1
        self.found.append(found)

    def execute(
        self, lines: Iterable[tuple[int, str]], end_tag: Callable[[], int] | None = None
    ) -> _RunResult:
        """end_tag: the tag of the file's last segment when `lines` leaves segments out."""
        tags, feed, src = self._opened(lines)

        def walk() -> None:
            self._loop(src, tags)
            read_to_the_end(feed, tags, self.at)

        return self._execute(src, walk, lambda: tags[0] if tags else self.at + 1, end_tag)

    def _opened(self, lines: Iterable[tuple[int, str]]) -> tuple[deque[int], _Feed, Any]:
        """The fed lines' tags, the feed and the reader opened on it (pyx12's refusal of the
        first line raised as Tr3Unavailable)."""
        tags: deque[int] = deque()
        feed = _Feed(lines, tags)
        try:
            return tags, feed, self._open(feed)
        except pyx12.errors.X12Error as exc:
            raise Tr3Unavailable(_refusal(str(exc))) from None

    def _execute(
        self,
        src: Any,
        walk: Callable[[], None],
        upcoming: Callable[[], int],
        end_tag: Callable[[], int] | None,
    ) -> _RunResult:
        """The pass over an opened reader: walk() goes through its lines; upcoming(): the tag
        of the line the reader is to give next (where it failed, when not on a segment)."""
        try:
            walk()
            src.cleanup()
            if end_tag is not None:
                self.at = end_tag()
            ended = len(self.found)
            if self.at_end:
                self._reader_errors(src.pop_errors(), self.at, "", None, at_end=True)
        except (Tr3Unavailable, NotX12Error):
            raise
        except Exception as exc:  # pyx12 gave up on garbage: say where, not what was there
            # failing in our hands: the current segment; in pyx12's reader: the next one
            where = self.at if self.busy else upcoming()
            raise Tr3Unavailable(
                f"pyx12 stopped at segment {where} of the file ({type(exc).__name__}), "
                "so the file could not be checked against the TR3 map"
            ) from None
        finally:
            src.close()
        return _RunResult(
            self.found,
            self.loops,
            self.needs_loop,
            self.validated_groups,
            self.skipped_versions,
            self.map_names,
            ended,
        )

    def lines_of(self, stream: BinaryIO) -> Any:
        """What execute_file() walks over a file: its _Normalized lines (`empties` the numbers
        of the empty segments); compiled.CompiledRun has its own, faster, with the same."""
        return _Normalized(stream)

    def execute_file(self, lines: Any) -> _RunResult:
        """The pass over lines_of(stream)."""
        return self.execute(_fed(lines))

    def _open(self, feed: _Feed) -> Any:
        """The reader over the fed stream (pyx12's; compiled.CompiledRun has its own)."""
        return pyx12.x12file.X12Reader(feed)

    def _loop(self, src: Any, tags: deque[int]) -> None:
        control_name = "x12.control.00501.xml" if src.icvn == "00501" else "x12.control.00401.xml"
        self.map_names.add(control_name)
        control_map: Any = _load_map(control_name) if self.walk else None
        node: Any = control_map.getnodebypath("/ISA_LOOP/ISA") if self.walk else None
        walker = walk_tree()
        cur_map: Any = None
        icvn: str | None = None
        skipping = False
        for seg in src:
            tag = tags.popleft() if tags else self.at + 1
            self.at, self.busy = tag, True
            seg_id = seg.get_seg_id()
            in_skipped = skipping  # this segment belongs to a group pyx12 has no map for
            matched = False
            if seg_id == "ISA":
                icvn = seg.get_value("ISA12")
                in_skipped = skipping = False
                if self.walk:
                    node = control_map.getnodebypath("/ISA_LOOP/ISA")
                    walker.forceWalkCounterToLoopStart("/ISA_LOOP", "/ISA_LOOP/ISA")
                    matched = True
            elif seg_id == "GS":
                chosen = self._group(src, icvn, seg.get_value("GS08"), seg.get_value("GS01"))
                in_skipped = skipping = chosen is None
                if chosen is not None and self.walk:
                    cur_map = _load_map(chosen[0])
                if self.walk:
                    node = (control_map if skipping else cur_map).getnodebypath(
                        "/ISA_LOOP/GS_LOOP/GS"
                    )
                    walker.forceWalkCounterToLoopStart("/ISA_LOOP/GS_LOOP", "/ISA_LOOP/GS_LOOP/GS")
                    matched = not skipping
            elif skipping:  # only the envelope of an unmapped group is checked
                if seg_id == "GE":
                    skipping = False
                    if self.walk:
                        node = control_map.getnodebypath("/ISA_LOOP/GS_LOOP/GE")
            elif self.walk:
                found_node, _, _, walked = walker.walk_errors(
                    node, seg, src.get_seg_count(), src.get_cur_line(), src.get_ls_id()
                )
                if found_node is not None:
                    node, matched = found_node, True
                self._walk_errors(walked, tag, seg_id, node)
            self._track_envelope(seg_id, tag)
            flagged = self._reader_errors(src.pop_errors(), tag, seg_id, node, skipping=in_skipped)
            if self.walk and not in_skipped:
                if self.record_loops and (flagged or seg_id in ("HL", "LX")):
                    self.loops[tag] = _loop_of(node)
                if matched:
                    self._content_errors(node, seg, tag, seg_id)
            self.busy = False
            if self.on_segment is not None:
                self.on_segment(self)

    def _group(
        self, src: Any, icvn: str | None, vriic: str | None, fic: str | None
    ) -> tuple[str, bool] | None:
        """The map for a functional group (GS), counted as validated or skipped."""
        chosen = _map_for(icvn, vriic, fic)
        if chosen is None:
            self.skipped_versions.append(vriic or "")
        else:
            self.validated_groups += 1
            self.map_names.add(chosen[0])
            src.check_837_lx = chosen[1]
        return chosen

    def _track_envelope(self, seg_id: str, tag: int) -> None:
        if seg_id == "ISA":
            self.open = {"isa": tag, "gs": None, "st": None}
        elif seg_id == "GS":
            self.open["gs"], self.open["st"] = tag, None
        elif seg_id == "ST":
            self.open["st"] = tag

    def _reader_errors(
        self,
        errors: list[tuple[str, str, str, Any, Any]],
        tag: int,
        seg_id: str,
        node: Any,
        *,
        skipping: bool = False,
        at_end: bool = False,
    ) -> bool:
        """Record pyx12 reader errors; True when one of them is a segment error."""
        st_open = self.open["st"] is not None
        flagged = False
        for kind, code, message, _value, _line in errors:
            if skipping and kind in ("seg", "st"):
                continue  # inside a group pyx12 cannot map: not an 837P transaction
            if kind == "seg":
                self.add(
                    _Found(
                        tag=tag,
                        rank=RANK_READER,
                        segment_id=seg_id,
                        loop_id=_loop_of(node) if self.walk else None,
                        code=code,
                        level="segment",
                        message=_clean_segment_message(code, message, seg_id),
                        repaired=code in _REPAIRED_SEGMENT,
                    )
                )
                if not self.walk:
                    self.needs_loop.add(tag)
                flagged = True
                continue
            level = _ENVELOPE_LEVEL[kind]
            where, segment = tag, seg_id or _ENVELOPE_SEGMENT[kind]
            if at_end:  # a trailer is missing: put it on the opening segment
                where, segment = self.open[kind] or tag, _CLOSERS[kind]
            # SE02 against ST02 is "3", as is an SE without an open ST (not a number mismatch)
            mismatch = kind == "st" and code == "3" and st_open
            repaired = code in _REPAIRED_ENVELOPE[level] or mismatch
            self.add(
                _Found(
                    tag=where,
                    rank=RANK_READER,
                    segment_id=segment,
                    loop_id=_ENVELOPE_LOOP[kind],
                    code=code,
                    level=level,
                    message=message,
                    repaired=repaired,
                )
            )
        if seg_id == "SE":
            self.open["st"] = None
        elif seg_id == "GE":
            self.open["gs"] = self.open["st"] = None
        elif seg_id == "IEA":
            self.open = {"isa": None, "gs": None, "st": None}
        return flagged

    def _walk_errors(self, errors: list[Any], tag: int, seg_id: str, node: Any) -> None:
        for err in errors:
            err_seg = err.seg_data.get_seg_id() if err.seg_data is not None else seg_id
            self.add(
                _Found(
                    tag=tag,
                    rank=RANK_WALK,
                    segment_id=err_seg,
                    loop_id=_loop_of(err.map_node if err.map_node is not None else node),
                    code=err.err_cde,
                    level="segment",
                    message=_clean_segment_message(err.err_cde, err.err_str, err_seg),
                )
            )

    def _content_errors(self, node: Any, seg: Any, tag: int, seg_id: str) -> None:
        _ok, errors = node.is_valid_errors(seg)
        loop = _loop_of(node)
        for err in errors:
            message = _clean_element_message(err.err_str, err.err_val)
            ele = err.map_node
            component: int | None = None
            if ele is None:  # pyx12 reports these as IK3 "8" (segment has data element errors)
                element, position = _refdes(seg_id, err.refdes)
                code, level, element_code = "8", "segment", err.err_cde
                repaired = seg_id in _WRITER_TRAILERS
            else:
                if ele.parent is not None and ele.parent.is_composite():
                    position, component = int(ele.parent.seq), int(ele.seq)
                else:
                    position = int(ele.seq)
                element = str(ele.refdes) if ele.refdes else None
                code, level, element_code = err.err_cde, "element", None
                repaired = _repaired_element(seg_id, element)
            found = _Found(
                tag=tag,
                rank=RANK_CONTENT,
                segment_id=seg_id,
                loop_id=loop,
                element=element,
                element_position=position,
                component_position=component,
                code=code,
                level=level,
                message=message,
                repaired=repaired,
                element_code=element_code,
            )
            self.add(found)


_REFDES = re.compile(r"^(?:[A-Z][A-Z0-9]{1,2})?(\d{1,2})(?:-\d{1,2})?$")


def _refdes(seg_id: str, refdes: object) -> tuple[str | None, int | None]:
    """Element name and position of a segment-level error's reference (an int, "05", "CLM05")."""
    if isinstance(refdes, int):
        return f"{seg_id}{refdes:02d}", refdes
    if isinstance(refdes, str) and (match := _REFDES.match(refdes)):
        position = int(match.group(1))
        name = refdes if refdes.startswith(seg_id) else f"{seg_id}{position:02d}"
        return name, position
    return None, None


def _refusal(reason: str) -> str:
    version = re.search(r"Version Number is unknown: (\S{0,5})", reason)
    if version:
        return (
            f"pyx12 cannot read interchange version {version.group(1)!r} (ISA12); "
            "it reads 00401 and 00501 only"
        )
    if reason.startswith("First line does not begin"):
        return "the file holds no X12 segments"
    return "pyx12 cannot read the interchange header (ISA) of this file"


def _no_map(skipped: list[str]) -> str:
    versions = ", ".join(sorted({v or "(none)" for v in skipped}))
    return (
        f"pyx12 has no TR3 map for the version in GS08 ({versions}); "
        f"it validates 837P files of version {MAP_VERSION} (and {ERRATA_VERSION} read as it)"
    )


def _empty_segments(numbers: list[int]) -> list[_Found]:
    return [
        _Found(tag=n, rank=RANK_READER, segment_id="", code="8", level="segment", message=EMPTY)
        for n in numbers
    ]


def _fed(lines: _Normalized) -> Iterator[tuple[int, str]]:
    for line in lines:
        yield line.number, line.text + lines.ending


# --------------------------------------------------------------------------------------------
# Whole file in this process


def _validate_whole(path: Path, run: _Run | None = None) -> list[_Found]:
    """run: the pass to use (a fresh _Run(walk=True) when None; engines.new_run makes one)."""
    with path.open("rb") as stream:
        run = run or _Run(walk=True)
        lines = run.lines_of(stream)
        result = run.execute_file(lines)
    if result.validated_groups == 0 and result.skipped_versions:
        raise Tr3Unavailable(_no_map(result.skipped_versions))
    return result.found + _empty_segments(lines.empties)
