"""Mangled 837P files never raise: every outcome is a status, a report and no lost claim."""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber.api import ScrubOptions, scrub
from scrubber.x12.tr3 import validate_tr3
from tests.corpus import claims_in

SAMPLES = Path(__file__).resolve().parents[1] / "x12_samples"
BASES = [
    (SAMPLES / name).read_text().split("~\n")[:-1]
    for name in (
        "mixed.837",
        "clean.837",
        "format_fixable.837",
        "therapy_encounter_dx.837",
        "muscle_spasm_category.837",
        "pointer_to_nothing.837",
    )
]
JUNK = ["", "*", ":", "~", "^", "99999999999999", "ABC", "-1", "1.2.3", "20261340", "\u00e9", "HL"]


@st.composite
def mangled(draw: st.DrawFn) -> str:
    segments = list(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(segments) - 1))
        action = draw(st.sampled_from(["drop", "repeat", "element", "swap"]))
        if action == "drop" and len(segments) > 1:
            del segments[index]
        elif action == "repeat":
            segments.insert(index, segments[index])
        elif action == "swap" and index + 1 < len(segments):
            segments[index], segments[index + 1] = segments[index + 1], segments[index]
        elif action == "element":
            elements = segments[index].split("*")
            at = draw(st.integers(0, len(elements) - 1))
            elements[at] = draw(st.sampled_from(JUNK))
            segments[index] = "*".join(elements)
    text = "~\n".join(segments) + "~\n"
    if draw(st.booleans()):  # a byte anywhere replaced by a delimiter or a stray character
        at = draw(st.integers(0, len(text) - 1))
        text = (
            text[:at]
            + draw(st.sampled_from(["*", ":", "~", "\n", "\r", " ", "\x00"]))
            + text[at + 1 :]
        )
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled(), st.booleans(), st.sampled_from([1, 2]))
def test_mangled_files_never_raise(text: str, tr3: bool, jobs: int) -> None:
    with TemporaryDirectory() as folder:
        source = Path(folder) / "batch.837"
        source.write_text(text)
        result = scrub(source, ScrubOptions(out_dir=Path(folder) / "out", tr3=tr3, jobs=jobs))
        assert result.exit_status in (0, 1, 3)
        report = json.loads(Path(result.outputs["json"] or "").read_text())
        assert report["status"] in ("clean", "held", "rejected")
        if result.status != "rejected":
            written = []
            for name in ("clean", "held"):
                output = result.outputs[name]
                written += claims_in(output) if output else []
            assert len(written) == report["counts"]["claims"]
            assert sorted(written) == sorted(claims_in(source))  # none lost, none twice
            clean = result.outputs["clean"]
            if tr3 and clean is not None:  # the clean output always passes TR3
                assert [e for e in validate_tr3(clean) if not e.repaired_by_writer] == []
