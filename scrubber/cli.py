"""The command line: thin over scrubber.api."""

from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
from pathlib import Path

import click

from scrubber import __version__
from scrubber.api import ScrubOptions, ScrubResult, output_stems, scrub, write_run_index
from scrubber.catalogue import load_catalogue
from scrubber.cli_options import (
    check_inputs,
    check_workers_option,
    cluster_for,
    cluster_option,
    echo,
    file_errors,
    ledger_choice,
    ledger_options,
    mask_phi_option,
    out_option,
    outcomes,
    run_options,
)


def _ids(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip().upper() for value in values for part in value.split(",") if part)


_CLI_PID = os.getpid()


def _terminate(signum: int, _frame: object) -> None:
    if os.getpid() != _CLI_PID:
        # a process forked from the CLI (a TR3 worker): end at once, never unwind the CLI's
        # frames it holds a copy of (their clean-ups belong to the CLI process)
        os._exit(128 + signum)
    sys.exit(128 + signum)


class _Commands(click.Group):
    """The group, with the commands that live in their own modules (partner mode, the
    drop-folder service, ...) imported only when named or listed: `scrub --no-tr3` never loads
    pyx12, the desk's web stack or the acknowledgments."""

    LAZY = {
        "validate": "scrubber.cli_validate:validate",
        "watch": "scrubber.cli_watch:watch",
        "resolve": "scrubber.cli_resolve:resolve_command",
        "content": "scrubber.cli_content:content",
        "desk": "scrubber.cli_desk:desk",
        "remit": "scrubber.cli_remit:remit_command",
        "denials": "scrubber.cli_remit:denials_command",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY and cmd_name not in self.commands:
            module, _, name = self.LAZY[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scrub837")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Scrub X12 837 professional claim files before they go to the clearinghouse."""
    # SIGTERM ends the run like Ctrl-C: temporary outputs are removed on the way out (the
    # watch command installs its own handler: it finishes the file in hand first). Restored
    # when the command ends, for callers that run the CLI in their own process.
    previous = signal.signal(signal.SIGTERM, _terminate)
    ctx.call_on_close(lambda: signal.signal(signal.SIGTERM, previous))
    if not logging.getLogger().handlers:
        # one plain line per event on stderr; never a traceback, never patient data
        logging.basicConfig(level=logging.WARNING, format="scrub837: %(levelname)s %(message)s")


@main.command("scrub")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@out_option("the outputs")
@run_options
@ledger_options
@mask_phi_option
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that change what is coded.")
@click.option(
    "--select", multiple=True, help="Run only these edits (ids or prefixes, comma-separated)."
)
@click.option("--ignore", multiple=True, help="Skip these edits (ids or prefixes).")
@click.option(
    "--ncci",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="CMS quarterly practitioner PTP file (tab-delimited or zip) for THR005.",
)
@click.option(
    "--run-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Judge dates as of this day (default: today).",
)
@cluster_option
@check_workers_option
def scrub_command(
    files: tuple[Path, ...],
    out_dir: Path | None,
    no_tr3: bool,
    tr3_engine: str | None,
    jobs: int,
    unsafe_fixes: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    profile: str,
    mask_phi: bool,
    run_date: object,
    ncci: Path | None,
    code_sets: tuple[Path, ...],
    ledger: Path | None,
    no_ledger: bool,
    cluster: str | None,
    check_workers: int | None,
) -> None:
    """Scrub claim FILES: write NAME.clean.837, NAME.held.837 and NAME.report.html/.json.

    \b
    Exit status: 0 all claims clean or fixed, 1 some held, 2 usage error,
    3 a file rejected as a whole, 4 internal error.
    """
    check_inputs(files)
    options = ScrubOptions(
        out_dir=out_dir,
        tr3=not no_tr3,
        tr3_engine=tr3_engine,
        jobs=jobs,
        check_workers=check_workers,
        unsafe_fixes=unsafe_fixes,
        select=_ids(select),
        ignore=_ids(ignore),
        profile=profile,
        mask_phi=mask_phi,
        run_date=run_date.date() if hasattr(run_date, "date") else None,
        ncci=ncci,
        code_sets=code_sets,
        ledger=ledger_choice(ledger, no_ledger),
    )
    with cluster_for(cluster) as connected:
        worst, results = _scrub_files(files, options, connected)
    if len(results) > 1:
        echo(f"index  {write_run_index(results, out_dir or files[0].parent)}")
    sys.exit(worst)


def _scrub_files(
    files: tuple[Path, ...], options: ScrubOptions, cluster: object
) -> tuple[int, list[ScrubResult]]:
    worst = 0
    results: list[ScrubResult] = []
    stems = dict(zip(files, output_stems(files, options.out_dir), strict=True))

    def here(path: Path, given: ScrubOptions) -> ScrubResult:
        return scrub(path, given, stem=stems[path])

    for path, outcome in outcomes(files, options, cluster, here, stems):
        with file_errors(path):
            result = outcome()
        counts = result.counts
        echo(
            f"{path.name}: {result.status} - {counts['claims']} claims: {counts['clean']} clean, "
            f"{counts['fixed']} fixed, {counts['held']} held"
            + (f", {counts['rejected']} rejected" if counts.get("rejected") else "")
            + f" (${result.charges['held']} of ${result.charges['total']} held)"
        )
        if result.report.get("rejection"):
            echo(f"  rejected: {result.report['rejection']['message']}")
        for name in ("clean", "held", "html", "json"):
            if result.outputs.get(name):
                echo(f"  {name:5}  {result.outputs[name]}")
        worst = max(worst, result.exit_status)
        results.append(result)
    return worst, results


@main.command("edits")
@click.argument("edit_id", required=False)
def edits_command(edit_id: str | None) -> None:
    """List the edit catalogue, or explain one edit."""
    catalogue = load_catalogue()
    if edit_id is None:
        for spec in catalogue.values():
            click.echo(f"{spec.id:7} {spec.severity:8} fix:{spec.fix:7} {spec.title}")
        return
    found = catalogue.get(edit_id.upper())
    if found is None:
        raise click.UsageError(f"no edit {edit_id}; `scrub837 edits` lists them")
    spec = found
    click.echo(f"{spec.id} {spec.name}: {spec.title}\n")
    click.echo(f"Severity: {spec.severity}    Fix: {spec.fix}\n")
    for heading, text in (
        ("What it checks", spec.what),
        ("Why payers care", spec.why),
        ("Failing example", spec.shown_example),
        ("Use instead", spec.shown_use_instead),
        ("The fix", spec.fix_text),
        ("Source", spec.source),
    ):
        click.echo(f"{heading}:\n  " + text.replace("\n", "\n  ") + "\n")
