"""ClusterError: the Dask cluster cannot be used or lost a task on every worker it tried (a
module of its own, so that the TR3 stream can name it without importing the cluster side)."""

from __future__ import annotations


class ClusterError(Exception):
    """The cluster cannot be used: dask.distributed missing, a bad address, no scheduler, or a
    task that ended a worker every time it was tried."""
