"""Options that several commands share (scrub, validate, watch), declared once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from scrubber.codesets.releases import CodeSetError, load_code_set

F = TypeVar("F", bound=Callable[..., Any])


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


def run_options(function: F) -> F:
    """--no-tr3, --jobs, --profile and --code-set: how the edits run."""
    for option in reversed(
        (
            click.option(
                "--no-tr3", is_flag=True, help="Skip pyx12's TR3 validation (much faster)."
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
