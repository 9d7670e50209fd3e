"""The 835 reader: the byte-exact tokenizer's segments turned into payments and claim payments,
one claim at a time, so memory stays flat however large the remittance is."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from scrubber.model import parse_d8
from scrubber.remit.model import (
    ZERO,
    Adjustment,
    ClaimPayment,
    Payment,
    ProviderAdjustment,
    ServicePayment,
)
from scrubber.x12.tokens import iter_segments

VERSION = "005010X221A1"


@dataclass(slots=True)
class Problem:
    """Something in the 835 that could not be read as it stands, with where it is."""

    message: str
    segment_number: int
    segment_id: str


@dataclass(slots=True)
class PaymentStart:
    payment: Payment


@dataclass(slots=True)
class PaymentEnd:
    payment: Payment
    provider_adjustments: list[ProviderAdjustment] = field(default_factory=list)
    complete: bool = True  # False: the transaction has no SE (file cut off, or a new ST)


Event = PaymentStart | ClaimPayment | PaymentEnd | Problem


class _Amounts:
    """Decimal fields of one segment; a bad value is a Problem naming the element."""

    def __init__(self, problems: list[Problem], elements: list[str], number: int) -> None:
        self.problems = problems
        self.elements = elements
        self.number = number

    def get(self, position: int, default: Decimal | None = ZERO) -> Decimal | None:
        elements = self.elements
        value = elements[position].strip() if position < len(elements) else ""
        if not value:
            return default
        try:
            amount = Decimal(value)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            seg = elements[0].strip()
            self.problems.append(
                Problem(
                    f"{seg}{position:02d} {value!r} in segment {self.number} ({seg}) is not an "
                    "amount; it was read as 0. Ask the payer for a corrected 835.",
                    self.number,
                    seg,
                )
            )
            return default
        return amount

    def money(self, position: int) -> Decimal:
        return self.get(position) or ZERO


def _at(elements: list[str], position: int) -> str:
    return elements[position].strip() if position < len(elements) else ""


def _adjustments(elements: list[str], amounts: _Amounts) -> list[Adjustment]:
    """CAS01 group, then up to six (reason, amount, quantity) triplets."""
    group = _at(elements, 1)
    found = []
    for start in range(2, min(len(elements), 20), 3):
        reason = _at(elements, start)
        if reason:
            found.append(
                Adjustment(group, reason, amounts.money(start + 1), amounts.get(start + 2, None))
            )
    return found


class RemitReader:
    """Events of one 835 file: PaymentStart, each ClaimPayment, PaymentEnd, and Problems."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.problems: list[Problem] = []
        self.segments = 0

    def events(self) -> Iterator[Event]:
        payment: Payment | None = None
        started = False
        skipping = False  # inside a transaction that is not an 835
        claim: ClaimPayment | None = None
        service: ServicePayment | None = None
        plb: list[ProviderAdjustment] = []
        group_version = ""
        problems = self.problems
        number = 0
        open_envelope = {"GE": False, "IEA": False}  # trailers an open envelope still needs
        for raw in iter_segments(self.stream):
            number = raw.number
            delimiters = raw.delimiters
            elements = raw.text.split(delimiters.element)
            seg = elements[0].strip()
            if seg == "ST":
                if payment is not None:
                    yield from self._flush(problems)
                    if claim is not None:
                        yield claim
                    yield PaymentEnd(payment, plb, complete=False)
                    yield self._problem(
                        "transaction "
                        f"{payment.control_number} has no SE before the ST of segment {number}; "
                        "the claims read so far are not recorded",
                        number,
                        seg,
                    )
                claim, service, plb, started = None, None, [], False
                if _at(elements, 1) != "835":
                    skipping = True
                    payment = None
                    yield self._problem(
                        f"transaction ST*{_at(elements, 1)} is not an 835 remittance; skipped",
                        number,
                        seg,
                    )
                    continue
                skipping = False
                payment = Payment(
                    control_number=_at(elements, 2),
                    segment_number=number,
                    version=_at(elements, 3) or group_version,
                )
                continue
            if seg == "GS":
                group_version = _at(elements, 8)
                open_envelope["GE"] = True
                continue
            if seg in ("ISA", "GE", "IEA", "TA1"):
                if seg in ("ISA", "IEA"):
                    open_envelope["IEA"] = seg == "ISA"
                else:
                    open_envelope["GE"] = False
                continue
            if skipping:
                if seg == "SE":
                    skipping = False
                continue
            if payment is None:
                yield self._problem(
                    f"segment {number} ({seg}) stands outside an 835 transaction (no ST before "
                    "it); it was not read",
                    number,
                    seg,
                )
                continue
            amounts = _Amounts(problems, elements, number)
            if not started:
                if seg == "BPR":
                    payment.amount = amounts.money(2)
                    payment.credit_debit = _at(elements, 3)
                    payment.method = _at(elements, 4)
                    payment.paid_on = parse_d8(_at(elements, 16))
                    continue
                if seg == "TRN":
                    payment.trace = _at(elements, 2)
                    if _at(elements, 3):
                        payment.payer_ids.append(_at(elements, 3))
                    continue
                if seg == "N1" and _at(elements, 1) == "PR":
                    payment.payer_name = _at(elements, 2)
                    if _at(elements, 4):
                        payment.payer_ids.insert(0, _at(elements, 4))
                    self._payer = True
                    continue
                if seg == "N1" and _at(elements, 1) == "PE":
                    payment.payee_id = _at(elements, 4)
                    self._payer = False
                    continue
                if seg == "REF" and _at(elements, 1) == "2U" and getattr(self, "_payer", False):
                    payment.payer_ids.insert(0, _at(elements, 2))
                    continue
                if seg in ("LX", "CLP", "PLB", "SE"):
                    started = True
                    yield from self._flush(problems)
                    yield PaymentStart(payment)
                else:
                    continue
            if seg == "CLP":
                if claim is not None:
                    yield claim
                service = None
                claim = ClaimPayment(
                    claim_id=_at(elements, 1),
                    status=_at(elements, 2),
                    charge=amounts.money(3),
                    paid=amounts.money(4),
                    patient_responsibility=amounts.money(5),
                    filing_indicator=_at(elements, 6),
                    payer_control=_at(elements, 7),
                    segment_number=number,
                )
            elif seg == "SVC":
                if claim is None:
                    yield self._problem(
                        f"SVC in segment {number} comes before any CLP; it was not read",
                        number,
                        seg,
                    )
                    continue
                composite = _at(elements, 1).split(delimiters.component)
                original = _at(elements, 6).split(delimiters.component)
                procedure = composite[1].strip() if len(composite) > 1 else ""
                service = ServicePayment(
                    procedure=procedure,
                    modifiers=[m.strip() for m in composite[2:6] if m.strip()],
                    charge=amounts.money(2),
                    paid=amounts.money(3),
                    units=amounts.get(5, None) or Decimal(1),
                    submitted_procedure=(original[1].strip() if len(original) > 1 else "")
                    or procedure,
                    segment_number=number,
                )
                claim.services.append(service)
            elif seg == "CAS":
                target = service if service is not None else claim
                if target is not None:
                    target.adjustments += _adjustments(elements, amounts)
            elif seg == "LQ":
                if service is not None and _at(elements, 1) == "HE" and _at(elements, 2):
                    service.remarks.append(_at(elements, 2))
            elif seg == "DTM":
                if service is not None and _at(elements, 1) in ("472", "150"):
                    service.service_date = parse_d8(_at(elements, 2))
            elif seg in ("MOA", "MIA"):
                if claim is not None:
                    positions = range(3, 8) if seg == "MOA" else (5, 20, 21, 22, 23)
                    claim.remarks += [_at(elements, p) for p in positions if _at(elements, p)]
            elif seg == "PLB":
                if claim is not None:
                    yield claim
                    claim, service = None, None
                provider = _at(elements, 1)
                for start in range(3, min(len(elements), 15), 2):
                    composite = _at(elements, start).split(delimiters.component)
                    if composite[0]:
                        plb.append(
                            ProviderAdjustment(
                                provider,
                                composite[0].strip(),
                                composite[1].strip() if len(composite) > 1 else "",
                                amounts.money(start + 1),
                            )
                        )
            elif seg == "SE":
                if claim is not None:
                    yield claim
                yield from self._flush(problems)
                yield PaymentEnd(payment, plb)
                payment, claim, service, plb = None, None, None, []
            if problems:  # (rare) problems of this segment go out right after it
                yield from self._flush(problems)
        self.segments = number
        if payment is not None:
            if not started:
                yield PaymentStart(payment)
            if claim is not None:
                yield claim
            yield PaymentEnd(payment, plb, complete=False)
            yield self._problem(
                f"transaction {payment.control_number} (ST in segment {payment.segment_number}) "
                "has no SE: the file is cut off; its claims are not recorded. Ask the payer for "
                "the complete 835.",
                number,
                "SE",
            )
        elif missing := " and ".join(k for k, v in open_envelope.items() if v):
            yield self._problem(
                f"the file ends after segment {number} without its {missing}: it is cut off "
                "(the payments read were complete and are recorded)",
                number,
                missing.split()[0],
            )
        yield from self._flush(problems)

    _payer = False

    def _problem(self, message: str, number: int, segment_id: str) -> Problem:
        return Problem(message, number, segment_id)

    @staticmethod
    def _flush(problems: list[Problem]) -> Iterator[Problem]:
        while problems:
            yield problems.pop(0)
