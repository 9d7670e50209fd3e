"""Check functions, one per edit, grouped by family. Importing this registers them all."""

from scrubber.checks import (  # noqa: F401  (imported to register)
    balancing,
    context,
    diagnosis,
    pointers,
    structure,
    therapy,
)
from scrubber.checks.registry import CLAIM_CHECKS, CheckContext, RunContext, claim_check

__all__ = ["CLAIM_CHECKS", "CheckContext", "RunContext", "claim_check"]
