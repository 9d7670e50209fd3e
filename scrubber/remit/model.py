"""An 835 as the remittance reader hands it on: payments, claim payments, service lines,
adjustments. Money is Decimal; no patient names or member ids are kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ZERO = Decimal("0")

PAID = frozenset({"1", "2", "3"})  # processed as primary, secondary, tertiary
DENIED = "4"
REVERSAL = "22"


@dataclass(slots=True)
class Adjustment:
    """One CAS reason: group (CO, PR, OA, PI, CR), CARC, amount and quantity."""

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


@dataclass(slots=True)
class ServicePayment:
    """A 2110 loop: SVC with its DTM, CAS and LQ."""

    procedure: str  # SVC01-2, as adjudicated
    modifiers: list[str]
    charge: Decimal
    paid: Decimal
    units: Decimal  # SVC05, 1 when absent
    submitted_procedure: str  # SVC06-2 when the payer changed the code, else SVC01-2
    segment_number: int
    service_date: date | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)  # LQ*HE RARCs


@dataclass(slots=True)
class ClaimPayment:
    """A 2100 loop: CLP with its claim-level CAS, MOA/MIA remarks and service lines."""

    claim_id: str  # CLP01
    status: str  # CLP02
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    patient_responsibility: Decimal  # CLP05
    filing_indicator: str  # CLP06
    payer_control: str  # CLP07
    segment_number: int
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)  # MOA/MIA RARCs
    services: list[ServicePayment] = field(default_factory=list)


@dataclass(slots=True)
class ProviderAdjustment:
    """One PLB reason: provider, reason code and reference, amount (positive: withheld)."""

    provider: str
    reason: str
    reference: str
    amount: Decimal


@dataclass(slots=True)
class Payment:
    """One 835 transaction (ST..SE): BPR, TRN, payer and payee."""

    control_number: str  # ST02
    segment_number: int  # of ST
    amount: Decimal = ZERO  # BPR02
    credit_debit: str = "C"  # BPR03
    method: str = ""  # BPR04
    paid_on: date | None = None  # BPR16
    trace: str = ""  # TRN02
    payer_ids: list[str] = field(default_factory=list)  # TRN03, N1*PR N104, REF*2U
    payer_name: str = ""
    payee_id: str = ""  # N1*PE N104 (the NPI with N103 = XX)
    version: str = ""  # ST03 or GS08

    @property
    def payer_id(self) -> str:
        return self.payer_ids[0] if self.payer_ids else ""
