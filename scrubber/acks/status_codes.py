"""The 277CA status codes as data (edits/acks/ack_status_codes.toml): the STC composite for an
accepted claim, the receipt, and a rejected claim's by the edit or edit family that held it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrubber.catalogue import data_dir

STATUS_FILE = ("acks", "ack_status_codes.toml")


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    category: str  # STC01-1
    status: str  # STC01-2
    entity: str = ""  # STC01-3

    def composite(self) -> list[str]:
        return [self.category, self.status, self.entity]


@dataclass(frozen=True, slots=True)
class StatusCodes:
    accepted: ClaimStatus
    receipt: ClaimStatus
    default: ClaimStatus
    families: dict[str, ClaimStatus]
    edits: dict[str, ClaimStatus]
    source_entity: str  # 2000A NM101: AY or PR
    source_qualifier: str  # 2000A NM108
    source: str

    def for_edit(self, edit: str, family: str | None) -> ClaimStatus:
        if edit in self.edits:
            return self.edits[edit]
        if family is not None and family in self.families:
            return self.families[family]
        return self.default


class StatusCodesError(Exception):
    """edits/acks/ack_status_codes.toml is missing or malformed."""


def _status(data: Any, where: str) -> ClaimStatus:
    if not isinstance(data, dict) or not data.get("category") or not data.get("status"):
        raise StatusCodesError(f"ack_status_codes.toml: {where} needs a category and a status")
    return ClaimStatus(str(data["category"]), str(data["status"]), str(data.get("entity", "")))


def load_status_codes(path: Path | None = None) -> StatusCodes:
    path = path or data_dir("edits").joinpath(*STATUS_FILE)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise StatusCodesError(f"cannot read {path}: {error}") from error
    source = data.get("information_source", {})
    return StatusCodes(
        accepted=_status(data.get("accepted"), "[accepted]"),
        receipt=_status(data.get("receipt"), "[receipt]"),
        default=_status(data.get("default"), "[default]"),
        families={k: _status(v, f"[families.{k}]") for k, v in data.get("families", {}).items()},
        edits={k: _status(v, f"[edits.{k}]") for k, v in data.get("edits", {}).items()},
        source_entity=str(source.get("entity", "AY")),
        source_qualifier=str(source.get("qualifier", "46")),
        source=str(data.get("source", "")).strip(),
    )
