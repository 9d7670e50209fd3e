"""TR3 validation of an 837P file with pyx12's 005010X222A1 map, errors by segment number.

pyx12 is fed a normalized copy of the file, built from `tokens.iter_segments`: one segment per
line, the first interchange's delimiters, no BOM, no leading whitespace, empty segments left out,
and 005010X222A2 relabelled 005010X222A1 in GS08/ST03 (pyx12 has no A2 map). Each fed line
carries a tag, the segment's number in the original file, so every error pyx12 raises can be put
on the segment it belongs to. The input file is never changed and nothing is written next to it.

The driver below replays what `pyx12.x12n_document.x12n_document` does (reader, map walker,
per-segment validation) but collects the errors itself instead of going through pyx12's
err_handler, which logs every error with its data value and keeps only part of the context.

With `jobs > 1` the file is cut at 2000A/2000B HL boundaries into chunks. Each chunk is a
self-contained interchange: the original ISA/GS/ST, the transaction header and (when cut at a
subscriber) the current billing-provider segments as context, a run of whole HL blocks, and
synthetic SE/GE/IEA trailers. Chunks go through the map walk in worker processes. Envelope and
sequence checks (counts, control numbers, HL and LX numbering) are what pyx12's reader does
without the map; that pass is cheap and runs once over the whole file in this process, so those
errors never see the chunking.

validate_tr3 returns the errors once the walk is over. Tr3Stream gives the same errors while the
walk goes on in other processes (one walking the whole file, or the chunks' pool plus one for the
reader pass), up to a segment number at a time, so that the caller can work through the file
behind the walk instead of after it.
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import io
import multiprocessing
import re
import signal
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyx12.errors
import pyx12.map_if
import pyx12.map_index
import pyx12.params
import pyx12.x12file
from pyx12.map_walker import walk_tree

from scrubber.x12.tokens import Delimiters, NotX12Error, RawSegment, iter_segments

ERRATA_VERSION = "005010X222A2"
# versions read with the A1 map: the errata, and the base X222 label some senders still use
READ_AS_A1 = (ERRATA_VERSION, "005010X222")
MAP_VERSION = "005010X222A1"
DEFAULT_CHUNK_CLAIMS = 200
EMPTY = "Segment is empty"
MAX_CONTEXT_SEGMENTS = 2000  # header or billing-provider context larger than this: do not cut

# Tags of fed lines that are not segments of the original file (original numbers start at 1).
CONTEXT = 0  # a copy of an earlier segment, given to a chunk so the map walk knows where it is
SYNTHETIC = -1  # a trailer made up to close a chunk

# Order of errors found on the same segment, as pyx12 raises them.
RANK_WALK = 0  # map walker: segment not found, missing, not used, too many
RANK_READER = 1  # reader: envelope counts and control numbers, HL/LX sequence, syntax
RANK_CONTENT = 2  # element and segment content against the map


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


class Tr3Unavailable(Exception):
    """pyx12 cannot validate this file at all; the message says why in plain words."""


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


# --------------------------------------------------------------------------------------------
# The normalized stream


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


# --------------------------------------------------------------------------------------------
# The pyx12 run


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
        tags: deque[int] = deque()
        try:
            src = pyx12.x12file.X12Reader(_Feed(lines, tags))
        except pyx12.errors.X12Error as exc:
            raise Tr3Unavailable(_refusal(str(exc))) from None
        try:
            self._loop(src, tags)
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
            where = self.at if self.busy else (tags[0] if tags else self.at + 1)
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
                vriic = seg.get_value("GS08")
                chosen = _map_for(icvn, vriic, seg.get_value("GS01"))
                in_skipped = skipping = chosen is None
                if chosen is None:
                    self.skipped_versions.append(vriic or "")
                else:
                    self.validated_groups += 1
                    self.map_names.add(chosen[0])
                    src.check_837_lx = chosen[1]
                    if self.walk:
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
            if ele is None:  # pyx12 reports these as IK3 "8" (segment has data element errors)
                element, position = _refdes(seg_id, err.refdes)
                found = _Found(
                    tag=tag,
                    rank=RANK_CONTENT,
                    segment_id=seg_id,
                    loop_id=loop,
                    element=element,
                    element_position=position,
                    code="8",
                    level="segment",
                    message=message,
                    repaired=seg_id in _WRITER_TRAILERS,
                )
            else:
                component: int | None = None
                if ele.parent is not None and ele.parent.is_composite():
                    position, component = int(ele.parent.seq), int(ele.seq)
                else:
                    position = int(ele.seq)
                element = str(ele.refdes) if ele.refdes else None
                found = _Found(
                    tag=tag,
                    rank=RANK_CONTENT,
                    segment_id=seg_id,
                    loop_id=loop,
                    element=element,
                    element_position=position,
                    component_position=component,
                    code=err.err_cde,
                    level="element",
                    message=message,
                    repaired=_repaired_element(seg_id, element),
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


def _validate_whole(path: Path) -> list[_Found]:
    with path.open("rb") as stream:
        lines = _Normalized(stream)
        result = _Run(walk=True).execute(_fed(lines))
    if result.validated_groups == 0 and result.skipped_versions:
        raise Tr3Unavailable(_no_map(result.skipped_versions))
    return result.found + _empty_segments(lines.empties)


# --------------------------------------------------------------------------------------------
# Chunks


@dataclass(slots=True)
class _Chunk:
    items: list[tuple[int, str]]  # (tag, line with terminator) as fed to pyx12
    first_owned: int  # original number of the first segment this chunk owns
    has_context: bool
    last_owned: int = 0
    next_first: int | None = None  # first segment of the next chunk, when this one was cut


@dataclass(slots=True)
class _Envelope:
    """What a chunk cut inside a transaction must repeat, and its running counts."""

    isa: str = ""
    gs: str = ""
    st: str = ""
    header: list[str] | None = None  # ST..first HL, None when too big to copy
    billing: list[str] | None = None  # the current 2000A: HL*20 to the next HL
    in_header: bool = False
    in_billing: bool = False
    hl_level: str = ""  # HL03 of the chunk's last HL in the current transaction
    gs_count: int = 0  # GS in the chunk's current ISA
    st_count: int = 0  # ST in the chunk's current GS
    seg_count: int = 0  # segments of the chunk's current ST so far, ST included


class _Chunker:
    """Cut a normalized file into self-contained interchanges at 2000A/2000B HL segments, once a
    chunk holds `claims_per_chunk` claims."""

    def __init__(self, lines: _Normalized, claims_per_chunk: int) -> None:
        self.lines = lines
        self.claims_per_chunk = max(1, claims_per_chunk)
        self.groups: set[tuple[str, str, str]] = set()  # (ISA12, GS08, GS01) seen so far

    def __iter__(self) -> Iterator[_Chunk]:
        env = _Envelope()
        chunk: _Chunk | None = None
        claims = 0
        for line in self.lines:
            if line.seg_id == "HL" and chunk is not None and claims >= self.claims_per_chunk:
                level = self._level(line.text)
                context = self._context(env, level)
                if context is not None:
                    chunk.items += self._trailers(env)
                    chunk.next_first = line.number
                    yield chunk
                    ending = self.lines.ending
                    chunk = _Chunk([(CONTEXT, c + ending) for c in context], line.number, True)
                    env.gs_count = env.st_count = 1
                    env.seg_count = len(context) - 2  # from the ST on
                    claims = 0
            if chunk is None:
                chunk = _Chunk([], line.number, False)
            chunk.items.append((line.number, line.text + self.lines.ending))
            chunk.last_owned = line.number
            claims += line.seg_id == "CLM"
            self._track(env, line)
        if chunk is not None:
            yield chunk

    def _level(self, text: str) -> str:
        assert self.lines.delimiters is not None
        return _element(text, self.lines.delimiters.element, 3)

    @staticmethod
    def _context(env: _Envelope, level: str) -> list[str] | None:
        """The segments a chunk starting at an HL of this level repeats, or None: no cut here."""
        # A made-up SE right after the header or a 2000A would report the next loop missing.
        if not (env.isa and env.gs and env.st and env.hl_level) or env.header is None:
            return None
        if level == "20":
            return [env.isa, env.gs, env.st, *env.header]
        if level == "22" and env.hl_level != "20" and env.billing is not None:
            return [env.isa, env.gs, env.st, *env.header, *env.billing]
        return None

    def _trailers(self, env: _Envelope) -> list[tuple[int, str]]:
        assert self.lines.delimiters is not None
        e = self.lines.delimiters.element
        trailers = (
            f"SE{e}{env.seg_count + 1}{e}{_element(env.st, e, 2)}",
            f"GE{e}{env.st_count}{e}{_element(env.gs, e, 6)}",
            f"IEA{e}{env.gs_count}{e}{_element(env.isa, e, 13)}",
        )
        return [(SYNTHETIC, t + self.lines.ending) for t in trailers]

    def _track(self, env: _Envelope, line: _Line) -> None:
        seg_id, text = line.seg_id, line.text
        if seg_id == "ISA":
            env.isa, env.gs, env.st, env.gs_count = text, "", "", 0
        elif seg_id == "GS":
            env.gs, env.st, env.st_count = text, "", 0
            env.gs_count += 1
            e = self.lines.delimiters.element if self.lines.delimiters else ""
            self.groups.add((_element(env.isa, e, 12), _element(text, e, 8), _element(text, e, 1)))
        elif seg_id == "ST":
            env.st, env.header, env.billing = text, [], None
            env.in_header, env.in_billing, env.hl_level = True, False, ""
            env.st_count += 1
            env.seg_count = 1
        elif seg_id == "SE":
            env.st = ""
        elif seg_id == "GE":
            env.gs = env.st = ""
        elif seg_id == "IEA":
            env.isa = env.gs = env.st = ""
        else:
            env.seg_count += 1
            if seg_id == "HL":
                env.in_header, env.hl_level = False, self._level(text)
                env.in_billing = env.hl_level == "20"
                if env.in_billing:
                    env.billing = []
            if env.in_header and env.header is not None:
                env.header.append(text)
                if len(env.header) > MAX_CONTEXT_SEGMENTS:
                    env.header = None
            if env.in_billing and env.billing is not None:
                env.billing.append(text)
                if len(env.billing) > MAX_CONTEXT_SEGMENTS:
                    env.billing, env.in_billing = None, False


def _element(text: str, element: str, index: int) -> str:
    parts = text.split(element, index + 1)
    return parts[index] if len(parts) > index else ""


def _walk_chunk(items: list[tuple[int, str]]) -> _RunResult:
    """Worker: the map walk of one chunk (runs in a child process)."""
    result = _Run(walk=True, record_loops=True).execute(items)
    result.found = [f for f in result.found if f.rank != RANK_READER]
    return result


def _mp_context() -> Any:
    """fork when this process runs a single thread (fast: workers inherit the loaded maps);
    otherwise forkserver or spawn, as forking a threaded process (the drop-folder watcher) can
    deadlock."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


def _keep(chunk: _Chunk, found: _Found) -> _Found | None:
    """An error of a chunk's walk in the file's numbering, or None for a chunking artifact."""
    if found.tag == CONTEXT:
        return None  # reported by the chunk that owns the segment
    if found.tag == SYNTHETIC:
        # Segments missing at the end of the chunk's last block are noticed at the made-up SE;
        # in the file pyx12 notices them at the next chunk's first segment.
        if found.rank == RANK_WALK and found.code == "3" and chunk.next_first is not None:
            found.tag, found.origin = chunk.next_first, 0
            return found
        return None
    if (
        chunk.has_context
        and found.tag == chunk.first_owned
        and found.rank == RANK_WALK
        and found.code == "3"
    ):
        return None  # about the copied context; the chunk before reports the real ones
    return found


def _validate_chunked(path: Path, jobs: int, claims_per_chunk: int) -> list[_Found]:
    with path.open("rb") as stream:
        chunker = _Chunker(_Normalized(stream), claims_per_chunk)
        chunks = iter(chunker)
        first = next(chunks, None)
        second = next(chunks, None)
        if first is None or second is None:  # nothing to split: one walk in this process
            return _validate_whole(path)
        context = _mp_context()
        if context.get_start_method() == "fork":
            for group in sorted(chunker.groups):  # loaded once here, inherited by the workers
                if (chosen := _map_for(*group)) is not None:
                    _load_map(chosen[0])
                _load_map(
                    "x12.control.00501.xml" if group[0] == "00501" else "x12.control.00401.xml"
                )
        pending: deque[tuple[_Chunk, Future[_RunResult]]] = deque()
        found: list[_Found] = []
        loops: dict[int, str | None] = {}
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:

            def submit(chunk: _Chunk) -> None:
                pending.append((chunk, pool.submit(_walk_chunk, chunk.items)))
                chunk.items = []  # the worker has its copy; keep memory flat

            def collect(wanted: set[int]) -> None:
                chunk, future = pending.popleft()
                result = future.result()
                loops.update((tag, loop) for tag, loop in result.loops.items() if tag in wanted)
                found.extend(kept for f in result.found if (kept := _keep(chunk, f)) is not None)

            try:
                submit(first)
                submit(second)
                for _ in range(2 * jobs - 2):
                    if (chunk := next(chunks, None)) is not None:
                        submit(chunk)
                # While the workers walk: pyx12's reader over the whole file (envelope counts and
                # control numbers, HL and LX sequence), which the chunks cannot see.
                with path.open("rb") as whole:
                    lines = _Normalized(whole)
                    reader = _Run(walk=False).execute(_fed(lines))
                if reader.validated_groups == 0 and reader.skipped_versions:
                    raise Tr3Unavailable(_no_map(reader.skipped_versions))
                for chunk in chunks:
                    while len(pending) >= 2 * jobs:
                        collect(reader.needs_loop)
                    submit(chunk)
                while pending:
                    collect(reader.needs_loop)
            except BaseException:
                for _, future in pending:
                    future.cancel()
                raise
    for f in reader.found:
        if f.level == "segment":
            f.loop_id = loops.get(f.tag)
    return found + reader.found + _empty_segments(lines.empties)


# --------------------------------------------------------------------------------------------
# Entry point


def validate_tr3(
    path: Path, *, jobs: int = 1, chunk_claims: int = DEFAULT_CHUNK_CLAIMS
) -> list[Tr3Error]:
    """TR3 errors of an 837P file by pyx12's 005010X222A1 map, sorted by segment number.

    jobs > 1 spreads the map walk over that many processes, about `chunk_claims` claims at a
    time; the errors are the same as with jobs=1. Raises Tr3Unavailable when pyx12 cannot
    validate the file at all (not X12, or an ISA12 or GS08 version pyx12 has no map for).
    """
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    try:
        found = _validate_whole(path) if jobs == 1 else _validate_chunked(path, jobs, chunk_claims)
    except NotX12Error as exc:
        raise Tr3Unavailable(f"not an X12 file: {exc}") from None
    found.sort(key=_key)
    return [f.to_error() for f in found]


# --------------------------------------------------------------------------------------------
# Streaming: the walk runs in other processes while the caller reads the file


STREAM_BATCH = 256  # segments a walking process checks between two messages
LOOKAHEAD_PER_JOB = 3  # chunks handed to the pool ahead of the one the caller waits for
_ENVELOPE_IDS = frozenset(("ISA", "GS", "ST", "SE", "GE", "IEA"))
_AT_END = 1 << 40  # added to the order of trailers missing at the end: after a segment's others
_EVERYTHING = 1 << 62  # a segment number past any file's last


def _prescan(path: Path) -> list[_Found]:
    """What pyx12's reader decides for the whole file from its envelope segments alone, known
    before the walk gets anywhere: the trailers missing at the end of the file (raised at the
    end, on the ISA, GS or ST they should have closed), and whether the file can be validated at
    all (raises Tr3Unavailable as validate_tr3 would: an ISA pyx12 cannot read, no GS version
    with a map, or an envelope pyx12's reader breaks on). pyx12's reader keeps its loops, group
    counts and control numbers from the ISA, GS, ST, SE, GE and IEA segments only, so a run over
    those gives the same end as the run over the whole file."""
    last = 0
    with path.open("rb") as stream:
        lines = _Normalized(stream)

        def envelope() -> Iterator[tuple[int, str]]:
            nonlocal last
            for line in lines:
                last = line.number
                if line.seg_id in _ENVELOPE_IDS:
                    yield line.number, line.text + lines.ending

        result = _Run(walk=False).execute(envelope(), end_tag=lambda: last)
    if result.validated_groups == 0 and result.skipped_versions:
        raise Tr3Unavailable(_no_map(result.skipped_versions))
    at_end = result.found[result.ended :]
    for found in at_end:
        found.seq += _AT_END
    return at_end


def _child_setup() -> None:
    """In a process walking for a stream: leave Ctrl-C to the caller, which stops its workers,
    and (Linux) end with the parent, so that nothing walks on when the caller is killed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _stream_child(path: str, walk: bool, conn: Connection, other: Connection) -> None:
    """Process body: pyx12's pass over the whole file (walk=False: its reader alone). Sends
    ("through", n, errors) every STREAM_BATCH segments, meaning every error on segments up to n
    but trailers missing at the end (left to _prescan) has been sent; then ("done", 0, errors).
    On failure ("unavailable", 0, why) or ("failed", 0, traceback)."""
    other.close()  # the parent's end, inherited with fork
    _child_setup()
    try:
        with open(path, "rb") as stream:
            lines = _Normalized(stream)
            sent = 0

            def flush(run: _Run) -> None:
                nonlocal sent
                if run.at - sent >= STREAM_BATCH:
                    batch = run.found + _take_empties(lines, run.at)
                    run.found = []
                    conn.send(("through", run.at, batch))
                    sent = run.at

            run = _Run(walk=walk, at_end=False, on_segment=flush)
            run.execute(_fed(lines))
            conn.send(("done", 0, run.found + _take_empties(lines, _EVERYTHING)))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the caller has gone
    except Tr3Unavailable as exc:
        _send_quietly(conn, ("unavailable", 0, str(exc)))
    except NotX12Error as exc:
        _send_quietly(conn, ("unavailable", 0, f"not an X12 file: {exc}"))
    except BaseException:
        _send_quietly(conn, ("failed", 0, traceback.format_exc()))
    finally:
        conn.close()


def _send_quietly(conn: Connection, message: tuple[str, int, Any]) -> None:
    with contextlib.suppress(OSError):
        conn.send(message)


def _take_empties(lines: _Normalized, through: int) -> list[_Found]:
    """Empty segments up to `through`, taken off the list the normalizer keeps."""
    cut = bisect.bisect_right(lines.empties, through)
    taken = lines.empties[:cut]
    del lines.empties[:cut]
    return _empty_segments(taken)


class _ChildFeed:
    """The errors of one _stream_child, as far as it has got."""

    def __init__(self, context: Any, path: Path, walk: bool) -> None:
        receive, send = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_stream_child,
            args=(str(path), walk, send, receive),
            name="scrub837-tr3-walk" if walk else "scrub837-tr3-reader",
            daemon=True,
        )
        try:
            self.process.start()
        finally:
            send.close()
        self.conn: Connection = receive
        self.through = 0  # every error on segments up to this has arrived
        self.done = False
        self.buffer: deque[_Found] = deque()

    def take(self, through: int) -> list[_Found]:
        """Errors on segments up to `through` not taken before, in order."""
        while not self.done and self.through < through:
            self._receive()
        taken = []
        while self.buffer and self.buffer[0].tag <= through:
            taken.append(self.buffer.popleft())
        return taken

    def drain(self) -> None:
        """Wait for the end of the pass, dropping what it finds."""
        self.buffer.clear()
        while not self.done:
            self._receive()
            self.buffer.clear()

    def _receive(self) -> None:
        try:
            kind, through, payload = self.conn.recv()
        except EOFError:
            self.done = True
            self.process.join(timeout=5)
            raise Tr3Unavailable(
                f"the TR3 validation process ended unexpectedly (exit code {self.process.exitcode})"
            ) from None
        if kind == "through":
            self.buffer.extend(sorted(payload, key=_key))
            self.through = through
        elif kind == "done":
            self.buffer.extend(sorted(payload, key=_key))
            self.done, self.through = True, _EVERYTHING
        elif kind == "unavailable":
            self.done = True
            raise Tr3Unavailable(payload)
        else:
            self.done = True
            raise RuntimeError(f"TR3 validation failed in its process:\n{payload}")

    def close(self) -> None:
        _stop(self.process)
        self.conn.close()


def _stop(process: Any) -> None:
    if process.pid is None:  # never started
        return
    if process.is_alive():
        process.terminate()
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
    process.join()


class _ChunkFeed:
    """The chunked walk: chunks cut here, walked by a pool, merged in order with pyx12's reader
    over the whole file (a _ChildFeed with walk=False) as _validate_chunked merges them."""

    def __init__(self, chunks: Iterator[_Chunk], jobs: int) -> None:
        self.chunks: Iterator[_Chunk] | None = chunks
        self.jobs = jobs
        self.lookahead = LOOKAHEAD_PER_JOB * jobs
        self.pending: deque[tuple[_Chunk, Future[_RunResult]]] = deque()
        self.found: deque[_Found] = deque()  # walk errors of collected chunks, not taken yet
        self.loops: dict[int, str | None] = {}  # loop ids of collected chunks' segments
        self.collected = 0  # errors on segments up to this are in found
        self.pool: ProcessPoolExecutor | None = None
        self.reader: _ChildFeed | None = None

    def launch(self, context: Any, path: Path, chunker: _Chunker) -> None:
        if context.get_start_method() == "fork":
            for group in sorted(chunker.groups):  # loaded once here, inherited by the workers
                if (chosen := _map_for(*group)) is not None:
                    _load_map(chosen[0])
                _load_map(
                    "x12.control.00501.xml" if group[0] == "00501" else "x12.control.00401.xml"
                )
        # the reader's process first: forked while this one has a single thread
        self.reader = _ChildFeed(context, path, walk=False)
        self.pool = ProcessPoolExecutor(
            max_workers=self.jobs, mp_context=context, initializer=_child_setup
        )

    def submit(self, chunk: _Chunk) -> None:
        assert self.pool is not None
        self.pending.append((chunk, self.pool.submit(_walk_chunk, chunk.items)))
        chunk.items = []  # the worker has its copy; keep memory flat

    def _top_up(self) -> None:
        while self.chunks is not None and len(self.pending) < self.lookahead:
            chunk = next(self.chunks, None)
            if chunk is None:
                self.chunks = None
            else:
                self.submit(chunk)

    def _collect(self) -> None:
        chunk, future = self.pending.popleft()
        try:
            result = future.result()
        except BrokenProcessPool:
            raise Tr3Unavailable("a TR3 validation process ended unexpectedly") from None
        self.loops.update((tag, loop) for tag, loop in result.loops.items() if tag > 0)
        kept = [k for f in result.found if (k := _keep(chunk, f)) is not None]
        self.found.extend(sorted(kept, key=_key))
        self.collected = chunk.last_owned

    def take(self, through: int) -> list[_Found]:
        self._top_up()
        while self.collected < through and (self.pending or self.chunks is not None):
            if not self.pending:
                self._top_up()
                continue
            self._collect()
            self._top_up()
        if not self.pending and self.chunks is None:
            self.collected = _EVERYTHING
        assert self.reader is not None
        taken = self.reader.take(through)
        for found in taken:
            if found.level == "segment":
                found.loop_id = self.loops.get(found.tag)
        while self.found and self.found[0].tag <= through:
            taken.append(self.found.popleft())
        while self.loops and next(iter(self.loops)) <= through:
            del self.loops[next(iter(self.loops))]
        return taken

    def drain(self) -> None:
        while self.pending or self.chunks is not None:
            self.take(self.collected + 1)
            self.found.clear()
            self.loops.clear()
        assert self.reader is not None
        self.reader.drain()

    def close(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            for _, future in self.pending:
                future.cancel()
            if self.pending:  # walks still running: stop them rather than wait
                for process in list(getattr(pool, "_processes", {}).values()):
                    process.terminate()
            self.pending.clear()
            pool.shutdown(wait=True, cancel_futures=True)
        if self.reader is not None:
            self.reader.close()


class Tr3Stream:
    """The TR3 errors of validate_tr3, delivered while the walk goes on in other processes.

        with Tr3Stream(path, jobs=2) as stream:
            for block in ...:
                errors = stream.errors_through(last_segment_number_of(block))

    With jobs=1 one process walks the whole file; with more, chunks are walked by a pool of
    `jobs` processes and pyx12's reader checks run over the whole file in one more. The caller
    asks for the errors on the segments up to a number: errors_through(n) waits until the walk
    has passed segment n and returns those not returned before, in validate_tr3's order. A
    segment or loop missing is reported on the segment where pyx12 noticed the gap, which comes
    after it, so that is sound; trailers missing at the end of the file are known from the start
    (_prescan). Taken together the calls return what validate_tr3 returns.

    start() (or entering the with block) raises Tr3Unavailable when pyx12 cannot validate the
    file at all; errors_through() raises it when pyx12 stops on a segment further on (what was
    returned before stands). close() (or leaving the block, also on an exception) stops every
    process the stream started.
    """

    def __init__(
        self, path: Path, *, jobs: int = 1, chunk_claims: int = DEFAULT_CHUNK_CLAIMS
    ) -> None:
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        self.path = Path(path)
        self.jobs = jobs
        self.chunk_claims = chunk_claims
        self.returned = 0  # errors on segments up to this have been returned
        self._feed: _ChildFeed | _ChunkFeed | None = None
        self._at_end: deque[_Found] = deque()
        self._file: Any = None
        self._closed = False

    def __enter__(self) -> Tr3Stream:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        if self._feed is not None or self._closed:
            raise RuntimeError("a Tr3Stream is started once")
        try:
            context = _mp_context()
            if self.jobs > 1:
                self._feed = self._chunked(context)
            if self._feed is None:
                self._feed = _ChildFeed(context, self.path, walk=True)
            self._at_end = deque(sorted(_prescan(self.path), key=_key))  # while they walk
        except NotX12Error as exc:
            self.close()
            raise Tr3Unavailable(f"not an X12 file: {exc}") from None
        except BaseException:
            self.close()
            raise

    def _chunked(self, context: Any) -> _ChunkFeed | None:
        """The pool and its first chunks, or None when the file makes fewer than two chunks."""
        self._file = self.path.open("rb")
        chunker = _Chunker(_Normalized(self._file), self.chunk_claims)
        chunks = iter(chunker)
        first = next(chunks, None)
        second = next(chunks, None)
        if first is None or second is None:
            self._file.close()
            return None
        feed = self._feed = _ChunkFeed(chunks, self.jobs)  # closed with the stream from here on
        feed.launch(context, self.path, chunker)
        feed.submit(first)
        feed.submit(second)
        feed.take(0)  # hand the pool its first chunks now
        return feed

    def errors_through(self, number: int) -> list[Tr3Error]:
        """The errors on segments up to `number` (file-wide numbering, ISA=1) not returned
        before, in order; waits for the walk to pass that segment."""
        if self._feed is None:
            raise RuntimeError("the Tr3Stream is not started" if not self._closed else "closed")
        if number <= self.returned:
            return []
        try:
            found = self._feed.take(number)
        except NotX12Error as exc:  # the file changed under the walk
            raise Tr3Unavailable(f"not an X12 file: {exc}") from None
        while self._at_end and self._at_end[0].tag <= number:
            found.append(self._at_end.popleft())
        found.sort(key=_key)
        self.returned = number
        return [f.to_error() for f in found]

    def rest(self) -> list[Tr3Error]:
        """All errors not returned yet (waits for the end of the walk)."""
        return self.errors_through(_EVERYTHING)

    def finish(self) -> None:
        """Wait for the end of the walk, dropping the errors not returned yet; raises
        Tr3Unavailable when pyx12 stopped on a segment after those returned."""
        if self._feed is None:
            raise RuntimeError("the Tr3Stream is not started" if not self._closed else "closed")
        self._feed.drain()
        self._at_end.clear()
        self.returned = _EVERYTHING

    def close(self) -> None:
        """Stop the processes (at once when they are still walking) and free what they held."""
        self._closed = True
        feed, self._feed = self._feed, None
        try:
            if feed is not None:
                feed.close()
        finally:
            if self._file is not None:
                self._file.close()
                self._file = None
