"""`scrub837 validate`: partner mode on the command line (thin over scrubber.validate).

Registered on the main group by scrubber.cli: `main.add_command(validate)`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scrubber.api import ScrubOptions, output_stems
from scrubber.cli_options import (
    check_inputs,
    check_workers_option,
    cluster_for,
    cluster_option,
    echo,
    file_errors,
    out_option,
    outcomes,
    run_options,
)
from scrubber.validate import ACKS, ValidateResult
from scrubber.validate import validate as validate_file


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--ack",
    "acks",
    multiple=True,
    type=click.Choice(ACKS, case_sensitive=False),
    help="Acknowledgment to write: 999, 277ca (repeat for both; default: both).",
)
@out_option("the report and acknowledgments")
@run_options
@click.option(
    "--control-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Counter file holding the last control number used (ISA13/GS06/ST02); "
    "default: .scrub837-control in the output folder.",
)
@cluster_option
@check_workers_option
def validate(
    files: tuple[Path, ...],
    acks: tuple[str, ...],
    out_dir: Path | None,
    no_tr3: bool,
    tr3_engine: str | None,
    jobs: int,
    profile: str,
    code_sets: tuple[Path, ...],
    control_file: Path | None,
    cluster: str | None,
    check_workers: int | None,
) -> None:
    """Partner mode: check FILES without correcting them; write NAME.report.json, a 999
    (NAME.999, or a TA1 when the interchange header is bad) and a 277CA (NAME.277ca).

    \b
    Exit status: 0 everything accepted, 1 some transactions or claims rejected,
    2 usage error, 3 a file rejected as a whole, 4 internal error.
    """
    check_inputs(files)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    options = ScrubOptions(
        out_dir=out_dir,
        tr3=not no_tr3,
        tr3_engine=tr3_engine,
        jobs=jobs,
        check_workers=check_workers,
        profile=profile,
        code_sets=code_sets,
        mode="validate",
    )
    wanted = tuple(a.lower() for a in acks) or ACKS
    worst = 0
    stems = dict(zip(files, output_stems(files, out_dir), strict=True))

    def run(path: Path, given: ScrubOptions) -> ValidateResult:
        return validate_file(path, given, acks=wanted, counter_file=control_file, stem=stems[path])

    # on a cluster every file runs here in turn (control numbers are taken in input order),
    # its TR3 chunks on the workers
    with cluster_for(cluster) as connected:
        for path, outcome in outcomes(files, options, connected, run):
            with file_errors(path):
                result = outcome()
            _echo(path, result)
            worst = max(worst, result.exit_status)
    sys.exit(worst)


def _echo(path: Path, result: ValidateResult) -> None:
    t, c = result.transactions, result.claims
    echo(
        f"{path.name}: {result.status} - transactions {t['accepted']} accepted, "
        f"{t['rejected']} rejected; claims {c['accepted']} accepted, {c['rejected']} rejected"
        + (
            f", {c['in_rejected_transactions']} in rejected transactions"
            if c["in_rejected_transactions"]
            else ""
        )
    )
    for reply in result.interchanges:
        if reply.ta1 is not None:
            echo(f"  interchange {reply.received_control}: rejected (TA1 note {reply.ta1})")
    rejection = result.scrub.report.get("rejection")
    if rejection:
        echo(f"  rejected: {rejection['message']}")
    for note in result.notes:
        echo(f"  note: {note}")
    for name in ("999", "277ca", "json", "html"):
        if result.outputs.get(name):
            echo(f"  {name:5}  {result.outputs[name]}")
