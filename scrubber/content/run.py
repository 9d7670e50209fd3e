"""The content view of one run: the store's releases plus the run's --code-set and --ncci files."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from scrubber.content.periods import ncci_version_start, quarter_end, quarter_in_name
from scrubber.content.release import PtpRelease, Release
from scrubber.content.store import ContentStore
from scrubber.content.view import ContentView, icd10cm_release

__all__ = ["run_content"]


def _ptp_addition(path: Path) -> Release:
    from scrubber.ncci import load_ptp

    table = load_ptp(path)
    start = ncci_version_start(path.name) or quarter_in_name(path.name)
    return PtpRelease(
        kind="ptp",
        name=f"NCCI PTP {path.name}",
        # a file whose name states no quarter judges every date (its edits carry their own)
        effective_from=start or date.min,
        effective_to=quarter_end(start) if start else None,
        source=path.name,
        sha256="",
        installed=None,
        origin="run",
        loader=lambda: table,
    )


def run_content(
    store: Path | None = None,
    code_sets: Iterable[str | Path] = (),
    ncci: Path | None = None,
    *,
    use_store: bool = True,
) -> ContentView:
    """The store's releases (``store`` None: the default folder; a missing folder is an empty
    store) with the one-run additions over them: a --code-set release replaces the store's
    release with the same start; an --ncci file replaces the store's PTP releases for its
    quarter, or for every date when its name states no quarter."""
    from scrubber.codesets.releases import load_code_set, parse_code_set_spec

    releases: list[Release] = []
    if use_store:
        content = ContentStore(store)
        if content.root.exists():
            releases = content.releases()
    for spec in code_sets:
        path, _start = parse_code_set_spec(spec)
        releases.append(icd10cm_release(load_code_set(spec), source=path.name))
    if ncci is not None:
        addition = _ptp_addition(Path(ncci))
        if addition.effective_from == date.min:
            releases = [r for r in releases if r.kind != "ptp"]
        releases.append(addition)
    return ContentView(releases)
