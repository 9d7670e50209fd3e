"""The library API that the CLI, the drop-folder watcher and the tests call.

read -> claims -> edits -> dispositions -> writers, one subscriber block at a time.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from scrubber import __version__
from scrubber.catalogue import load_profile
from scrubber.checks import RunContext
from scrubber.content.run import run_content
from scrubber.engine import Engine
from scrubber.ledger.sink import ClaimSink, ledger_sinks
from scrubber.options import ScrubOptions
from scrubber.pipeline import FileRun
from scrubber.x12.tokens import NotX12Error

log = logging.getLogger("scrub837")

EXIT_CLEAN = 0
EXIT_HELD = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3
EXIT_INTERNAL = 4


@dataclass(slots=True)
class ScrubResult:
    input: Path
    status: str  # "clean" | "held" | "rejected"
    exit_status: int
    counts: dict[str, int]
    charges: dict[str, str]
    outputs: dict[str, Path | None] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)  # the JSON report without claims


def output_stem(path: Path) -> str:
    """batch.837 -> batch; batch -> batch; batch.clean.837 stays distinct (batch.clean)."""
    return path.stem if path.suffix else path.name


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def output_stems(paths: Sequence[Path], out_dir: Path | None = None) -> list[str]:
    """The output stem of each input of one run. When two inputs would get the same output
    names (the same folder and stem: batch.837 and batch.txt, or d1/batch.837 and d2/batch.837
    with -o), the later ones keep their suffix (batch.txt.clean.837) and never overwrite."""
    taken: set[tuple[Path, str]] = set()
    stems = []
    for path in paths:
        folder = Path(out_dir or path.parent).resolve()
        stem = output_stem(path)
        if (folder, stem) in taken:
            stem = path.name
        base, number = stem, 2
        while (folder, stem) in taken:
            stem, number = f"{base}.{number}", number + 1
        taken.add((folder, stem))
        stems.append(stem)
    return stems


def scrub(
    path: Path,
    options: ScrubOptions | None = None,
    *,
    stem: str | None = None,
    sinks: Sequence[ClaimSink] = (),
) -> ScrubResult:
    """Scrub one file: write clean/held 837s and the reports; return what happened. `stem`
    names the outputs (default: the input's name without its suffix; see output_stems)."""
    options = options or ScrubOptions()
    path = Path(path)
    profile = load_profile(options.profile)
    content = run_content(
        options.content, options.code_sets, options.ncci, use_store=options.use_store
    )
    run = RunContext(run_date=options.run_date or date.today(), mode=options.mode, content=content)
    engine = Engine(
        profile,
        run,
        select=options.select,
        ignore=options.ignore,
        unsafe_fixes=options.unsafe_fixes,
    )
    out_dir = options.out_dir or path.parent
    for folder in (out_dir, options.held_dir, options.reports_dir):
        if folder is not None:
            Path(folder).mkdir(parents=True, exist_ok=True)
    file_run = FileRun(
        path=path,
        engine=engine,
        options=options,
        clean_dir=out_dir,
        held_dir=options.held_dir or out_dir,
        reports_dir=options.reports_dir or out_dir,
        stem=stem or output_stem(path),
    )
    sha = sha256_of(path)
    # told each claim's outcome: the claim ledger, and the caller's (validate: the 277CA)
    file_run.sinks = sinks = ledger_sinks(options, path.name, sha, profile.name) + list(sinks)
    try:
        try:
            file_run.run()
        except NotX12Error as error:
            message = engine.spec("ENV001").message(error.kind, name=path.name, reason=str(error))
            file_run.reject("ENV001", message, error.segment_number)
        except BaseException:
            file_run.discard()
            raise
        report = file_run.report_head(
            input_name=path.name, sha256=sha, version=__version__, profile=profile.name
        )
        report["code_set"] = run.code_set_names() or report["code_set"]
        outputs = file_run.finish(report)
    except BaseException:
        for sink in sinks:
            sink.discard()
        raise
    for sink in sinks:
        sink.commit()
    counts = report["counts"]
    status = report["status"]
    exit_status = {"clean": EXIT_CLEAN, "held": EXIT_HELD}.get(status, EXIT_REJECTED)
    log.info(
        "scrubbed",
        extra={
            "input": path.name,
            "sha256": sha,
            "status": status,
            "counts": counts,
        },
    )
    return ScrubResult(
        input=path,
        status=status,
        exit_status=exit_status,
        counts=counts,
        charges=report["charges"],
        outputs=outputs,
        report=report,
    )


def write_run_index(results: list[ScrubResult], folder: Path) -> Path:
    """scrub-index.html: one row per file of a run, linking to each report."""
    from scrubber.report.html import INDEX_NAME, write_index

    entries = []
    for result in results:
        html = result.outputs.get("html")
        link = os.path.relpath(html, folder) if html else None
        entries.append({**result.report, "outputs": {**result.report["outputs"], "html": link}})
    write_index(entries, folder)
    return folder / INDEX_NAME
