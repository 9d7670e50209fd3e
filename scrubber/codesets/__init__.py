"""Code sets used by the edits (ICD-10-CM for now)."""

from scrubber.codesets.cache import load_icd10cm
from scrubber.codesets.icd10cm import (
    CodeRange,
    CodeSetRelease,
    Excludes1Rule,
    Icd10cm,
    excludes1_conflict,
)

__all__ = [
    "CodeRange",
    "CodeSetRelease",
    "Excludes1Rule",
    "Icd10cm",
    "excludes1_conflict",
    "load_icd10cm",
]
