"""Code lists that several edits share (edits/lists/*.toml), with a profile's changes applied."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["CodeListError", "apply_changes", "load_lists"]


class CodeListError(Exception):
    """A list file or a profile's change to it is malformed."""


@cache
def _read(folder: Path) -> dict[str, dict[str, Any]]:
    lists: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise CodeListError(f"edits/lists/{path.name}: {error}") from error
        if data.get("name") != path.stem or "source" not in data:
            raise CodeListError(f"edits/lists/{path.name}: needs name = {path.stem!r} and a source")
        lists[path.stem] = data
    return lists


def load_lists(edits_dir: Path) -> dict[str, dict[str, Any]]:
    """The shipped lists by name (a shallow copy: a profile's changes never leak into them)."""
    return {name: dict(data) for name, data in _read(edits_dir / "lists").items()}


def apply_changes(
    lists: dict[str, dict[str, Any]], changes: Mapping[str, Any], origin: str
) -> dict[str, dict[str, Any]]:
    """A profile's ``[lists.NAME]`` tables: a key replaces the list's key; ``add.KEY = [...]``
    appends entries to an array of the list."""
    out = dict(lists)
    for name, change in changes.items():
        if name not in out:
            raise CodeListError(f"{origin}: no code list named {name!r}; known: {', '.join(out)}")
        merged = dict(out[name])
        for key, value in change.items():
            if key != "add":
                merged[key] = value
                continue
            for array, entries in value.items():
                if not isinstance(merged.get(array, []), list) or not isinstance(entries, list):
                    raise CodeListError(f"{origin}: lists.{name}.add.{array} must add to an array")
                merged[array] = [*merged.get(array, []), *entries]
        out[name] = merged
    return out
