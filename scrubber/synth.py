"""Synthetic, TR3-valid 837P (005010X222A1) text built from claim specifications.

Used by the benchmark, by property tests and to write the files in ``x12_samples/``. Every name,
member id and address here is made up; the billing NPI passes the Luhn-80840 check.

Layout of what is written (one interchange, one functional group, one transaction)::

    ISA GS ST BHT NM1*41 PER NM1*40
      HL*1**20*1  NM1*85 N3 N4 REF*EI                 2000A / 2010AA billing provider
      HL*n*1*22*x SBR NM1*IL N3 N4 DMG NM1*PR         2000B / 2010BA / 2010BB, one per subscriber
        CLM [REF*F8] HI (LX SV1 DTP*472)...           2300 / 2400 when the patient is the subscriber
        HL*m*n*23*0 PAT NM1*QC N3 N4 DMG              2000C / 2010CA when the patient is a dependent
          CLM [REF*F8] HI (LX SV1 DTP*472)...
    SE GE IEA

Consecutive claims with the same member id and the same ``dependent`` flag share one 2000B
subscriber loop, at most ``claims_per_subscriber`` claims to a loop; the subscriber's name, address
and birth date come from the first claim of the run. A dependent claim gets its own 2000C loop.
The text is built one segment at a time (:func:`iter_segments`), so :func:`write_837` streams files
of any size without holding them in memory.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

ELEMENT = "*"
COMPONENT = ":"
REPETITION = "^"
VERSION = "005010X222A1"

BILLING_NPI = "1234567893"  # passes the Luhn check over "80840" + NPI
BILLING_TAX_ID = "123456789"
BILLING_NAME = "SYNTHETIC PHYSICAL THERAPY CLINIC"
BILLING_STREET = "100 MAIN ST"
BILLING_CITY, BILLING_STATE, BILLING_ZIP = "SPRINGFIELD", "IL", "627010001"
SUBMITTER_NAME = "SYNTHETIC BILLING SERVICE"
PAYER_NAME = "SYNTHETIC HEALTH PLAN"
DEFAULT_CREATED = datetime(2026, 4, 15, 12, 0)
MAX_CLAIMS_PER_SUBSCRIBER = 100  # TR3 repeat of the 2300 loop under one HL


@dataclass(frozen=True)
class LineSpec:
    """One 2400 service line: LX, SV1, DTP*472."""

    procedure: str = "97110"
    modifiers: tuple[str, ...] = ("GP",)
    charge: Decimal = Decimal("100.00")
    units: str = "1"
    pointers: tuple[int, ...] = (1,)
    service_date: date = date(2026, 4, 10)


@dataclass(frozen=True)
class ClaimSpec:
    """One 2300 claim and the people it is for.

    ``diagnoses`` are written as on claims (no decimal point); HI01 gets ABK and the later ones ABF
    unless ``hi_qualifiers`` overrides them position by position. ``claim_charge`` None means CLM02
    is the sum of the line charges. With ``dependent`` the patient sits in a 2000C loop (PAT*19)
    under a subscriber named ``subscriber_first`` ``patient_last``; otherwise SBR02 is 18 and the
    patient is the subscriber. ``original_claim_ref``, when set, is written as REF*F8 (needed for
    frequency 7 or 8).
    """

    claim_id: str
    diagnoses: tuple[str, ...] = ("M5450",)
    lines: tuple[LineSpec, ...] = (LineSpec(),)
    place_of_service: str = "11"
    frequency: str = "1"
    filing_indicator: str = "CI"  # SBR09 (MB = Medicare Part B)
    patient_last: str = "DOE"
    patient_first: str = "JANE"
    member_id: str = "MBR0000001"
    birth_date: date = date(1970, 1, 1)
    dependent: bool = False
    claim_charge: Decimal | None = None
    hi_qualifiers: tuple[str, ...] | None = None
    sex: str = "F"
    subscriber_first: str = "JOHN"
    original_claim_ref: str | None = None

    @property
    def total_charge(self) -> Decimal:
        """CLM02 as written."""
        if self.claim_charge is not None:
            return self.claim_charge
        return sum((line.charge for line in self.lines), Decimal(0))


def amount(value: Decimal) -> str:
    """An X12 R-type amount: no exponent, no trailing zeros after the decimal point."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _seg(*elements: str) -> str:
    """Join elements, dropping trailing empty ones (X12 forbids trailing separators)."""
    items = list(elements)
    while items and items[-1] == "":
        items.pop()
    return ELEMENT.join(items)


def _d8(value: date) -> str:
    return value.strftime("%Y%m%d")


def _subscriber_groups(
    claims: Iterable[ClaimSpec], per_subscriber: int
) -> Iterator[list[ClaimSpec]]:
    group: list[ClaimSpec] = []
    for claim in claims:
        if group and (
            len(group) >= per_subscriber
            or claim.member_id != group[0].member_id
            or claim.dependent != group[0].dependent
        ):
            yield group
            group = []
        group.append(claim)
    if group:
        yield group


def _claim_segments(claim: ClaimSpec) -> Iterator[str]:
    clm05 = COMPONENT.join((claim.place_of_service, "B", claim.frequency))
    yield _seg("CLM", claim.claim_id, amount(claim.total_charge), "", "", clm05, "Y", "A", "Y", "Y")
    if claim.original_claim_ref is not None:
        yield _seg("REF", "F8", claim.original_claim_ref)
    composites = []
    for i, code in enumerate(claim.diagnoses):
        if claim.hi_qualifiers is not None and i < len(claim.hi_qualifiers):
            qualifier = claim.hi_qualifiers[i]
        else:
            qualifier = "ABK" if i == 0 else "ABF"
        composites.append(COMPONENT.join((qualifier, code)))
    yield _seg("HI", *composites)
    for number, line in enumerate(claim.lines, start=1):
        yield _seg("LX", str(number))
        sv101 = COMPONENT.join(("HC", line.procedure, *line.modifiers))
        pointers = COMPONENT.join(str(p) for p in line.pointers)
        yield _seg("SV1", sv101, amount(line.charge), "UN", line.units, "", "", pointers)
        yield _seg("DTP", "472", "D8", _d8(line.service_date))


def _address(member_id: str) -> tuple[str, str]:
    """A made-up street and ZIP derived from the member id (stable, no randomness)."""
    n = sum(ord(c) for c in member_id)
    return f"{10 + n % 980} ELM ST", f"627{n % 100:02d}"


def iter_segments(
    claims: Iterable[ClaimSpec],
    *,
    control_number: int = 1,
    claims_per_subscriber: int = 1,
    sender: str = "SUBMITTER01",
    receiver: str = "PAYER01",
    created: datetime = DEFAULT_CREATED,
) -> Iterator[str]:
    """Every segment of a one-transaction 837P interchange, without terminators, in order.

    ``claims`` is consumed lazily (one subscriber run at a time).
    """
    if not 1 <= claims_per_subscriber <= MAX_CLAIMS_PER_SUBSCRIBER:
        raise ValueError(f"claims_per_subscriber must be 1..{MAX_CLAIMS_PER_SUBSCRIBER}")
    if not 0 <= control_number <= 999_999_999:
        raise ValueError("control_number must fit ISA13 (9 digits)")
    isa13 = f"{control_number:09d}"
    st02 = f"{control_number:04d}"
    yield ELEMENT.join(
        (
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            "ZZ",
            f"{sender:<15.15}",
            "ZZ",
            f"{receiver:<15.15}",
            created.strftime("%y%m%d"),
            created.strftime("%H%M"),
            REPETITION,
            "00501",
            isa13,
            "0",
            "T",
            COMPONENT,
        )
    )
    yield _seg(
        "GS",
        "HC",
        sender,
        receiver,
        created.strftime("%Y%m%d"),
        created.strftime("%H%M"),
        str(control_number),
        "X",
        VERSION,
    )
    body = 0  # segments from ST through SE

    def count(segment: str) -> str:
        nonlocal body
        body += 1
        return segment

    yield count(_seg("ST", "837", st02, VERSION))
    yield count(
        _seg(
            "BHT",
            "0019",
            "00",
            f"BATCH{st02}",
            created.strftime("%Y%m%d"),
            created.strftime("%H%M"),
            "CH",
        )
    )
    yield count(_seg("NM1", "41", "2", SUBMITTER_NAME, "", "", "", "", "46", sender))
    yield count(_seg("PER", "IC", "BILLING OFFICE", "TE", "5555550100"))
    yield count(_seg("NM1", "40", "2", PAYER_NAME, "", "", "", "", "46", receiver))
    yield count(_seg("HL", "1", "", "20", "1"))
    yield count(_seg("NM1", "85", "2", BILLING_NAME, "", "", "", "", "XX", BILLING_NPI))
    yield count(_seg("N3", BILLING_STREET))
    yield count(_seg("N4", BILLING_CITY, BILLING_STATE, BILLING_ZIP))
    yield count(_seg("REF", "EI", BILLING_TAX_ID))
    hl = 1
    for group in _subscriber_groups(claims, claims_per_subscriber):
        first = group[0]
        hl += 1
        subscriber_hl = hl
        street, zip5 = _address(first.member_id)
        yield count(_seg("HL", str(hl), "1", "22", "1" if first.dependent else "0"))
        relationship = "" if first.dependent else "18"
        yield count(_seg("SBR", "P", relationship, "", "", "", "", "", "", first.filing_indicator))
        if first.dependent:
            name = (first.patient_last, first.subscriber_first)
            dob, sex = first.birth_date - timedelta(days=365 * 28), "M"
        else:
            name = (first.patient_last, first.patient_first)
            dob, sex = first.birth_date, first.sex
        yield count(_seg("NM1", "IL", "1", *name, "", "", "", "MI", first.member_id))
        yield count(_seg("N3", street))
        yield count(_seg("N4", BILLING_CITY, BILLING_STATE, zip5))
        yield count(_seg("DMG", "D8", _d8(dob), sex))
        yield count(_seg("NM1", "PR", "2", PAYER_NAME, "", "", "", "", "PI", receiver))
        for claim in group:
            if claim.dependent:
                hl += 1
                yield count(_seg("HL", str(hl), str(subscriber_hl), "23", "0"))
                yield count(_seg("PAT", "19"))
                yield count(_seg("NM1", "QC", "1", claim.patient_last, claim.patient_first))
                yield count(_seg("N3", street))
                yield count(_seg("N4", BILLING_CITY, BILLING_STATE, zip5))
                yield count(_seg("DMG", "D8", _d8(claim.birth_date), claim.sex))
            for segment in _claim_segments(claim):
                yield count(segment)
    yield _seg("SE", str(body + 1), st02)
    yield _seg("GE", "1", str(control_number))
    yield _seg("IEA", "1", isa13)


def _check_suffix(segment_suffix: str) -> None:
    if not segment_suffix or segment_suffix[0] in " \t\r\n" + ELEMENT + COMPONENT + REPETITION:
        raise ValueError("segment_suffix must start with the segment terminator, e.g. '~\\n'")


def build_837(
    claims: Sequence[ClaimSpec],
    *,
    control_number: int = 1,
    claims_per_subscriber: int = 1,
    segment_suffix: str = "~\n",
    sender: str = "SUBMITTER01",
    receiver: str = "PAYER01",
    created: datetime = DEFAULT_CREATED,
) -> str:
    """A complete 837P interchange holding ``claims`` in order.

    ``segment_suffix`` is written after every segment; its first character is the segment
    terminator (ISA16 is ':', ISA11 '^', elements '*').
    """
    _check_suffix(segment_suffix)
    segments = iter_segments(
        claims,
        control_number=control_number,
        claims_per_subscriber=claims_per_subscriber,
        sender=sender,
        receiver=receiver,
        created=created,
    )
    return "".join(segment + segment_suffix for segment in segments)


# ---------------------------------------------------------------------------------------------
# Large varied files
# ---------------------------------------------------------------------------------------------

DEFECTS = ("M6283", "M545", "Z0000", "missing_pointer", "unbalanced")
"""Defect kinds :func:`iter_synth_claims` plants, each in about 1 % of claims."""

DEFECT_RATE = 0.01

# Diagnosis sets for clean therapy claims: billable in the April 2026 tabular, no Excludes1 pair
# among them, and never muscle spasm of back without a back condition.
_CLEAN_DX: tuple[tuple[str, ...], ...] = (
    ("M5450", "M62830"),
    ("M5459",),
    ("M5451", "M6281"),
    ("S39012D", "M62830"),
    ("M25561", "M1711"),
    ("M25511",),
    ("M542", "M6281"),
    ("Z471", "Z96651", "M25561"),
    ("M5416", "M5450"),
    ("M546",),
)
# Timed codes with no NCCI pair among them; (procedure, charge per unit).
_PROCEDURES: tuple[tuple[str, Decimal], ...] = (
    ("97110", Decimal("45.00")),
    ("97112", Decimal("48.50")),
    ("97116", Decimal("41.25")),
    ("97140", Decimal("43.00")),
)
_LAST = ("SMITH", "NGUYEN", "GARCIA", "JOHNSON", "OKAFOR", "MILLER", "KOWALSKI", "TANAKA", "BROWN")
_FIRST_F = ("JANE", "MARIA", "AMINA", "LINDA", "SOFIA", "GRACE")
_FIRST_M = ("JOHN", "DAVID", "CARLOS", "KENJI", "SAMUEL", "OMAR")


class _Person(NamedTuple):
    member_id: str
    dependent: bool
    last: str
    first: str
    birth_date: date
    sex: str


def _clean_lines(rng: random.Random, n_lines: int, n_dx: int, service_date: date) -> list[LineSpec]:
    lines = []
    for i in range(n_lines):
        procedure, rate = _PROCEDURES[rng.randrange(len(_PROCEDURES))]
        units = rng.randint(1, 3)
        # the first line points at every diagnosis (at most 4), the others at the principal one
        pointers = tuple(range(1, min(n_dx, 4) + 1)) if i == 0 else (1,)
        lines.append(
            LineSpec(
                procedure=procedure,
                charge=rate * units,
                units=str(units),
                pointers=pointers,
                service_date=service_date,
            )
        )
    return lines


def iter_synth_claims(
    n_claims: int, *, seed: int = 0, lines_per_claim: int = 2
) -> Iterator[tuple[ClaimSpec, str | None]]:
    """Deterministic varied claims for :func:`write_837`, each with its planted defect or None.

    Claim ids are ``S{seed}C{index}``. About 5 % of the claims carry one defect from
    :data:`DEFECTS`; about a quarter continue the previous claim's subscriber and about one in
    ten is for a dependent.
    """
    if lines_per_claim < 1:
        raise ValueError("lines_per_claim must be at least 1")
    rng = random.Random(seed)
    member = 0
    previous: ClaimSpec | None = None
    for index in range(n_claims):
        roll = rng.random()
        defect = DEFECTS[int(roll / DEFECT_RATE)] if roll < DEFECT_RATE * len(DEFECTS) else None
        service_date = date(2026, 4, 1) + timedelta(days=rng.randrange(14))
        diagnoses = _CLEAN_DX[rng.randrange(len(_CLEAN_DX))]
        lines = _clean_lines(rng, lines_per_claim, len(diagnoses), service_date)
        claim_charge: Decimal | None = None
        if defect == "M6283":
            diagnoses = ("M6283", "M5450")
            lines = _clean_lines(rng, lines_per_claim, 2, service_date)
        elif defect == "M545":
            diagnoses = ("M545",)
            lines = _clean_lines(rng, lines_per_claim, 1, service_date)
        elif defect == "Z0000":
            diagnoses = ("Z0000",)
            therapy = LineSpec(charge=Decimal("45.00"), service_date=service_date)  # 97110 GP
            lines = [therapy] * lines_per_claim
        elif defect == "missing_pointer":
            lines[0] = replace(lines[0], pointers=(1, len(diagnoses) + 1))
        elif defect == "unbalanced":
            claim_charge = sum((line.charge for line in lines), Decimal(0)) + Decimal("10.00")
        if previous is not None and rng.random() < 0.25:
            person = _Person(
                previous.member_id,
                previous.dependent,
                previous.patient_last,
                previous.patient_first,
                previous.birth_date,
                previous.sex,
            )
        else:
            member += 1
            female = rng.random() < 0.55
            dependent = rng.random() < 0.1
            born = date(2008, 1, 1) if dependent else date(1940, 1, 1)
            person = _Person(
                member_id=f"MBR{seed % 1000:03d}{member:07d}",
                dependent=dependent,
                last=_LAST[rng.randrange(len(_LAST))],
                first=rng.choice(_FIRST_F if female else _FIRST_M),
                birth_date=born + timedelta(days=rng.randrange(365 * (15 if dependent else 60))),
                sex="F" if female else "M",
            )
        claim = ClaimSpec(
            claim_id=f"S{seed}C{index + 1:07d}",
            diagnoses=diagnoses,
            lines=tuple(lines),
            place_of_service="11" if rng.random() < 0.85 else "22",
            filing_indicator="MB" if rng.random() < 0.3 else "CI",
            claim_charge=claim_charge,
            patient_last=person.last,
            patient_first=person.first,
            member_id=person.member_id,
            birth_date=person.birth_date,
            dependent=person.dependent,
            sex=person.sex,
        )
        previous = claim
        yield claim, defect


def write_837(path: Path, n_claims: int, *, seed: int = 0, lines_per_claim: int = 2) -> None:
    """Stream a large varied 837P file of ``n_claims`` claims to ``path`` (see iter_synth_claims).

    Memory stays flat: claims are generated and written one subscriber run at a time.
    """
    synth = iter_synth_claims(n_claims, seed=seed, lines_per_claim=lines_per_claim)
    claims = (claim for claim, _ in synth)
    write_segments(path, iter_segments(claims, claims_per_subscriber=3))


def write_segments(path: Path, segments: Iterable[str]) -> None:
    """Write segments to a file, each followed by "~" and a line break, a few thousand at a time."""
    with open(path, "w", encoding="ascii", newline="", buffering=1 << 20) as out:
        batch: list[str] = []
        for segment in segments:
            batch.append(segment)
            if len(batch) >= 4096:
                out.write("~\n".join(batch) + "~\n")
                batch.clear()
        if batch:
            out.write("~\n".join(batch) + "~\n")


__all__ = [
    "DEFECTS",
    "ClaimSpec",
    "LineSpec",
    "amount",
    "build_837",
    "iter_segments",
    "iter_synth_claims",
    "write_837",
    "write_segments",
]
