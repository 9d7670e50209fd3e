"""Write the synthetic 837P files in x12_samples/ (deterministic: reruns give identical bytes).

    python tools/make_samples.py [--out DIR] [--check]

``--check`` also runs pyx12's TR3 validation (in-process) on every file and prints what it said.
All people, ids and addresses are made up.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scrubber.synth import ClaimSpec, LineSpec, build_837  # noqa: E402

DOS = date(2026, 4, 10)


def line(
    procedure: str,
    charge: str,
    pointers: tuple[int, ...] = (1,),
    units: str = "1",
    modifiers: tuple[str, ...] = ("GP",),
    service_date: date = DOS,
) -> LineSpec:
    return LineSpec(
        procedure=procedure,
        modifiers=modifiers,
        charge=Decimal(charge),
        units=units,
        pointers=pointers,
        service_date=service_date,
    )


# --- clean claims -------------------------------------------------------------------------------

CLEAN_EVAL = ClaimSpec(
    claim_id="CLEAN0001",
    diagnoses=("M5450", "M62830"),
    lines=(
        line("97161", "120.00", (1, 2)),
        line("97110", "90.00", (1, 2), units="2"),
        line("97112", "48.50", (1,)),
    ),
    patient_last="RIVERA",
    patient_first="ANA",
    member_id="CI00000101",
    birth_date=date(1968, 3, 14),
)
CLEAN_STRAIN = ClaimSpec(
    claim_id="CLEAN0002",
    diagnoses=("S39012D", "M62830"),
    lines=(
        line("97110", "90.00", (1, 2), units="2"),
        line("97140", "43.00", (1, 2)),
    ),
    patient_last="OKAFOR",
    patient_first="DAVID",
    member_id="CI00000102",
    birth_date=date(1985, 11, 2),
    sex="M",
)
CLEAN_DEPENDENT = ClaimSpec(
    claim_id="CLEAN0003",
    diagnoses=("M5459",),
    lines=(
        line("97110", "45.00"),
        line("97116", "41.25"),
    ),
    patient_last="TANAKA",
    patient_first="EMI",
    member_id="CI00000103",
    birth_date=date(2009, 6, 30),
    dependent=True,
    subscriber_first="KENJI",
)


def one_claim(
    claim_id: str, diagnoses: tuple[str, ...], *lines: LineSpec, **extra: Any
) -> ClaimSpec:
    people: dict[str, Any] = {
        "patient_last": "SAMPLE",
        "patient_first": "PAT",
        "member_id": "CI00000200",
        "birth_date": date(1975, 5, 5),
    }
    people.update(extra)
    return ClaimSpec(claim_id=claim_id, diagnoses=diagnoses, lines=tuple(lines), **people)


MUSCLE_SPASM_CATEGORY = one_claim(
    "SPASM0001",
    ("M6283", "M5450"),
    line("97110", "90.00", (1, 2), units="2"),
    line("97140", "43.00", (2, 1)),
    patient_last="MILLER",
    patient_first="GRACE",
)
LOW_BACK_PAIN_M545 = one_claim(
    "LBP0001",
    ("M545",),
    line("97110", "90.00", units="2"),
    line("97112", "48.50"),
    patient_last="GARCIA",
    patient_first="SOFIA",
)
BACK_SPASM_NO_CONTEXT = one_claim(
    "SPASMONLY1",
    ("M62830",),
    line("97110", "90.00", units="2"),
    patient_last="BROWN",
    patient_first="OMAR",
    sex="M",
)
THERAPY_ENCOUNTER_DX = one_claim(
    "ENCDX0001",
    ("Z0000", "M5450"),
    line("97161", "120.00", (2,)),
    line("97110", "45.00", (1,)),
    patient_last="NGUYEN",
    patient_first="LINDA",
)
POINTER_TO_NOTHING = one_claim(
    "PTR0001",
    ("M5450", "M62830"),
    line("97110", "45.00", (1, 2)),
    line("97140", "43.00", (1, 3)),
    patient_last="KOWALSKI",
    patient_first="MARIA",
)
UNBALANCED = one_claim(
    "UNBAL0001",
    ("M5459",),
    line("97110", "100.00", units="2"),
    line("97112", "120.00", units="2"),
    claim_charge=Decimal("250.00"),
    patient_last="JOHNSON",
    patient_first="SAMUEL",
    sex="M",
)
FORMAT_FIXABLE = one_claim(
    "FMT0001",
    ("M62.830", "M62.830", "M54.50"),
    line("97110", "90.00", (1, 2, 3), units="2"),
    patient_last="SMITH",
    patient_first="AMINA",
)

# mixed: two subscribers with two claims each (one clean + one held / fixed), then a dependent
MIXED = [
    one_claim(
        "MIX0001",
        ("M5450", "M62830"),
        line("97110", "90.00", (1, 2), units="2"),
        line("97140", "43.00", (1,)),
        member_id="CI00000301",
        patient_last="ADAMS",
        patient_first="RUTH",
    ),
    one_claim(
        "MIX0002",
        ("M545", "M62830"),
        line("97110", "45.00", (1, 2)),
        member_id="CI00000301",
        patient_last="ADAMS",
        patient_first="RUTH",
    ),
    one_claim(
        "MIX0003",
        ("M54.50",),
        line("97112", "97.00", units="2"),
        member_id="CI00000302",
        patient_last="BAKER",
        patient_first="TOM",
        sex="M",
    ),
    one_claim(
        "MIX0004",
        ("S39012A", "M62830"),  # held for CLM02; tests/test_desk.py checks an Excludes1 on it
        line("97110", "45.00", (1, 2)),
        line("97116", "41.25", (1,)),
        claim_charge=Decimal("90.00"),
        member_id="CI00000302",
        patient_last="BAKER",
        patient_first="TOM",
        sex="M",
    ),
    one_claim(
        "MIX0005",
        ("M5451",),
        line("97110", "45.00"),
        member_id="CI00000303",
        patient_last="CHEN",
        patient_first="LILY",
        birth_date=date(2012, 2, 29),
        dependent=True,
        subscriber_first="WEI",
    ),
]

SAMPLES: dict[str, tuple[list[ClaimSpec], int]] = {
    # file name: (claims, claims_per_subscriber)
    "clean.837": ([CLEAN_EVAL, CLEAN_STRAIN, CLEAN_DEPENDENT], 1),
    "muscle_spasm_category.837": ([MUSCLE_SPASM_CATEGORY], 1),
    "low_back_pain_m545.837": ([LOW_BACK_PAIN_M545], 1),
    "back_spasm_no_context.837": ([BACK_SPASM_NO_CONTEXT], 1),
    "therapy_encounter_dx.837": ([THERAPY_ENCOUNTER_DX], 1),
    "pointer_to_nothing.837": ([POINTER_TO_NOTHING], 1),
    "unbalanced.837": ([UNBALANCED], 1),
    "format_fixable.837": ([FORMAT_FIXABLE], 1),
    "mixed.837": (MIXED, 2),
}


def _one(
    claim_id: str,
    *diagnoses: str,
    pointers: tuple[int, ...] = (1,),
    service_date: date = DOS,
    **extra: Any,
) -> list[ClaimSpec]:
    therapy = line("97110", "100.00", pointers, service_date=service_date)
    return [one_claim(claim_id, diagnoses, therapy, **extra)]


def _replace(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return change


def _cut_before(marker: str) -> Callable[[str], str]:
    return lambda text: text[: text.index(marker)]


# One sample for each core edit the claim samples above do not show. The defect is made in the
# text after generation; where it is a TR3 or envelope defect, pyx12 rightly flags the file.
EDIT_SAMPLES: dict[str, tuple[list[ClaimSpec], Callable[[str], str] | None, bool]] = {
    # file name: (claims, change to the generated text, TR3-valid afterwards)
    "unknown_code_dx001.837": (_one("DX0010001", "Z9999"), None, True),
    "icd9_qualifier_dx005.837": (_one("DX0050001", "7242", hi_qualifiers=("BK",)), None, True),
    "no_code_set_dx010.837": (
        _one("DX0100001", "M5450", service_date=date(2025, 11, 3)),
        None,
        True,
    ),
    "repeated_pointer_ptr002.837": (_one("PTR0020001", "M5450", pointers=(1, 1)), None, True),
    "unpointed_diagnosis_ptr003.837": (_one("PTR0030001", "M5450", "M62830"), None, True),
    "not_x12_env001.837": ([], None, False),
    "institutional_label_env002.837": (
        _one("ENV0020001", "M5450"),
        lambda text: text.replace("005010X222A1", "005010X223A2"),
        False,
    ),
    "control_numbers_env003.837": (
        _one("ENV0030001", "M5450"),
        _replace("IEA*1*000000", "IEA*1*900000"),
        False,
    ),
    "segment_count_env004.837": (_one("ENV0040001", "M5450"), _replace("SE*", "SE*9"), False),
    "cut_off_env005.837": (_one("ENV0050001", "M5450"), _cut_before("SE*"), False),
    "hl_numbering_hl001.837": (
        _one("HL0010001", "M5450"),
        _replace("HL*2*1*22", "HL*5*1*22"),
        False,
    ),
    "claim_tr3_error_ig001.837": (_one("IG0010001", "M5450"), _replace(":B:1*", "::1*"), False),
    "provider_tr3_error_ig002.837": (
        _one("IG0020001", "M5450"),
        _replace("*XX*1234567893~", "*XX~"),
        False,
    ),
}


def render(name: str) -> str:
    names = sorted([*SAMPLES, *EDIT_SAMPLES])
    control = names.index(name) + 1
    if name == "not_x12_env001.837":
        return "Claim,Patient,Date of service,Charge\nPCN1,DOE JANE,2026-04-10,100.00\n"
    if name in EDIT_SAMPLES:
        claims, change, _valid = EDIT_SAMPLES[name]
        text = build_837(claims, control_number=control)
        return change(text) if change else text
    claims, per_subscriber = SAMPLES[name]
    return build_837(claims, control_number=control, claims_per_subscriber=per_subscriber)


def pyx12_verdict(text: str) -> list[str]:
    """pyx12's TR3 errors for ``text`` (empty: valid)."""
    from scrubber.x12.conformance import pyx12_errors

    return pyx12_errors(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "x12_samples")
    parser.add_argument("--check", action="store_true", help="validate each file with pyx12")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    failures = 0
    for name in [*SAMPLES, *EDIT_SAMPLES]:
        text = render(name)
        (args.out / name).write_bytes(text.encode("ascii"))
        if args.check:
            errors = pyx12_verdict(text) if text.startswith("ISA") else ["not X12"]
            expected_valid = name in SAMPLES or EDIT_SAMPLES[name][2]
            print(f"{name}: {'OK' if not errors else 'TR3 errors'}")
            for error in errors:
                print(f"    {error}")
            failures += bool(errors) == expected_valid
        else:
            print(f"wrote {args.out / name}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
