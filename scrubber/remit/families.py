"""CARC reason families as data (edits/remit/reason_families.toml): which family a denial
reason belongs to, and which kind of payer-profile rule that family proposes."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from scrubber.catalogue import CatalogueError, data_dir

RULE_KINDS = ("procedure-diagnosis", "modifier-required", "max-units")


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    title: str
    rule: str  # one of RULE_KINDS
    carcs: frozenset[str]


@cache
def load_families(path: Path | None = None) -> dict[str, Family]:
    """Families by name; CARCs in more than one family or an unknown rule kind are an error."""
    path = path or data_dir("edits") / "remit" / "reason_families.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CatalogueError(f"reason families {path}: {error}") from error
    families: dict[str, Family] = {}
    owner: dict[str, str] = {}
    for name, entry in data.get("families", {}).items():
        if entry.get("rule") not in RULE_KINDS:
            raise CatalogueError(f"{path.name}: family {name}: rule must be one of {RULE_KINDS}")
        carcs = frozenset(str(c) for c in entry.get("carcs", []))
        for carc in carcs:
            if carc in owner:
                raise CatalogueError(f"{path.name}: CARC {carc} is in {owner[carc]} and {name}")
            owner[carc] = name
        families[name] = Family(name, entry.get("title", name), entry["rule"], carcs)
    return families


def family_of(carc: str, families: dict[str, Family] | None = None) -> Family | None:
    for family in (families or load_families()).values():
        if carc in family.carcs:
            return family
    return None
