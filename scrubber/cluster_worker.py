"""What runs on a Dask worker: the preload plugin (code sets and TR3 maps, once per worker) and
the whole-file task. Imported only where dask.distributed is installed."""

from __future__ import annotations

import multiprocessing
from dataclasses import replace
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin

from scrubber.cluster_errors import ClusterError
from scrubber.options import ScrubOptions

NOT_DAEMONIC_HINT = (
    "start the workers with DASK_DISTRIBUTED__WORKER__DAEMON=False in their environment "
    "(a file that pyx12 stops on is walked in a process of its own, as without --cluster)"
)


def preload() -> None:
    """Load what every file needs: the packaged ICD-10-CM index and pyx12's 837P maps."""
    from scrubber.codesets.cache import load_icd10cm
    from scrubber.x12.tr3.walk import _load_map, _map_for

    load_icd10cm()
    chosen = _map_for("00501", "005010X222A1", "HC")
    if chosen is not None:
        _load_map(chosen[0])
    _load_map("x12.control.00501.xml")


class Preload(WorkerPlugin):
    """Runs preload() in each worker when it starts (and in workers that join later)."""

    def setup(self, worker: Any) -> None:
        preload()


def scrub_whole(path: Path, options: ScrubOptions, stem: str | None = None) -> Any:
    """A whole-file task: api.scrub on the worker, its outputs written where options say
    (storage the workers and the client share). The TR3 walk runs in this process, on the maps
    the worker loaded once, and the scrub takes its errors (as `validate` does); only a file
    pyx12 cannot walk through goes the usual way, its walk in a process of its own, so that
    what the run says about it is what a run without --cluster says."""
    from scrubber.api import scrub
    from scrubber.x12.tr3 import DEFAULT_ENGINE, Tr3Unavailable, validate_tr3

    if options.tr3 and options.tr3_errors is None:
        engine = options.tr3_engine or DEFAULT_ENGINE
        try:
            options = replace(options, tr3_errors=validate_tr3(path, engine=engine))
        except Tr3Unavailable:
            require_children_allowed()
    return scrub(path, options, stem=stem)


def require_children_allowed() -> None:
    """A daemonic worker process cannot start the TR3 walk's process: say how to start it."""
    if multiprocessing.current_process().daemon:
        raise ClusterError(f"the Dask worker runs as a daemonic process: {NOT_DAEMONIC_HINT}")
