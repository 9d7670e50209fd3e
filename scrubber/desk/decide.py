"""Decisions on a batch's held claims: recorded as made, checked codes, the build, the audit."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from scrubber.api import sha256_of
from scrubber.codesets import excludes1_conflict
from scrubber.desk.batches import Desk, HeldClaim, private_dir
from scrubber.desk.store import now_iso
from scrubber.resolve import Decision, Decisions, ResolveResult, normal_code, resolve
from scrubber.resolve.findings import known_findings

ACTION_LABELS = {"code": "Code chosen", "query": "Provider queried", "leave": "Left held"}
_CODE_SHAPE = "^[A-Za-z][0-9A-Za-z.]{2,7}$"


@dataclass(slots=True)
class CodeCheck:
    code: str
    shown: str  # with its decimal point
    ok: bool
    title: str
    release: str
    problems: list[str]
    more_specific: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "shown": self.shown,
            "ok": self.ok,
            "title": self.title,
            "release": self.release,
            "problems": self.problems,
            "more_specific": self.more_specific,
        }


def dotted(code: str) -> str:
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def check_code(desk: Desk, claim: HeldClaim, given: str, replacing: str = "") -> CodeCheck:
    """`given` against the release in force on the claim's date of service: known, billable,
    its title, and no Excludes1 pair with the claim's other codes."""
    code = normal_code(given)
    content = desk.content()
    index, covered = (
        content.icd10cm_for(claim.first_date)
        if claim.first_date
        else (content.code_sets.newest, False)
    )
    release = index.release.name + ("" if covered else " (nearest release to the dates)")
    problems: list[str] = []
    more: list[str] = []
    if not re.fullmatch(_CODE_SHAPE, given.strip() or "-"):
        return CodeCheck(
            code, given, False, "", release, ["not the shape of an ICD-10-CM code"], []
        )
    title = index.title(code) or ""
    if not index.exists(code):
        problems.append(f"{dotted(code)} is not an ICD-10-CM code in {index.release.name}")
    elif not index.is_billable(code):
        more = [dotted(c) for c in index.billable_under(code)[:12]]
        problems.append(f"{dotted(code)} is a category, not billable: code to the full length")
    others = [normal_code(c) for c in claim.codes if normal_code(c) != normal_code(replacing)]
    if index.exists(code):
        for other in others:
            if other == code:
                problems.append(f"{dotted(code)} is already on the claim")
                continue
            rule = excludes1_conflict(index, code, other) if index.exists(other) else None
            if rule is not None:
                problems.append(f"Excludes1 with {dotted(other)}, also on the claim: {rule.note}")
    return CodeCheck(code, dotted(code), not problems, title, release, problems, more)


def decision_problem(
    desk: Desk,
    report: dict[str, Any],
    claim: HeldClaim,
    *,
    edit: str,
    code: str,
    action: str,
    after: str,
) -> str:
    """Why a decision cannot be saved ('' when it can): the same checks for the claim page's
    form and for an imported file."""
    if action not in ACTION_LABELS:
        return f"{action!r} is not a decision ({', '.join(ACTION_LABELS)})"
    if (edit, normal_code(code)) not in known_findings(claim.entry, report):
        on = f" on {dotted(normal_code(code))}" if code else ""
        return f"claim {claim.position} has no {edit} finding{on}"
    if action == "code":
        if not after.strip():
            return "choose or type a code"
        checked = check_code(desk, claim, after, code)
        if not checked.ok:
            return "; ".join(checked.problems)
    return ""


def record(
    desk: Desk,
    batch_id: str,
    claim: HeldClaim,
    *,
    edit: str,
    code: str,
    action: str,
    after: str,
    question: str,
    user: str,
    note: str = "",
) -> int:
    """Store one decision as it is made (who, when, before and after)."""
    if action == "code":
        before, after = normal_code(code), normal_code(after)
    else:
        before, after = ("held", "query the provider" if action == "query" else "left held")
    with desk.store.transaction() as db:
        cursor = db.execute(
            "INSERT INTO decisions (batch_id, claim, claim_id, edit, code, action, before, "
            "after, question, note, user, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                batch_id,
                claim.position,
                str(claim.entry.get("claim_id") or ""),
                edit,
                normal_code(code),
                action,
                before,
                after,
                question,
                note,
                user,
                now_iso(),
            ),
        )
    return int(cursor.lastrowid or 0)


def latest(rows: list[dict[str, Any]]) -> dict[tuple[int, str, str], dict[str, Any]]:
    out: dict[tuple[int, str, str], dict[str, Any]] = {}
    for row in rows:
        out[(row["claim"], row["edit"], row["code"])] = row
    return out


def as_decisions(desk: Desk, batch: dict[str, Any]) -> Decisions:
    """The batch's decisions as the resolve engine and the export take them."""
    items = []
    for row in desk.store.decisions(batch["id"]):
        items.append(
            Decision(
                claim=row["claim"],
                claim_id=row["claim_id"],
                edit=row["edit"],
                action=row["action"],
                code=row["code"],
                after=row["after"] if row["action"] == "code" else "",
                question=row["question"],
                note=row["note"],
                user=row["user"],
                at=row["at"],
            )
        )
    held = desk.held_path(batch)
    return Decisions(
        decisions=items,
        held_file=held.name,
        held_sha256=sha256_of(held),
        run_date=date.fromisoformat(batch["run_date"]),
    )


def import_decisions(desk: Desk, batch: dict[str, Any], given: Decisions, user: str) -> int:
    """Decisions from a file (a `resolve` decisions file or another desk's export), each checked
    as the claim page checks it; ValueError names the first one refused and why."""
    held = desk.held_claims(batch)
    for number, decision in enumerate(given.decisions, 1):
        claim = held.get(decision.claim)
        if claim is None or claim.entry.get("claim_id") != decision.claim_id:
            raise ValueError(
                f"claim {decision.claim} ({decision.claim_id}) is not a held claim of this batch"
            )
        problem = decision_problem(
            desk,
            held.report,
            claim,
            edit=decision.edit,
            code=decision.code,
            action=decision.action,
            after=decision.after,
        )
        if problem:
            raise ValueError(
                f"decision {number} ({decision.edit} on claim {decision.claim} "
                f"{decision.claim_id}) was refused: {problem}; nothing was imported"
            )
    count = 0
    for decision in given.decisions:
        claim = held.get(decision.claim)
        assert claim is not None
        note = decision.note or (f"imported; decided by {decision.user}" if decision.user else "")
        record(
            desk,
            batch["id"],
            claim,
            edit=decision.edit,
            code=decision.code,
            action=decision.action,
            after=decision.after,
            question=decision.question,
            user=user,
            note=note or "imported",
        )
        count += 1
    return count


def build(desk: Desk, batch: dict[str, Any], user: str) -> tuple[int, ResolveResult]:
    """Apply the batch's decisions with the resolve engine into a new build folder."""
    decisions = as_decisions(desk, batch)
    with desk.store.transaction() as db:
        cursor = db.execute(
            "INSERT INTO builds (batch_id, user, at, summary) VALUES (?, ?, ?, '{}')",
            (batch["id"], user, now_iso()),
        )
        build_id = int(cursor.lastrowid or 0)
    out = private_dir(desk.folder(batch["id"]) / f"build-{build_id}")
    result = resolve(desk.held_path(batch), decisions, out, desk.options)
    summary = {
        "counts": result.counts,
        "charges": result.charges,
        "outcomes": [o.as_json() for o in result.outcomes],
        "files": {
            "resolved": result.resolved.name if result.resolved else None,
            "held": result.held.name if result.held else None,
        },
    }
    with desk.store.transaction() as db:
        db.execute("UPDATE builds SET summary = ? WHERE id = ?", (json.dumps(summary), build_id))
    return build_id, result


def last_build(desk: Desk, batch_id: str) -> dict[str, Any] | None:
    row = desk.store.one(
        "SELECT * FROM builds WHERE batch_id = ? AND summary != '{}' ORDER BY id DESC LIMIT 1",
        batch_id,
    )
    if row is None:
        return None
    out = dict(row)
    out["summary"] = json.loads(out["summary"])
    return out


def build_file(desk: Desk, batch_id: str, build_id: int, kind: str) -> Path | None:
    row = desk.store.one(
        "SELECT summary FROM builds WHERE id = ? AND batch_id = ?", build_id, batch_id
    )
    if row is None:
        return None
    name = (json.loads(row["summary"]).get("files") or {}).get(kind)
    return desk.folder(batch_id) / f"build-{build_id}" / name if name else None


AUDIT_COLUMNS = (
    "at",
    "user",
    "batch",
    "claim",
    "claim_id",
    "edit",
    "action",
    "before",
    "after",
    "question",
    "note",
)


def audit_rows(desk: Desk, batch_id: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT d.*, b.name AS batch_name FROM decisions d JOIN batches b ON b.id = d.batch_id"
    rows = (
        desk.store.all(sql + " WHERE d.batch_id = ? ORDER BY d.id", batch_id)
        if batch_id
        else desk.store.all(sql + " ORDER BY d.id")
    )
    return [dict(r) for r in rows]


def audit_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_COLUMNS)
    for row in rows:
        values = [
            row["at"],
            row["user"],
            row["batch_name"],
            row["claim"],
            row["claim_id"],
            row["edit"],
            row["action"],
            row["before"],
            row["after"],
            row["question"],
            row["note"],
        ]
        # a spreadsheet must never run a value as a formula
        writer.writerow(
            ["'" + v if isinstance(v, str) and v and v[0] in "=+-@\t\r" else v for v in values]
        )
    return out.getvalue()
