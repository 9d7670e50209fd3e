"""Build 837P text around a few claim segments, and scrub it through the library API."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from scrubber.api import ScrubOptions, ScrubResult, scrub

PROVIDER = """HL*1**20*1~
NM1*85*2*EXAMPLE PT CLINIC*****XX*1234567893~
N3*100 MAIN ST~
N4*SPRINGFIELD*IL*627010001~
REF*EI*123456789~
"""

SUBSCRIBER = """HL*2*1*22*0~
SBR*P*18*******{sbr09}~
NM1*IL*1*DOE*JANE****MI*MBR0000001~
N3*1 ELM ST~
N4*SPRINGFIELD*IL*62701~
DMG*D8*19700101*F~
NM1*PR*2*EXAMPLE PAYER*****PI*PAYER01~
"""

CLAIM = """CLM*PCN0001*100***11:B:1*Y*A*Y*Y~
HI*ABK:M5450~
LX*1~
SV1*HC:97110:GP*100*UN*1***1~
DTP*472*D8*20260410~
"""

#: A claim that DX002 holds (M62.83 is a category), and one that is clean.
HELD = (
    "CLM*P2*100***11:B:1*Y*A*Y*Y~HI*ABK:M6283~LX*1~SV1*HC:97110:GP*100*UN*1***1~"
    "DTP*472*D8*20260410~"
)
CLEAN = (
    "CLM*P3*80***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~SV1*HC:97110:GP*80*UN*1***1~DTP*472*D8*20260410~"
)


def wrap(
    claims: str = CLAIM,
    *,
    provider: str = PROVIDER,
    subscriber: str | None = None,
    sbr09: str = "CI",
    version: str = "005010X222A1",
) -> str:
    """A whole interchange: ISA/GS/ST/BHT/1000A/1000B, the given loops, SE/GE/IEA counted."""
    subscriber = subscriber if subscriber is not None else SUBSCRIBER.format(sbr09=sbr09)
    body = [
        f"ST*837*0001*{version}",
        "BHT*0019*00*BATCH0001*20260415*1200*CH",
        "NM1*41*2*EXAMPLE BILLING SERVICE*****46*SUBMIT01",
        "PER*IC*JANE ROE*TE*5555550100",
        "NM1*40*2*EXAMPLE PAYER*****46*PAYER01",
    ]
    for block in (provider, subscriber, claims):
        body += [s.strip() for s in block.strip().split("~") if s.strip()]
    body.append(f"SE*{len(body) + 1}*0001")
    isa = (
        "ISA*00*          *00*          *ZZ*SUBMITTER01    *ZZ*PAYER01        "
        "*260415*1200*^*00501*000000001*0*P*:"
    )
    segments = [
        isa,
        f"GS*HC*SUBMITTER01*PAYER01*20260415*1200*1*X*{version}",
        *body,
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return "~\n".join(segments) + "~\n"


def scrub_text(tmp_path: Path, text: str, name: str = "batch.837", **options: Any) -> ScrubResult:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    options.setdefault("tr3", False)
    options.setdefault("run_date", date(2026, 11, 26))  # dates judged as of a fixed day
    options.setdefault("html", False)
    options.setdefault("out_dir", tmp_path / "out")
    Path(options["out_dir"]).mkdir(exist_ok=True)
    return scrub(path, ScrubOptions(**options))


def report_of(result: ScrubResult) -> dict[str, Any]:
    path = result.outputs["json"]
    assert path is not None
    return json.loads(Path(path).read_text())  # type: ignore[no-any-return]


def edits_found(result: ScrubResult) -> dict[str, list[dict[str, Any]]]:
    """Findings by edit id, over claims and the file."""
    report = report_of(result)
    found: dict[str, list[dict[str, Any]]] = {}
    for finding in report["findings"] + [f for c in report["claims"] for f in c["findings"]]:
        found.setdefault(finding["edit"], []).append(finding)
    return found


def fires(tmp_path: Path, edit: str, text: str, **options: Any) -> list[dict[str, Any]]:
    """The findings of one edit on a file, with only that edit selected."""
    options.setdefault("select", (edit,))
    return edits_found(scrub_text(tmp_path, text, **options)).get(edit, [])


def _normalized(path: Path) -> bytes:
    """The file with what says when it was written blanked."""
    data = path.read_bytes()
    if path.suffix == ".json":
        return re.sub(rb'"generated_at": "[^"]*"', b'"generated_at": ""', data)
    if path.suffix == ".html":
        return re.sub(rb"<dt>Generated</dt><dd><time[^<]*</time>", b"", data)
    if path.suffix in (".999", ".277ca") and len(data) > 106:
        # ISA09/ISA10, GS04/GS05 and BHT04/BHT05: the date and time of the reply
        element, terminator = data[3:4], data[105:106]
        spots = {b"ISA": (9, 10), b"GS": (4, 5), b"BHT": (4, 5)}
        segments = []
        for segment in data.split(terminator):
            parts = segment.split(element)
            for spot in spots.get(parts[0].strip(), ()):
                parts[spot] = b""
            segments.append(element.join(parts))
        return terminator.join(segments)
    return data


def assert_same_outputs(expected: Path, got: Path) -> None:
    names = sorted(p.name for p in expected.iterdir() if not p.name.startswith("."))
    assert names == sorted(p.name for p in got.iterdir() if not p.name.startswith(".")), got
    assert names
    for name in names:
        assert _normalized(got / name) == _normalized(expected / name), name
    assert not [p for p in got.iterdir() if p.name.endswith(".tmp")]  # no leftovers
