"""Start a new edit: its TOML with a firing and a passing case to fill in, and its check stub.

    python tools/new_edit.py XX123 [--family therapy] [--title "..."] [--module therapy]

Writes edits/XX123.toml, appends a ``@claim_check("XX123")`` stub to the family's module in
scrubber/checks/ and puts the id in edits/order.toml after the family's last edit. Then: fill in
the TOML and the function, run ``pytest tests/test_edit_cases.py -k XX123`` (the firing case
fails until the check finds something) and ``make docs``.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The module of scrubber/checks/ that holds a family's checks (the family name otherwise).
MODULES = {"claim": "claims", "implementation-guide": "structure"}

#: The helpers' claim (tests/helpers.py CLAIM): every text of the new TOML starts from it.
CLAIM = """\
CLM*P1*100***11:B:1*Y*A*Y*Y~
HI*ABK:M5450~
LX*1~
SV1*HC:97110:GP*100*UN*1***1~
DTP*472*D8*20260410~"""

TOML = '''\
id = "{id}"
name = "{name}"
title = "{title}"
family = "{family}"
severity = "warning"  # error holds the claim; warning and info are reported only
fix = "none"  # none | safe | unsafe (unsafe fixes run only with --unsafe-fixes)
what = "TODO: what the edit checks, in one sentence."
why = "TODO: why payers care (what they deny, and why)."
# example fires and use_instead passes: both are cases, and the docs and the report show them
example = """
{claim}"""
use_instead = """
{claim}"""
fix_text = "None."
source = "TODO: where the rule comes from (reference/domain.md section, CMS manual, TR3)"

[params]

[messages]
default = "TODO: what is wrong and what to do, e.g. {{procedure}} ..."

# Cases (tests/edit_cases.py lists every field): claim segments from CLM to the last DTP,
# wrapped into a whole 837P; or file = """ISA*...""". Run: pytest tests/test_edit_cases.py -k {id}

[[cases]]
name = "TODO: fires when ..."
fires = true
claim = """
{claim}
"""
segment = "SV1"
element = "SV101"
disposition = "clean"

[[cases]]
name = "TODO: passes when ..."
fires = false
claim = """
{claim}
"""
'''

STUB = '''

@claim_check("{id}")
def {function}(claim: Claim, ctx: CheckContext) -> Iterator[Finding]:
    """TODO: what it finds (the engine stamps the edit id and its severity)."""
    # TODO: for line in claim.lines: ... yield Finding(ctx.message(...), line.sv1, "SV101")
    yield from ()
'''

IMPORTS = (
    "from collections.abc import Iterator",
    "from scrubber.checks.registry import CheckContext, claim_check",
    "from scrubber.findings import Finding",
    "from scrubber.model import Claim",
)


def _catalogue(root: Path) -> dict[str, dict[str, object]]:
    return {
        p.stem: tomllib.loads(p.read_text(encoding="utf-8"))
        for p in sorted((root / "edits").glob("*.toml"))
        if p.name != "order.toml"
    }


def family_of(edit_id: str, catalogue: dict[str, dict[str, object]]) -> str | None:
    """The family of the edits that share the id's letters (THR -> therapy)."""
    letters = edit_id.rstrip("0123456789")
    families = {
        str(data["family"])
        for other, data in catalogue.items()
        if other.rstrip("0123456789") == letters
    }
    return families.pop() if len(families) == 1 else None


def add_to_order(
    root: Path, edit_id: str, family: str, catalogue: dict[str, dict[str, object]]
) -> Path:
    """Put the id after the family's last edit in edits/order.toml (at the end if none)."""
    path = root / "edits" / "order.toml"
    text = path.read_text(encoding="utf-8")
    order = tomllib.loads(text)["order"]
    same = [e for e in order if catalogue.get(e, {}).get("family") == family]
    anchor = f'"{same[-1]}",' if same else None
    if anchor and anchor in text:
        text = text.replace(anchor, f'{anchor} "{edit_id}",', 1)
    else:
        text = text.replace("\n]", f'\n  "{edit_id}",\n]', 1)
    path.write_text(text, encoding="utf-8")
    return path


def add_stub(root: Path, edit_id: str, title: str, module: str) -> Path:
    """Append the check stub to scrubber/checks/MODULE.py (a new module if there is none)."""
    path = root / "scrubber" / "checks" / f"{module}.py"
    words = re.sub(r"\W+", " ", title.lower()).split()
    while len("_".join(words)) > 40:  # the def line stays within 100 characters
        words.pop()
    function = "_".join(words) or edit_id.lower()
    if not function[0].isalpha():
        function = f"check_{function}"
    stub = STUB.format(id=edit_id, function=function, title=title)
    if path.exists():
        text = path.read_text(encoding="utf-8")
        missing = [line for line in IMPORTS if line.split(" import ")[0] + " import" not in text]
        if missing:
            raise SystemExit(f"{path.name} lacks {missing}: add the stub by hand")
        path.write_text(text.rstrip("\n") + "\n" + stub, encoding="utf-8")
    else:
        header = f'"""{module.capitalize()} checks."""\n\nfrom __future__ import annotations\n\n'
        path.write_text(header + "\n".join(IMPORTS) + "\n" + stub, encoding="utf-8")
        print(f"new module: add {module} to the imports of scrubber/checks/__init__.py")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("edit_id", help="e.g. THR008")
    parser.add_argument("--family", help="default: the family of edits with the same letters")
    parser.add_argument("--title", default="TODO title", help="one line, shown everywhere")
    parser.add_argument("--module", help="module of scrubber/checks/ (default: by family)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)  # tests
    args = parser.parse_args(argv)
    root: Path = args.root
    edit_id = args.edit_id.upper()
    if not re.fullmatch(r"[A-Z]{2,3}\d{3}", edit_id):
        parser.error(f"{edit_id}: an edit id is 2-3 letters and 3 digits (THR008)")
    toml = root / "edits" / f"{edit_id}.toml"
    if toml.exists():
        parser.error(f"{toml.relative_to(root)} exists")
    catalogue = _catalogue(root)
    family = args.family or family_of(edit_id, catalogue)
    if family is None:
        parser.error(f"no edit shares {edit_id}'s letters: give --family")
    name = re.sub(r"[^a-z0-9]+", "-", args.title.lower()).strip("-")
    toml.write_text(
        TOML.format(id=edit_id, name=name, title=args.title, family=family, claim=CLAIM),
        encoding="utf-8",
    )
    module = args.module or MODULES.get(family, family)
    stub = add_stub(root, edit_id, args.title, module)
    order = add_to_order(root, edit_id, family, catalogue)
    for path in (toml, stub, order):
        print(f"wrote {path.relative_to(root)}")
    print(f"next: fill in both, pytest tests/test_edit_cases.py -k {edit_id}, make docs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
