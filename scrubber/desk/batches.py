"""Batches on the desk: an 837 taken in, scrubbed in the background, its held claims read back.

A batch is a folder under DATA/batches/ (mode 0700) holding the input and what the library's
scrub() wrote; its row in the store says how far it got. The held claims of a batch are those of
its held 837, numbered from 1 in file order, the numbering the decisions file uses.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from scrubber.api import scrub
from scrubber.content.run import run_content
from scrubber.content.view import ContentView
from scrubber.desk.store import Store, now_iso
from scrubber.options import ScrubOptions
from scrubber.x12 import reader as rd
from scrubber.x12.tokens import NotX12Error

log = logging.getLogger("scrub837.desk")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


class BatchError(ValueError):
    """An upload or an opened file is refused (the message says why and what to do)."""


def safe_name(name: str) -> str:
    """A file name for the batch folder: no folders, nothing but letters, digits and ._-."""
    base = _SAFE.sub("_", Path(name.replace("\\", "/")).name).strip("._") or "batch"
    return base[:80] if base.endswith(".837") else base[:76] + ".837"


def stem_of(name: str) -> str:
    return name[:-4] if name.endswith(".837") else name


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def _copy_private(source: IO[bytes], target: Path, limit: int) -> int:
    """Copy a stream to a new 0600 file; BatchError (and no file) past `limit` bytes."""
    size = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while block := source.read(1 << 16):
            size += len(block)
            if size > limit:
                break
            out.write(block)
    if size > limit:
        target.unlink()
        raise BatchError(f"the file is larger than the desk's limit of {limit // (1 << 20)} MB")
    return size


@dataclass(slots=True)
class Desk:
    """The desk's batches: taking files in, the background scrub, the held claims."""

    store: Store
    held_folder: Path | None = None
    upload_limit: int = 50 << 20
    options: ScrubOptions = field(default_factory=ScrubOptions)
    _wake: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)
    _content: ContentView | None = None

    def content(self) -> ContentView:
        """The content the desk's scrubs use (the code sets that check a typed code)."""
        if self._content is None:
            o = self.options
            self._content = run_content(o.content, o.code_sets, o.ncci, use_store=o.use_store)
        return self._content

    @property
    def root(self) -> Path:
        return private_dir(self.store.data_dir / "batches")

    def folder(self, batch_id: str) -> Path:
        if not re.fullmatch(r"[A-Za-z0-9_-]{8,40}", batch_id):
            raise KeyError(batch_id)
        return self.root / batch_id

    # -- taking files in
    def add_upload(self, name: str, stream: IO[bytes], user: str) -> str:
        """A new batch from an uploaded file; BatchError leaves nothing behind."""
        return self._add(
            safe_name(name),
            lambda target: _copy_private(stream, target, self.upload_limit),
            user,
            "upload",
        )

    def held_files(self) -> list[str]:
        """The held 837s in the folder the desk was told about."""
        if self.held_folder is None or not self.held_folder.is_dir():
            return []
        return sorted(
            p.name
            for p in self.held_folder.iterdir()
            if p.is_file() and p.name.endswith(".837") and not p.name.startswith(".")
        )

    def open_held(self, name: str, user: str) -> str:
        """A new batch from a held 837 of the folder (only a name listed there is taken)."""
        if name not in self.held_files():
            raise BatchError(f"{name} is not a file of the held folder")
        assert self.held_folder is not None
        source = self.held_folder / name

        def copy(target: Path) -> None:
            with source.open("rb") as stream:
                _copy_private(stream, target, self.upload_limit)

        return self._add(safe_name(name), copy, user, "folder")

    def _add(self, name: str, write: Callable[[Path], object], user: str, source: str) -> str:
        batch_id = secrets.token_urlsafe(12)
        folder = private_dir(self.root / batch_id)
        target = folder / name
        try:
            write(target)
            if target.stat().st_size == 0:
                raise BatchError("the file is empty")
            try:
                rd.scan_trailers(target)
            except NotX12Error as error:
                raise BatchError(
                    f"not an X12 837 file ({error}). An 837 claim file starts with "
                    "an ISA segment; export the claim file again from your practice management "
                    "system (not a report, a PDF or a zip)."
                ) from error
        except BatchError as error:
            shutil.rmtree(folder, ignore_errors=True)
            raise BatchError(f"{name}: {error}") from error  # the file named once, here
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO batches (id, name, source, status, created_by, created_at, "
                "run_date) VALUES (?, ?, ?, 'queued', ?, ?, ?)",
                (
                    batch_id,
                    name,
                    source,
                    user,
                    now_iso(),
                    (self.options.run_date or date.today()).isoformat(),
                ),
            )
        self._wake.set()
        return batch_id

    # -- the background scrub
    def start(self, workers: int = 1) -> None:
        with self.store.transaction() as db:  # a scrub cut off by a stop starts again
            db.execute(
                "UPDATE batches SET status = 'queued', progress = 0 WHERE status = 'scrubbing'"
            )
        for number in range(workers):
            thread = threading.Thread(
                target=self._work, name=f"desk-scrub-{number}", args=(f"w{number}",), daemon=True
            )
            thread.start()
            self._workers.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._workers:
            thread.join(timeout=60)
        self._workers.clear()

    def _work(self, worker: str) -> None:
        while not self._stop.is_set():
            batch = self.store.claim_next(worker)
            if batch is None:
                self._wake.wait(timeout=1.0)
                self._wake.clear()
                continue
            self.process(batch)

    def process(self, batch: dict[str, Any]) -> None:
        """Scrub one batch's input with the library and record the outcome."""
        batch_id = batch["id"]
        folder = self.folder(batch_id)
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] > 0.3 and total:
                last[0] = now
                self.store.set_batch(batch_id, progress=min(0.99, done / total))

        options = dataclasses.replace(
            self.options,
            out_dir=folder,
            held_dir=None,
            reports_dir=None,
            html=False,
            run_date=date.fromisoformat(batch["run_date"]),
            progress=progress,
        )
        try:
            result = scrub(folder / batch["name"], options)
        except Exception as error:  # no traceback for the user; no patient data in the log
            log.error("desk scrub failed for batch %s: %s", batch_id, type(error).__name__)
            self.store.set_batch(
                batch_id,
                status="failed",
                message=(
                    f"The scrub stopped with an internal error ({type(error).__name__}). This is a "
                    "bug; the file is kept in the desk's data folder."
                ),
            )
            return
        rejection = result.report.get("rejection") or {}
        summary = {"counts": result.counts, "charges": result.charges, "status": result.status}
        self.store.set_batch(
            batch_id,
            status="rejected" if result.status == "rejected" else "ready",
            progress=1.0,
            message=rejection.get("message") or "",
            summary=summary,
        )

    # -- reading a batch back
    def held_path(self, batch: dict[str, Any]) -> Path:
        return self.folder(batch["id"]) / f"{stem_of(batch['name'])}.held.837"

    def report_path(self, batch: dict[str, Any]) -> Path:
        return self.folder(batch["id"]) / f"{stem_of(batch['name'])}.report.json"

    def held_claims(self, batch: dict[str, Any]) -> HeldClaims:
        report, held = self.report_path(batch), self.held_path(batch)
        stamp = tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in (report, held))
        return _held_claims(str(report), str(held), stamp)


@dataclass(slots=True)
class HeldClaim:
    position: int  # 1 = the first claim of the held 837
    entry: dict[str, Any]  # the claim's entry in the report (the JSON report's shape)
    codes: list[str]  # its diagnosis codes, as in the file
    first_date: date | None
    notes: list[str]  # its NTE texts (the provider's remarks: coders read them)


@dataclass(slots=True)
class HeldClaims:
    report: dict[str, Any]  # the report without its claims
    claims: list[HeldClaim]

    def get(self, position: int) -> HeldClaim | None:
        return self.claims[position - 1] if 0 < position <= len(self.claims) else None


@lru_cache(maxsize=16)
def _held_claims(report_path: str, held_path: str, _stamp: tuple[int, ...]) -> HeldClaims:
    if not Path(report_path).exists():
        return HeldClaims({}, [])
    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    entries = [c for c in report.pop("claims", []) if c.get("disposition") == "held"]
    found: list[tuple[list[str], date | None, list[str]]] = []
    if Path(held_path).exists():
        for event in rd.Reader(Path(held_path)).events():
            if isinstance(event, rd.SubscriberBlock):
                for claim in event.claims():
                    notes = [s.get(2) for s in claim.claim_segments if s.id == "NTE"]
                    codes = [d.code for d in claim.diagnoses]
                    found.append((codes, claim.earliest_service_date, notes))
    if len(found) != len(entries):
        raise RuntimeError("the held file and the report disagree")
    claims = [
        HeldClaim(i, entry, codes, first, notes)
        for i, (entry, (codes, first, notes)) in enumerate(
            zip(entries, found, strict=True), start=1
        )
    ]
    return HeldClaims(report, claims)
