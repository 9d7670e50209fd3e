"""Proposed payer-profile rules: repeated denials of one payer, procedure (and diagnosis, modifier
or units) and reason family, each with its evidence, and the paid lines that speak against it."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from scrubber.remit.families import Family, family_of, load_families
from scrubber.remit.model import ZERO
from scrubber.remit.outcomes import DeniedLine, Outcome

MAX_CLAIM_IDS = 50  # claim ids kept as evidence per proposal (the count is always whole)
SHORT = {"procedure-diagnosis": "dx", "modifier-required": "mod", "max-units": "units"}


@dataclass(slots=True)
class Evidence:
    denials: int = 0  # denied lines
    claims: list[str] = field(default_factory=list)
    claim_count: int = 0
    dollars: Decimal = ZERO  # charges of the denied lines
    carcs: Counter[str] = field(default_factory=Counter)
    rarcs: Counter[str] = field(default_factory=Counter)
    families: Counter[str] = field(default_factory=Counter)
    first: date | None = None
    last: date | None = None
    units: list[Decimal] = field(default_factory=list)
    modifiers: set[str] = field(default_factory=set)

    def add(self, outcome: Outcome, line: DeniedLine, family: Family) -> None:
        self.denials += 1
        if outcome.claim_id not in self.claims[-1:]:
            self.claim_count += 1
            if len(self.claims) < MAX_CLAIM_IDS:
                self.claims.append(outcome.claim_id)
        self.dollars += line.charge
        self.carcs.update(c for _, c, _ in line.carcs)
        self.rarcs.update(line.rarcs)
        self.families[family.name] += 1
        self.units.append(line.units)
        self.modifiers.update(line.modifiers)
        day = outcome.paid_on
        if day is not None:
            self.first = min(self.first or day, day)
            self.last = max(self.last or day, day)


@dataclass(slots=True)
class Proposal:
    id: str
    kind: str
    payer_id: str
    payer_name: str
    procedure: str
    family: Family
    evidence: Evidence
    diagnosis: str | None = None
    modifier: str | None = None
    max_units: int | None = None
    paid_against: int = 0  # paid lines of the same pattern

    @property
    def confidence(self) -> float:
        return self.evidence.denials / (self.evidence.denials + self.paid_against)

    def describe(self) -> str:
        if self.kind == "procedure-diagnosis":
            return f"{self.payer_id} denies {self.procedure} with diagnosis {self.diagnosis}"
        if self.kind == "modifier-required":
            return f"{self.payer_id} requires modifier {self.modifier} on {self.procedure}"
        return f"{self.payer_id} pays at most {self.max_units} units of {self.procedure}"

    def summary(self) -> str:
        e = self.evidence
        codes = ", ".join(f"CARC {c} x{n}" for c, n in e.carcs.most_common())
        span = f", {e.first}..{e.last}" if e.first else ""
        return (
            f"{e.denials} denied lines on {e.claim_count} claims, ${e.dollars:.2f}; {codes}"
            f"{span}; {self.paid_against} paid lines of the same pattern"
        )

    def rule(self, accepted: date) -> dict[str, Any]:
        """The rule as RMT001 reads it from a profile."""
        rule: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "payer": self.payer_id,
            "procedure": self.procedure,
        }
        if self.diagnosis is not None:
            rule["diagnosis"] = self.diagnosis
        if self.modifier is not None:
            rule["modifier"] = self.modifier
        if self.max_units is not None:
            rule["max_units"] = self.max_units
        rule["reason"] = (
            f"{self.family.title} ("
            + ", ".join(f"CARC {c}" for c in sorted(self.evidence.carcs))
            + ")"
        )
        rule["evidence"] = self.summary()
        rule["accepted"] = accepted.isoformat()
        return rule

    def to_json(self) -> dict[str, Any]:
        e = self.evidence
        return {
            "id": self.id,
            "kind": self.kind,
            "description": self.describe(),
            "payer": {"id": self.payer_id, "name": self.payer_name},
            "procedure": self.procedure,
            "diagnosis": self.diagnosis,
            "modifier": self.modifier,
            "max_units": self.max_units,
            "family": self.family.name,
            "family_title": self.family.title,
            "confidence": round(self.confidence, 3),
            "evidence": {
                "denied_lines": e.denials,
                "claims": e.claim_count,
                "claim_ids": e.claims,
                "dollars": f"{e.dollars:.2f}",
                "carc": dict(e.carcs.most_common()),
                "rarc": dict(e.rarcs.most_common()),
                "first": e.first.isoformat() if e.first else None,
                "last": e.last.isoformat() if e.last else None,
                "paid_same_pattern": self.paid_against,
            },
        }


def rule_id(kind: str, payer: str, procedure: str, detail: str) -> str:
    text = f"{SHORT[kind]}-{payer}-{procedure}-{detail}"
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")


class Proposer:
    """Fed every outcome; then `proposals(min_denials)`."""

    def __init__(self, families: dict[str, Family] | None = None) -> None:
        self.families = families or load_families()
        self.names: dict[str, str] = {}
        self.denied: dict[tuple[str, str, str, str], Evidence] = defaultdict(Evidence)
        self.paid_dx: Counter[tuple[str, str, str]] = Counter()
        self.paid_modifiers: dict[tuple[str, str], Counter[frozenset[str]]] = defaultdict(Counter)
        self.paid_units: dict[tuple[str, str], list[Decimal]] = defaultdict(list)

    def add(self, outcome: Outcome) -> None:
        payer = outcome.payer_id
        self.names.setdefault(payer, outcome.payer_name)
        for line in outcome.lines:
            if line.paid:
                if line.diagnoses:
                    self.paid_dx[(payer, line.procedure, line.diagnoses[0])] += 1
                self.paid_modifiers[(payer, line.procedure)][frozenset(line.modifiers)] += 1
                self.paid_units[(payer, line.procedure)].append(line.units)
        for denied in outcome.denied_lines:
            family = next(
                (f for _, c, _ in denied.carcs if (f := family_of(c, self.families))), None
            )
            if family is None:
                continue
            if family.rule == "procedure-diagnosis":
                if not denied.diagnoses:
                    continue  # no ledger claim: nothing says which diagnosis was sent
                detail = denied.diagnoses[0]
            else:
                detail = ""
            self.denied[(family.rule, payer, denied.procedure, detail)].add(outcome, denied, family)

    def proposals(self, min_denials: int = 3) -> list[Proposal]:
        found = []
        for (kind, payer, procedure, detail), evidence in self.denied.items():
            if evidence.denials < min_denials:
                continue
            family = self.families[evidence.families.most_common(1)[0][0]]
            proposal = self._proposal(kind, payer, procedure, detail, evidence, family)
            if proposal is not None:
                found.append(proposal)
        found.sort(key=lambda p: (-p.evidence.denials, p.id))
        return found

    def _proposal(
        self, kind: str, payer: str, procedure: str, detail: str, evidence: Evidence, family: Family
    ) -> Proposal | None:
        """The rule's detail (diagnosis, modifier or unit limit) and the paid lines against it."""
        fields: dict[str, Any]
        if kind == "procedure-diagnosis":
            fields = {"diagnosis": detail}
            against = self.paid_dx[(payer, procedure, detail)]
        elif kind == "modifier-required":
            paid = self.paid_modifiers[(payer, procedure)]
            counts: Counter[str] = Counter()
            for modifiers, n in paid.items():
                for modifier in modifiers - evidence.modifiers:
                    counts[modifier] += n
            if not counts:
                return None  # no paid line shows which modifier the payer wants
            detail = counts.most_common(1)[0][0]
            fields = {"modifier": detail}
            against = sum(n for mods, n in paid.items() if detail not in mods)
        else:
            paid_units = self.paid_units[(payer, procedure)]
            lowest_denied = min(evidence.units)
            allowed = [u for u in paid_units if u < lowest_denied]
            limit = int(max(allowed)) if allowed else int(lowest_denied) - 1
            if limit < 1:
                return None
            detail = str(limit)
            fields = {"max_units": limit}
            against = sum(1 for u in paid_units if u > limit)
        return Proposal(
            rule_id(kind, payer, procedure, detail),
            kind,
            payer,
            self.names.get(payer, ""),
            procedure,
            family,
            evidence,
            paid_against=against,
            **fields,
        )
