"""The content store: a folder of installed releases, shared by the CLI, the watcher and the desk.

Layout: ``releases.json`` (the catalogue: kind, name, period, source, sha256, installed, parts),
``files/`` (each installed file as it was given, for the record) and ``index/`` (each file read
once into a ``marshal`` payload, so a scrub opens a release in milliseconds). Writes go to a
temporary file renamed into place, so a reader never sees half a catalogue.

The folder is ``--content DIR``, else ``$SCRUB837_CONTENT``, else ``content/`` in the data
directory (``$SCRUB837_DATA``, else ``~/.local/share/scrub837``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import marshal
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from scrubber.content.formats import FORMATS
from scrubber.content.formats.common import head_of
from scrubber.content.periods import ContentError, NeedsEffective
from scrubber.content.release import KINDS, RELEASE_TYPES, Release

__all__ = ["ContentStore", "Gap", "default_store_dir", "gaps"]

FORMAT = 1
ENV = "SCRUB837_CONTENT"


def default_store_dir() -> Path:
    """$SCRUB837_CONTENT, else content/ in the data directory ($SCRUB837_DATA, else
    $XDG_DATA_HOME/scrub837, else ~/.local/share/scrub837), where the ledger also lives."""
    explicit = os.environ.get(ENV)
    if explicit:
        return Path(explicit)
    data = os.environ.get("SCRUB837_DATA")
    if data:
        return Path(data) / "content"
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "scrub837" / "content"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class Gap:
    """Dates of service no release of a kind covers (``last`` None: from ``first`` on)."""

    kind: str
    first: date | None  # None: everything before ``last``
    last: date | None

    def __str__(self) -> str:
        if self.first is None and self.last is None:
            return "every date (no release installed)"
        if self.first is None:
            return f"before {self.last + timedelta(days=1)}" if self.last else ""
        if self.last is None:
            return f"from {self.first} on"
        return f"{self.first} to {self.last}"


def cut(releases: list[Release]) -> list[Release]:
    """Releases of one kind in date order, each one's end cut at the next one's start (a later
    release replaces an earlier one from its first day)."""
    ordered = sorted(releases, key=lambda r: r.effective_from)
    for current, following in zip(ordered, ordered[1:], strict=False):
        end = following.effective_from - timedelta(days=1)
        if current.effective_to is None or current.effective_to > end:
            current.effective_to = end
    return ordered


def gaps(kind: str, releases: list[Release]) -> list[Gap]:
    """The dates of service between and after the releases of a kind that none covers."""
    if not releases:
        return [Gap(kind, None, None)]
    found: list[Gap] = []
    ordered = sorted(releases, key=lambda r: r.effective_from)
    reach: date | None = ordered[0].effective_to
    for release in ordered[1:]:
        if reach is None:
            break
        if release.effective_from > reach + timedelta(days=1):
            found.append(
                Gap(kind, reach + timedelta(days=1), release.effective_from - timedelta(days=1))
            )
        if release.effective_to is None or release.effective_to > reach:
            reach = release.effective_to
    if reach is not None:
        found.append(Gap(kind, reach + timedelta(days=1), None))
    return found


class ContentStore:
    """Installed releases in a folder (see the module notes)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_store_dir()
        self._catalogue: list[dict[str, Any]] | None = None

    # -- the catalogue
    @property
    def catalogue_path(self) -> Path:
        return self.root / "releases.json"

    def _entries(self) -> list[dict[str, Any]]:
        if self._catalogue is None:
            try:
                data = json.loads(self.catalogue_path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                data = {"format": FORMAT, "releases": []}
            except (OSError, ValueError) as exc:
                raise ContentError(
                    f"{self.catalogue_path}: the content store's catalogue cannot be read ({exc})"
                ) from exc
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ContentError(f"{self.catalogue_path}: not a scrub837 content catalogue")
            self._catalogue = list(data["releases"])
        return self._catalogue

    def _save(self) -> None:
        data = {"format": FORMAT, "releases": self._entries()}
        _atomic_write(self.catalogue_path, json.dumps(data, indent=1).encode())

    def releases(self, kind: str | None = None) -> list[Release]:
        """The installed releases (of a kind), each end cut at the next start of its kind
        (coverage lists stand side by side)."""
        out: list[Release] = []
        for k in KINDS if kind is None else (kind,):
            mine = [self._release(e) for e in self._entries() if e["kind"] == k]
            out += mine if k == "coverage" else cut(mine)
        return out

    def _release(self, entry: dict[str, Any]) -> Release:
        kind = entry["kind"]
        cls = RELEASE_TYPES[kind]
        release = cls(
            kind=kind,
            name=entry["name"],
            effective_from=date.fromisoformat(entry["effective_from"]),
            effective_to=date.fromisoformat(entry["effective_to"])
            if entry["effective_to"]
            else None,
            source=", ".join(p["source"] for p in entry["parts"]),
            sha256=entry["sha256"],
            installed=datetime.fromisoformat(entry["installed"]),
            origin="store",
            id=entry["id"],
        )
        parts = tuple(self.root / "index" / p["index"] for p in entry["parts"])
        release.loader = lambda: _restored(release, parts, _stamps(parts))
        return release

    # -- add and remove
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time (two `content add` at once must not lose a release); the
        catalogue is read afresh under the lock."""
        import fcntl

        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._catalogue = None
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def add(self, path: Path, *, effective: date | None = None, kind: str | None = None) -> Release:
        """Install a file (or a CMS ZIP holding one): recognise its kind and period, read it
        once into the index, record it. ContentError says what was expected."""
        path = Path(path)
        if not path.is_file():
            raise ContentError(f"{path}: no such file")
        with self._locked(), _unpacked(path, kind) as (data_file, member_name):
            names = f"{path.name} {member_name}"
            head = head_of(data_file)
            kind = kind or _recognise(names, head, path)
            fmt = FORMATS[kind]
            sha = sha256_file(path)
            index_name = f"{sha[:24]}.marshal"
            index_file = self.root / "index" / index_name
            payload = None
            if kind != "coverage" and index_file.exists():  # the same file indexed already
                with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
                    payload = marshal.loads(index_file.read_bytes())
            if payload is None:
                payload = fmt.build(data_file)
            stated = fmt.period(member_name, head) or fmt.period(path.name, head)
            if stated is None and kind == "coverage":
                stated = FORMATS["coverage"].rows_period(payload)
            if effective is not None:
                start, end = effective, _default_end(kind, effective, stated)
            elif stated is not None:
                start, end = stated
            else:
                raise NeedsEffective(
                    f"{path.name}: the file does not say which dates of service it applies to "
                    f"({_KIND_NAMES[kind]}); give the first one: scrub837 content add {path.name} "
                    "--effective YYYY-MM-DD"
                )
            name = fmt.title(start, member_name or path.name)
            entries = self._entries()
            same = next((e for e in entries if e["kind"] == kind and e["name"] == name), None)
            if same is None:
                clash = next(
                    (
                        e
                        for e in entries
                        if e["kind"] == kind
                        and e["effective_from"] == start.isoformat()
                        and kind != "coverage"
                    ),
                    None,
                )
                if clash is not None:
                    raise ContentError(
                        f"{path.name}: {clash['name']} already starts on {start}; remove it first "
                        f"(scrub837 content remove {clash['id']})"
                    )
            if same is not None and any(p["sha256"] == sha for p in same["parts"]):
                return self._release(same)  # installed already: a no-op
            _atomic_write(index_file, marshal.dumps(payload))
            stored = self.root / "files" / f"{sha[:12]}-{_safe(path.name)}"
            if not stored.exists():
                stored.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, stored)
                os.chmod(stored, 0o600)
            part = {"source": path.name, "sha256": sha, "file": stored.name, "index": index_name}
            if same is not None:  # another part of the same release (NCCI f1..f4)
                same["parts"].append(part)
                same["sha256"] = _combined([p["sha256"] for p in same["parts"]])
                entry = same
            else:
                entry = {
                    "id": _release_id(kind, start, name, entries),
                    "kind": kind,
                    "name": name,
                    "effective_from": start.isoformat(),
                    "effective_to": end.isoformat() if end else None,
                    "sha256": sha,
                    "installed": datetime.now(UTC).isoformat(timespec="seconds"),
                    "parts": [part],
                }
                entries.append(entry)
            self._save()
            return self._release(entry)

    def remove(self, release_id: str) -> Release:
        """Take a release out (by its id, or a unique prefix of its sha256)."""
        with self._locked():
            return self._remove(release_id)

    def _remove(self, release_id: str) -> Release:
        entries = self._entries()
        matches = [
            e
            for e in entries
            if e["id"] == release_id
            or (len(release_id) >= 8 and e["sha256"].startswith(release_id))
        ]
        if len(matches) != 1:
            known = ", ".join(e["id"] for e in entries) or "none"
            raise ContentError(f"no single installed release {release_id!r} (installed: {known})")
        entry = matches[0]
        release = self._release(entry)
        entries.remove(entry)
        self._save()
        for part in entry["parts"]:
            if not any(part["index"] == p["index"] for e in entries for p in e["parts"]):
                with contextlib.suppress(OSError):
                    (self.root / "index" / part["index"]).unlink()
                with contextlib.suppress(OSError):
                    (self.root / "files" / part["file"]).unlink()
        return release


_KIND_NAMES = {
    "icd10cm": "ICD-10-CM",
    "hcpcs": "HCPCS Level II",
    "cpt": "CPT list",
    "ptp": "NCCI PTP",
    "mue": "MUE",
    "coverage": "coverage list",
    "carc": "CARC list",
    "rarc": "RARC list",
}


def _default_end(kind: str, start: date, stated: tuple[date, date | None] | None) -> date | None:
    from scrubber.codesets.releases import fiscal_year_end
    from scrubber.content.periods import quarter_end, year_end

    if kind == "icd10cm":
        return fiscal_year_end(start)
    if kind in ("hcpcs", "ptp", "mue"):
        return quarter_end(start)
    if kind == "cpt":
        return year_end(start)
    return stated[1] if stated else None


def _recognise(names: str, head: str, path: Path) -> str:
    if FORMATS["coverage"].has_coverage_titles(head):  # before names: "hcpcs" is a column too
        return "coverage"
    for kind in ("mue", "ptp", "hcpcs", "icd10cm", "carc", "rarc", "cpt", "coverage"):
        if FORMATS[kind].looks_like(names, head):
            return kind
    raise ContentError(
        f"{path.name}: not a content file scrub837 recognises (expected an ICD-10-CM tabular XML, "
        "order file or CMS ZIP, a HCPCS quarterly file, an NCCI practitioner PTP file, a "
        "practitioner MUE table, a coverage CSV, a CPT list, or a CARC/RARC list); if it is one, "
        "say which with --kind " + "|".join(KINDS)
    )


@contextlib.contextmanager
def _unpacked(path: Path, kind: str | None) -> Iterator[tuple[Path, str]]:
    """The data file itself, or the one member of a CMS ZIP that is the data (not the record
    layout, notices or the Excel copy)."""
    if not zipfile.is_zipfile(path):
        if _starts_like_a_zip(path):
            raise ContentError(
                f"{path.name}: the ZIP is damaged or cut off (its directory at the end is "
                "missing); download it again"
            )
        yield path, path.name
        return
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/")]
            chosen = _data_member(members, kind)
            if chosen is None:
                raise ContentError(
                    f"{path.name}: no data file in the ZIP (found "
                    f"{', '.join(members) or 'nothing'}); expected a .xml, .txt or .csv file"
                )
            with tempfile.TemporaryDirectory() as folder:
                target = Path(folder) / Path(chosen).name
                with archive.open(chosen) as source, target.open("wb") as out:
                    shutil.copyfileobj(source, out)
                try:
                    yield target, Path(chosen).name
                except ContentError as exc:
                    if str(exc).startswith(path.name) or isinstance(exc, NeedsEffective):
                        raise
                    # a message about the member names the ZIP it came in too
                    raise ContentError(f"{path.name}: member {exc}") from exc
    except (zipfile.BadZipFile, EOFError) as exc:
        raise ContentError(
            f"{path.name}: the ZIP is damaged or cut off ({exc}); download it again"
        ) from exc


def _starts_like_a_zip(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return stream.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _data_member(members: list[str], kind: str | None) -> str | None:
    skip = re.compile(
        r"layout|readme|notice|proc_notes|trans|disclaimer|index\.xml|eindex|drug|neoplasm|addenda",
        re.IGNORECASE,
    )
    candidates = [
        m
        for m in members
        if m.lower().endswith((".xml", ".txt", ".csv")) and not skip.search(Path(m).name)
    ]
    preferred = [
        m for m in candidates if re.search(r"tabular|order|anweb|mue|ccipra", m, re.IGNORECASE)
    ]
    found = preferred or candidates
    return sorted(found)[0] if found else None


def _stamps(parts: tuple[Path, ...]) -> tuple[tuple[int, int], ...]:
    stamps = []
    for part in parts:
        try:
            st = part.stat()
        except OSError as exc:
            raise ContentError(
                f"{part}: the index of an installed release is missing; install its file again "
                "with scrub837 content add"
            ) from exc
        stamps.append((st.st_size, st.st_mtime_ns))
    return tuple(stamps)


@functools.lru_cache(maxsize=32)
def _restored_cached(
    kind: str, name: str, start: date, end: date | None, parts: tuple[Path, ...], stamps: Any
) -> Any:
    payload = _merge([marshal.loads(p.read_bytes()) for p in parts])
    probe = RELEASE_TYPES[kind](kind, name, start, end, "", "", None)
    return FORMATS[kind].restore(payload, probe)


def _restored(release: Release, parts: tuple[Path, ...], stamps: Any) -> Any:
    """A release's data, kept per process while its index files are unchanged (the watcher
    opens a new view per file; the index is read once)."""
    return _restored_cached(
        release.kind, release.name, release.effective_from, release.effective_to, parts, stamps
    )


def _merge(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    if len(payloads) == 1:
        return payloads[0]
    merged: dict[str, Any] = {}
    for payload in payloads:
        for key, value in payload.items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged.setdefault(key, value)
    return merged


def _combined(shas: list[str]) -> str:
    return hashlib.sha256("\n".join(shas).encode()).hexdigest()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:80]


def _release_id(kind: str, start: date, name: str, entries: list[dict[str, Any]]) -> str:
    base = f"{kind}-{start.isoformat()}"
    if kind == "coverage":
        base += "-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:30]
    taken = {e["id"] for e in entries}
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate
