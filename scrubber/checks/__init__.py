"""Check functions, one per edit, grouped by family. Importing this registers them all."""

from scrubber.checks import (  # noqa: F401  (imported to register)
    balancing,
    claims,
    context,
    dates,
    diagnosis,
    diagnosis_patient,
    diagnosis_rules,
    learned,
    pointers,
    procedures,
    providers,
    structure,
    therapy,
    therapy_rules,
)
from scrubber.checks.registry import (
    CLAIM_CHECKS,
    IN_FILE_ORDER,
    ONCE_PER_FILE,
    SETTLERS,
    CheckContext,
    RunContext,
    claim_check,
    settles,
)

__all__ = [
    "CLAIM_CHECKS",
    "IN_FILE_ORDER",
    "ONCE_PER_FILE",
    "SETTLERS",
    "CheckContext",
    "RunContext",
    "claim_check",
    "settles",
]
