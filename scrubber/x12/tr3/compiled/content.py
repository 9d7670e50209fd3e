"""Compiled content checks: per segment node, whether a segment is certainly free of errors.

A check follows pyx12's segment_if.is_valid_errors on the raw elements (element count, which
position is a composite, usage, missing elements, DTP03 typed by DTP02, 1251 typed by 1250,
the P/R/E/C/L syntax rules) and asks pyx12's own element_if.is_valid_errors about each distinct
value once per element node, remembering the answer. A free-text element (AN, N, R without
codes or a regex) is instead matched against a pattern that accepts only values pyx12 accepts,
so that names and claim ids do not fill the memory. A check that answers False means "not
sure": the caller then hands the segment to pyx12's real validator, so every error is pyx12's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pyx12.segment
from pyx12 import validation
from pyx12.map_if import composite_if, element_if

VALUES_PER_NODE = 2048  # distinct values remembered per element or composite node


def _allowed(charset: str | None, icvn: str) -> str | None:
    """The characters pyx12's AN/ID check allows, taken from its own pattern (a class of the
    characters it rejects, chosen as validation.not_match_re chooses it)."""
    if charset == "E":
        rejects = validation.rec_ID_E5 if icvn == "00501" else validation.rec_ID_E
    elif charset == "B":
        rejects = validation.rec_ID_B
    else:
        return None
    pattern = rejects.pattern
    if not (pattern.startswith("[^") and pattern.endswith("]")):
        return None
    return pattern[2:-1]


def _fast_pattern(node: Any) -> Callable[[str], bool] | None:
    """A predicate true only of values pyx12's element check accepts, for free-text elements;
    None when values of this element are to be looked up (codes, regexes, dates, times)."""
    if node._valid_codes_set or node.external_codes is not None or node.rec is not None:
        return None
    if node.usage == "N":
        return None
    data = node._resolve_data_ele()
    data_type, low, high = data["data_type"], data["min_len"], data["max_len"]
    if data_type in ("AN", "ID"):
        allowed = _allowed(node.root.param.get("charset"), node.root.icvn or "00401")
        if allowed is None or low < 1 or " " not in allowed:
            return None
        # no trailing space (pyx12 flags one unless the value is too short without it)
        pattern = re.compile(f"[{allowed}]{{{low - 1},{high - 1}}}[{allowed.replace(' ', '')}]")
        return lambda value: pattern.fullmatch(value) is not None
    if data_type is not None and data_type[0] == "N" and low >= 1:
        pattern = re.compile(f"-?[0-9]{{{low},{high}}}", re.ASCII)
        return lambda value: pattern.fullmatch(value) is not None
    if data_type == "R" and low >= 1:
        number = re.compile(r"-?[0-9]*(\.[0-9]+)?", re.ASCII)

        def real(value: str) -> bool:
            if number.fullmatch(value) is None:
                return False
            return low <= len(value) - value.count("-") - value.count(".") <= high

        return real
    return None


def _missing_ok(node: Any) -> bool:
    """pyx12 finds nothing wrong with this element or composite left out."""
    try:
        return not node.is_valid_errors(None)[1]
    except Exception:  # pyx12 fails on it: it will again, on the real segment
        return False


class ElementCheck:
    """One element node: are these values free of errors, by pyx12's element check."""

    __slots__ = ("node", "fast", "known", "missing_ok")

    def __init__(self, node: Any) -> None:
        self.node = node
        self.fast = _fast_pattern(node)
        self.known: dict[Any, bool] = {}
        self.missing_ok = _missing_ok(node)

    def ok(self, value: str, types: tuple[str | None, ...] = ()) -> bool:
        """`value` is not empty; `types`: the type list pyx12 passes (DTP03, 1251)."""
        if not types and self.fast is not None and self.fast(value):
            return True
        key = (value, types) if types else value
        known = self.known.get(key)
        if known is None:
            _, errors = self.node.is_valid_errors(pyx12.segment.Element(value), list(types))
            known = not errors
            if len(self.known) >= VALUES_PER_NODE:
                self.known.clear()
            self.known[key] = known
        return known


class CompositeCheck:
    """One composite node: composite_if.is_valid_errors and the segment's sub-element count."""

    __slots__ = ("node", "usage", "subs", "known", "missing_ok")

    def __init__(self, node: Any) -> None:
        self.node = node
        self.usage = node.usage
        self.subs = [ElementCheck(child) for child in node.children]
        # raw value -> (the component separator it was split at, the verdict): one look-up,
        # so that runs on files with other separators (threads of the desk) never mix them
        self.known: dict[str, tuple[str, bool]] = {}
        self.missing_ok = _missing_ok(node)

    def ok(self, raw: str, component: str) -> bool:
        known = self.known.get(raw)
        if known is None or known[0] != component:
            verdict = self._check(raw.split(component))
            if len(self.known) >= VALUES_PER_NODE:
                self.known.clear()
            self.known[raw] = (component, verdict)
            return verdict
        return known[1]

    def _check(self, values: list[str]) -> bool:
        subs = self.subs
        if len(values) > len(subs):
            return False  # the segment's "too many sub-elements" (or the composite's own)
        empty = not any(values)
        if empty:
            return self.missing_ok
        if self.usage == "N":
            return False
        for index, value in enumerate(values):
            sub = subs[index]
            if not (sub.ok(value) if value else sub.missing_ok):
                return False
        return all(sub.missing_ok for sub in subs[len(values) :])


_SyntaxRule = tuple[str, tuple[int, ...]]


def _syntax_ok(rule: _SyntaxRule, present: Callable[[int], bool]) -> bool:
    """pyx12.syntax.is_syntax_valid's verdict, from which elements are present."""
    code, positions = rule
    if code == "P":
        count = sum(1 for p in positions if present(p))
        return count in (0, len(positions))
    if code == "R":
        return any(present(p) for p in positions)
    if code == "E":
        return sum(1 for p in positions if present(p)) <= 1
    if code == "C":
        return not present(positions[0]) or all(present(p) for p in positions[1:])
    if code == "L":
        return not present(positions[0]) or any(present(p) for p in positions[1:])
    return False


_ELEMENT, _COMPOSITE, _DTP_QUALIFIER, _DTP_DATE = range(4)
_DTP_TYPES = frozenset(("RD8", "D8", "D6", "DT", "TM"))
TEXTS_PER_NODE = 256  # whole segments remembered as valid per segment node


class SegmentCheck:
    """One segment node's compiled content check."""

    __slots__ = ("node", "plan", "count", "missing_ok_from", "rules", "valid")

    def __init__(self, node: Any) -> None:
        self.node = node
        # per position: (kind, check, type list pyx12 passes the element)
        plan: list[tuple[int, Any, tuple[str | None, ...]]] = []
        type_list: list[str | None] = []
        is_dtp = node.id == "DTP"
        for index, child in enumerate(node.children):
            if isinstance(child, composite_if):
                plan.append((_COMPOSITE, CompositeCheck(child), ()))
            elif isinstance(child, element_if):
                if child.data_ele == "1250":
                    type_list.extend(child.valid_codes)
                types = tuple(type_list) if child.data_ele == "1251" else ()
                kind = _ELEMENT
                if is_dtp and index == 1:
                    kind = _DTP_QUALIFIER  # DTP02 types DTP03
                elif is_dtp and index == 2:
                    kind = _DTP_DATE
                plan.append((kind, ElementCheck(child), types))
            else:  # not a map pyx12 ships: let pyx12 judge every segment
                raise TypeError(f"unexpected child {child!r}")
        self.plan = plan
        self.count = len(plan)
        checks = [c for _, c, _ in plan]
        self.missing_ok_from = [all(c.missing_ok for c in checks[n:]) for n in range(len(plan) + 1)]
        rules = [(syntax[0], tuple(int(s) for s in syntax[1:])) for syntax in node.syntax]
        # a rule pyx12 reports every time (too short, unknown): pyx12 judges every segment
        usable = all(len(rule[1]) >= 2 and rule[0] in "PRECL" for rule in rules)
        self.rules: list[_SyntaxRule] | None = rules if usable else None
        # segment text found valid -> the element and component separators it was split at
        self.valid: dict[str, str] = {}

    def ok(
        self, text: str, elements: list[str], component: str, split: bool, delimiters: str
    ) -> bool:
        """True when pyx12 finds no error in the segment; `split`: elements may hold
        components (all but the ISA); `delimiters`: the element and component separators
        `text` was split with."""
        if self.valid.get(text) == delimiters:
            return True
        count = len(elements)
        if count > self.count or self.rules is None or not self.missing_ok_from[count]:
            return False
        plan = self.plan
        dtype: tuple[str | None, ...] = ()
        for index in range(count):
            raw = elements[index]
            kind, check, types = plan[index]
            if not raw:
                if not check.missing_ok:
                    return False
            elif kind == _COMPOSITE:
                if not check.ok(raw, component):
                    return False
            elif split and component in raw:
                return False  # pyx12: "is an invalid composite"
            else:
                if kind == _DTP_QUALIFIER and raw in _DTP_TYPES:
                    dtype = (raw,)
                elif kind == _DTP_DATE:
                    types = dtype
                if not check.ok(raw, types):
                    return False
        if self.rules:

            def present(position: int) -> bool:
                if position > count:
                    return False
                raw = elements[position - 1]
                return bool(raw.rstrip(component) if split else raw)

            if not all(_syntax_ok(rule, present) for rule in self.rules):
                return False
        if len(self.valid) >= TEXTS_PER_NODE:
            self.valid.clear()
        self.valid[text] = delimiters
        return True


_checks: dict[int, SegmentCheck | None] = {}


def segment_check(node: Any) -> SegmentCheck | None:
    """The compiled check of a segment node (compiled once per process), None when pyx12 is
    to judge every segment of this node."""
    key = id(node)
    if key not in _checks:
        try:
            _checks[key] = SegmentCheck(node)
        except Exception:  # a map this module does not understand: pyx12 judges
            _checks[key] = None
    return _checks[key]


def segment_ok(
    check: SegmentCheck | None,
    text: str,
    elements: list[str],
    component: str,
    split: bool,
    delimiters: str,
) -> bool:
    """True when the segment is certainly free of errors; False: ask pyx12."""
    if check is None:
        return False
    try:
        return check.ok(text, elements, component, split, delimiters)
    except Exception:  # pyx12 would fail on this segment: let it, so that it fails its way
        return False
