"""The compiled TR3 validator against pyx12's own pass: identical error lists, file by file.

Every corpus file, every sample, generated files and at least 500 fuzzed files per run go
through validate_tr3 with engine="pyx12" (pyx12's reader, walker and validator on every
segment) and engine="compiled"; the errors (segment, loop, element, code, message) and the
refusals (Tr3Unavailable, including where pyx12 stops) must be the same.
"""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber.api import ScrubOptions, scrub
from scrubber.cli import main
from scrubber.synth import write_837
from scrubber.x12.tokens import iter_segments
from scrubber.x12.tr3 import Tr3Error, Tr3Stream, Tr3Unavailable, validate_tr3
from scrubber.x12.tr3.compiled.transitions import Transitions
from tests.corpus import corpus_files
from tests.test_fuzz import mangled

SAMPLES = Path(__file__).resolve().parents[1] / "x12_samples"
FUZZED_FILES = 500

Outcome = list[Tr3Error] | tuple[str, str]


def outcome(path: Path, engine: str, **kwargs: int) -> Outcome:
    try:
        return validate_tr3(path, engine=engine, **kwargs)
    except Tr3Unavailable as error:
        return ("unavailable", str(error))


def assert_same(path: Path, **kwargs: int) -> Outcome:
    reference = outcome(path, "pyx12", **kwargs)
    compiled = outcome(path, "compiled", **kwargs)
    if isinstance(reference, list) and isinstance(compiled, list):
        missing = [e for e in reference if e not in compiled]
        extra = [e for e in compiled if e not in reference]
        assert (missing, extra) == ([], []), path.name
    assert compiled == reference, path.name
    return reference


@pytest.mark.parametrize(
    "path",
    corpus_files("837p", "malformed", "837i", "837d", "other"),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_corpus_file(path: Path) -> None:
    assert_same(path)


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.837")), ids=lambda p: p.name)
def test_sample(path: Path) -> None:
    assert_same(path)


@st.composite
def fuzzed(draw: st.DrawFn) -> str:
    """test_fuzz's mangled files, and now and then one of the cases that change pyx12's walk
    or stop its reader: a segment repeated past its max use, an element longer than pyx12's
    read-ahead, a leading space, a trailing separator, a qualifier changed."""
    text = draw(mangled())
    segments = text.split("~")
    if len(segments) < 3 or not draw(st.booleans()):
        return text
    at = draw(st.integers(1, len(segments) - 2))
    action = draw(st.sampled_from(["repeat", "long", "space", "trailing", "qualifier"]))
    if action == "repeat":
        segments[at:at] = [segments[at]] * draw(st.integers(2, 60))
    elif action == "long":
        segments.insert(at, "\nNTE*ADD*" + "A" * draw(st.sampled_from([80, 9000, 20000])))
    elif action == "space":
        segments[at] = "\n " + segments[at].lstrip("\n")
    elif action == "trailing":
        segments[at] += "*"
    else:
        elements = segments[at].split("*")
        if len(elements) > 1:
            elements[1] = draw(st.sampled_from(["IL", "QC", "85", "87", "PR", "DK", "472", "D9"]))
        segments[at] = "*".join(elements)
    return "~".join(segments)


@settings(
    max_examples=FUZZED_FILES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(fuzzed())
def test_fuzzed_file(text: str) -> None:
    with TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.837"
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        assert_same(path)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400 generated claims, some with TR3 errors planted (a bad date, an unknown place of
    service code, a repeated segment, a subscriber name missing)."""
    path = tmp_path_factory.mktemp("generated") / "generated.837"
    write_837(path, 400, seed=7)
    segments = path.read_text().split("~\n")
    planted = []
    for index, segment in enumerate(segments):
        if segment.startswith("DTP*472*D8*") and index % 23 == 0:
            segment = "DTP*472*D8*20261340"
        elif segment.startswith("CLM*") and index % 29 == 0:
            elements = segment.split("*")
            elements[5] = "99:B:1"
            segment = "*".join(elements)
        elif segment.startswith("NM1*IL*") and index % 31 == 0:
            continue
        elif segment.startswith("REF*") and index % 37 == 0:
            planted.append(segment)
        planted.append(segment)
    path.write_text("~\n".join(planted))
    return path


def test_generated_file_and_the_walk_is_replayed(generated: Path) -> None:
    before = Transitions.simulated
    errors = assert_same(generated)
    assert isinstance(errors, list) and errors  # the planted defects are found
    with generated.open("rb") as stream:
        segments = sum(1 for _ in iter_segments(stream))
    # pyx12 walked only the distinct steps; the rest were replayed
    assert 0 < (Transitions.simulated - before) * 20 < segments


def test_jobs_and_the_stream_give_the_same_errors(generated: Path) -> None:
    reference = outcome(generated, "pyx12")
    assert outcome(generated, "compiled", jobs=2, chunk_claims=60) == reference
    for jobs in (1, 2):
        with Tr3Stream(generated, jobs=jobs, chunk_claims=60, engine="compiled") as stream:
            assert stream.errors_through(500) + stream.rest() == reference


def test_a_long_element_stops_both_where_pyx12s_reader_stops(tmp_path: Path) -> None:
    text = (SAMPLES / "mixed.837").read_text()
    first = text.index("~\nCLM*") + 2
    later = text.rindex("~\nCLM*") + 2
    bad_later = text[:later] + text[later:].replace("CLM*", "CLM**", 1)
    path = tmp_path / "long.837"
    path.write_text(bad_later[:first] + "NTE*ADD*" + "A" * 20000 + "~\n" + bad_later[first:])
    assert_same(path)


def test_the_unknown_engine_is_refused(generated: Path) -> None:
    with pytest.raises(ValueError, match="unknown TR3 engine"):
        validate_tr3(generated, engine="fast")


def test_both_engines_from_the_command_line_write_the_same_files(tmp_path: Path) -> None:
    source = SAMPLES / "provider_tr3_error_ig002.837"
    written = []
    for engine in ("pyx12", "compiled"):
        out = tmp_path / engine
        result = CliRunner().invoke(main, ["scrub", str(source), "-o", str(out), "--tr3", engine])
        assert result.exit_code in (0, 1), result.output
        report = json.loads((out / f"{source.stem}.report.json").read_text())
        findings = (
            [f for c in report["claims"] for f in c["findings"]] if "claims" in report else []
        )
        files = {p.name: p.read_bytes() for p in sorted(out.glob("*.837"))}
        written.append((report["status"], report["counts"], findings, files))
    assert written[0] == written[1]
    assert CliRunner().invoke(main, ["scrub", str(source), "--tr3", "fast"]).exit_code == 2


def test_scrub_options_choose_the_engine(tmp_path: Path) -> None:
    source = SAMPLES / "claim_tr3_error_ig001.837"
    results = [
        scrub(source, ScrubOptions(out_dir=tmp_path / engine, tr3_engine=engine))
        for engine in ("pyx12", "compiled")
    ]
    assert [r.status for r in results] == ["held", "held"]
    assert results[0].counts == results[1].counts


def test_a_file_with_another_component_separator_walks_its_own_way(tmp_path: Path) -> None:
    # SV101-1 is the qualifier pyx12's is_match reads: with "!" as the component separator,
    # "HC:97110" is one value and the SV1 no longer matches; steps replayed for ":" must not
    # be replayed for this file (the same process checks both, in either order)
    source = (SAMPLES / "mixed.837").read_text()
    isa = source[:106]
    assert isa[104] == ":"
    variant = tmp_path / "bang.837"
    variant.write_text(isa[:104] + "!" + source[105:])
    for path in (SAMPLES / "mixed.837", variant, SAMPLES / "mixed.837"):
        assert_same(path)
