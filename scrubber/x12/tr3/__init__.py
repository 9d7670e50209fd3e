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

from pathlib import Path
from typing import Any

from scrubber.x12.tokens import NotX12Error
from scrubber.x12.tr3.chunks import (
    DEFAULT_CHUNK_CLAIMS,
    _Chunker,
    _mp_context,
    _validate_chunked,
)
from scrubber.x12.tr3.engines import DEFAULT_ENGINE, ENGINES, check_engine, new_run
from scrubber.x12.tr3.errors import Tr3Error, Tr3Unavailable, stopped_at
from scrubber.x12.tr3.feed import _Normalized
from scrubber.x12.tr3.stream import Tr3Stream
from scrubber.x12.tr3.walk import _key, _validate_whole

__all__ = [
    "DEFAULT_CHUNK_CLAIMS",
    "DEFAULT_ENGINE",
    "ENGINES",
    "Tr3Error",
    "Tr3Stream",
    "Tr3Unavailable",
    "_Chunker",
    "_Normalized",
    "_mp_context",
    "stopped_at",
    "validate_tr3",
]


# --------------------------------------------------------------------------------------------
# Entry point


def validate_tr3(
    path: Path,
    *,
    jobs: int = 1,
    chunk_claims: int = DEFAULT_CHUNK_CLAIMS,
    engine: str = DEFAULT_ENGINE,
    cluster: Any = None,
) -> list[Tr3Error]:
    """TR3 errors of an 837P file by pyx12's 005010X222A1 map, sorted by segment number.

    jobs > 1 spreads the map walk over that many processes, about `chunk_claims` claims at a
    time; the errors are the same as with jobs=1. engine: "compiled" or "pyx12" (ENGINES), the
    same errors either way. Raises Tr3Unavailable when pyx12 cannot
    validate the file at all (not X12, or an ISA12 or GS08 version pyx12 has no map for).
    With a cluster (scrubber.cluster.Cluster) the chunks are walked by its workers.
    """
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    check_engine(engine)
    try:
        if jobs == 1 and cluster is None:
            found = _validate_whole(path, new_run(engine, walk=True))
        else:
            found = _validate_chunked(path, jobs, chunk_claims, engine, cluster)
    except NotX12Error as exc:
        raise Tr3Unavailable(f"not an X12 file: {exc}") from None
    found.sort(key=_key)
    return [f.to_error() for f in found]
