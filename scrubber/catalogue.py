"""The edit catalogue: one TOML file per edit in edits/, plus payer profiles in edits/profiles/.

Ids, default severities and fix safety are data, so a profile can change them without code.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import scrubber
from scrubber.codelists import CodeListError, apply_changes, load_lists
from scrubber.findings import FIX_SAFETIES, SEVERITIES, FixSafety, Severity


class CatalogueError(Exception):
    """The catalogue or a profile is malformed (a usage error for the person who wrote it)."""


def data_dir(name: str) -> Path:
    """edits/ or templates/: inside the installed package, or at the top of a source checkout."""
    package = Path(scrubber.__file__).parent
    for candidate in (package / name, package.parent / name):
        if candidate.is_dir():
            return candidate
    raise CatalogueError(f"the {name}/ folder is missing from this installation")


DEFAULT_WHAT_TO_DO = "Correct the file and run the scrubber again."


@dataclass(frozen=True, slots=True)
class EditSpec:
    id: str
    name: str
    title: str
    family: str
    severity: Severity
    fix: FixSafety
    kind: str  # "claim": a check function runs per claim; "structure": raised by reader/engine
    what: str
    why: str
    example: str
    use_instead: str
    fix_text: str
    source: str
    messages: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    #: The edit this one refines (CTX002 refines DX002): it settles some of the claims the
    #: other would flag, and is off whenever the edit it refines is ignored or switched off.
    refines: str | None = None
    #: An edit that keeps the outputs sound (ENV*, HL001, IG001, IG002, BAL001: `guards_outputs
    #: = true` in its TOML): it runs whatever --select says and cannot be ignored, switched off
    #: or lowered from error by a profile.
    guards_outputs: bool = False
    #: severities of particular messages (HL001: an ambiguous tree is an error, numbering info)
    message_severity: dict[str, str] = field(default_factory=dict)
    #: What the person who gets a rejected file should do (structural edits that reject one).
    what_to_do: str = DEFAULT_WHAT_TO_DO

    def message(self, key: str = "default", **values: object) -> str:
        template = self.messages.get(key) or self.messages.get("default") or self.title
        return template.format(**values)

    @property
    def shown_example(self) -> str:
        """The failing example as the docs, `scrub837 edits` and the report show it."""
        return excerpt(self.example, self.use_instead)

    @property
    def shown_use_instead(self) -> str:
        return excerpt(self.use_instead, self.example)

    def explanation(self) -> dict[str, str]:
        return {
            "title": self.title,
            "severity": self.severity,
            "fix": self.fix,
            "what": self.what,
            "why": self.why,
            "example": self.shown_example,
            "use_instead": self.shown_use_instead,
            "fix_text": self.fix_text,
            "source": self.source,
        }


def excerpt(text: str, other: str) -> str:
    """An example that is a whole interchange (ISA...) shown by its ISA and the lines where it
    differs from the other text, one line of context around them, "..." for the rest; a claim
    or loop fragment as it is. (The tests run the whole text: edits/ cases.)"""
    if not text.startswith("ISA"):
        return text
    lines, others = text.splitlines(), other.splitlines()
    keep = {0}
    matcher = difflib.SequenceMatcher(None, lines, others, autojunk=False)
    for tag, start, end, _, _ in matcher.get_opcodes():
        if tag != "equal":
            keep.update(range(max(start - 1, 0), min(max(end, start + 1) + 1, len(lines))))
    shown: list[str] = []
    for number, line in enumerate(lines):
        if number in keep:
            shown.append(line)
        elif not shown or shown[-1] != "...":
            shown.append("...")
    return "\n".join(shown)


REQUIRED = ("id", "name", "title", "family", "severity", "fix", "what", "why", "source")


def _load_edit(path: Path) -> EditSpec:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(f"{path.name}: {error}") from error
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise CatalogueError(f"{path.name}: missing {', '.join(missing)}")
    if data["severity"] not in SEVERITIES:
        raise CatalogueError(f"{path.name}: severity must be one of {', '.join(SEVERITIES)}")
    if data["fix"] not in FIX_SAFETIES:
        raise CatalogueError(f"{path.name}: fix must be one of {', '.join(FIX_SAFETIES)}")
    if data["id"] != path.stem:
        raise CatalogueError(f"{path.name}: id {data['id']} does not match the file name")
    return EditSpec(
        id=data["id"],
        name=data["name"],
        title=data["title"],
        family=data["family"],
        severity=data["severity"],
        fix=data["fix"],
        kind=data.get("kind", "claim"),
        what=data["what"].strip(),
        why=data["why"].strip(),
        example=data.get("example", "").strip(),
        use_instead=data.get("use_instead", "").strip(),
        fix_text=data.get("fix_text", "").strip(),
        source=data["source"].strip(),
        messages=dict(data.get("messages", {})),
        params=dict(data.get("params", {})),
        refines=data.get("refines"),
        guards_outputs=bool(data.get("guards_outputs", False)),
        message_severity=dict(data.get("severity_by_message", {})),
        what_to_do=data.get("what_to_do", DEFAULT_WHAT_TO_DO).strip(),
    )


@cache
def load_catalogue() -> dict[str, EditSpec]:
    """Every edit, keyed by id, in catalogue order (file order of edits/order.toml)."""
    folder = data_dir("edits")
    order_file = folder / "order.toml"
    edits = {
        path.stem: _load_edit(path) for path in sorted(folder.glob("*.toml")) if path != order_file
    }
    order = tomllib.loads(order_file.read_text())["order"] if order_file.exists() else []
    ordered = {edit_id: edits[edit_id] for edit_id in order if edit_id in edits}
    ordered.update({k: v for k, v in edits.items() if k not in ordered})
    for spec in ordered.values():
        if spec.refines is not None and spec.refines not in ordered:
            raise CatalogueError(f"{spec.id}.toml: refines unknown edit {spec.refines}")
    return ordered


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    edits: dict[str, EditSpec]  # the catalogue with this profile's changes
    lists: dict[str, dict[str, Any]] = field(default_factory=dict)  # edits/lists/, changed


def load_profile(name_or_path: str = "default") -> Profile:
    """A payer profile by name (edits/profiles/NAME.toml) or by path to a TOML file."""
    path = Path(name_or_path)
    if not (path.suffix == ".toml" and path.exists()):
        path = data_dir("edits") / "profiles" / f"{name_or_path}.toml"
        if not path.exists():
            known = sorted(p.stem for p in path.parent.glob("*.toml"))
            raise CatalogueError(
                f"no payer profile named {name_or_path!r}; known: {', '.join(known)}"
            )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(f"profile {path}: {error}") from error
    catalogue = dict(load_catalogue())
    for edit_id in data.get("disabled", []):
        if edit_id not in catalogue:
            raise CatalogueError(f"profile {path.name}: unknown edit {edit_id}")
        catalogue[edit_id] = replace(catalogue[edit_id], enabled=False)
    for edit_id, changes in data.get("edits", {}).items():
        if edit_id not in catalogue:
            raise CatalogueError(f"profile {path.name}: unknown edit {edit_id}")
        spec = catalogue[edit_id]
        severity = changes.get("severity", spec.severity)
        if severity not in SEVERITIES:
            raise CatalogueError(f"profile {path.name}: {edit_id} severity {severity!r}")
        unknown = set(changes.get("params", {})) - set(spec.params)
        if unknown:
            raise CatalogueError(
                f"profile {path.name}: unknown option {', '.join(sorted(unknown))} "
                f"for edit {edit_id}"
            )
        catalogue[edit_id] = replace(
            spec,
            severity=severity,
            enabled=changes.get("enabled", spec.enabled),
            params={**spec.params, **changes.get("params", {})},
        )
    try:
        lists = apply_changes(
            load_lists(data_dir("edits")), data.get("lists", {}), f"profile {path.name}"
        )
    except CodeListError as error:
        raise CatalogueError(str(error)) from error
    for edit_id, spec in catalogue.items():
        original = catalogue_default(edit_id)
        lowered = original.severity == "error" and spec.severity != "error"
        if spec.guards_outputs and (not spec.enabled or lowered):
            raise CatalogueError(
                f"profile {path.name}: {edit_id} keeps the outputs sound; a profile cannot "
                "switch it off or lower its severity"
            )
    return Profile(name=data.get("name", path.stem), edits=catalogue, lists=lists)


def catalogue_default(edit_id: str) -> EditSpec:
    return load_catalogue()[edit_id]


def selected(edit_id: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """--select/--ignore take ids or id prefixes (DX, PTR001). An edit that keeps the outputs
    sound is always selected (check_selection refuses an --ignore that names one)."""
    if edit_id in load_catalogue() and load_catalogue()[edit_id].guards_outputs:
        return True
    if select and not any(edit_id.startswith(s) for s in select):
        return False
    return not any(edit_id.startswith(i) for i in ignore)


def check_selection(select: tuple[str, ...], ignore: tuple[str, ...]) -> None:
    """Raise CatalogueError (a usage error) for an id or prefix that names no edit, and for an
    --ignore that names an edit keeping the outputs sound."""
    catalogue = load_catalogue()
    for option, values in (("--select", select), ("--ignore", ignore)):
        for value in values:
            named = [e for e in catalogue if e.startswith(value)]
            if not value or not named:
                raise CatalogueError(
                    f"{option} {value!r}: no edit has that id or prefix; `scrub837 edits` "
                    "lists them"
                )
            guarding = [e for e in named if catalogue[e].guards_outputs]
            if option == "--ignore" and guarding:
                raise CatalogueError(
                    f"--ignore {value!r} names {', '.join(guarding)}, which keep(s) the clean "
                    "output sound and always run(s)"
                )
