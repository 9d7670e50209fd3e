"""Which pass finds the TR3 errors: "compiled" (compiled/: pyx12's pass replayed from its map
data) or "pyx12" (the reference: pyx12's reader, walker and validator on every segment). The
errors are the same either way; tests/test_tr3_compiled.py holds them to it."""

from __future__ import annotations

from collections.abc import Callable

from scrubber.x12.tr3.compiled import CompiledRun
from scrubber.x12.tr3.walk import _Run

ENGINES = ("compiled", "pyx12")
DEFAULT_ENGINE = "compiled"


def check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"unknown TR3 engine {engine!r}: one of {', '.join(ENGINES)}")


def new_run(
    engine: str,
    walk: bool,
    record_loops: bool = False,
    *,
    at_end: bool = True,
    on_segment: Callable[[_Run], None] | None = None,
) -> _Run:
    """A pass of the given engine, with walk._Run's arguments."""
    check_engine(engine)
    kind = CompiledRun if engine == "compiled" else _Run
    return kind(walk, record_loops, at_end=at_end, on_segment=on_segment)
