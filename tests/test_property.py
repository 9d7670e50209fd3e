"""Generated 837P files: conservation, TR3-valid outputs, scrubbing twice changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber.api import ScrubOptions, scrub
from scrubber.synth import ClaimSpec, LineSpec, build_837
from scrubber.x12.tr3 import validate_tr3
from tests.corpus import claims_in

CODES = ["M5450", "M62830", "S39012A", "M6283", "M545", "Z0000", "M62.830", "G8929", "R252"]
PROCEDURES = ["97110", "97112", "97140", "97530", "99213"]

lines = st.builds(
    LineSpec,
    procedure=st.sampled_from(PROCEDURES),
    modifiers=st.just(("GP",)),
    charge=st.decimals(min_value=Decimal("1.00"), max_value=Decimal("999.99"), places=2),
    units=st.sampled_from(["1", "2"]),
    pointers=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
    service_date=st.dates(date(2026, 4, 1), date(2026, 9, 30)),
)


@st.composite
def claim_sets(draw: st.DrawFn) -> list[ClaimSpec]:
    count = draw(st.integers(1, 6))
    claims = []
    for index in range(count):
        claims.append(
            ClaimSpec(
                claim_id=f"PCN{index:04d}",
                diagnoses=tuple(draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=4))),
                lines=tuple(draw(st.lists(lines, min_size=1, max_size=3))),
                member_id=f"MBR{draw(st.integers(0, 2)):07d}",
                dependent=draw(st.booleans()),
                claim_charge=draw(st.none() | st.just(Decimal("1.00"))),
            )
        )
    return claims


def _errors(path: Path) -> list[object]:
    return [e for e in validate_tr3(path) if not e.repaired_by_writer]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claim_sets(), st.integers(1, 3))
def test_generated_files(claims: list[ClaimSpec], per_subscriber: int) -> None:
    with TemporaryDirectory() as folder:
        tmp = Path(folder)
        source = tmp / "batch.837"
        source.write_text(build_837(claims, claims_per_subscriber=per_subscriber))
        result = scrub(source, ScrubOptions(out_dir=tmp / "out", html=False))
        clean, held = result.outputs["clean"], result.outputs["held"]
        clean_claims = claims_in(clean) if clean else []
        held_claims = claims_in(held) if held else []
        assert sorted(clean_claims + held_claims) == sorted(claims_in(source))
        total = sum((c.claim_charge or c.total_charge for c in claims), Decimal(0))
        assert Decimal(result.charges["total"]) == total
        assert Decimal(result.charges["clean"]) + Decimal(result.charges["held"]) == total
        for output in (clean, held):
            if output is not None:
                assert _errors(output) == []
        if clean is not None:
            again = scrub(clean, ScrubOptions(out_dir=tmp / "again", html=False))
            assert again.counts["held"] == again.counts["fixed"] == 0
            assert again.outputs["clean"] is not None
            assert again.outputs["clean"].read_bytes() == clean.read_bytes()
