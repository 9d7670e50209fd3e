"""Code sets used by the edits (ICD-10-CM for now)."""

from scrubber.codesets.icd10cm import (
    CodeRange,
    CodeSetRelease,
    Excludes1Rule,
    Icd10cm,
    excludes1_conflict,
    load_icd10cm,
)

__all__ = [
    "CodeRange",
    "CodeSetRelease",
    "Excludes1Rule",
    "Icd10cm",
    "excludes1_conflict",
    "load_icd10cm",
]
