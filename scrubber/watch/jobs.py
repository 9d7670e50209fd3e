"""The job runner: a journaled job's steps, each taking the job in hand as a value: scrub the
snapshot into staging, commit the outputs and the input (safe to repeat after a crash, see
journal.py), send a file to the failed folder, and log the outcome."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scrubber.api import output_stem, scrub
from scrubber.options import ScrubOptions
from scrubber.watch import files
from scrubber.watch.config import DUPLICATE, CrashHook
from scrubber.watch.failures import failure_report
from scrubber.watch.folders import Folders
from scrubber.watch.journal import Install, Job, Journal
from scrubber.watch.jsonlog import EventLog
from scrubber.watch.settle import identity


@dataclass(slots=True)
class JobRunner:
    folders: Folders
    journal: Journal
    options: ScrubOptions
    log: EventLog
    crash: CrashHook

    def create(self, **fields: Any) -> Job:
        return self.journal.create(**fields)

    def new_work(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="job-", dir=self.folders.work))

    def choose_stem(self, name: str) -> str:
        """The input's stem, or stem-2, stem-3...: nothing it will write may already exist."""
        base = output_stem(Path(name))
        suffix = Path(name).suffix
        taken = self.journal.active_stems()
        f = self.folders
        n = 1
        while True:
            stem = base if n == 1 else f"{base}-{n}"
            names = [
                f.out / f"{stem}.clean.837",
                f.held / f"{stem}.held.837",
                f.reports / f"{stem}.report.json",
                f.reports / f"{stem}.report.html",
                f.failed / f"{stem}.report.json",
                f.failed / f"{stem}.report.html",
                f.archive / f"{stem}{suffix}",
                f.failed / f"{stem}{suffix}",
            ]
            if stem not in taken and not any(os.path.lexists(p) for p in names):
                return stem
            n += 1

    def scrub(self, job: Job) -> None:
        """Scrub the snapshot into staging; journal the installs (state `staged`)."""
        assert job.snapshot is not None
        self.journal.update(job, attempts=job.attempts + 1)
        self.log.info(
            "scrubbing",
            file=job.name,
            stem=job.stem,
            sha256=job.sha256,
            size=job.identity[1] if job.identity else None,
            attempt=job.attempts,
        )
        staging = job.work / "staging"
        shutil.rmtree(staging, ignore_errors=True)
        folders = {key: staging / key for key in ("clean", "held", "reports")}
        for folder in folders.values():
            files.make_dir(folder)
        options = replace(
            self.options,
            out_dir=folders["clean"],
            held_dir=folders["held"],
            reports_dir=folders["reports"],
        )
        result = scrub(job.snapshot, options)
        self.crash("after-scrub", job.name)
        produced = {k: v for k, v in result.outputs.items() if v is not None}
        installs: list[Install] = []
        rejected = result.status == "rejected"
        failed = self.folders.failed
        if rejected:  # the report goes beside the input in the failed folder too
            for key in ("json", "html"):
                if key in produced:
                    installs.append(("copy", str(produced[key]), str(failed / produced[key].name)))
        # the clean 837 last: when it appears (and an uploader may take it) all else is there
        for key, folder in (
            ("held", self.folders.held),
            ("json", self.folders.reports),
            ("html", self.folders.reports),
            ("clean", self.folders.out),
        ):
            if key in produced:
                installs.append(("move", str(produced[key]), str(folder / produced[key].name)))
        for _, source, _ in installs:
            files.fsync_file(Path(source))
        for folder in folders.values():
            files.fsync_dir(folder)
        self.journal.update(
            job,
            state="staged",
            status=result.status,
            exit_status=result.exit_status,
            counts=dict(result.counts),
            outputs={k: (v.name if v else None) for k, v in result.outputs.items()},
            installs=installs,
            input_dest=self.input_dest(job, failed if rejected else self.folders.archive),
        )
        self.crash("after-stage", job.name)

    def input_dest(self, job: Job, folder: Path) -> Path:
        return folder / files.unique_name(folder, job.stem, Path(job.name).suffix)

    def commit(self, job: Job) -> None:
        """staged -> outputs in place -> committed -> input moved -> done. Safe to repeat."""
        if job.state == "staged":
            for n, (action, source, destination) in enumerate(job.installs):
                files.make_dir(Path(destination).parent)  # in case it was removed meanwhile
                if action == "copy":
                    files.copy(Path(source), Path(destination))
                else:
                    files.move(Path(source), Path(destination))
                if n == 0:
                    self.crash("between-outputs", job.name)
            self.journal.update(job, state="committed")
            self.crash("before-move", job.name)
        self.move_input(job)
        self.crash("after-move", job.name)
        self.journal.update(job, state="done", finished=time.time())
        shutil.rmtree(job.work, ignore_errors=True)

    def move_input(self, job: Job) -> None:
        """Move the inbox file to its destination if it is still the file we scrubbed;
        otherwise (a new upload took its name, or it was already moved) archive the snapshot."""
        assert job.input_dest is not None
        files.make_dir(job.input_dest.parent)
        path = self.folders.inbox / job.name
        try:
            st: os.stat_result | None = os.lstat(path)
        except FileNotFoundError:
            st = None
        moved = False
        if st is not None and stat.S_ISREG(st.st_mode) and job.identity == identity(st):
            moved = files.move(path, job.input_dest)
        if not moved and job.snapshot is not None:
            files.move(job.snapshot, job.input_dest)
        with contextlib.suppress(OSError):
            os.chmod(job.input_dest, 0o600)

    def processed(self, job: Job, recovered: bool = False) -> None:
        fields: dict[str, Any] = {
            "file": job.name,
            "stem": job.stem,
            "sha256": job.sha256,
            "status": job.status,
            "exit_status": job.exit_status,
            "counts": job.counts,
            "duration_s": round((job.finished or time.time()) - job.started, 3),
            "outputs": job.outputs,
            "moved_to": str(job.input_dest),
        }
        if recovered:
            fields["recovered"] = True
        if job.kind == "scrub":
            self.log.info("processed", **fields)
        elif job.kind == "duplicate":
            self.log.info(DUPLICATE, **fields)
        else:
            self.log.error("failed", **fields)

    # -- the failed folder
    def error_job(self, name: str) -> Job | None:
        """A journal entry for a file that failed before it had one (None: the file is gone)."""
        try:
            ident = identity(os.lstat(self.folders.inbox / name))
        except FileNotFoundError:
            return None
        return self.create(
            name=name,
            identity=ident,
            stem=self.choose_stem(name),
            kind="error",
            state="scrubbing",
            work=self.new_work(),
        )

    def fail(self, job: Job, status: str, exit_status: int, reason: str) -> None:
        """Send the job's input to the failed folder with a short report (no outputs)."""
        staging = job.work / "staging"
        shutil.rmtree(staging, ignore_errors=True)
        files.make_dir(staging)
        report = staging / f"{job.stem}.report.json"
        with open(os.open(report, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            json.dump(failure_report(job, status, reason), out, indent=2)
        files.fsync_file(report)
        failed = self.folders.failed
        self.journal.update(
            job,
            kind="error",
            state="staged",
            status=status,
            exit_status=exit_status,
            counts=None,
            outputs={"clean": None, "held": None, "json": report.name, "html": None},
            installs=[("move", str(report), str(failed / report.name))],
            input_dest=self.input_dest(job, failed),
        )
        self.commit(job)
        self.processed(job)
