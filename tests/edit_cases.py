"""The cases of the edit catalogue: each edit's [[cases]] and its example/use_instead texts.

A case is 837P text and what must happen to it (HELPERS.md, "The cases-in-TOML format"):

    [[cases]]
    name = "M54.5 is a category"   # unique within the edit
    fires = true                   # or false: the edit must not fire
    claim = "CLM*...~ ... DTP*472*D8*20260410~"   # wrapped by tests/helpers.py wrap(); or
    file = "ISA*...~ ... IEA*1*000000001~"        # a whole interchange
    segment = "HI"                 # where the finding points (optional)
    element = "HI01-2"             # optional
    after = "HI*ABK:M5450~"        # the fix's after-text (optional)
    disposition = "held"           # of the claim the finding is on (of every claim when it
                                   # does not fire); "rejected": the file's status
    run_date = "2026-04-15"        # optional, default RUN_DATE
    profile = "medicare"           # optional
    options = {unsafe_fixes = true, tr3 = true}   # optional: more ScrubOptions
    sbr09 = "MB"                   # optional wrap() arguments: sbr09, subscriber, provider,
                                   # version

The example fires and use_instead passes. Each is an 837P fragment that says what it is by its
first segment: CLM... is a claim, HL*1**20... a billing-provider loop (claim: the helpers' claim),
anything else a whole file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from scrubber.catalogue import data_dir
from tests.helpers import CLAIM, report_of, scrub_text, wrap

RUN_DATE = date(2026, 4, 15)
WRAP_ARGUMENTS = ("sbr09", "subscriber", "provider", "version")
FIELDS = {
    "name",
    "fires",
    "claim",
    "file",
    "segment",
    "element",
    "after",
    "disposition",
    "run_date",
    "profile",
    "options",
    *WRAP_ARGUMENTS,
}
DISPOSITIONS = ("clean", "fixed", "held", "rejected")


@dataclass(frozen=True)
class Case:
    edit: str
    name: str
    fires: bool
    text: str  # the whole interchange
    segment: str | None = None
    element: str | None = None
    after: str | None = None
    disposition: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.edit}: {self.name}"


def edit_tomls() -> dict[str, dict[str, Any]]:
    """Every edit's TOML as data, by id (order.toml left out)."""
    folder = data_dir("edits")
    return {
        path.stem: tomllib.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.toml"))
        if path.name != "order.toml"
    }


def fragment(text: str) -> dict[str, str]:
    """An example or use_instead text as case fields: a claim, a provider loop or a file."""
    text = text.strip() + "\n"
    if text.startswith("CLM*"):
        return {"claim": text}
    if text.startswith("HL*1**20*"):
        return {"provider": text}
    return {"file": text}


def build(edit: str, data: dict[str, Any]) -> Case:
    """One case from its TOML table (a typo in a field name is an error, not a silent pass)."""
    unknown = set(data) - FIELDS
    if unknown:
        raise ValueError(f"{edit}: case {data.get('name')!r} has unknown fields {sorted(unknown)}")
    if "file" in data:
        text = data["file"].strip() + "\n"
    else:
        arguments = {k: data[k] for k in WRAP_ARGUMENTS if k in data}
        text = wrap(data.get("claim", CLAIM), **arguments)
    options = dict(data.get("options", {}))
    options["run_date"] = date.fromisoformat(str(data.get("run_date", RUN_DATE)))
    if "profile" in data:
        options["profile"] = data["profile"]
    disposition = data.get("disposition")
    if disposition is not None and disposition not in DISPOSITIONS:
        raise ValueError(f"{edit}: case {data['name']!r}: disposition {disposition!r}")
    return Case(
        edit=edit,
        name=data["name"],
        fires=bool(data["fires"]),
        text=text,
        segment=data.get("segment"),
        element=data.get("element"),
        after=data.get("after"),
        disposition=disposition,
        options=options,
    )


def cases_of(edit: str, data: dict[str, Any]) -> list[Case]:
    """An edit's [[cases]], then its example (fires) and use_instead (passes), under the
    profile `example_profile` names when the edit needs one (RMT001's rules live in profiles)."""
    cases = [build(edit, case) for case in data.get("cases", [])]
    profile = {"profile": data["example_profile"]} if "example_profile" in data else {}
    if data.get("example", "").strip():
        fires = {"name": "example", "fires": True, **profile, **fragment(data["example"])}
        cases.append(build(edit, fires))
    if data.get("use_instead", "").strip():
        passes = {"name": "use_instead", "fires": False, **profile, **fragment(data["use_instead"])}
        cases.append(build(edit, passes))
    return cases


def all_cases() -> list[Case]:
    return [case for edit, data in edit_tomls().items() for case in cases_of(edit, data)]


def _segments(text: str) -> list[str]:
    """A fix's text as its segments (the report writes them without terminators)."""
    return [line.strip().rstrip("~") for line in text.strip().splitlines() if line.strip()]


def check(case: Case, tmp_path: Path) -> None:
    """Run one case through the library API with only its edit selected; assert what it says."""
    result = scrub_text(tmp_path, case.text, select=(case.edit,), **case.options)
    report = report_of(result)
    claims = report["claims"]
    found = [(None, f) for f in report["findings"] if f["edit"] == case.edit]
    found += [(c, f) for c in claims for f in c["findings"] if f["edit"] == case.edit]
    if not case.fires:
        assert not found, f"{case.id}: fired: {[f['message'] for _, f in found]}"
    else:
        assert found, f"{case.id}: did not fire"
        assert all(f["message"] for _, f in found), f"{case.id}: a finding without a message"
    where = [f["location"] or {} for _, f in found]
    if case.segment is not None:
        pointed = [(w.get("segment"), w.get("element")) for w in where]
        assert any(
            w.get("segment") == case.segment and case.element in (None, w.get("element"))
            for w in where
        ), f"{case.id}: points at {pointed}, not {case.segment} {case.element or ''}"
    if case.after is not None:
        afters = [_segments(f["fix"]["after"]) for _, f in found if f["fix"]]
        assert _segments(case.after) in afters, f"{case.id}: fix after-texts {afters}"
    if case.disposition == "rejected":
        assert result.status == "rejected", f"{case.id}: the file is {result.status}"
    elif case.disposition is not None:
        on = [c for c, _ in found if c is not None] or claims
        got = sorted({c["disposition"] for c in on})
        assert got == [case.disposition], f"{case.id}: disposition {got}"
