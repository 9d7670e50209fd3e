"""Options that several commands share (scrub, validate, watch), declared once."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from scrubber.codesets.releases import CodeSetError, load_code_set

F = TypeVar("F", bound=Callable[..., Any])
TR3_ENGINES = ("compiled", "pyx12")  # scrubber.x12.tr3.ENGINES, without importing pyx12 here
log = logging.getLogger("scrub837")


def _code_sets(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[Path, ...]:
    """Load each --code-set now: a missing or unusable file is a usage error (exit 2)."""
    for value in values:
        try:
            load_code_set(value)
        except CodeSetError as error:
            raise click.BadParameter(str(error)) from error
    return tuple(Path(value) for value in values)


def _content_dir(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    """--content DIR moves the content store for this command and what it starts (the
    environment variable is restored when the command ends, for callers in the same process)."""
    from scrubber.content.store import ENV

    if value is None:
        return
    previous = os.environ.get(ENV)
    os.environ[ENV] = str(value)

    def restore() -> None:
        if previous is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = previous

    ctx.call_on_close(restore)


content_option = click.option(
    "--content",
    type=click.Path(path_type=Path, file_okay=False),
    callback=_content_dir,
    expose_value=False,
    is_eager=True,
    metavar="DIR",
    help="The content store (default: $SCRUB837_CONTENT, else content/ in the data directory).",
)


def _check_workers(_ctx: click.Context, _param: click.Parameter, value: str) -> int | None:
    if value == "auto":
        return None
    try:
        workers = int(value)
    except ValueError:
        workers = -1
    if workers < 0:
        raise click.BadParameter(f"{value!r} is neither auto nor a number of processes (0, 1)")
    return workers


check_workers_option = click.option(
    "--check-workers",
    default="auto",
    show_default=True,
    metavar="auto|N",
    callback=_check_workers,
    help="Processes that check claims beside the one reading the file: 1 forks one; auto "
    "(the default) one for a file of 1 MiB or more when a core is free (not while the TR3 "
    "walk holds it); 0 checks every claim in one process. The outputs are the same either way.",
)


def run_options(function: F) -> F:
    """--no-tr3, --tr3, --jobs, --profile and --code-set: how the edits run."""
    for option in reversed(
        (
            click.option(
                "--no-tr3", is_flag=True, help="Skip pyx12's TR3 validation (much faster)."
            ),
            click.option(
                "--tr3",
                "tr3_engine",
                type=click.Choice(TR3_ENGINES),
                default=None,
                help="How TR3 validation runs: compiled from pyx12's map (the default, fast) "
                "or pyx12 itself on every segment (the reference); the same errors either way.",
            ),
            click.option(
                "--jobs",
                type=click.IntRange(1, 64),
                default=1,
                show_default=True,
                help="Processes for TR3 validation.",
            ),
            click.option(
                "--profile",
                default="default",
                show_default=True,
                help="Payer profile: a name in edits/profiles or a path to a TOML file.",
            ),
            content_option,
            click.option(
                "--code-set",
                "code_sets",
                multiple=True,
                callback=_code_sets,
                metavar="PATH[@YYYY-MM-DD]",
                help="Add an ICD-10-CM release (CMS/CDC tabular XML or order file), dated by "
                "its file name or by @START. Codes are judged by the release in force on the "
                "date of service.",
            ),
        )
    ):
        function = option(function)
    return function


cluster_option = click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Spread the work over a Dask cluster: a scheduler address (tcp://host:8786) or "
    "local:N for N worker processes on this machine (needs scrub837[cluster]).",
)


@contextmanager
def cluster_for(address: str | None) -> Iterator[Any]:
    """The --cluster connection for a command (None without the option); a usage error when
    it cannot be used."""
    if address is None:
        yield None
        return
    from scrubber.cluster import ClusterError, open_cluster

    try:
        cluster = open_cluster(address)
    except ClusterError as error:
        raise click.UsageError(str(error)) from error
    with cluster:
        yield cluster


def outcomes(
    files: tuple[Path, ...],
    options: Any,
    cluster: Any,
    run: Callable[[Path, Any], Any],
    stems: dict[Path, str] | None = None,
) -> Iterator[tuple[Path, Callable[[], Any]]]:
    """(path, result()) for each file in input order: `run` here, or on the cluster (a file sent
    to a worker whole is scrubbed there with its output stem from `stems`)."""
    if cluster is None:
        for path in files:
            yield path, (lambda p=path: run(p, options))  # type: ignore[misc]
        return
    from scrubber.cluster import run_in_order
    from scrubber.cluster_worker import scrub_whole

    yield from run_in_order(files, options, cluster, scrub_whole, run, stems or {})


def ledger_options(function: F) -> F:
    """--ledger PATH / --no-ledger: where the scrub records what it sent (the claim ledger)."""
    function = click.option(
        "--no-ledger", is_flag=True, help="Do not record the claims in the claim ledger."
    )(function)
    return click.option(
        "--ledger",
        type=click.Path(path_type=Path, dir_okay=False),
        help="The claim ledger (SQLite; default: ledger.sqlite3 in the data directory, "
        "$SCRUB837_DATA or ~/.local/share/scrub837).",
    )(function)


def ledger_choice(ledger: Path | None, no_ledger: bool) -> Path | bool:
    """ScrubOptions.ledger from the two options."""
    return False if no_ledger else (ledger or True)


mask_phi_option = click.option(
    "--mask-phi", is_flag=True, help="Mask names, member ids and birth dates in reports."
)


def out_option(what: str) -> Callable[[F], F]:
    """-o/--out: the folder for what a command writes (default: beside each input)."""
    return click.option(
        "-o",
        "--out",
        "out_dir",
        type=click.Path(path_type=Path, file_okay=False),
        help=f"Folder for {what} (default: beside each input).",
    )


def check_inputs(files: tuple[Path, ...]) -> None:
    """Every input must be a regular file: say what it is when it is not (usage error)."""
    for path in files:
        if path.is_dir():
            raise click.UsageError(f"{path}: is a folder, not a claim file; name the files in it")
        if path.exists() and not path.is_file():
            raise click.UsageError(
                f"{path}: is not a regular file (a device, pipe or socket); save the claims to "
                "a file and name that"
            )
        if not path.exists():
            raise click.UsageError(f"{path}: no such file")


_stdout_closed = False


def echo(text: str) -> None:
    """click.echo, except that a reader who closed stdout early (`| head -1`) does not stop the
    run: later files are still processed and the exit status still says how they went."""
    global _stdout_closed
    if _stdout_closed:
        return
    try:
        click.echo(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_closed = True
        # Python flushes stdout again on exit: point it at /dev/null so that flush succeeds
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        click.echo(
            "scrub837: standard output was closed; the run goes on without printing", err=True
        )


@contextmanager
def file_errors(path: Path) -> Iterator[None]:
    """What can go wrong with one input, as the CLI reports it: a bad catalogue, profile, code
    set, NCCI or counter file, or an unreadable input or unwritable folder is a usage error
    (exit 2) naming the file; anything else is a bug: a short message, a log line, exit 4."""
    from scrubber.acks.control import ControlFileError
    from scrubber.api import EXIT_INTERNAL
    from scrubber.catalogue import CatalogueError
    from scrubber.cluster_errors import ClusterError
    from scrubber.content.periods import ContentError
    from scrubber.ledger import LedgerError
    from scrubber.ncci import NcciError

    try:
        yield
    except (
        CatalogueError,
        NcciError,
        CodeSetError,
        ControlFileError,
        LedgerError,
        ContentError,
        ClusterError,
    ) as error:
        raise click.UsageError(str(error)) from error
    except OSError as error:  # unreadable input, unwritable output folder, disk full
        where = error.filename or path
        raise click.UsageError(f"{path.name}: {error.strerror or error} ({where})") from error
    except Exception as error:  # no traceback reaches the user
        log.error("internal error on %s: %s", path.name, type(error).__name__)
        click.echo(
            f"scrub837: internal error on {path.name}: {type(error).__name__}. "
            "This is a bug; please report it.",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
