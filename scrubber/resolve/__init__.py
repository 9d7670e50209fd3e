"""Resolving held claims from a coder's decisions: the engine of `scrub837 resolve` and the desk."""

from scrubber.resolve.decisions import (
    Decision,
    Decisions,
    DecisionsError,
    load_decisions,
    normal_code,
    parse_decisions,
    read_decisions,
)
from scrubber.resolve.engine import ClaimOutcome, ResolveError, ResolveResult, output_names, resolve

__all__ = [
    "ClaimOutcome",
    "Decision",
    "Decisions",
    "DecisionsError",
    "ResolveError",
    "ResolveResult",
    "load_decisions",
    "normal_code",
    "output_names",
    "parse_decisions",
    "read_decisions",
    "resolve",
]
