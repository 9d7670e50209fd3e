"""Sources, the on-disk cache of the ICD-10-CM index and the loaders.

The payload built by tabular.py is written to a ``marshal`` cache file so that later processes
load in a few tens of milliseconds; :func:`load_icd10cm` keeps one instance per process.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import hashlib
import importlib.util
import logging
import marshal
import os
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

from scrubber.codesets.icd10cm import CodeSetRelease, Icd10cm, LoadInfo
from scrubber.codesets.tabular import FORMAT_VERSION, _build_payload

__all__ = ["cache_dir", "load_icd10cm", "packaged_sources", "read_icd10cm"]

log = logging.getLogger("scrubber.codesets.icd10cm")  # the logger name from before the split

_DATA_PACKAGE = "simple_icd_10_cm.data"
_XML_GLOB = "icd10c-tabular-*.xml"
_CODE_LIST_GLOB = "code-list-*.txt"


# --------------------------------------------------------------------------------------------
# Sources, disk cache and the per-process instance


def _package_data_dir() -> Path:
    # importlib.resources.files("simple_icd_10_cm.data") would import simple_icd_10_cm, whose
    # __init__ parses the whole tabular into its own tree (about 2 s). find_spec only asks the
    # import system where the package lives, without running it.
    spec = importlib.util.find_spec(_DATA_PACKAGE.partition(".")[0])
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            data = Path(location) / _DATA_PACKAGE.partition(".")[2]
            if data.is_dir():
                return data
    data = Path(str(resources.files(_DATA_PACKAGE)))  # unusual layout: let importlib find it
    if not data.is_dir():
        raise FileNotFoundError(f"package data {_DATA_PACKAGE} is not a folder on disk")
    return data


def packaged_sources() -> tuple[Path, Path | None]:
    """The tabular XML and the code list shipped in the ``simple_icd_10_cm`` package."""
    data = _package_data_dir()
    names = [p.name for p in data.iterdir()]
    xmls = sorted(fnmatch.filter(names, _XML_GLOB))
    lists = sorted(fnmatch.filter(names, _CODE_LIST_GLOB))
    if not xmls:
        raise FileNotFoundError(f"no {_XML_GLOB} in {data}")
    return data / xmls[-1], (data / lists[-1] if lists else None)


def cache_dir() -> Path:
    """$SCRUB837_CACHE, else $XDG_CACHE_HOME/scrub837, else ~/.cache/scrub837."""
    explicit = os.environ.get("SCRUB837_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "scrub837"


def _cache_key(xml: Path, code_list: Path | None) -> str:
    parts = [f"format={FORMAT_VERSION}", f"py={sys.version_info[:2]}", f"marshal={marshal.version}"]
    for p in (xml, code_list):
        if p is None:
            parts.append("-")
            continue
        st = p.stat()
        parts.append(f"{p.resolve()}|{st.st_size}|{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def _read_cache(file: Path, key: str) -> dict[str, Any] | None:
    try:
        payload = marshal.loads(file.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValueError, TypeError) as exc:
        log.warning("ignoring unreadable ICD-10-CM cache %s: %s", file, exc)
        return None
    if (
        not isinstance(payload, dict)
        or payload.get("format") != FORMAT_VERSION
        or payload.get("key") != key
    ):
        log.warning("ignoring stale ICD-10-CM cache %s", file)
        return None
    return payload


def _write_cache(file: Path, payload: dict[str, Any]) -> bool:
    """Write atomically (temp file in the same folder, fsync, rename). False if not writable."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=file.name + ".", suffix=".tmp", dir=file.parent)
    except OSError as exc:
        log.info("ICD-10-CM cache not written (%s): keeping the index in memory", exc)
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            marshal.dump(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, file)
        return True
    except OSError as exc:
        log.info("ICD-10-CM cache not written (%s): keeping the index in memory", exc)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False


def read_icd10cm(
    path: Path | None = None,
    *,
    code_list: Path | None = None,
    cache: Path | None = None,
    use_cache: bool = True,
    release: CodeSetRelease | None = None,
) -> Icd10cm:
    """Load an index from the disk cache, or build it from the XML and cache it.

    ``path=None`` means the packaged release and its code list. For another ``path`` the code
    list (which filters the generated 7th-character codes) is ``code_list``, else the only
    ``code-list-*.txt`` next to the XML if there is exactly one, else none. ``cache`` overrides
    :func:`cache_dir`. No in-process caching here: use :func:`load_icd10cm` for that.
    """
    started = time.perf_counter()
    if path is None:
        path, packaged_list = packaged_sources()
        code_list = code_list or packaged_list
    elif code_list is None:
        siblings = sorted(Path(path).parent.glob(_CODE_LIST_GLOB))
        code_list = siblings[0] if len(siblings) == 1 else None
    path = Path(path)
    key = _cache_key(path, code_list)
    file: Path | None = None
    if use_cache:
        try:
            file = (cache or cache_dir()) / f"icd10cm-{key}.marshal"
        except RuntimeError:  # Path.home() without a home directory
            file = None
    index: Icd10cm | None = None
    payload = _read_cache(file, key) if file is not None else None
    if payload is not None:
        try:
            index = Icd10cm(payload, release)
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("ignoring malformed ICD-10-CM cache %s: %s", file, exc)
    source = "cache"
    if index is None:
        source = "built"
        payload = _build_payload(path, code_list)
        payload["key"] = key
        if file is not None and not _write_cache(file, payload):
            file = None
        index = Icd10cm(payload, release)
    index.load_info = LoadInfo(source, time.perf_counter() - started, file)
    return index


@functools.cache
def _load_cached(path: Path | None) -> Icd10cm:
    return read_icd10cm(path)


def load_icd10cm(path: Path | None = None) -> Icd10cm:
    """The index for ``path`` (None = the packaged April 1, 2026 release), one per process."""
    return _load_cached(None if path is None else Path(path).resolve())


load_icd10cm.cache_clear = _load_cached.cache_clear  # type: ignore[attr-defined]
