"""`scrub837 remit` and `scrub837 denials`: thin over scrubber.remit."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path

import click

from scrubber.api import EXIT_CLEAN, EXIT_HELD, EXIT_REJECTED
from scrubber.cli_options import file_errors
from scrubber.ledger import Ledger
from scrubber.remit.api import RemitOptions, RemitResult, ledger_path, remit

ledger_option = click.option(
    "--ledger",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The claim ledger (default: ledger.sqlite3 in the data directory).",
)


def _echo_result(result: RemitResult) -> int:
    name = result.input.name
    if result.status != "read":
        click.echo(f"{name}: {result.status} - {result.message}")
        return EXIT_REJECTED if result.status == "rejected" else EXIT_CLEAN
    unmatched = result.unmatched_count
    click.echo(
        f"{name}: read - {len(result.payments)} payments, {result.claims} claims "
        f"({result.matched} matched, {unmatched} unmatched)"
    )
    for p in result.payments:
        if not p.recorded:
            click.echo(f"  payment {p.trace} from {p.payer_id}: not recorded ({p.note})")
            continue
        tie = "ties" if p.ties else "DOES NOT TIE"
        click.echo(
            f"  payment {p.trace} from {p.payer_id} {p.payer_name}: BPR02 ${p.amount} = claims "
            f"${p.claims_paid} - provider adjustments ${p.provider_adjustments}: {tie}"
        )
    for claim_id, charge, reason in result.unmatched:
        click.echo(f"  unmatched: {claim_id} ${charge}: {reason}")
    if unmatched > len(result.unmatched):
        click.echo(f"  ... {unmatched - len(result.unmatched)} more unmatched (in the ledger)")
    for line in result.tr3_errors:
        click.echo(f"  TR3 (pyx12 005010X221A1): {line}")
    for line in result.problems:
        click.echo(f"  problem: {line}")
    return EXIT_CLEAN if result.clean else EXIT_HELD


@click.command("remit")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@ledger_option
@click.option("--no-validate", is_flag=True, help="Skip pyx12's 835 (005010X221A1) validation.")
def remit_command(files: tuple[Path, ...], ledger: Path | None, no_validate: bool) -> None:
    """Read 835 remittance FILES into the claim ledger, matched to the claims sent.

    \b
    A re-read of the same file changes nothing. Exit status: 0 everything read,
    matched and tied to BPR02; 1 unmatched claims, untied payments or problems;
    2 usage error; 3 a file that is not an 835.
    """
    options = RemitOptions(ledger=ledger or True, validate=not no_validate)
    worst = 0
    for path in files:
        if not path.is_file():
            raise click.UsageError(f"{path}: no such file")
        with file_errors(path):
            result = remit(path, options)
        worst = max(worst, _echo_result(result))
    sys.exit(worst)


@click.command("denials")
@ledger_option
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Payments from this day.")
@click.option("--payer", help="One payer (its id as in the 835).")
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for denials.html and denials.json (default: the current folder).",
)
@click.option(
    "--min-denials",
    type=click.IntRange(1),
    default=3,
    show_default=True,
    help="Denied lines a pattern needs before it is proposed as a rule.",
)
@click.option(
    "--content",
    type=click.Path(path_type=Path, file_okay=False),
    help="Content store with the CARC/RARC lists (default: the user's store).",
)
@click.option("--accept", "accept_rule", metavar="RULE", help="Accept this proposed rule ...")
@click.option(
    "--profile",
    type=click.Path(path_type=Path, dir_okay=False),
    help="... into this payer profile (a TOML file; created when missing).",
)
def denials_command(
    ledger: Path | None,
    since: datetime | None,
    payer: str | None,
    out_dir: Path | None,
    min_denials: int,
    content: Path | None,
    accept_rule: str | None,
    profile: Path | None,
) -> None:
    """What the payers denied: denials.html (charts) and denials.json, and proposed rules.

    \b
    `--accept RULE --profile FILE` writes a proposed rule into a payer profile;
    `scrub837 scrub --profile FILE` then holds claims that break it (RMT001).
    """
    from scrubber.remit.accept import accept
    from scrubber.remit.denials import analyse
    from scrubber.remit.page import write_page
    from scrubber.x12.writer import open_private

    if (accept_rule is None) != (profile is None):
        raise click.UsageError("--accept RULE and --profile FILE go together")
    path = ledger_path(ledger or True)
    if not path.exists():
        raise click.UsageError(f"no claim ledger at {path}: scrub claims and read 835s first")
    day = since.date() if since else None
    with file_errors(path), Ledger(path) as opened:
        report, proposals = analyse(
            opened.db, since=day, payer=payer, min_denials=min_denials, content=content
        )
    if accept_rule is not None and profile is not None:
        chosen = next((p for p in proposals if p.id == accept_rule), None)
        if chosen is None:
            known = ", ".join(p.id for p in proposals) or "none"
            raise click.UsageError(f"no proposed rule {accept_rule}; proposed now: {known}")
        with file_errors(profile):
            written = accept(chosen, profile, today=date.today())
        what = "accepted into" if written else "already in"
        click.echo(f"{chosen.id}: {chosen.describe()}; {what} {profile}")
        click.echo(f"  evidence: {chosen.summary()}")
        return
    folder = out_dir or Path.cwd()
    folder.mkdir(parents=True, exist_ok=True)
    with open_private(folder / "denials.json") as out:
        json.dump(report, out, indent=2)
    write_page(report, folder / "denials.html")
    t = report["totals"]
    click.echo(
        f"{t['claims']} claims remitted, {t['denied']} denied ({t['rate']:.1%}), "
        f"${t['denied_dollars']} denied; {t['missed']} passed clean then denied; "
        f"{t['recovered']} held then paid; {t['unmatched']} unmatched"
    )
    for p in proposals:
        click.echo(f"  proposed {p.id}: {p.describe()} - {p.summary()}")
    click.echo(f"  html  {folder / 'denials.html'}\n  json  {folder / 'denials.json'}")
