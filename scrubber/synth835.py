"""Synthetic 835 remittances (005010X221A1) for synthetic 837P claims, with planted denials.

The payer pays each service line 80 % of its charge (the rest CO-45) unless a planted
:class:`Denial` matches the line (payer, procedure, and a pointed diagnosis, a missing modifier or
more units than allowed): that line is paid 0 with the denial's CARC under group CO and its RARC in
an LQ*HE; a claim whose lines are all denied gets CLP02 = 4. ``reversals`` claim ids are paid,
then reversed (CLP02 = 22) and paid again corrected; a ``provider_adjustment`` is a PLB reason.
Like :mod:`scrubber.synth`, the text is written one segment at a time; :func:`write_835` makes two
passes over the deterministic claims (totals first, BPR02 leads the file), so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from scrubber.synth import (
    BILLING_NAME,
    BILLING_NPI,
    PAYER_NAME,
    ClaimSpec,
    LineSpec,
    amount,
    iter_synth_claims,
    write_segments,
)

VERSION = "005010X221A1"
PAYER_ID = "PAYER01"
ALLOWED = Decimal("0.80")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Denial:
    """A payer's rule, as its remittances show it: lines matching it are denied."""

    procedure: str
    carc: str = "11"  # the diagnosis is inconsistent with the procedure
    rarc: str = "M76"  # missing/incomplete/invalid diagnosis or condition
    diagnosis: str | None = None  # denied when the line points to this code
    modifier: str | None = None  # denied when the line lacks this modifier
    max_units: int | None = None  # denied when the line has more units
    payer: str = PAYER_ID

    def denies(self, claim: ClaimSpec, line: LineSpec, payer: str) -> bool:
        if payer != self.payer or line.procedure != self.procedure:
            return False
        if self.diagnosis is not None:
            pointed = {
                claim.diagnoses[p - 1] for p in line.pointers if 0 < p <= len(claim.diagnoses)
            }
            return self.diagnosis in pointed
        if self.modifier is not None:
            return self.modifier not in line.modifiers
        if self.max_units is not None:
            return Decimal(line.units) > self.max_units
        return True


@dataclass(frozen=True)
class _LinePay:
    line: LineSpec
    paid: Decimal
    adjustments: tuple[tuple[str, str, Decimal], ...]  # (group, CARC, amount)
    remark: str | None


def _pay_line(claim: ClaimSpec, line: LineSpec, denials: Iterable[Denial], payer: str) -> _LinePay:
    for denial in denials:
        if denial.denies(claim, line, payer):
            return _LinePay(line, Decimal(0), (("CO", denial.carc, line.charge),), denial.rarc)
    paid = (line.charge * ALLOWED).quantize(CENT)
    return _LinePay(line, paid, (("CO", "45", line.charge - paid),), None)


def _claim_segments(
    claim: ClaimSpec, lines: list[_LinePay], status: str, sign: int, payer_control: str
) -> Iterator[str]:
    charge = claim.total_charge  # CLP03 echoes CLM02
    paid = sum((p.paid for p in lines), Decimal(0))
    if status != "22":
        status = "4" if paid == 0 else "1"
    yield "*".join(
        (
            "CLP",
            claim.claim_id,
            status,
            amount(sign * charge),
            amount(sign * paid),
            "0",
            "12",
            payer_control,
        )
    )
    yield f"NM1*QC*1*{claim.patient_last}*{claim.patient_first}****MI*{claim.member_id}"
    unbilled = charge - sum((p.line.charge for p in lines), Decimal(0))
    if unbilled:  # CLM02 more than its lines: the difference is adjusted at claim level
        yield f"CAS*CO*16*{amount(sign * unbilled)}"
    for pay in lines:
        line = pay.line
        composite = ":".join(("HC", line.procedure, *line.modifiers))
        yield "*".join(
            ("SVC", composite, amount(sign * line.charge), amount(sign * pay.paid), "", line.units)
        ).rstrip("*")
        yield f"DTM*472*{line.service_date:%Y%m%d}"
        for group, carc, value in pay.adjustments:
            yield f"CAS*{group}*{carc}*{amount(sign * value)}"
        if pay.remark:
            yield f"LQ*HE*{pay.remark}"


def claim_payments(
    claim: ClaimSpec,
    *,
    denials: Iterable[Denial] = (),
    payer: str = PAYER_ID,
    reverse: bool = False,
) -> tuple[list[str], Decimal]:
    """The 2100 loops for one claim and what they pay in all (a reversal and its correction
    net to the corrected payment)."""
    lines = [_pay_line(claim, line, denials, payer) for line in claim.lines]
    control = f"PCN{claim.claim_id}"
    segments = list(_claim_segments(claim, lines, "1", 1, control))
    paid = sum((p.paid for p in lines), Decimal(0))
    if reverse:
        segments += _claim_segments(claim, lines, "22", -1, control)
        # the correction pays a dollar less per paid line; the difference goes to the CO line
        corrected = [
            _LinePay(p.line, paid, ((group, carc, p.line.charge - paid),), p.remark)
            for p in lines
            for paid in [p.paid - 1 if p.paid else p.paid]
            for group, carc, _ in p.adjustments[:1]
        ]
        segments += _claim_segments(claim, corrected, "1", 1, control + "R")
        paid = sum((p.paid for p in corrected), Decimal(0))
    return segments, paid


def iter_segments(
    claims: Iterable[ClaimSpec],
    total: Decimal,
    *,
    denials: Iterable[Denial] = (),
    payer: str = PAYER_ID,
    payer_name: str = PAYER_NAME,
    trace: str = "EFT0001",
    paid_on: date = date(2026, 5, 15),
    reversals: frozenset[str] = frozenset(),
    provider_adjustment: tuple[str, Decimal] | None = None,
    control_number: int = 1,
    created: datetime = datetime(2026, 5, 15, 9, 0),
) -> Iterator[str]:
    """Every segment of a one-payment 835, without terminators. ``total`` is BPR02: the sum of
    what the claims are paid less the provider adjustment (see :func:`payment_total`)."""
    denials = tuple(denials)
    isa13 = f"{control_number:09d}"
    yield (
        f"ISA*00*          *00*          *ZZ*{payer:<15.15}*ZZ*{'SUBMITTER01':<15.15}*"
        f"{created:%y%m%d}*{created:%H%M}*^*00501*{isa13}*0*T*:"
    )
    yield f"GS*HP*{payer}*SUBMITTER01*{created:%Y%m%d}*{created:%H%M}*{control_number}*X*{VERSION}"
    body = [
        f"ST*835*{control_number:04d}",
        f"BPR*I*{amount(total)}*C*ACH*CCP*01*011000015*DA*123456789*1512345678**01*"
        f"011000028*DA*987654321*{paid_on:%Y%m%d}",
        f"TRN*1*{trace}*1512345678",
        f"DTM*405*{paid_on:%Y%m%d}",
        f"N1*PR*{payer_name}*XV*{payer}",
        "N3*1 PAYER WAY",
        "N4*SPRINGFIELD*IL*62701",
        "PER*BL*PROVIDER SERVICES*TE*5555550199",
        f"N1*PE*{BILLING_NAME}*XX*{BILLING_NPI}",
        "REF*TJ*123456789",
        "LX*1",
    ]
    yield from body
    count = len(body)
    for claim in claims:
        segments, _ = claim_payments(
            claim, denials=denials, payer=payer, reverse=claim.claim_id in reversals
        )
        count += len(segments)
        yield from segments
    if provider_adjustment is not None:
        reason, value = provider_adjustment
        yield f"PLB*{BILLING_NPI}*{paid_on.year}1231*{reason}:ADJ0001*{amount(value)}"
        count += 1
    yield f"SE*{count + 1}*{control_number:04d}"
    yield f"GE*1*{control_number}"
    yield f"IEA*1*{isa13}"


def payment_total(
    claims: Iterable[ClaimSpec],
    *,
    denials: Iterable[Denial] = (),
    payer: str = PAYER_ID,
    reversals: frozenset[str] = frozenset(),
    provider_adjustment: tuple[str, Decimal] | None = None,
) -> Decimal:
    """BPR02 for these claims: what they are paid, less the provider adjustment."""
    denials = tuple(denials)
    total = sum(
        (
            claim_payments(c, denials=denials, payer=payer, reverse=c.claim_id in reversals)[1]
            for c in claims
        ),
        Decimal(0),
    )
    return total - (provider_adjustment[1] if provider_adjustment else Decimal(0))


def build_835(claims: list[ClaimSpec], *, segment_suffix: str = "~\n", **options: object) -> str:
    """A complete 835 interchange paying ``claims`` (options as for :func:`iter_segments`)."""
    keys = ("denials", "payer", "reversals", "provider_adjustment")
    total = payment_total(claims, **{k: v for k, v in options.items() if k in keys})  # type: ignore[arg-type]
    segments = iter_segments(claims, total, **options)  # type: ignore[arg-type]
    return "".join(segment + segment_suffix for segment in segments)


def write_835(
    path: Path,
    n_claims: int,
    *,
    seed: int = 0,
    lines_per_claim: int = 2,
    denials: Iterable[Denial] = (),
) -> None:
    """Stream an 835 paying the claims :func:`scrubber.synth.write_837` writes for the same
    ``n_claims``, ``seed`` and ``lines_per_claim``."""
    denials = tuple(denials)

    def claims() -> Iterator[ClaimSpec]:
        synth = iter_synth_claims(n_claims, seed=seed, lines_per_claim=lines_per_claim)
        return (claim for claim, _ in synth)

    total = payment_total(claims(), denials=denials)
    write_segments(path, iter_segments(claims(), total, denials=denials))


__all__ = ["Denial", "build_835", "claim_payments", "iter_segments", "payment_total", "write_835"]
