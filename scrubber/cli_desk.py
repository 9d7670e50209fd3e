"""`scrub837 desk`: serve the desk, and its accounts (thin over scrubber.desk).

Registered on the main group by scrubber.cli.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from scrubber.desk.accounts import AccountError, add_user, check_name, remove_user
from scrubber.desk.batches import Desk
from scrubber.desk.server import DeskServer, ServeError, TlsFiles, check_exposure
from scrubber.desk.store import Store
from scrubber.ledger.store import LEDGER_NAME, default_ledger_path
from scrubber.options import ScrubOptions


def _data_option(function: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--data",
        "data_dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="The desk's folder: database, batches, ledger "
        "(default: $SCRUB837_DATA or ~/.local/share/scrub837).",
    )(function)


def _store(data_dir: Path | None) -> Store:
    return Store(data_dir or default_ledger_path().parent)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _password() -> str:
    """Asked twice on a terminal; else two lines of standard input (for scripts)."""
    if sys.stdin.isatty():
        value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return value
    first, second = sys.stdin.readline().rstrip("\r\n"), sys.stdin.readline().rstrip("\r\n")
    if first != second:
        raise click.UsageError("the two passwords read from standard input differ")
    return first


@click.group("desk", invoke_without_command=True)
@_data_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8837, show_default=True)
@click.option(
    "--tls-cert",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Serve HTTPS with this certificate (PEM; with --tls-key).",
)
@click.option(
    "--tls-key",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The certificate's private key (PEM).",
)
@click.option("--insecure-http", is_flag=True, help="Allow a non-loopback --host without TLS.")
@click.option(
    "--held-folder",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="A folder of held 837s (the watcher's --held, a scrub's -o) the desk can open.",
)
@click.option(
    "--upload-limit",
    type=click.IntRange(1, 2048),
    default=50,
    show_default=True,
    help="Largest upload, in MB.",
)
@click.option("--no-tr3", is_flag=True, help="Scrub uploads without pyx12's TR3 validation.")
@click.pass_context
def desk(
    ctx: click.Context,
    data_dir: Path | None,
    host: str,
    port: int,
    tls_cert: Path | None,
    tls_key: Path | None,
    insecure_http: bool,
    held_folder: Path | None,
    upload_limit: int,
    no_tr3: bool,
) -> None:
    """Serve the desk: coders resolve held claims in their browser (add accounts first with
    `scrub837 desk add-user NAME`)."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = data_dir
        return
    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("--tls-cert and --tls-key go together")
    tls = TlsFiles(tls_cert, tls_key) if tls_cert and tls_key else None
    try:
        warning = check_exposure(host, tls, insecure_http)
    except ServeError as error:
        raise click.UsageError(str(error)) from error
    if warning:
        click.echo(warning, err=True)
    store = _store(data_dir)
    if store.one("SELECT 1 FROM users LIMIT 1") is None:
        click.echo("No accounts yet: add one with `scrub837 desk add-user NAME`.", err=True)
    options = ScrubOptions(tr3=not no_tr3, ledger=store.data_dir / LEDGER_NAME)
    the_desk = Desk(
        store, held_folder=held_folder, upload_limit=upload_limit << 20, options=options
    )
    server = DeskServer(the_desk, host, port, tls)
    # SIGTERM ends the desk like Ctrl-C: the serve loop unwinds, then stop() (never from
    # inside the handler: the loop being stopped is the one the handler interrupted)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        try:
            server.server.prepare()
        except OSError as error:
            raise click.UsageError(f"cannot listen on {host}:{port}: {error.strerror}") from error
        click.echo(f"The desk is at {server.url}/ (Ctrl-C stops it)")
        the_desk.start(server.scrub_workers)
        server.server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()  # also when a signal came before serve(): no server thread outlives it


@desk.command("add-user")
@click.argument("name")
@_data_option
@click.pass_obj
def add_user_command(parent_data: Path | None, name: str, data_dir: Path | None) -> None:
    """Add a desk account NAME (the password is asked twice, or read from standard input)."""
    try:
        check_name(name)  # before the password is asked for
    except AccountError as error:
        raise click.UsageError(str(error)) from error
    store = _store(data_dir or parent_data)
    try:
        add_user(store, name, _password())
    except AccountError as error:
        raise click.UsageError(str(error)) from error
    click.echo(f"added {name}")


@desk.command("remove-user")
@click.argument("name")
@_data_option
@click.pass_obj
def remove_user_command(parent_data: Path | None, name: str, data_dir: Path | None) -> None:
    """Remove the desk account NAME (and end its sessions)."""
    try:
        remove_user(_store(data_dir or parent_data), name)
    except AccountError as error:
        raise click.UsageError(str(error)) from error
    click.echo(f"removed {name}")
