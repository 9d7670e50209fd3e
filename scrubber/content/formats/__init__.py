"""Readers of the files a billing office downloads, one module per kind.

Each module has ``KIND``, ``looks_like(name, head)`` (the kind from the file name or its first
lines), ``period(name, head)`` (the effective period the file states, or None: then the user
gives ``--effective``), ``title(start, name)`` (the release's name), ``build(path)`` (the file
read once into a plain payload that the store keeps as its index; ContentError naming what was
expected when the file is not of the kind) and ``restore(payload)`` (the payload as the release's
data).
"""

from __future__ import annotations

from types import ModuleType

from scrubber.content.formats import codelists, coverage, hcpcs, icd10cm, mue, ptp

FORMATS: dict[str, ModuleType] = {
    "icd10cm": icd10cm,
    "hcpcs": hcpcs,
    "cpt": codelists.CPT,  # type: ignore[dict-item]
    "ptp": ptp,
    "mue": mue,
    "coverage": coverage,
    "carc": codelists.CARC,  # type: ignore[dict-item]
    "rarc": codelists.RARC,  # type: ignore[dict-item]
}

__all__ = ["FORMATS"]
