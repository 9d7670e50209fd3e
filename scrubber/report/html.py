"""The HTML report that billing staff open first, and the index of a multi-file run.

`render_html(report)` turns the report dict (the same data as the JSON report) into one
self-contained HTML page: inline CSS and inline JS only, nothing fetched, every value from the
file escaped (Jinja2 autoescape, plus `markupsafe.escape` for the few fragments built here).
A Content-Security-Policy in the page allows only its own inline style and script (by hash), so
the page cannot load anything even if a value slipped through unescaped.

`write_html(out, report, claims)` / `iter_html(...)` do the same as a stream, taking the
claims one at a time (for instance from the run's spool), so a large file's report is never
held in memory whole. `write_index(entries, out_dir)` renders `scrub-index.html`: one row per
scrubbed file.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from markupsafe import Markup

import scrubber
from scrubber.report.content import content_context
from scrubber.report.formatting import (
    _decimal,
    _delimiters,
    _int,
    _num,
    _text,
    format_money,
    format_timestamp,
    highlight_changes,
    highlight_element,
    status_sentence,
)
from scrubber.report.views import (
    _GROUP_ORDER,
    _GROUPS,
    GroupTotal,
    _ClaimStream,
    _edit_views,
    _finding_view,
    _group_key,
    _rejection,
    _sorted_findings,
    _totals_from_claims,
    _totals_from_report,
)

__all__ = [
    "INDEX_NAME",
    "format_money",
    "highlight_element",
    "highlight_changes",
    "iter_html",
    "render_html",
    "render_index",
    "status_sentence",
    "templates_dir",
    "write_html",
    "write_index",
]

INDEX_NAME = "scrub-index.html"
DEFAULT_ELEMENT_SEP = "*"
DEFAULT_COMPONENT_SEP = ":"

SEVERITY_LABELS = {"error": "Error", "warning": "Warning", "info": "Info"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
DISPOSITION_LABELS = {"held": "Held", "fixed": "Fixed", "clean": "Clean"}
STATUS_LABELS = {"clean": "Clean", "held": "Held", "rejected": "Rejected"}

# "HI01-2" = element 1, component 2; "SV107" = element 7, whole; "NM109" = element 9.
# The element number is always two digits after the segment id ("HI12-2" is element 12).
_ELEMENT_REF = re.compile(r"^\s*(?:[A-Z][A-Z0-9]{1,2}(\d{2})|(\d{1,2}))(?:\s*-\s*(\d{1,2}))?\s*$")
_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


# --------------------------------------------------------------------------- templates


def templates_dir() -> Path:
    """The Jinja2 templates: inside the installed package, else the repo's top-level folder."""
    package_dir = Path(scrubber.__file__).resolve().parent
    shipped = package_dir / "templates"
    if shipped.is_dir():
        return shipped
    return package_dir.parent / "templates"


@lru_cache(maxsize=1)
@lru_cache(maxsize=1)
def _environment() -> Environment:
    # one environment a process: each template compiled once per run, not once per file
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        bytecode_cache=_compiled_templates(),
    )
    env.filters["money"] = format_money
    env.filters["num"] = _num
    return env


def _compiled_templates() -> FileSystemBytecodeCache | None:
    """The templates as compiled Python, kept in the cache folder (keyed by each template's
    source, so an edited template is compiled again): compiling them costs a run about a
    tenth of a second. Templates only, never claim data. None when the folder can't be made."""
    from scrubber.codesets.cache import cache_dir

    folder = cache_dir() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder))


@lru_cache(maxsize=4)
def _asset(name: str) -> tuple[Markup, str]:
    """A static inline asset (CSS or JS) and its CSP hash source ('sha256-...')."""
    text = _environment().get_template(name).render()
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    # The asset is our own static file, not data from the claim file.
    return Markup(text), f"'sha256-{digest}'"


def _csp(style_hash: str, script_hash: str | None) -> Markup:
    """The page's Content-Security-Policy: nothing but its own inline style and script."""
    script = script_hash if script_hash else "'none'"
    # Our own constant text (hashes are base64), so it needs no escaping.
    return Markup(
        "default-src 'none'; "
        f"style-src {style_hash}; "
        f"script-src {script}; "
        "img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


def _report_context(
    report: Mapping[str, Any],
    claims: Iterable[Any],
    totals: Mapping[str, GroupTotal],
) -> dict[str, Any]:
    separators = _delimiters(report)
    edits = report.get("edits") or {}
    if not isinstance(edits, Mapping):
        edits = {}
    file_findings = _sorted_findings(
        [
            _finding_view(f, edits, *separators)
            for f in report.get("findings") or []
            if isinstance(f, Mapping)
        ]
    )
    edit_counts: dict[str, int] = {}
    for f in file_findings:
        edit_counts[f.edit] = edit_counts.get(f.edit, 0) + 1
    stream = _ClaimStream(claims, edits, separators, totals, edit_counts)
    counts = report.get("counts") or {}
    charges = report.get("charges") or {}
    status = _text(report.get("status")).lower()
    rejection = report.get("rejection")
    outputs = report.get("outputs") or {}
    css, style_hash = _asset("report.css.j2")
    js, script_hash = _asset("report.js.j2")
    notes = report.get("notes") or []
    nav = [
        (f"g-{key}", _GROUPS[key][0], totals[key].count)
        for key in sorted(totals, key=lambda k: _GROUP_ORDER.get(k, 9))
        if totals[key].count
    ]
    return {
        "input": _text(report.get("input")) or "(unnamed file)",
        "sha256": _text(report.get("sha256")),
        "status": status if status in STATUS_LABELS else "other",
        "status_label": STATUS_LABELS.get(status, _text(report.get("status")) or "Unknown"),
        "headline": status_sentence(report),
        "mode": _text(report.get("mode")) or "scrub",
        "masked": bool(report.get("phi_masked")),
        "scrubber_version": _text(report.get("scrubber_version")),
        "code_set": _text(report.get("code_set")),
        "content": content_context(report.get("content")),
        "profile": _text(report.get("profile")) or "default",
        "generated": format_timestamp(report.get("generated_at")),
        "generated_iso": _text(report.get("generated_at")),
        "rejection": _rejection(rejection, edits) if status == "rejected" or rejection else None,
        "notes": [_text(n) for n in notes] if isinstance(notes, list) else [_text(notes)],
        "counts": {
            "claims": _int(counts.get("claims")),
            "clean": _int(counts.get("clean")),
            "fixed": _int(counts.get("fixed")),
            "held": _int(counts.get("held")),
        },
        "charges": {
            "total": format_money(charges.get("total")),
            "clean": format_money(charges.get("clean")),
            "held": format_money(charges.get("held")),
        },
        "outputs": {
            "clean": _text(outputs.get("clean")),
            "held": _text(outputs.get("held")),
            "json": _text(outputs.get("json")),
        },
        "file_findings": file_findings,
        "nav": nav,
        "items": stream,
        "edit_list": lambda: _edit_views(edits, stream.edit_counts),
        "edit_ids": sorted({_text(e) for e in edits} | {f.edit for f in file_findings}),
        "severities": ["error", "warning", "info"],
        "severity_labels": SEVERITY_LABELS,
        "css": css,
        "js": js,
        "csp": _csp(style_hash, script_hash),
    }


def iter_html(
    report: Mapping[str, Any], claims: Iterable[Mapping[str, Any]] | None = None
) -> Iterator[str]:
    """The report page in pieces, for writing to a file as it is rendered.

    Without `claims`, the claims are `report["claims"]`, put in the order held, fixed, clean
    (file order within each). With `claims` (for instance read back from a spool), they are
    taken one at a time in the order given, which should be held, then fixed, then clean;
    the group headings then take their sizes from `report["counts"]` and `report["charges"]`.
    """
    if claims is None:
        given = [c for c in report.get("claims") or [] if isinstance(c, Mapping)]
        ordered = sorted(given, key=lambda c: _GROUP_ORDER[_group_key(c.get("disposition"))])
        context = _report_context(report, ordered, _totals_from_claims(ordered))
    else:
        context = _report_context(report, claims, _totals_from_report(report))
    yield from _environment().get_template("report.html.j2").generate(**context)


def render_html(report: Mapping[str, Any]) -> str:
    """The report page for one input file (apply `mask_report` first for --mask-phi)."""
    return "".join(iter_html(report))


def write_html(
    out: TextIO, report: Mapping[str, Any], claims: Iterable[Mapping[str, Any]] | None = None
) -> None:
    """Write the report page to `out` as it is rendered (see `iter_html` for `claims`)."""
    for chunk in iter_html(report, claims):
        out.write(chunk)


# --------------------------------------------------------------------------- index


@dataclass(slots=True)
class IndexRow:
    input: str
    href: str | None
    status: str
    status_label: str
    reason: str
    claims: int
    held: int
    fixed: int
    clean: int
    total: str
    held_charge: str
    clean_charge: str


def _href(target: str, out_dir: Path | None) -> str | None:
    """A relative link to a report file, percent-quoted so that no file name can become a
    'javascript:' (or any other scheme) URL."""
    if not target:
        return None
    path = target
    if out_dir is not None and os.path.isabs(path):
        with contextlib.suppress(ValueError):  # another drive on Windows
            path = os.path.relpath(path, out_dir)
    path = path.replace(os.sep, "/")
    quoted = quote(path, safe="/")
    if not quoted.startswith(("/", "./", "../")):
        quoted = "./" + quoted
    return quoted


def _index_row(entry: Mapping[str, Any], out_dir: Path | None) -> IndexRow:
    counts = entry.get("counts") or {}
    charges = entry.get("charges") or {}
    outputs = entry.get("outputs") or {}
    target = _text(outputs.get("html") if isinstance(outputs, Mapping) else "") or _text(
        entry.get("html")
    )
    status = _text(entry.get("status")).lower()
    rejection = entry.get("rejection")
    reason = _text(rejection.get("message")) if isinstance(rejection, Mapping) else ""
    return IndexRow(
        input=_text(entry.get("input")) or "(unnamed file)",
        href=_href(target, out_dir),
        status=status if status in STATUS_LABELS else "other",
        status_label=STATUS_LABELS.get(status, _text(entry.get("status")) or "Unknown"),
        reason=reason,
        claims=_int(counts.get("claims")),
        held=_int(counts.get("held")),
        fixed=_int(counts.get("fixed")),
        clean=_int(counts.get("clean")),
        total=format_money(charges.get("total") or "0"),
        held_charge=format_money(charges.get("held") or "0"),
        clean_charge=format_money(charges.get("clean") or "0"),
    )


def render_index(
    entries: Sequence[Mapping[str, Any]],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    generated_at: str | None = None,
) -> str:
    """The `scrub-index.html` page: one row per scrubbed file, linking to its report.
    `entries` are report dicts (or any dicts with input, status, counts, charges and
    outputs.html or html)."""
    base = Path(out_dir) if out_dir is not None else None
    rows = [_index_row(e, base) for e in entries]
    totals = {
        "files": len(rows),
        "claims": sum(r.claims for r in rows),
        "held": sum(r.held for r in rows),
        "fixed": sum(r.fixed for r in rows),
        "clean": sum(r.clean for r in rows),
        "rejected": sum(1 for r in rows if r.status == "rejected"),
    }
    money = {}
    for key in ("total", "held", "clean"):
        amount = sum(
            (_decimal((e.get("charges") or {}).get(key) or "0") for e in entries), Decimal(0)
        )
        money[key] = format_money(amount)
    when = generated_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    css, style_hash = _asset("report.css.j2")
    return (
        _environment()
        .get_template("index.html.j2")
        .render(
            rows=rows,
            totals=totals,
            money=money,
            generated=format_timestamp(when),
            generated_iso=when,
            css=css,
            csp=_csp(style_hash, None),
        )
    )


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path` as mode 0600, via a temporary name renamed into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_index(
    entries: Sequence[Mapping[str, Any]],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    generated_at: str | None = None,
) -> str:
    """Render `scrub-index.html`; with `out_dir`, also write it there (mode 0600, atomic
    rename). Returns the HTML text."""
    html = render_index(entries, out_dir, generated_at=generated_at)
    if out_dir is not None:
        _write_private(Path(out_dir) / INDEX_NAME, html)
    return html
