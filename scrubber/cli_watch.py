"""`scrub837 watch`: the command line of the drop-folder service (scrubber/watch/).

Registered on the main group with ``main.add_command(watch)``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scrubber.api import EXIT_INTERNAL, EXIT_USAGE
from scrubber.cli_options import (
    cluster_for,
    cluster_option,
    ledger_choice,
    ledger_options,
    mask_phi_option,
    run_options,
)

_DIR = click.Path(path_type=Path, file_okay=False)


@click.command("watch", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("inbox", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--out", "out", type=_DIR, required=True, help="Folder for the clean 837s.")
@click.option("--held", type=_DIR, help="Folder for the held 837s (default: OUT/held).")
@click.option("--reports", type=_DIR, help="Folder for the reports (default: OUT/reports).")
@click.option("--archive", type=_DIR, help="Where processed inputs go (default: STATE/archive).")
@click.option(
    "--failed",
    type=_DIR,
    help="Where rejected and unprocessable inputs go, each with its report "
    "(default: STATE/failed).",
)
@click.option(
    "--settle",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="Seconds a file's size and mtime must stay unchanged before it is scrubbed.",
)
@click.option(
    "--poll",
    type=click.FloatRange(min=0.05),
    default=2.0,
    show_default=True,
    help="Seconds between rescans of the inbox (file events also wake the watcher).",
)
@click.option(
    "--incomplete-wait",
    type=click.FloatRange(min=0),
    default=300.0,
    show_default=True,
    help="Seconds a settled X12 file that does not end with IEA waits for the rest of its "
    "upload before it is scrubbed (and rejected as truncated).",
)
@click.option(
    "--state",
    type=_DIR,
    help="Folder for the journal and work files, outside the inbox; created 0700, refused "
    "when others can write it (default: under ~/.local/state/scrub837, or $STATE_DIRECTORY).",
)
@click.option(
    "--log",
    "log_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Append JSON-lines log here (default: stderr).",
)
@click.option("--once", is_flag=True, help="Process what is in the inbox, then exit (for cron).")
@run_options
@ledger_options
@mask_phi_option
@cluster_option
def watch(
    inbox: Path,
    out: Path,
    held: Path | None,
    reports: Path | None,
    archive: Path | None,
    failed: Path | None,
    settle: float,
    poll: float,
    incomplete_wait: float,
    state: Path | None,
    log_file: Path | None,
    once: bool,
    no_tr3: bool,
    tr3_engine: str | None,
    jobs: int,
    profile: str,
    code_sets: tuple[Path, ...],
    mask_phi: bool,
    ledger: Path | None,
    no_ledger: bool,
    cluster: str | None,
) -> None:
    """Watch INBOX (an SFTP drop folder) and scrub each file once its upload is complete.

    \b
    Clean 837s go to --out, held ones to --held, reports to --reports; only then is
    the input moved to --archive (or to --failed, with its report, when rejected).
    A journal in --state makes it exactly once: a re-upload of the same bytes is a
    logged no-op, and a crash followed by a restart neither loses nor duplicates.
    Logs are JSON lines without patient data. SIGTERM finishes the file in hand,
    then exits 0.
    """
    from scrubber.watch.config import crash_hook_from_environment
    from scrubber.watch.jsonlog import where
    from scrubber.watch.service import ConfigError, WatchConfig, Watcher

    config = WatchConfig(
        inbox=inbox,
        out=out,
        held=held,
        reports=reports,
        archive=archive,
        failed=failed,
        state=state,
        log=log_file,
        settle=settle,
        poll=poll,
        incomplete_wait=incomplete_wait,
        once=once,
        tr3=not no_tr3,
        tr3_engine=tr3_engine,
        profile=profile,
        mask_phi=mask_phi,
        jobs=jobs,
        code_sets=code_sets,
        ledger=ledger_choice(ledger, no_ledger),
    )
    with cluster_for(cluster) as connected:  # each file's TR3 chunks on its workers
        config.cluster = connected
        try:
            status = Watcher(config, crash_hook_from_environment()).run()
        except ConfigError as error:
            click.echo(f"scrub837 watch: {error}", err=True)
            sys.exit(EXIT_USAGE)
        except Exception as error:  # a bug or a broken state folder: short message, no traceback
            click.echo(
                f"scrub837 watch: internal error ({type(error).__name__}: {where(error)}). "
                "This is a bug; please report it with the watcher log.",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)
        sys.exit(status)


if __name__ == "__main__":  # pragma: no cover
    watch()
