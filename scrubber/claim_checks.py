"""Where a file's claims are checked: in this process, or also in a worker process
(scrubber.check_worker; `--check-workers 1`, or `auto`, the default, for a file of
WORKER_FROM_BYTES on a machine with a core to spare), with the results taken in file order
either way. `auto` leaves the worker out while a TR3 walk runs beside the pass: the walk holds
the second core, and a worker there measured slower (20,000 claims on 2 cores: 4.6 s alone,
5.0 s with a worker); without TR3 it measured 10-20% faster (4.3 s against 3.6-3.9 s).

The reading process hands each subscriber block over as it is read. With a worker, a block
goes to the worker while it has fewer than AHEAD blocks in hand, and is checked here
otherwise; so both processes stay busy, and the reading process, which also writes every
output, never waits for the worker unless the blocks behind it pile up. The outputs are the
same byte for byte whichever process checked a claim (tests/test_claim_checks.py).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrubber.check_worker import CheckWorker
    from scrubber.engine import CheckedClaim, Engine
    from scrubber.findings import Finding
    from scrubber.model import Claim, SubscriberBlock, TransactionHeader

__all__ = ["BlockInHand", "ClaimChecks", "ClaimInHand", "claim_checks"]

log = logging.getLogger("scrub837")

WORKER_FROM_BYTES = 1 << 20  # a smaller file is checked in one process (forking costs more)
BATCH = 16  # blocks per message to the worker
AHEAD = 128  # blocks the worker may have in hand
WAITING = 4096  # blocks waiting behind one the worker has not finished: then wait for it


@dataclass(slots=True)
class ClaimInHand:
    claim: Claim
    claim_id: str  # as read (the content tally tells claims apart by it)
    #: findings from outside its checks (TR3, the envelope, the block), found when it is decided
    extra: list[Finding] = field(default_factory=list)
    tr3_errors: list[Finding] = field(default_factory=list)
    checked: CheckedClaim | None = None
    log: Sequence[Any] = ()  # the content view's log of its checks


@dataclass(slots=True)
class BlockInHand:
    header: TransactionHeader
    last: int  # its highest segment number
    claims: list[ClaimInHand]
    block: SubscriberBlock | None = None
    done: bool = False


class ClaimChecks:
    """Blocks in, checked blocks out in the order they came (see the module notes)."""

    def __init__(
        self, engine: Engine, start_worker: Callable[[], CheckWorker | None] | None = None
    ) -> None:
        self.engine = engine
        # the worker is forked once the first blocks were checked here: by then the code sets
        # and lists the checks use are loaded, and the worker inherits them
        self._start_worker = start_worker
        self._worker: CheckWorker | None = None
        self._waiting: deque[BlockInHand] = deque()  # in file order
        self._batch: list[BlockInHand] = []  # for the worker, not sent yet
        self._sent: deque[list[BlockInHand]] = deque()  # sent, results not back yet
        self._away = 0  # blocks the worker has in hand (batched or sent)
        self._codec: Any = None
        self._here = 0  # blocks checked here

    def put(self, block: BlockInHand) -> None:
        if self._start_worker is not None and self._here:
            self._worker, self._start_worker = self._start_worker(), None
            if self._worker is not None:
                from scrubber.check_worker import BlockCodec

                self._codec = BlockCodec()
        if self._worker is not None and self._away < AHEAD and block.block is not None:
            if self._batch and self._batch[0].header is not block.header:
                self._send()  # (a message holds blocks of one transaction)
            self._batch.append(block)
            self._away += 1
            if len(self._batch) >= BATCH:
                self._send()
        else:
            self._check_here(block)
        self._waiting.append(block)

    def ready(self) -> Iterator[BlockInHand]:
        """The blocks at the front that are checked (waiting for the worker only when too
        many blocks stand behind one it has)."""
        if self._worker is not None and (self._away >= AHEAD // 2 or len(self._waiting) > WAITING):
            self._take_results(wait=len(self._waiting) > WAITING)
        while self._waiting and self._waiting[0].done:
            yield self._waiting.popleft()

    def drain(self) -> Iterator[BlockInHand]:
        """Every block, checked, in order."""
        while self._waiting:
            front = self._waiting[0]
            if not front.done:
                if self._batch:
                    self._send()
                self._take_results(wait=True)
                continue
            yield self._waiting.popleft()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None

    # -- here
    def _check_here(self, block: BlockInHand) -> None:
        engine = self.engine
        content = engine.run.content
        for item in block.claims:
            content.start_claim(item.claim_id)
            item.checked = engine.check_claim(item.claim)
            item.log = content.take_log()
        block.done = True
        self._here += 1

    # -- in the worker
    def _send(self) -> None:
        from scrubber.check_worker import Unsendable

        batch, self._batch = self._batch, []
        assert self._worker is not None
        try:
            message = self._codec.encode([b.block for b in batch], batch[0].header)
        except Unsendable:
            self._away -= len(batch)
            for block in batch:
                self._check_here(block)
            return
        self._worker.known_delimiters(batch[0].header.st.delimiters)
        try:
            self._worker.send(message)
        except OSError:
            self._lost()
            self._away -= len(batch)
            for block in batch:
                self._check_here(block)
            return
        self._sent.append(batch)

    def _take_results(self, *, wait: bool) -> None:
        """Results the worker has ready (with wait: at least the oldest batch's)."""
        while self._sent and self._worker is not None and (wait or self._worker.ready()):
            wait = False
            try:
                results = self._worker.receive()
            except (EOFError, OSError):
                self._lost()
                return
            batch = self._sent.popleft()
            self._away -= len(batch)
            found = iter(results)
            for block in batch:
                for item in block.claims:
                    checked, item.log = next(found)
                    for finding in checked.applied:  # the worker's fixes, on this copy
                        assert finding.fix is not None
                        for segment in finding.fix.changes:
                            item.claim.replace(segment)
                    item.checked = checked
                block.done = True

    def _lost(self) -> None:
        """The worker is gone (killed, out of memory): what it had is checked here."""
        log.warning("the claim-check worker process stopped; its claims are checked here")
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.close()
        for batch in list(self._sent) + ([self._batch] if self._batch else []):
            for block in batch:
                if not block.done:
                    self._check_here(block)
        self._away = 0
        self._sent.clear()
        self._batch = []


def claim_checks(
    engine: Engine, path: Path, workers: int | None, *, walk_beside: bool = False
) -> ClaimChecks:
    """Checks for one file: `workers` 0 checks in this process, 1 (or more: one is used)
    also in a worker process; None (auto) uses one for a file of WORKER_FROM_BYTES or more
    when this process can fork and has a core to spare (`walk_beside`: a TR3 walk in another
    process has one)."""
    if workers == 0 or not _can_fork():
        return ClaimChecks(engine)
    if workers is None:
        try:
            large = path.stat().st_size >= WORKER_FROM_BYTES
        except OSError:
            large = False
        cores = len(os.sched_getaffinity(0)) - (1 if walk_beside else 0)
        if not large or cores < 2:
            return ClaimChecks(engine)
    return ClaimChecks(engine, lambda: _start_worker(engine))


def _start_worker(engine: Engine) -> CheckWorker | None:
    from scrubber.check_worker import CheckWorker

    if not _can_fork():  # (a thread started since the file was opened)
        return None
    try:
        return CheckWorker(engine, multiprocessing.get_context("fork"))
    except OSError as error:  # no process to be had: one process checks everything
        log.warning("no claim-check worker process (%s); checking in one process", error)
        return None


def _can_fork() -> bool:
    """fork only: the worker must inherit the loaded engine; a threaded process (the drop
    folder watcher) or a daemonic one (a Dask worker) checks in one process."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon
    )
