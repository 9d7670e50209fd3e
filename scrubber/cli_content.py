"""`scrub837 content add|list|remove`: the content store from the command line."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from scrubber.cli_options import content_option
from scrubber.content.periods import ContentError, NeedsEffective
from scrubber.content.release import KIND_TITLES, KINDS
from scrubber.content.store import ContentStore


def _day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"{value} is not a date (YYYY-MM-DD)") from error


@click.group("content")
def content() -> None:
    """Dated reference content: ICD-10-CM, HCPCS, NCCI PTP, MUE, coverage, CPT, CARC/RARC."""


@content.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--effective",
    callback=_day,
    metavar="YYYY-MM-DD",
    help="First date of service the file applies to (where its name does not say).",
)
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    help="What the file is (where its name and first lines do not say).",
)
@content_option
def add(files: tuple[Path, ...], effective: date | None, kind: str | None) -> None:
    """Install CMS (or your own) files into the content store."""
    store = ContentStore()
    for path in files:
        try:
            try:
                release = store.add(path, effective=effective, kind=kind)
            except NeedsEffective:
                if not sys.stdin.isatty():
                    raise
                # at a terminal, ask rather than fail
                given = click.prompt(
                    f"{path.name} does not say which dates it applies to. First date of "
                    "service (YYYY-MM-DD)",
                    value_proc=lambda text: _day(None, None, text),  # type: ignore[arg-type]
                )
                release = store.add(path, effective=given, kind=kind)
        except ContentError as error:
            raise click.UsageError(str(error)) from error
        end = f"to {release.effective_to}" if release.effective_to else "until replaced"
        click.echo(f"{path.name}: {release.name} ({release.effective_from} {end}) as {release.id}")


@content.command("list")
@content_option
def list_command() -> None:
    """The installed releases and the dates of service each kind does not cover."""
    from scrubber.content.view import ContentView

    store = ContentStore()
    try:
        view = ContentView(store.releases() if store.root.exists() else [])
    except ContentError as error:
        raise click.UsageError(str(error)) from error
    rows = [("kind", "release", "from", "to", "source", "sha256", "id")]
    for kind in KINDS:
        for r in view.releases(kind):
            rows.append(
                (
                    kind,
                    r.name,
                    r.effective_from.isoformat(),
                    r.effective_to.isoformat() if r.effective_to else "-",
                    r.source,
                    r.sha256[:12] or "-",
                    r.id or "-",
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    uncovered = [(kind, view.gaps(kind)) for kind in KINDS]
    uncovered = [(kind, missing) for kind, missing in uncovered if missing]
    click.echo(f"\nstore: {store.root}\nnot covered:" + ("" if uncovered else " no gaps"))
    for kind, missing in uncovered:
        text = "; ".join(str(g) for g in missing)
        click.echo(f"  {kind:9} {KIND_TITLES[kind]}: {text}")


@content.command("remove")
@click.argument("release_ids", nargs=-1, required=True)
@content_option
def remove(release_ids: tuple[str, ...]) -> None:
    """Take releases out of the store (by the id `content list` shows)."""
    store = ContentStore()
    for release_id in release_ids:
        try:
            release = store.remove(release_id)
        except ContentError as error:
            raise click.UsageError(str(error)) from error
        click.echo(f"removed {release.name} ({release.id})")
