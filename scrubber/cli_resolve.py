"""`scrub837 resolve`: a coder's decisions applied to a held 837 (thin over scrubber.resolve).

Registered on the main group by scrubber.cli.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scrubber.api import ScrubOptions
from scrubber.cli_options import file_errors, out_option, run_options
from scrubber.resolve import DecisionsError, ResolveError, load_decisions, resolve


@click.command("resolve")
@click.argument("held", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--decisions",
    "decisions_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The decisions file (JSON, docs/decisions.md); the desk exports it.",
)
@out_option("the resolved and still-held 837s")
@run_options
def resolve_command(
    held: Path,
    decisions_path: Path,
    out_dir: Path | None,
    no_tr3: bool,
    tr3_engine: str | None,
    jobs: int,
    profile: str,
    code_sets: tuple[Path, ...],
) -> None:
    """Apply the decisions to the claims of HELD.837, re-scrub the changed claims, and write
    NAME.resolved.837 (now clean: upload it), NAME.still-held.837 and NAME.resolve.json.

    \b
    Exit status: 0 every claim resolved, 1 some still held, 2 usage error
    (a decisions file that does not fit the held file included).
    """
    if not held.is_file():
        raise click.UsageError(f"{held}: no such file")
    try:
        decisions = load_decisions(decisions_path)
    except DecisionsError as error:
        raise click.UsageError(str(error)) from error
    options = ScrubOptions(
        tr3=not no_tr3, tr3_engine=tr3_engine, jobs=jobs, profile=profile, code_sets=code_sets
    )
    problem = ""
    with file_errors(held):  # (it would count a usage error raised inside it as a bug)
        try:
            result = resolve(held, decisions, out_dir, options)
        except (DecisionsError, ResolveError) as error:
            problem = str(error)
    if problem:
        raise click.UsageError(problem)
    counts, charges = result.counts, result.charges
    click.echo(
        f"{held.name}: {counts['claims']} claims: {counts['resolved']} resolved, "
        f"{counts['held']} still held (${charges['held']} of ${charges['total']} held)"
    )
    for outcome in result.outcomes:
        if outcome.outcome == "held":
            click.echo(f"  held {outcome.claim_id}: " + "; ".join(outcome.reasons))
        for warning in outcome.warnings:
            click.echo(f"  warning: claim {outcome.claim} {outcome.claim_id}: {warning}", err=True)
    for name, path in (("resolved", result.resolved), ("held", result.held)):
        if path is not None:
            click.echo(f"  {name:8}  {path}")
    click.echo(f"  {'report':8}  {result.report}")
    sys.exit(0 if counts["held"] == 0 else 1)
