"""One file's run: events from the reader, claims through the engine, claims to the writers."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrubber.claim_checks import BlockInHand, ClaimChecks, ClaimInHand, claim_checks
from scrubber.engine import ClaimResult, Engine
from scrubber.findings import Finding
from scrubber.model import (
    BillingProvider,
    Claim,
    Segment,
    SubscriberBlock,
    TransactionHeader,
    parse_d8,
    parse_decimal,
)
from scrubber.rejudge import rejudge
from scrubber.report.entries import claim_entry, finding_entry
from scrubber.report.spool import ClaimSpool
from scrubber.run_outputs import RunOutputs
from scrubber.status import FileStatus, file_status
from scrubber.tr3_index import Tr3Index
from scrubber.x12 import reader as rd

if TYPE_CHECKING:
    from scrubber.ledger.sink import ClaimSink
    from scrubber.options import ScrubOptions

ZERO = Decimal("0")
DECIDE_WAITING = 2048  # checked blocks that may wait for the TR3 walk before it is waited for


class FileRun:
    def __init__(
        self,
        *,
        path: Path,
        engine: Engine,
        options: ScrubOptions,
        clean_dir: Path,
        held_dir: Path,
        reports_dir: Path,
        stem: str,
    ) -> None:
        self.path = path
        self.engine = engine
        self.options = options
        self.validate_only = options.mode == "validate"
        self.outputs = RunOutputs(
            clean_dir=clean_dir,
            held_dir=held_dir,
            reports_dir=reports_dir,
            stem=stem,
            html=options.html,
        )
        self.clean, self.held = self.outputs.clean, self.outputs.held
        self.spool = ClaimSpool()
        self.file_findings: list[Finding] = []
        self.notes: list[str] = []
        # claims in = clean + fixed + held + rejected (rejected: in a transaction that cannot
        # go into an 837P output, or outside any transaction)
        self.counts = {"claims": 0, "clean": 0, "fixed": 0, "held": 0, "rejected": 0}
        self.charges = {"total": ZERO, "clean": ZERO, "held": ZERO, "rejected": ZERO}
        self.unpriced = 0  # claims whose CLM02 is not an amount (held by BAL001)
        self.rejection: dict[str, str] | None = None
        self.tr3 = Tr3Index()
        self._walking = False  # a TR3 walk runs beside this pass (claim_checks: no worker)
        self.tr3_note: str | None = None
        self._transaction_errors: list[Finding] = []
        self._provider_errors: dict[int, list[Finding]] = {}
        self._transaction_hold: Finding | None = None
        self._header: TransactionHeader | None = None
        self._delimiters: dict[str, str] | None = None
        self._versions: set[str] = set()
        self._group_transactions = 0
        self._interchange_groups = 0
        self._reader: rd.Reader | None = None
        self.sinks: list[ClaimSink] = []  # told each claim's outcome (the claim ledger)
        self.checks: ClaimChecks = ClaimChecks(engine)  # where claims are checked (see run)
        self._to_decide: deque[BlockInHand] = deque()  # checked, waiting for the TR3 walk

    # -- the run
    def run(self) -> None:
        # the quick first pass first: a file that is not X12 never starts a TR3 process
        trailers = rd.scan_trailers(self.path)  # NotX12Error propagates: ENV001
        # then pyx12 walks the file in other processes while this one reads it
        if self.options.tr3 and self.engine.is_active("IG001") | self.engine.is_active("IG002"):
            self._validate_tr3()
        try:
            self._reader = reader = rd.Reader(self.path, trailers)
            self.checks = claim_checks(
                self.engine, self.path, self.options.check_workers, walk_beside=self._walking
            )
            for event in reader.events():
                self._on(event)
            self._decide_all()
            self.tr3.finish()
        finally:
            self.checks.close()
            self.tr3.close()
        self._tr3_failure()
        if reader.notes.bom:
            self.notes.append(
                "The file starts with a UTF-8 byte-order mark; it was read "
                "without it, and the outputs are written without it."
            )
        if reader.notes.leading_whitespace:
            self.notes.append("The file has white space before its first segment; it was ignored.")
        if reader.notes.line_breaks:
            self.notes.append(
                f"Segments are followed by {reader.notes.line_breaks} line "
                "breaks; the outputs keep them."
            )
        for version in sorted(self._versions & set(rd.RELABELLED_VERSIONS)):
            self.notes.append(
                f"The file is labelled {version}; it was read with the "
                "005010X222A1 rules, which cover it. The outputs keep its label."
            )
        if self.tr3_note:
            self.notes.append(self.tr3_note)
        if self.unpriced:
            self.notes.append(
                f"{self.unpriced} claim(s) have a total charge (CLM02) that is not an amount; "
                "they are held and their charges are not in the sums."
            )
        if self.checked_claims == 0 and self.rejection is None:
            first = next((f for f in self.file_findings if f.edit in ("ENV002", "ENV005")), None)
            if first is not None:
                self.rejection = {
                    "edit": first.edit,
                    "message": first.message,
                    "what_to_do": self.engine.spec(first.edit).what_to_do,
                }
            else:
                self.rejection = {
                    "edit": "ENV002",
                    "message": self.engine.spec("ENV002").message("nothing", name=self.path.name),
                    "what_to_do": self.engine.spec("ENV002").what_to_do,
                }

    def _validate_tr3(self) -> None:
        from scrubber.x12 import tr3

        given = self.options.tr3_errors  # a caller's own validate_tr3 run
        if given is not None:
            self.tr3 = Tr3Index.build(given)
            return
        stream = tr3.Tr3Stream(
            self.path,
            jobs=self.options.jobs,
            engine=self.options.tr3_engine or tr3.DEFAULT_ENGINE,
            cluster=self.options.cluster,
        )
        try:
            stream.start()  # stopped by self.tr3.close() at the end of run()
        except tr3.Tr3Unavailable as error:
            self.tr3_note = f"TR3 validation could not run on this file: {error}"
            self.tr3 = Tr3Index.unchecked(error)
            return
        self.tr3 = Tr3Index(stream)
        self._walking = True  # a process of this machine (or the cluster's) walks the file

    def _tr3_failure(self) -> None:
        """The note when pyx12 stopped part way through the file."""
        error = self.tr3.failure
        if error is None or self.tr3_note:
            return
        if self.tr3.checked == 0:
            self.tr3_note = f"TR3 validation could not run on this file: {error}"
        else:
            self.tr3_note = (
                f"TR3 validation stopped part way through this file: {error}. Claims up to "
                f"segment {self.tr3.checked} were checked against the TR3 map; later ones were not."
            )

    @property
    def checked_claims(self) -> int:
        return self.counts["clean"] + self.counts["fixed"] + self.counts["held"]

    def _on(self, event: rd.Event) -> None:
        if isinstance(event, rd.SubscriberBlock):
            self._block(event)
            return
        self._decide_all()  # what follows a block counts on its claims decided
        if isinstance(event, rd.UnreadClaim):
            self._unread(event.clm)
        elif isinstance(event, rd.Problem):
            self._problem(event)
        elif isinstance(event, rd.TransactionStart):
            self._transaction_start(event)
        elif isinstance(event, rd.TransactionEnd):
            self._transaction_end(event)
        elif isinstance(event, rd.InterchangeStart):
            isa = event.isa
            self._interchange_groups = 0
            if self._delimiters is None:
                self._delimiters = {
                    "element": isa.delimiters.element,
                    "component": isa.delimiters.component,
                }
        elif isinstance(event, rd.GroupStart):
            self._group_transactions = 0
            self._interchange_groups += 1
            self._gs = event.gs
        elif isinstance(event, rd.GroupEnd):
            self._group_end(event)
        elif isinstance(event, rd.InterchangeEnd):
            self._interchange_end(event)

    def _finding(self, problem: rd.Problem) -> Finding | None:
        """A structural fact rendered as its edit's finding: the message and its severity from
        the edit's TOML (one home per edit)."""
        if not self.engine.is_active(problem.edit):
            return None
        spec = self.engine.spec(problem.edit)
        message = spec.message(problem.key, **problem.values)
        if problem.more:
            message += spec.message("more", count=problem.more)
        severity = spec.message_severity.get(problem.key)
        finding = Finding(message, problem.segment, severity=severity)  # type: ignore[arg-type]
        return self.engine.stamp(finding, problem.edit)

    def _problem(self, problem: rd.Problem) -> Finding | None:
        finding = self._finding(problem)
        if finding is not None:
            self.file_findings.append(finding)
        return finding

    def _file_finding(self, edit: str, message: str, segment: Segment | None) -> None:
        if self.engine.is_active(edit):
            self.file_findings.append(self.engine.stamp(Finding(message, segment), edit))

    def _transaction_start(self, event: rd.TransactionStart) -> None:
        header = event.header
        self._header = header
        self._group_transactions += 1
        self._transaction_errors = []
        self._provider_errors = {}
        self._transaction_hold = None
        accepted = self.options.ack_accepted
        self._ack_rejected = accepted is not None and header.st.number not in accepted
        self._versions.add(header.version)
        if event.rejected is not None and event.rejected.edit == "ENV002":
            self._problem(event.rejected)
            return
        if event.rejected is not None:  # cut off (ENV005) or a broken envelope: claims held
            self._transaction_hold = self._problem(event.rejected)
        numbers = [header.isa.number, header.gs.number] + [s.number for s in header.segments]
        self.tr3.pin(header.isa.number, header.gs.number)  # looked up again by later headers
        self._transaction_errors = self._tr3_findings(
            "IG002", self.tr3.at(numbers), "the transaction header"
        )

    def _tr3_findings(self, edit: str, errors: list[Any], where: str) -> list[Finding]:
        if not errors or not self.engine.is_active(edit):
            return []
        findings = []
        for error in errors:
            message = self.engine.spec(edit).message(
                "default",
                where=where,
                description=error.message,
                segment=error.segment_id,
                number=error.segment_number,
            )
            segment = self._segment_for(error)
            finding = self.engine.stamp(Finding(message, segment, error.element), edit)
            findings.append(finding)
        return findings

    def _segment_for(self, error: Any) -> Segment | None:
        number = error.segment_number
        return next((s for s in self._segments_in_hand if s.number == number), None)

    # the segments a TR3 look-up is about (its errors name them by number)
    _segments_in_hand: list[Segment] = []

    def _provider_findings(self, provider: BillingProvider) -> list[Finding]:
        key = id(provider)
        if key not in self._provider_errors:
            numbers = [s.number for s in provider.segments]
            self._segments_in_hand = provider.segments
            self._provider_errors[key] = self._tr3_findings(
                "IG002", self.tr3.at(numbers), "the billing provider (2000A/2010AA)"
            )
        return self._provider_errors[key]

    def _block(self, block: SubscriberBlock) -> None:
        """Checked now, decided (with its TR3 errors) once the walk has passed it."""
        header = self._header
        assert header is not None
        claims = [ClaimInHand(claim, claim.claim_id) for claim in block.claims()]
        self.checks.put(BlockInHand(header, _last_number(block), claims, block))
        self._decide_ready()

    def _decide_ready(self) -> None:
        """Decide the checked blocks the TR3 walk has passed, in order: the reading goes on
        meanwhile (the walk starts later than the reading, pyx12's maps loading), unless too
        many blocks wait."""
        waiting = self._to_decide
        waiting.extend(self.checks.ready())
        while waiting and (len(waiting) > DECIDE_WAITING or self.tr3.known(waiting[0].last)):
            self._decide(waiting.popleft())

    def _decide_all(self) -> None:
        self._to_decide.extend(self.checks.drain())
        while self._to_decide:
            self._decide(self._to_decide.popleft())

    def _outside_findings(self, block: BlockInHand) -> None:
        """The findings of a block's claims from outside their checks: the transaction's and
        billing provider's, the reader's problems, TR3's, each claim's own TR3 errors."""
        tr3 = self.tr3
        tr3_on = not tr3.empty  # else (TR3 off) no look-ups at all
        last = block.last
        tr3.pull(last)  # the walk has passed the block: its errors are all known
        subscriber = block.block
        assert subscriber is not None
        shared: list[Finding] = list(self._transaction_errors)
        if subscriber.provider is not None:  # (its errors found once, then kept for its blocks)
            shared += self._provider_findings(subscriber.provider)
        for problem in subscriber.problems:
            finding = self._finding(problem)
            if finding is not None:
                shared.append(finding)
        if self._transaction_hold is not None:
            shared.append(self._transaction_hold)
        if last > tr3.checked and self.engine.is_active("IG002"):
            # TR3 was asked for but pyx12 could not check these claims: hold them, so that
            # nothing unchecked reaches the clean file (--no-tr3 scrubs without TR3)
            message = self.engine.spec("IG002").message(
                "unchecked", reason=str(tr3.failure or "pyx12 stopped")
            )
            segments = subscriber.segments
            shared.append(
                self.engine.stamp(Finding(message, segments[0] if segments else None), "IG002")
            )
        if tr3_on:
            self._segments_in_hand = subscriber.segments
            block_errors = tr3.at(s.number for s in subscriber.segments)
            shared += self._tr3_findings("IG001", block_errors, "the subscriber (2000B/2010BA)")
        for item in block.claims:
            item.tr3_errors = self._claim_tr3_findings(item.claim) if tr3_on else []
            item.extra = shared + item.tr3_errors

    def _decide(self, block: BlockInHand) -> None:
        """A block whose claims were checked (here or in the worker), in file order."""
        self._outside_findings(block)
        clean: list[Claim] = []
        held: list[Claim] = []
        tally = self.engine.run.content.tally
        for item in block.claims:
            assert item.checked is not None
            result = self.engine.decide(item.claim, item.checked, item.extra)
            if item.tr3_errors and not self.validate_only:  # judged again on the fixed text
                result = rejudge(result, item.tr3_errors, self.options.tr3_engine)
            self._record(result, block.header, tally.add(item.claim_id, item.log))
            (held if result.disposition == "held" else clean).append(item.claim)
        if not self.validate_only:
            self.clean.add(clean)
            self.held.add(held)
        self.tr3.release(block.last)
        if self.options.progress is not None and self._reader is not None:
            self.options.progress(self._reader.segment_count, self._reader.trailers.segments)

    def _claim_tr3_findings(self, claim: Claim) -> list[Finding]:
        segments = claim.segments
        if claim.patient is not None:
            segments = claim.patient.segments + segments
        self._segments_in_hand = segments
        errors = self.tr3.between(claim.segments[0].number, claim.segments[-1].number)
        if claim.patient is not None:  # (its segments come before the claim's, not always next)
            errors = self.tr3.at(s.number for s in claim.patient.segments) + errors
        return self._tr3_findings("IG001", errors, "the claim")

    def _unread(self, clm: Segment) -> None:
        """A claim that cannot go into an 837P output: counted, with its charge, as rejected."""
        charge = parse_decimal(clm.get(2))
        self.counts["claims"] += 1
        self.counts["rejected"] += 1
        if charge is None:
            self.unpriced += 1
        else:
            self.charges["total"] += charge
            self.charges["rejected"] += charge

    _ack_rejected = False  # validate: the 999 rejects the transaction in hand

    def _record(
        self, result: ClaimResult, header: TransactionHeader, content: dict[str, Any]
    ) -> None:
        claim = result.claim
        if claim.charge is None:
            self.unpriced += 1
        charge = claim.charge or ZERO
        self.counts["claims"] += 1
        self.charges["total"] += charge
        if self._ack_rejected:  # checked and reported, but its transaction is rejected
            self.counts["rejected"] += 1
            self.charges["rejected"] += charge
        else:
            self.counts[result.disposition] += 1
            self.charges["held" if result.disposition == "held" else "clean"] += charge
        for finding in result.file_findings:
            if not any(f.edit == finding.edit for f in self.file_findings):
                self.file_findings.append(finding)
        titles = self._titles
        entry = claim_entry(result, header, titles)
        entry["content"] = content
        if self._ack_rejected:
            entry["disposition"] = "rejected"
        if self.options.mask_phi:
            entry = _mask_entry(entry)
        self.spool.add(entry)
        for sink in self.sinks:
            sink.claim(result)

    def _titles(self, code: str) -> str | None:
        # only findings with suggestions ask, and their checks have read the code set already
        title = self.engine.run.codes.title(code)
        return title if isinstance(title, str) else None

    def _trailer(self, opener: Segment, trailer: Segment) -> None:
        for output in (self.clean, self.held):
            output.trailer_suffixes[opener.number] = trailer.suffix

    def _check_trailer(
        self, kind: str, opener: Segment, trailer: Segment, counted: int, control: str
    ) -> None:
        """SE, GE, IEA: element 1 counts what the envelope holds, element 2 repeats the
        opener's control number (ENV004, ENV003; the writer repairs both)."""
        self._trailer(opener, trailer)
        found_count, found_control = trailer.get(1).strip(), trailer.get(2).strip()
        if found_count != str(counted):
            message = self.engine.spec("ENV004").message(
                kind, found=found_count, counted=counted, control=control
            )
            self._file_finding("ENV004", message, trailer)
        if found_control != control.strip():
            message = self.engine.spec("ENV003").message(
                kind, found=found_control, expected=control
            )
            self._file_finding("ENV003", message, trailer)

    def _transaction_end(self, event: rd.TransactionEnd) -> None:
        header = event.header
        if event.se is not None and header is self._header:
            counted = event.se.number - header.st.number + 1
            self._check_trailer("se", header.st, event.se, counted, header.control_number)

    _gs: Segment | None = None

    def _group_end(self, event: rd.GroupEnd) -> None:
        if event.ge is not None and self._gs is not None:
            gs = self._gs
            self._check_trailer("ge", gs, event.ge, self._group_transactions, gs.get(6))

    def _interchange_end(self, event: rd.InterchangeEnd) -> None:
        header = self._header
        if event.iea is not None and header is not None:
            isa = header.isa
            self._check_trailer("iea", isa, event.iea, self._interchange_groups, isa.get(13))

    # -- rejection and results
    def reject(self, edit: str, message: str, segment_number: int = 0) -> None:
        self.outputs.discard_claim_files()
        finding = Finding(message, None, severity="error", edit=edit)
        self.file_findings.append(finding)
        self.rejection = {
            "edit": edit,
            "message": message,
            "what_to_do": self.engine.spec(edit).what_to_do,
        }

    @property
    def status(self) -> FileStatus:
        return file_status(
            checked_claims=self.checked_claims,
            held_claims=self.counts["held"],
            rejected_claims=self.counts["rejected"],
            file_severities=(f.severity or "error" for f in self.file_findings),
            rejected_whole=self.rejection is not None,
        )

    def report_head(
        self, *, input_name: str, sha256: str, version: str, profile: str
    ) -> dict[str, Any]:
        head = self._head(input_name=input_name, sha256=sha256, version=version, profile=profile)
        if self.options.mask_phi:
            from scrubber.report.mask import mask_report

            head = mask_report({**head, "claims": []})
            head.pop("claims", None)
        return head

    def _head(self, *, input_name: str, sha256: str, version: str, profile: str) -> dict[str, Any]:
        run = self.engine.run
        code_set = run.codes.release.name if run._codes is not None else _default_code_set()
        return {
            "input": input_name,
            "sha256": sha256,
            "status": self.status,
            "mode": self.options.mode,
            "scrubber_version": version,
            "code_set": code_set,
            "content": run.content.head(),
            "profile": profile,
            "run_date": run.run_date.isoformat(),
            "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "rejection": self.rejection,
            "notes": self.notes,
            "delimiters": self._delimiters or {"element": "*", "component": ":"},
            "counts": dict(self.counts),
            "charges": {k: f"{v:.2f}" for k, v in self.charges.items()},
            "outputs": {},
            "findings": [finding_entry(f, self._titles) for f in self.file_findings],
            "edits": {},
        }

    def finish(self, report: dict[str, Any]) -> dict[str, Path | None]:
        """Write the reports and the 837s (run_outputs.py), then free the spool."""
        try:
            report["edits"] = self._explanations(report)
            claim_files = not self.validate_only and self.rejection is None
            return self.outputs.finish(
                report, self.spool, claim_files=claim_files, remove_stale=not self.validate_only
            )
        finally:
            self.spool.close()

    def _explanations(self, report: dict[str, Any]) -> dict[str, dict[str, str]]:
        seen = {f["edit"] for f in report["findings"]} | self.spool.edits
        return {
            e: self.engine.spec(e).explanation() for e in sorted(seen) if e in self.engine.edits
        }

    def discard(self) -> None:
        self.outputs.discard()


def _last_number(block: SubscriberBlock) -> int:
    """The highest segment number in the block (its provider's segments come before it); each
    part's segments are in file order, so its last is its highest."""
    parts = [block.segments] + [item.segments for item in block.items]
    return max((segments[-1].number for segments in parts if segments), default=0)


def _default_code_set() -> str:
    return "ICD-10-CM April 1, 2026"


def _mask_entry(entry: dict[str, Any]) -> dict[str, Any]:
    from scrubber.report.mask import mask_report

    masked = mask_report({"claims": [entry], "findings": []})
    return masked["claims"][0]


__all__ = ["FileRun", "parse_d8"]
