"""What the payers' denials say, as the denials page and its JSON show it: rates and dollars by
payer, reason, procedure, diagnosis, scrubber edit and month; the claims the scrubber passed that
were denied; the held claims later paid; the unmatched remittances; and the proposed rules."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from scrubber.remit.codes import Descriptions
from scrubber.remit.families import family_of, load_families
from scrubber.remit.model import ZERO
from scrubber.remit.outcomes import Outcome, outcomes
from scrubber.remit.proposals import Proposal, Proposer

MAX_LISTED = 1000  # claims listed per section (the counts are always whole)


@dataclass(slots=True)
class _Tally:
    claims: int = 0
    denied: int = 0
    dollars: Decimal = ZERO  # denied dollars
    amount: Decimal = ZERO  # adjustment amounts (reason tallies)

    def row(self, key: str, **extra: Any) -> dict[str, Any]:
        rate = self.denied / self.claims if self.claims else 0.0
        return {
            "key": key,
            "claims": self.claims,
            "denied": self.denied,
            "rate": round(rate, 4),
            "denied_dollars": f"{self.dollars:.2f}",
            **({"amount": f"{self.amount:.2f}"} if self.amount else {}),
            **extra,
        }


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _claim(outcome: Outcome, descriptions: Descriptions) -> dict[str, Any]:
    submission = outcome.submission
    return {
        "claim_id": outcome.claim_id,
        "payer": outcome.payer_id,
        "charge": _money(outcome.charge),
        "denied_dollars": _money(outcome.denied_dollars),
        "paid": _money(outcome.net_paid),
        "paid_on": outcome.paid_on.isoformat() if outcome.paid_on else None,
        "disposition": submission["disposition"] if submission is not None else None,
        "edits": json.loads(submission["edits"]) if submission is not None else [],
        "carc": [{"code": c, "description": descriptions.carc(c)} for c in outcome.carcs],
        "rarc": [{"code": c, "description": descriptions.rarc(c)} for c in outcome.rarcs],
        "remittances": len(outcome.remittances),
    }


def _held_earlier(db: sqlite3.Connection, outcome: Outcome) -> bool:
    submission = outcome.submission
    if submission is None or submission["disposition"] == "held":
        return False
    row = db.execute(
        "SELECT 1 FROM submission s JOIN run r ON r.id = s.run_id AND r.complete = 1"
        " WHERE s.claim_id = ? AND s.payer_id = ? AND s.disposition = 'held' AND s.id < ?",
        (outcome.claim_id, submission["payer_id"], submission["id"]),
    ).fetchone()
    return row is not None


def analyse(
    db: sqlite3.Connection,
    *,
    since: date | None = None,
    payer: str | None = None,
    min_denials: int = 3,
    content: Path | None = None,
) -> tuple[dict[str, Any], list[Proposal]]:
    """The denials report (a JSON-ready dict) and the proposals, from the ledger; CARC and
    RARC texts from the content store `content` (default: the user's)."""
    descriptions = Descriptions(content)
    families = load_families()
    proposer = Proposer(families)
    totals = _Tally()
    paid_total = ZERO
    by: dict[str, dict[str, _Tally]] = {
        k: defaultdict(_Tally) for k in ("payer", "procedure", "diagnosis", "edit", "month")
    }
    reasons: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    groups: dict[str, _Tally] = defaultdict(_Tally)
    payer_names: dict[str, str] = {}
    missed: list[dict[str, Any]] = []
    recovered: list[dict[str, Any]] = []
    counts = {"missed": 0, "recovered": 0, "reversed": 0, "several_remittances": 0}
    for outcome in outcomes(db, since=since, payer=payer):
        proposer.add(outcome)
        denied = outcome.denied
        dollars = outcome.denied_dollars if denied or outcome.denied_lines else ZERO
        paid_total += outcome.net_paid
        payer_names.setdefault(outcome.payer_id, outcome.payer_name)
        counts["reversed"] += any(r.status == "22" for r in outcome.remittances)
        counts["several_remittances"] += len(outcome.remittances) > 1
        submission = outcome.submission
        edits = json.loads(submission["edits"]) if submission is not None else []
        month = outcome.paid_on.strftime("%Y-%m") if outcome.paid_on else "unknown"
        procedures = {line.procedure for line in outcome.lines}
        diagnoses = json.loads(submission["diagnoses"])[:1] if submission is not None else []
        keys = {
            "payer": [outcome.payer_id],
            "procedure": sorted(procedures),
            "diagnosis": diagnoses or ["(unmatched)"],
            "edit": edits or ["(none fired)"],
            "month": [month],
        }
        for tally in [totals] + [by[name][key] for name, ks in keys.items() for key in ks]:
            tally.claims += 1
            tally.denied += denied
            tally.dollars += dollars
        for line in outcome.denied_lines:
            for group, carc, amount in line.carcs:
                reasons[(group, carc)].denied += 1
                reasons[(group, carc)].amount += amount
                groups[group].denied += 1
                groups[group].amount += amount
        if denied and submission is not None and submission["disposition"] != "held":
            counts["missed"] += 1
            if len(missed) < MAX_LISTED:
                missed.append(_claim(outcome, descriptions))
        if not denied and outcome.net_paid > 0 and _held_earlier(db, outcome):
            counts["recovered"] += 1
            if len(recovered) < MAX_LISTED:
                recovered.append(_claim(outcome, descriptions))
    proposals = proposer.proposals(min_denials)
    where = (" AND p.paid_on >= ?" if since else "") + (" AND p.payer_id = ?" if payer else "")
    params = [v for v in (since.isoformat() if since else None, payer) if v is not None]
    unmatched = [
        {"claim_id": r[0], "payer": r[1], "charge": r[2], "status": r[3], "reason": r[4]}
        for r in db.execute(
            "SELECT r.claim_id, p.payer_id, r.charge, r.status, r.unmatched FROM remittance r"
            " JOIN payment p ON p.id = r.payment_id WHERE r.submission_id IS NULL"
            + where
            + f" ORDER BY r.id LIMIT {MAX_LISTED}",
            params,
        )
    ]
    payments = [
        {
            "payer": r[0],
            "trace": r[1],
            "amount": r[2],
            "claims_paid": r[3],
            "provider_adjustments": r[4],
            "ties": bool(r[5]),
            "paid_on": r[6],
        }
        for r in db.execute(
            "SELECT payer_id, trace, amount, claims_paid, provider_adjustments, ties, paid_on"
            " FROM payment p WHERE 1=1" + where + " ORDER BY paid_on, id",
            params,
        )
    ]

    def table(name: str, **extra: Any) -> list[dict[str, Any]]:
        rows = [tally.row(key) for key, tally in by[name].items()]
        return sorted(rows, key=lambda r: (-r["denied"], r["key"]))

    report: dict[str, Any] = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "filters": {"since": since.isoformat() if since else None, "payer": payer},
        "min_denials": min_denials,
        "descriptions": descriptions.available,
        "totals": {
            **totals.row("all"),
            "paid": _money(paid_total),
            "missed": counts["missed"],
            "recovered": counts["recovered"],
            "reversed": counts["reversed"],
            "several_remittances": counts["several_remittances"],
            "unmatched": db.execute(
                "SELECT COUNT(*) FROM remittance r JOIN payment p ON p.id = r.payment_id"
                " WHERE r.submission_id IS NULL" + where,
                params,
            ).fetchone()[0],
        },
        "by_payer": [{**row, "name": payer_names.get(row["key"], "")} for row in table("payer")],
        "by_group": sorted(
            (t.row(g) for g, t in groups.items()), key=lambda r: (-r["denied"], r["key"])
        ),
        "by_reason": sorted(
            (
                t.row(
                    f"{group}-{carc}",
                    group=group,
                    carc=carc,
                    description=descriptions.carc(carc),
                    family=(f.name if (f := family_of(carc, families)) else None),
                )
                for (group, carc), t in reasons.items()
            ),
            key=lambda r: (-r["denied"], r["key"]),
        ),
        "by_procedure": table("procedure"),
        "by_diagnosis": table("diagnosis"),
        "by_edit": table("edit"),
        "by_month": sorted((t.row(k) for k, t in by["month"].items()), key=lambda r: r["key"]),
        "missed": missed,
        "recovered": recovered,
        "unmatched": unmatched,
        "payments": payments,
        "proposals": [p.to_json() for p in proposals],
    }
    return report, proposals
