"""IG001 judged again on the fixed text: a claim whose TR3 errors all lie in segments that a safe
fix replaced is walked again, alone in an interchange of its own, through the same TR3 walk;
those errors stand only when the fixed claim still fails (EDITS.md, IG001)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from tempfile import TemporaryDirectory

from scrubber.engine import ClaimResult, Disposition
from scrubber.findings import Finding
from scrubber.model import Segment
from scrubber.x12.writer import Output837


def fixed_segments(result: ClaimResult) -> list[Segment]:
    """The segments of the claim that an applied safe fix replaced (their new text)."""
    return [
        segment
        for finding in result.findings
        if finding.fix is not None and finding.fix.applied and finding.fix.safety == "safe"
        for segment in finding.fix.changes
    ]


def _from_the_fix(finding: Finding, fixed: list[Segment]) -> bool:
    """On a segment a fix replaced, or pyx12 missing one it did not recognise (pyx12 puts a
    missing segment's error on the segment after it: 'Mandatory segment ... (HI) missing')."""
    if finding.segment is not None and finding.segment.number in {s.number for s in fixed}:
        return True
    return any(f"({segment.id}) missing" in finding.message for segment in fixed)


def rejudge(result: ClaimResult, tr3_findings: list[Finding], engine: str | None) -> ClaimResult:
    """`tr3_findings`: the IG001 findings pyx12's walk raised on this claim's own segments."""
    standing = [f for f in result.findings if any(f is t for t in tr3_findings)]
    fixed = fixed_segments(result)
    if not standing or not fixed:
        return result
    if not all(_from_the_fix(f, fixed) for f in standing):
        return result  # an error no fix touched: it stands as it is
    if _still_fails(result, engine):
        return result
    findings = [f for f in result.findings if not any(f is s for s in standing)]
    remaining = [f for f in findings if not (f.fix is not None and f.fix.applied)]
    disposition: Disposition = "held" if any(f.severity == "error" for f in remaining) else "fixed"
    return replace(result, findings=findings, disposition=disposition)


def _still_fails(result: ClaimResult, engine: str | None) -> bool:
    from scrubber.x12 import tr3

    with TemporaryDirectory(prefix="scrub837-rejudge-") as folder:
        alone = Output837(Path(folder) / "claim.837")
        try:
            alone.add([result.claim])
            if not alone.finish():
                return True
            errors = tr3.validate_tr3(alone.temporary, engine=engine or tr3.DEFAULT_ENGINE)
        except tr3.Tr3Unavailable:
            return True
        finally:
            alone.discard()
    return any(not e.repaired_by_writer for e in errors)
