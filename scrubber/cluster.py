"""Scale-out on Dask: files as tasks on a dask.distributed cluster, and a large file's TR3 walk
cut into chunks (at transaction and billing-provider boundaries, as --jobs cuts it) as tasks.

`--cluster ADDRESS` names a running scheduler (tcp://host:8786) or `local:N`, a LocalCluster of
N worker processes started for the run. Results come back as they finish, at most a few tasks
per worker in flight, and are assembled in input order, so the clean, held, report and
acknowledgment files are those of a run in one process. dask.distributed is an optional extra:
`pip install 'scrub837[cluster]'`.
"""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from scrubber.cluster_errors import ClusterError
from scrubber.options import ScrubOptions

__all__ = ["CUT_BYTES", "Cluster", "ClusterError", "Task", "is_cut", "open_cluster", "run_in_order"]

IN_FLIGHT_PER_WORKER = 2  # whole-file tasks handed out ahead, per worker thread
CUT_BYTES = 4 << 20  # a file this large is cut: its TR3 walk goes out in chunks
INSTALL_HINT = "pip install 'scrub837[cluster]'"


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ClusterError(
            f"--cluster needs dask.distributed, which is not installed: {INSTALL_HINT}"
        ) from None
    return distributed


class Cluster:
    """A client of a Dask cluster (and, for local:N, the LocalCluster it started). Every
    worker loads the code sets and TR3 maps once, when it joins (a worker plugin)."""

    def __init__(self, address: str) -> None:
        distributed = _distributed()
        import dask

        # the scheduler's and workers' own chatter is not the run's output (errors still are)
        logging.getLogger("distributed").setLevel(logging.ERROR)
        self.address = address
        self._local: Any = None
        try:
            if address.startswith("local:"):
                self._local = _local_cluster(distributed, dask, address)
                self.client: Any = distributed.Client(self._local)
            else:
                self.client = distributed.Client(address, timeout="30s")
        except (OSError, TimeoutError, ValueError) as error:
            self.close()
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {error}") from None
        from scrubber.cluster_worker import Preload

        self.client.register_plugin(Preload(), name="scrub837-preload")

    @property
    def slots(self) -> int:
        """Worker threads in the cluster (at least 1)."""
        threads = self.client.nthreads()
        return max(1, sum(threads.values()))

    def submit(self, function: Callable[..., Any], *args: Any) -> Task:
        """A task (pure=False: its result is never shared with another submission)."""
        return Task(self.client.submit(function, *args, pure=False))

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()
        if self._local is not None:
            with contextlib.suppress(Exception):
                self._local.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _local_cluster(distributed: Any, dask: Any, address: str) -> Any:
    count = address.removeprefix("local:")
    if not count.isdigit() or int(count) < 1:
        raise ClusterError(f"--cluster local:N needs a number of workers, not {address!r}")
    # workers that may start processes (a file pyx12 stops on is walked in one, as without
    # --cluster); set for good, as the nannies read it again when they restart a worker
    dask.config.set({"distributed.worker.daemon": False})
    return distributed.LocalCluster(
        n_workers=int(count),
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port: never a clash with another cluster's
        silence_logs=logging.ERROR,  # worker chatter is not the run's output
    )


def open_cluster(address: str) -> Cluster:
    """Connect to (or, for local:N, start) the cluster; ClusterError when it cannot be used."""
    return Cluster(address)


def is_cut(path: Path, options: ScrubOptions) -> bool:
    """A file scrubbed in this process with its TR3 walk cut into chunks on the cluster, rather
    than sent whole to a worker: a large file (there is then work to spread within it), and
    every file in validate mode (control numbers are taken in input order)."""
    if options.mode == "validate":
        return True
    try:
        return options.tr3 and path.stat().st_size >= CUT_BYTES
    except OSError:
        return False


def run_in_order(
    paths: Iterable[Path],
    options: ScrubOptions,
    cluster: Cluster,
    whole: Callable[[Path, ScrubOptions, str | None], Any],
    here: Callable[[Path, ScrubOptions], Any],
    stems: dict[Path, str] | None = None,
) -> Iterator[tuple[Path, Callable[[], Any]]]:
    """(path, result()) in input order; result() returns the file's result or raises its error
    (so the caller reports it against the file). Small files go to the workers whole, through
    `whole(path, options, stem)` (a module-level function a worker can import; `stems` gives
    each file's output stem), at most IN_FLIGHT_PER_WORKER per worker ahead; a file that
    `is_cut` runs here through `here`, with its TR3 chunks on the cluster, while the workers go
    on with the files handed out before it."""
    # what a worker is given: no connection, no callback of this process, one walk in itself
    on_workers = replace(options, cluster=None, jobs=1, progress=None)
    in_cluster = replace(options, cluster=cluster)
    limit = IN_FLIGHT_PER_WORKER * cluster.slots
    queue: deque[tuple[Path, Any]] = deque()  # (path, future or None for a file run here)
    pending = iter(paths)
    handed_out = 0

    def top_up() -> None:
        nonlocal handed_out
        while handed_out < limit:
            path = next(pending, None)
            if path is None:
                return
            if is_cut(path, options):
                queue.append((path, None))
                continue
            stem = (stems or {}).get(path)
            queue.append((path, cluster.submit(whole, path, on_workers, stem)))
            handed_out += 1

    try:
        top_up()
        while queue:
            path, future = queue.popleft()
            if future is not None:
                handed_out -= 1
            yield path, _outcome(path, future, here, in_cluster)
            top_up()
    finally:
        for _, future in queue:
            if future is not None:
                future.cancel()


class Task:
    """A task on the cluster. A worker lost mid-task is replaced and the task given to another
    worker by the scheduler; result() raises ClusterError only when it was lost every time."""

    def __init__(self, future: Any) -> None:
        self.future = future

    def result(self) -> Any:
        distributed = _distributed()
        try:
            return self.future.result()
        except distributed.KilledWorker as error:
            raise ClusterError(
                f"a task ended a Dask worker every time it was tried: {error}"
            ) from None

    def cancel(self) -> None:
        with contextlib.suppress(Exception):  # the client may be closed already
            self.future.cancel()


def _outcome(
    path: Path,
    future: Task | None,
    here: Callable[[Path, ScrubOptions], Any],
    options: ScrubOptions,
) -> Callable[[], Any]:
    def result() -> Any:
        if future is None:
            return here(path, options)
        done = future.result()
        _remove_stale_temporaries(done)
        return done

    return result


def _remove_stale_temporaries(result: Any) -> None:
    """A worker killed mid-file leaves its outputs' temporary files (named by its process id);
    the retry wrote the real ones. Remove the leftovers, which hold patient data."""
    outputs = getattr(result, "outputs", None) or getattr(
        getattr(result, "scrub", None), "outputs", {}
    )
    for final in (outputs or {}).values():
        if isinstance(final, Path):
            for stale in final.parent.glob(f".{final.name}.*.tmp"):
                with contextlib.suppress(OSError):
                    stale.unlink()
