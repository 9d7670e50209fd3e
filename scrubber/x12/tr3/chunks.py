"""Chunks: the file cut at 2000A/2000B HL boundaries into self-contained interchanges, their
map walks in a pool of processes, merged with pyx12's reader over the whole file (jobs > 1)."""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrubber.x12.tr3.engines import DEFAULT_ENGINE, new_run
from scrubber.x12.tr3.errors import Tr3Unavailable
from scrubber.x12.tr3.feed import _Line, _Normalized
from scrubber.x12.tr3.walk import (
    RANK_READER,
    RANK_WALK,
    _empty_segments,
    _fed,
    _Found,
    _load_map,
    _map_for,
    _no_map,
    _RunResult,
    _validate_whole,
)

DEFAULT_CHUNK_CLAIMS = 200
MAX_CONTEXT_SEGMENTS = 2000  # header or billing-provider context larger than this: do not cut

# Tags of fed lines that are not segments of the original file (original numbers start at 1).
CONTEXT = 0  # a copy of an earlier segment, given to a chunk so the map walk knows where it is
SYNTHETIC = -1  # a trailer made up to close a chunk


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


def _walk_chunk(items: list[tuple[int, str]], engine: str = DEFAULT_ENGINE) -> _RunResult:
    """Worker: the map walk of one chunk (runs in a child process)."""
    result = new_run(engine, walk=True, record_loops=True).execute(items)
    result.found = [f for f in result.found if f.rank != RANK_READER]
    return result


def _preload_maps(context: Any, chunker: _Chunker) -> None:
    """With fork, load the maps the chunks need here once: the workers inherit them."""
    if context.get_start_method() != "fork":
        return
    for group in sorted(chunker.groups):
        if (chosen := _map_for(*group)) is not None:
            _load_map(chosen[0])
        _load_map("x12.control.00501.xml" if group[0] == "00501" else "x12.control.00401.xml")


def _default_signals() -> None:
    """In a worker: SIGTERM does what it does by default. A forked worker inherits the
    caller's handlers, and one that raises (the CLI's turns SIGTERM into SystemExit) would
    unwind the caller's frames copied into the worker and run their clean-ups there, such as
    removing the caller's temporary files."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


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


def _validate_chunked(
    path: Path,
    jobs: int,
    claims_per_chunk: int,
    engine: str = DEFAULT_ENGINE,
    cluster: Any = None,
) -> list[_Found]:
    with path.open("rb") as stream:
        chunker = _Chunker(_Normalized(stream), claims_per_chunk)
        chunks = iter(chunker)
        first = next(chunks, None)
        second = next(chunks, None)
        if first is None or second is None:  # nothing to split: one walk in this process
            return _validate_whole(path, new_run(engine, walk=True))
        pending: deque[tuple[_Chunk, Any]] = deque()  # (chunk, its future)
        found: list[_Found] = []
        loops: dict[int, str | None] = {}
        if cluster is not None:  # a scrubber.cluster.Cluster: its workers walk the chunks
            jobs = cluster.slots
            pool: Any = contextlib.nullcontext(cluster)
        else:
            context = _mp_context()
            _preload_maps(context, chunker)
            pool = ProcessPoolExecutor(
                max_workers=jobs, mp_context=context, initializer=_default_signals
            )
        with pool as walkers:

            def submit(chunk: _Chunk) -> None:
                pending.append((chunk, walkers.submit(_walk_chunk, chunk.items, engine)))
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
                    reader = new_run(engine, walk=False).execute(_fed(lines))
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
