"""A second process that checks claims: the blocks of a large file go to it as compact tuples,
and the checks' results (the fixes applied, the findings, the content log) come back pickled.

The worker is forked from the process that reads the file, once its engine is ready, so it
has the same edits, profile, content and code sets without loading them again. It runs only
:meth:`Engine.check_claim`, which needs no other claim; what needs the claims before (CLM002,
the edits said once per file, the content tally) stays in the reading process, in file order.
"""

from __future__ import annotations

import contextlib
import gc
import io
import pickle
import select
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from scrubber.content.tally import MEMO_LOGS
from scrubber.model import BillingProvider, Claim, Patient, Segment, SubscriberBlock
from scrubber.model import TransactionHeader as Header
from scrubber.x12.tokens import Delimiters

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from scrubber.engine import CheckedClaim, Engine

__all__ = ["BlockCodec", "CheckWorker", "Unsendable"]

# (the text, or the elements of a changed segment), suffix, number, loop
PROCESS_NAME = "scrub837 claim checks"  # (multiprocessing.active_children() names it)

_SegmentTuple = tuple[Any, str, int, str]
Checked = tuple["CheckedClaim", Sequence[tuple[str, str, Any]]]


class Unsendable(Exception):
    """A block the codec cannot put in tuples (its segments have delimiters of their own)."""


def _segments(segments: Sequence[Segment], delimiters: Delimiters) -> list[_SegmentTuple]:
    out = []
    for s in segments:
        if s.delimiters is not delimiters:
            raise Unsendable
        text = s.original if s.original is not None else s.elements
        out.append((text, s.suffix, s.number, s.loop))
    return out


def _parts(delimiters: Delimiters) -> tuple[str, str, str, str]:
    return (delimiters.element, delimiters.component, delimiters.repetition, delimiters.segment)


def _rebuild(items: list[_SegmentTuple], delimiters: Delimiters) -> list[Segment]:
    parse = Segment.parse
    out = []
    for text, suffix, number, loop in items:
        if type(text) is str:
            segment = parse(text, suffix, number, delimiters)
            segment.loop = loop
        else:
            segment = Segment(text, suffix, number, delimiters, loop, None)
        out.append(segment)
    return out


class BlockCodec:
    """Subscriber blocks as tuples, each transaction header and billing provider sent once."""

    def __init__(self) -> None:
        self._headers: dict[int, tuple[int, Header]] = {}  # id(header) -> (key, the header)
        self._providers: dict[int, tuple[int, BillingProvider]] = {}

    def encode(self, blocks: Sequence[SubscriberBlock], header: Header) -> bytes:
        """One message; Unsendable when a block cannot be put in tuples."""
        new_headers: dict[int, Any] = {}
        new_providers: dict[int, Any] = {}
        delimiters = header.st.delimiters
        known = self._headers.get(id(header))
        if known is None:
            key = len(self._headers)
            new_headers[key] = (
                _segments([header.isa, header.gs], delimiters),
                _segments(header.segments, delimiters),
                header.version,
                _parts(delimiters),
            )
            known = self._headers[id(header)] = (key, header)
        header_key = known[0]
        encoded = []
        for block in blocks:
            provider = block.provider
            provider_key = -1
            if provider is not None:
                seen = self._providers.get(id(provider))
                if seen is None:
                    seen = self._providers[id(provider)] = (len(self._providers), provider)
                    segments = _segments(provider.segments, delimiters)
                    new_providers[seen[0]] = (segments, provider.hl_id)
                provider_key = seen[0]
            items: list[Any] = []
            for item in block.items:
                if isinstance(item, Patient):
                    items.append((-2, item.hl_id, _segments(item.segments, delimiters)))
                    continue
                if item.header is not header or item.provider is not provider:
                    raise Unsendable
                patient = -1
                if item.patient is not None:
                    patient = next((i for i, x in enumerate(block.items) if x is item.patient), -3)
                    if patient < 0:
                        raise Unsendable
                items.append((patient, "", _segments(item.segments, delimiters)))
            own = _segments(block.segments, delimiters)
            encoded.append((provider_key, block.hl_id, own, items))
        return pickle.dumps((new_headers, new_providers, header_key, encoded), protocol=5)


class _BlockDecoder:
    """The worker's side of :class:`BlockCodec`."""

    def __init__(self) -> None:
        self._headers: dict[int, Header] = {}
        self._providers: dict[int, BillingProvider] = {}

    def decode(self, message: bytes) -> list[SubscriberBlock]:
        new_headers, new_providers, header_key, encoded = pickle.loads(message)
        for key, (envelope, segments, version, parts) in new_headers.items():
            delimiters = Delimiters(*parts)
            isa, gs = _rebuild(envelope, delimiters)
            self._headers[key] = Header(isa, gs, _rebuild(segments, delimiters), version)
        header = self._headers[header_key]
        delimiters = header.st.delimiters
        for key, (segments, hl_id) in new_providers.items():
            self._providers[key] = BillingProvider(_rebuild(segments, delimiters), hl_id)
        blocks = []
        for provider_key, hl_id, segments, items in encoded:
            provider = self._providers.get(provider_key)
            block = SubscriberBlock(_rebuild(segments, delimiters), hl_id=hl_id, provider=provider)
            for patient, patient_hl, item_segments in items:
                rebuilt = _rebuild(item_segments, delimiters)
                if patient == -2:
                    block.items.append(Patient(rebuilt, patient_hl))
                    continue
                of = block.items[patient] if patient >= 0 else None
                assert provider is not None and (of is None or isinstance(of, Patient))
                block.items.append(Claim(rebuilt, header, provider, block, of))
            blocks.append(block)
        return blocks


# -- results: findings pickled, their segments as tuples, delimiters named by their characters


def _segment(text: Any, suffix: str, number: int, loop: str, delimiters: Delimiters) -> Segment:
    if type(text) is str:
        segment = Segment.parse(text, suffix, number, delimiters)
        segment.loop = loop
        return segment
    return Segment(text, suffix, number, delimiters, loop, None)


class _ResultPickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is Segment:
            text = obj.original if obj.original is not None else obj.elements
            return _segment, (text, obj.suffix, obj.number, obj.loop, obj.delimiters)
        return NotImplemented

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is Delimiters:
            return _parts(obj)
        return None


class _ResultUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, delimiters: dict[tuple[str, ...], Delimiters]) -> None:
        super().__init__(io.BytesIO(data))
        self._delimiters = delimiters

    def persistent_load(self, pid: Any) -> Any:
        found = self._delimiters.get(pid)
        if found is None:
            found = self._delimiters[pid] = Delimiters(*pid)
        return found


def _dump_results(results: Any) -> bytes:
    out = io.BytesIO()
    _ResultPickler(out, protocol=5).dump(results)
    return out.getvalue()


# -- the process


def _serve(engine: Engine, conn: Connection, theirs: Connection) -> None:
    """The worker's loop: blocks in, each claim's checks out, until the reader closes the
    pipe (`theirs`, the reading process's end, copied by the fork, is closed here first)."""
    theirs.close()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # (see chunks._default_signals)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the reading process decides what stops
    # on a failure, the reading process checks those claims itself and reports what went
    # wrong there, as a run in one process would
    with contextlib.suppress(Exception):
        _answer(engine, conn)
    conn.close()


def _answer(engine: Engine, conn: Connection) -> None:
    """Each message's claims checked; their results sent back, until the pipe closes."""
    decoder = _BlockDecoder()
    logs: dict[tuple[Any, ...], int] = {}
    run = engine.run
    content = run.content
    while True:
        try:
            message = conn.recv_bytes()
        except EOFError:
            break
        if not message:
            break
        results: list[tuple[Any, Any, Any]] = []
        new_logs: dict[int, tuple[Any, ...]] = {}
        for block in decoder.decode(message):
            for claim in block.claims():
                content.start_claim(claim.claim_id)
                checked = engine.check_claim(claim)
                # a file's claims ask the content view alike: each distinct log goes once
                claim_log = tuple(content.take_log())
                log_key: Any = logs.get(claim_log)
                if log_key is None and len(logs) < MEMO_LOGS:
                    log_key = logs[claim_log] = len(logs)
                    new_logs[log_key] = claim_log
                elif log_key is None:  # (as many distinct logs as that: sent as they are)
                    log_key = claim_log
                results.append((log_key, checked.applied or None, checked.findings or None))
        # what the run learnt beside the claims: the reading process adds it to its own
        state = (run._codes is not None, list(run.releases_used))
        conn.send_bytes(_dump_results((results, new_logs, state)))


class CheckWorker:
    """One worker process (forked: see the module notes)."""

    def __init__(self, engine: Engine, context: Any) -> None:
        for stream in (sys.stdout, sys.stderr):  # a forked child must not write them again
            stream.flush()
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(engine, child, self._conn), daemon=True, name=PROCESS_NAME
        )
        # what both processes hold (the engine, the code sets) is left out of the collector's
        # rounds: a round touches every object it tracks, and in a forked child that copies
        # the memory it shares with this process, page by page
        gc.freeze()
        try:
            self._process.start()
        finally:
            gc.unfreeze()
        child.close()
        self._engine = engine
        self._delimiters: dict[tuple[str, ...], Delimiters] = {}
        self._logs: dict[int, tuple[Any, ...]] = {}
        # a poll object asks the pipe in a microsecond (Connection.poll builds a selector)
        self._poll = select.poll()
        self._poll.register(self._conn.fileno(), select.POLLIN)

    def send(self, message: bytes) -> None:
        self._conn.send_bytes(message)

    def receive(self) -> list[Checked]:
        """The next batch's results (EOFError or OSError when the worker is gone)."""
        from scrubber.engine import CheckedClaim

        data = self._conn.recv_bytes()
        found, new_logs, state = _ResultUnpickler(data, self._delimiters).load()
        codes_used, releases = state
        logs = self._logs
        logs.update(new_logs)
        results = [
            (CheckedClaim(applied or [], findings or []), logs[key] if type(key) is int else key)
            for key, applied, findings in found
        ]
        run = self._engine.run
        if codes_used and run._codes is None:
            run.codes  # noqa: B018  (the default release was used: the report head names it)
        for release in releases:
            run.releases_used.setdefault(release, None)
        return results

    def ready(self) -> bool:
        return bool(self._poll.poll(0))

    def known_delimiters(self, delimiters: Delimiters) -> None:
        """Findings' segments come back with the reading process's own delimiters."""
        self._delimiters.setdefault(_parts(delimiters), delimiters)

    def close(self) -> None:
        """Stop the worker: it holds nothing to save, so it is not waited for."""
        self._conn.close()
        with contextlib.suppress(OSError):
            self._process.terminate()
        self._process.join()
