"""ScrubOptions: what one run of scrub or validate is asked to do (the CLI, the watcher and
tests build it; api and pipeline read it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the TR3 package loads pyx12: not for a run without TR3
    from scrubber.x12.tr3.errors import Tr3Error


@dataclass(slots=True)
class ScrubOptions:
    out_dir: Path | None = None  # clean 837; default: beside the input
    held_dir: Path | None = None  # held 837; default: out_dir
    reports_dir: Path | None = None  # reports; default: out_dir
    tr3: bool = True
    jobs: int = 1
    #: claim-check worker processes (claim_checks.py): 0 none, 1 one, None (auto, the
    #: default) one for a large file when a core is free (not while a TR3 walk holds it)
    check_workers: int | None = None
    tr3_engine: str | None = None  # "compiled" or "pyx12" (the reference); None: the default
    unsafe_fixes: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    profile: str = "default"
    mask_phi: bool = False
    run_date: date | None = None
    mode: str = "scrub"  # "validate": no corrections written, envelope problems are errors
    html: bool = True
    ncci: Path | None = None  # a CMS quarterly practitioner PTP file for THR005
    tr3_errors: list[Tr3Error] | None = None  # already found (validate runs TR3 once)
    # more ICD-10-CM releases (tabular XML or order file; PATH@YYYY-MM-DD gives the start)
    code_sets: tuple[Path, ...] = ()
    content: Path | None = None  # the content store (None: $SCRUB837_CONTENT or the default)
    use_store: bool = True  # False: the packaged release and the one-run additions only
    # called after each subscriber block with (segments read, segments in the file): the desk's
    # progress bar
    progress: Callable[[int, int], None] | None = None
    # validate: ST segment numbers of the transactions the 999 accepts (the envelope facts);
    # the claims of any other transaction are counted as rejected, as the 999 rejects them
    ack_accepted: frozenset[int] | None = None
    ledger: Path | bool = True  # the claim ledger: True its default place, False none
    cluster: Any = None  # a scrubber.cluster.Cluster: the TR3 walk's chunks go to its workers
