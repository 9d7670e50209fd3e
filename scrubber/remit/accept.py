"""Accepting a proposed rule: appended to a payer profile as an RMT001 rule table, the user's own
text kept as it is; the profile must still load afterwards, or nothing is written."""

from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from scrubber.catalogue import CatalogueError, load_profile
from scrubber.remit.proposals import Proposal


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{text}"'


def rule_table(rule: dict[str, Any]) -> str:
    lines = ["", "[[edits.RMT001.params.rules]]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in rule.items()]
    return "\n".join(lines) + "\n"


def accept(proposal: Proposal, profile: Path, *, today: date | None = None) -> bool:
    """Write the rule into the profile; False when the profile holds that rule already."""
    profile = Path(profile)
    existing = profile.read_text(encoding="utf-8") if profile.exists() else ""
    if existing:
        try:
            data = tomllib.loads(existing)
        except tomllib.TOMLDecodeError as error:
            raise CatalogueError(f"profile {profile}: {error}") from error
        rules = data.get("edits", {}).get("RMT001", {}).get("params", {}).get("rules", [])
        if any(rule.get("id") == proposal.id for rule in rules):
            return False
    else:
        existing = (
            f"# Payer profile: rules learned from remittances (scrub837 denials --accept).\n"
            f'name = "{profile.stem}"\n'
        )
    text = existing + ("" if existing.endswith("\n") else "\n")
    text += rule_table(proposal.rule(today or date.today()))
    temporary = profile.with_name(f".{profile.stem}.{os.getpid()}.tmp.toml")  # loadable
    temporary.write_text(text, encoding="utf-8")
    try:
        load_profile(str(temporary))
    except CatalogueError:
        temporary.unlink()
        raise
    os.replace(temporary, profile)
    return True
