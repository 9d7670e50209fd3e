"""Partner mode: validate an inbound 837P and answer it with standard acknowledgments.

`validate(path, options, acks=("999", "277ca"))` runs the scrubber in validate mode (no
corrections, envelope problems are errors; it writes `<stem>.report.json`), then writes:

- `<stem>.999`: per received interchange, a 999 (005010X231A1) that accepts or rejects each
  transaction set on its syntax and TR3 (pyx12 map) errors, or a TA1 alone when the interchange
  envelope itself is in error;
- `<stem>.277ca`: per received interchange with accepted transactions, a 277CA (005010X214) that
  accepts each claim of those transactions or rejects it with the status codes of the edits that
  held it (edits/acks/ack_status_codes.toml).

Control numbers (ISA13/GS06/ST02) come from a counter file (default `.scrub837-control` in the
output folder): each run takes fresh numbers under a lock. Files are written mode 0600 under a
temporary name and renamed into place together.

Exit status: 0 everything accepted, 1 some transactions or claims rejected, 3 the file rejected
(nothing in it accepted).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from scrubber.acks import ack277ca, ack999
from scrubber.acks.control import allocate
from scrubber.acks.scan import FileScan, Severity, scan_file
from scrubber.api import (
    EXIT_CLEAN,
    EXIT_HELD,
    EXIT_REJECTED,
    ScrubOptions,
    ScrubResult,
    output_stem,
    scrub,
)
from scrubber.catalogue import Profile, load_profile, selected
from scrubber.x12.writer import open_private, temporary_name

log = logging.getLogger("scrub837")

ACKS = ("999", "277ca")
DEFAULT_COUNTER = ".scrub837-control"


@dataclass(slots=True)
class ValidateResult:
    input: Path
    status: str  # "accepted" | "partial" | "rejected"
    exit_status: int  # 0 accepted, 1 partial, 3 rejected
    scrub: ScrubResult  # the validate-mode scrub run (report paths, counts, rejection)
    outputs: dict[str, Path | None] = field(default_factory=dict)  # "999", "277ca", "json", ...
    interchanges: list[ack999.InterchangeAck] = field(default_factory=list)
    transactions: dict[str, int] = field(default_factory=dict)  # received/accepted/rejected
    claims: dict[str, int] = field(default_factory=dict)
    charges: dict[str, str] = field(default_factory=dict)  # accepted/rejected, in the 277CA
    notes: list[str] = field(default_factory=list)


def validate(
    path: Path,
    options: ScrubOptions | None = None,
    acks: Iterable[str] = ACKS,
    counter_file: Path | None = None,
    *,
    stem: str | None = None,
) -> ValidateResult:
    """Validate one 837P file and write its acknowledgments; see the module docstring."""
    path = Path(path)
    wanted = _acks(acks)
    options = replace(options or ScrubOptions(), mode="validate")
    profile = load_profile(options.profile)
    out_dir = options.out_dir or path.parent
    notes: list[str] = []

    tr3_errors: list[Any] | None = None
    unwalked_from: int | None = None
    if options.tr3:
        tr3_errors, unwalked_from = _tr3_errors(path, options, notes)
    scan = scan_file(
        path,
        tr3_errors or [],
        claim_severity=_severity(profile, options, "IG001"),
        other_severity=_severity(profile, options, "IG002"),
        unwalked_from=unwalked_from,
    )
    # the pipeline takes this TR3 run instead of walking the map a second time, and counts the
    # claims of every transaction the 999 does not accept as rejected, so that the report's
    # status is the 999's verdict
    stem = stem or output_stem(path)
    accepted = frozenset(scan.accepted_transactions())
    codes = ack277ca.load_status_codes()
    families = {edit_id: spec.family for edit_id, spec in profile.edits.items()}
    # the 277CA is fed from the claim outcomes of the run, as the run decides them
    sink = ack277ca.Ack277Sink(scan, codes, families, options.run_date or date.today())
    collected = sink.result
    try:
        result = scrub(
            path,
            replace(options, tr3_errors=tr3_errors, ack_accepted=accepted),
            stem=stem,
            sinks=[sink],
        )
    except BaseException:
        collected.close()
        raise
    now = datetime.now()
    try:
        outputs, replies = _write_acks(
            stem, out_dir, wanted, scan, collected, codes, counter_file, now
        )
    finally:
        collected.close()

    accepted_transactions = scan.accepted_transactions()
    received = sum(1 for _ in scan.transactions())
    counts = collected.counts
    in_rejected = max(result.counts.get("claims", 0) - counts.claims, 0)
    if result.status == "rejected" or not accepted_transactions:
        status, exit_status = "rejected", EXIT_REJECTED
    elif (
        len(accepted_transactions) < received
        or any(i.rejected for i in scan.interchanges)
        or counts.rejected
        or in_rejected
    ):
        status, exit_status = "partial", EXIT_HELD
    else:
        status, exit_status = "accepted", EXIT_CLEAN
    if not scan.interchanges:
        notes.append("The file holds no readable interchange header (ISA): nothing to acknowledge.")
    validated = ValidateResult(
        input=path,
        status=status,
        exit_status=exit_status,
        scrub=result,
        outputs={**result.outputs, **outputs},
        interchanges=replies,
        transactions={
            "received": received,
            "accepted": len(accepted_transactions),
            "rejected": received - len(accepted_transactions),
        },
        claims={
            "received": result.counts.get("claims", 0),
            "accepted": counts.accepted,
            "rejected": counts.rejected,
            "in_rejected_transactions": in_rejected,
        },
        charges={
            "accepted": f"{counts.accepted_amount:.2f}",
            "rejected": f"{counts.rejected_amount:.2f}",
        },
        notes=notes,
    )
    log.info(
        "validated",
        extra={
            "input": path.name,
            "status": status,
            "transactions": validated.transactions,
            "claims": validated.claims,
        },
    )
    return validated


def _acks(acks: Iterable[str]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(a.lower() for a in acks))
    unknown = [a for a in wanted if a not in ACKS]
    if unknown:
        raise ValueError(f"unknown acknowledgment {unknown[0]!r}; choose from {', '.join(ACKS)}")
    return wanted


def _tr3_errors(
    path: Path, options: ScrubOptions, notes: list[str]
) -> tuple[list[Any] | None, int | None]:
    """pyx12's TR3 errors, or None (with a note) when pyx12 cannot validate the file; and the
    segment at which pyx12's reader stopped, when it did (the rest was never walked)."""
    from scrubber.x12 import tr3

    try:
        errors = list(
            tr3.validate_tr3(
                path,
                jobs=options.jobs,
                engine=options.tr3_engine or tr3.DEFAULT_ENGINE,
                cluster=options.cluster,
            )
        )
    except tr3.Tr3Unavailable as error:
        notes.append(f"TR3 validation could not run on this file: {error}")
        return None, tr3.stopped_at(error)
    return errors, None


def _severity(profile: Profile, options: ScrubOptions, edit_id: str) -> Severity | None:
    """How a TR3 error counts in the 999 under the profile: its edit's severity, or None when
    the profile switches the edit off."""
    spec = profile.edits.get(edit_id)
    if spec is None:
        return "error"
    if not spec.enabled or not selected(edit_id, options.select, options.ignore):
        return None
    return spec.severity


def _write_acks(
    stem: str,
    out_dir: Path,
    wanted: tuple[str, ...],
    scan: FileScan,
    collected: ack277ca.Collected,
    codes: ack277ca.StatusCodes,
    counter_file: Path | None,
    now: datetime,
) -> tuple[dict[str, Path | None], list[ack999.InterchangeAck]]:
    finals = {"999": out_dir / f"{stem}.999", "277ca": out_dir / f"{stem}.277ca"}
    want_999 = "999" in wanted and bool(scan.interchanges)
    want_277 = "277ca" in wanted and collected.control_numbers_needed() > 0
    needed = (ack999.control_numbers_needed(scan) if want_999 else 0) + (
        collected.control_numbers_needed() if want_277 else 0
    )
    numbers = iter(allocate(counter_file or out_dir / DEFAULT_COUNTER, needed))
    outputs: dict[str, Path | None] = {"999": None, "277ca": None}
    replies: list[ack999.InterchangeAck] = []
    pending: list[tuple[Path, Path]] = []
    try:
        if want_999:
            temporary = temporary_name(finals["999"])
            pending.append((temporary, finals["999"]))
            with open_private(temporary) as out:
                replies = ack999.write_999(out, scan, numbers, now)
        if want_277:
            temporary = temporary_name(finals["277ca"])
            pending.append((temporary, finals["277ca"]))
            with open_private(temporary) as out:
                ack277ca.write_277ca(out, collected, codes, numbers, now)
        for temporary, final in pending:
            os.replace(temporary, final)
            outputs["999" if final == finals["999"] else "277ca"] = final
    except BaseException:
        for temporary, _ in pending:
            temporary.unlink(missing_ok=True)
        raise
    return outputs, replies
