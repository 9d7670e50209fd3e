"""Streaming: the walk runs in other processes while the caller reads the file (Tr3Stream)."""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import signal
import sys
import traceback
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from scrubber.cluster_errors import ClusterError
from scrubber.x12.tokens import NotX12Error
from scrubber.x12.tr3.chunks import (
    DEFAULT_CHUNK_CLAIMS,
    _Chunk,
    _Chunker,
    _default_signals,
    _keep,
    _mp_context,
    _preload_maps,
    _walk_chunk,
)
from scrubber.x12.tr3.compiled.lines import EnvelopeLines
from scrubber.x12.tr3.engines import DEFAULT_ENGINE, check_engine, new_run
from scrubber.x12.tr3.errors import Tr3Error, Tr3Unavailable
from scrubber.x12.tr3.feed import _Normalized
from scrubber.x12.tr3.walk import (
    _empty_segments,
    _Found,
    _key,
    _no_map,
    _Run,
)

STREAM_BATCH = 256  # segments a walking process checks between two messages
LOOKAHEAD_PER_JOB = 3  # chunks handed to the pool ahead of the one the caller waits for
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
    with path.open("rb") as stream:
        lines = EnvelopeLines(stream)
        fed = ((number, text + lines.ending) for number, text in lines)
        result = _Run(walk=False).execute(fed, end_tag=lambda: lines.last)
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
    _default_signals()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _stream_child(
    path: str, walk: bool, conn: Connection, other: Connection, engine: str = DEFAULT_ENGINE
) -> None:
    """Process body: pyx12's pass over the whole file (walk=False: its reader alone). Sends
    ("through", n, errors) every STREAM_BATCH segments, meaning every error on segments up to n
    but trailers missing at the end (left to _prescan) has been sent; then ("done", 0, errors).
    On failure ("unavailable", 0, why) or ("failed", 0, traceback)."""
    other.close()  # the parent's end, inherited with fork
    _child_setup()
    try:
        with open(path, "rb") as stream:
            sent = 0

            def flush(run: _Run) -> None:
                nonlocal sent
                if run.at - sent >= STREAM_BATCH:
                    batch = run.found + _take_empties(lines, run.at)
                    run.found = []
                    conn.send(("through", run.at, batch))
                    sent = run.at

            run = new_run(engine, walk=walk, at_end=False, on_segment=flush)
            lines = run.lines_of(stream)
            run.execute_file(lines)
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


def _take_empties(lines: Any, through: int) -> list[_Found]:
    """Empty segments up to `through`, taken off the list the normalizer keeps."""
    cut = bisect.bisect_right(lines.empties, through)
    taken = lines.empties[:cut]
    del lines.empties[:cut]
    return _empty_segments(taken)


class _ChildFeed:
    """The errors of one _stream_child, as far as it has got."""

    def __init__(self, context: Any, path: Path, walk: bool, engine: str = DEFAULT_ENGINE) -> None:
        receive, send = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_stream_child,
            args=(str(path), walk, send, receive, engine),
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
        self.failure: Exception | None = None  # how the pass ended, if it failed
        self.buffer: deque[_Found] = deque()

    def take(self, through: int) -> list[_Found]:
        """Errors on segments up to `through` not taken before, in order."""
        while not self.done and self.through < through:
            self._receive()
        if self.failure is not None and self.through < through:  # (met by passed, ahead)
            raise self.failure
        taken = []
        while self.buffer and self.buffer[0].tag <= through:
            taken.append(self.buffer.popleft())
        return taken

    def passed(self, through: int) -> bool:
        """Whether every error up to `through` has arrived, without waiting (what has come
        down the pipe is taken in)."""
        while not self.done and self.through < through and self.conn.poll():
            # a failure is kept (see _receive): the take that needs what never came raises it
            with contextlib.suppress(Tr3Unavailable, RuntimeError):
                self._receive()
        return self.through >= through or (self.done and self.failure is None)

    def drain(self) -> None:
        """Wait for the end of the pass, dropping what it finds."""
        self.buffer.clear()
        while not self.done:
            self._receive()
            self.buffer.clear()
        if self.failure is not None:  # (met ahead by passed: the pass did not end well)
            raise self.failure

    def _receive(self) -> None:
        try:
            kind, through, payload = self.conn.recv()
        except EOFError:
            self.done = True
            self.process.join(timeout=5)
            self.failure = Tr3Unavailable(
                f"the TR3 validation process ended unexpectedly (exit code {self.process.exitcode})"
            )
            raise self.failure from None
        if kind == "through":
            self.buffer.extend(sorted(payload, key=_key))
            self.through = through
        elif kind == "done":
            self.buffer.extend(sorted(payload, key=_key))
            self.done, self.through = True, _EVERYTHING
        elif kind == "unavailable":
            self.done = True
            self.failure = Tr3Unavailable(payload)
            raise self.failure
        else:
            self.done = True
            self.failure = RuntimeError(f"TR3 validation failed in its process:\n{payload}")
            raise self.failure

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

    def __init__(
        self,
        chunks: Iterator[_Chunk],
        jobs: int,
        engine: str = DEFAULT_ENGINE,
        cluster: Any = None,
    ) -> None:
        self.chunks: Iterator[_Chunk] | None = chunks
        self.cluster = cluster  # a scrubber.cluster.Cluster walks the chunks instead of a pool
        self.jobs = jobs if cluster is None else cluster.slots
        self.engine = engine
        self.lookahead = LOOKAHEAD_PER_JOB * self.jobs
        self.pending: deque[tuple[_Chunk, Any]] = deque()  # (chunk, its future)
        self.found: deque[_Found] = deque()  # walk errors of collected chunks, not taken yet
        self.loops: dict[int, str | None] = {}  # loop ids of collected chunks' segments
        self.collected = 0  # errors on segments up to this are in found
        self.pool: ProcessPoolExecutor | None = None
        self.reader: _ChildFeed | None = None

    def launch(self, context: Any, path: Path, chunker: _Chunker) -> None:
        if self.cluster is None:
            _preload_maps(context, chunker)
        # the reader's process first: forked while this one has a single thread
        self.reader = _ChildFeed(context, path, walk=False, engine=self.engine)
        if self.cluster is None:
            self.pool = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=context, initializer=_child_setup
            )

    def submit(self, chunk: _Chunk) -> None:
        submit = self.cluster.submit if self.cluster is not None else self.pool.submit  # type: ignore[union-attr]
        self.pending.append((chunk, submit(_walk_chunk, chunk.items, self.engine)))
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
        except ClusterError as error:
            raise Tr3Unavailable(str(error)) from None
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
        if self.cluster is not None:
            for _, future in self.pending:
                future.cancel()
            self.pending.clear()
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

    With a cluster (scrubber.cluster.Cluster) the chunks are walked by its workers instead.
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
        self,
        path: Path,
        *,
        jobs: int = 1,
        chunk_claims: int = DEFAULT_CHUNK_CLAIMS,
        engine: str = DEFAULT_ENGINE,
        cluster: Any = None,
    ) -> None:
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        check_engine(engine)
        self.path = Path(path)
        self.jobs = jobs
        self.engine = engine
        self.cluster = cluster  # a scrubber.cluster.Cluster: chunks are walked by its workers
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
            if self.jobs > 1 or self.cluster is not None:
                self._feed = self._chunked(context)
            if self._feed is None:
                self._feed = _ChildFeed(context, self.path, walk=True, engine=self.engine)
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
        # closed with the stream from here on
        feed = self._feed = _ChunkFeed(chunks, self.jobs, self.engine, self.cluster)
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

    def passed(self, number: int) -> bool:
        """Whether errors_through(number) would return at once (True when it cannot tell:
        the chunked walk is asked, and waited for, as before)."""
        feed = self._feed
        if number <= self.returned or not isinstance(feed, _ChildFeed):
            return True
        return feed.passed(number)

    def arrived(self, limit: int = _EVERYTHING) -> int:
        """How far errors_through can be asked at once (what came down the pipe, up to
        `limit`, is taken in; 0 when it cannot tell: the chunked walk)."""
        feed = self._feed
        if not isinstance(feed, _ChildFeed):
            return 0
        feed.passed(limit)  # (takes in what has arrived, without waiting)
        return _EVERYTHING if feed.done and feed.failure is None else feed.through

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
