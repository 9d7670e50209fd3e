"""A coder's decisions on held claims: the JSON file (decisions.schema.json), read and checked."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_ID = "scrub837-decisions/1"
ACTIONS = ("code", "query", "leave")


class DecisionsError(ValueError):
    """The decisions file cannot be used (message names the file and what to do)."""


@dataclass(frozen=True, slots=True)
class Decision:
    claim: int  # 1-based position in the held 837
    claim_id: str
    edit: str
    action: str  # code | query | leave
    code: str = ""  # the diagnosis code the finding is about ('' when it names none)
    after: str = ""  # action code: the code put in its place
    question: str = ""
    note: str = ""
    user: str = ""
    at: str = ""

    @property
    def finding(self) -> tuple[int, str, str]:
        """Which finding the decision answers: claim, edit, code."""
        return (self.claim, self.edit, normal_code(self.code))

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "claim": self.claim,
            "claim_id": self.claim_id,
            "edit": self.edit,
            "code": self.code,
            "action": self.action,
        }
        for name in ("after", "question", "note", "user", "at"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        return out


@dataclass(slots=True)
class Decisions:
    decisions: list[Decision] = field(default_factory=list)
    held_file: str = ""
    held_sha256: str = ""
    run_date: date | None = None

    def latest(self) -> dict[tuple[int, str, str], Decision]:
        """The last decision on each finding (a later one replaces an earlier one: an answered
        query becomes a code decision)."""
        out: dict[tuple[int, str, str], Decision] = {}
        for decision in self.decisions:
            out[decision.finding] = decision
        return out

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"schema": SCHEMA_ID}
        if self.held_file:
            out["held_file"] = self.held_file
        if self.held_sha256:
            out["held_sha256"] = self.held_sha256
        if self.run_date:
            out["run_date"] = self.run_date.isoformat()
        out["decisions"] = [d.as_json() for d in self.decisions]
        return out


def normal_code(code: str) -> str:
    """A diagnosis code as X12 carries it: no decimal point, upper case (M54.50 -> M5450)."""
    return code.replace(".", "").strip().upper()


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    text = (Path(__file__).with_name("decisions.schema.json")).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def parse_decisions(data: object, source: str = "decisions") -> Decisions:
    """Check `data` against the schema and turn it into Decisions."""
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "the top level"
        raise DecisionsError(
            f"{source}: {where}: {first.message}. The format is described in docs/decisions.md."
        )
    assert isinstance(data, dict)
    run_date = None
    if data.get("run_date"):
        try:
            run_date = date.fromisoformat(data["run_date"])
        except ValueError as error:
            raise DecisionsError(
                f"{source}: run_date {data['run_date']} is not a date (write it as YYYY-MM-DD)"
            ) from error
    return Decisions(
        decisions=[Decision(**item) for item in data["decisions"]],
        held_file=data.get("held_file", ""),
        held_sha256=data.get("held_sha256", ""),
        run_date=run_date,
    )


def read_decisions(raw: bytes, source: str) -> Decisions:
    """Decisions from the bytes of a decisions file named `source` (a UTF-8 BOM is allowed)."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        why = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise DecisionsError(
            f"{source}: not a JSON file ({why}). The format is described in docs/decisions.md."
        ) from error
    return parse_decisions(data, source)


def load_decisions(path: Path) -> Decisions:
    """Read a decisions file; DecisionsError names the file and the problem."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise DecisionsError(f"{path}: cannot read it ({error.strerror or error})") from error
    return read_decisions(raw, Path(path).name)
