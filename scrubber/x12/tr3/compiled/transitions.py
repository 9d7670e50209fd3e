"""The map walk as replayed transitions: each distinct step simulated once by pyx12's walker.

Which node pyx12's walk_tree reaches from a node for a segment, which nodes it looks at on the
way, and which counters it reads, bumps and resets, depend only on the node it starts from, the
segment id and the values its is_match reads (element 01 or 01-1, ENT02, HL03). The counts only
decide which errors it raises (a mandatory segment or loop missing, a segment or loop repeated
too often). So a step is simulated once through pyx12's own walk_errors, on a counter that
records every reset, increment and comparison; the comparisons become guards on the counts as
they stood before the step, and the step's effect (the counter changes, the node reached, the
errors raised) is replayed for every later segment with the same key and the same guard
outcomes. A new guard outcome is simulated again (and then replayed too); a step that raised a
"too many" error (its message quotes the count) is always simulated. Counts are keyed by path
string, as pyx12's NodeCounter keys them, so nodes with the same path share a count.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import pyx12.segment
from pyx12.map_walker import walk_tree
from pyx12.nodeCounter import NodeCounter
from pyx12.path import X12Path

from scrubber.x12.tr3.errors import _clean_segment_message

MAX_TRANSITIONS = 50_000  # distinct (node, key) steps kept; junk keys must not grow memory
_RESET, _INC, _CMP = 0, 1, 2
_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_COUNTED = {"4", "5"}  # "exceeded max count. Found N": the message depends on the count

Op = tuple[Any, ...]
# a walk error as _Run._walk_errors makes it: (segment id, loop id, code, cleaned message)
WalkError = tuple[str, str | None, str, str]


def path_key(path: Any) -> str:
    """The string pyx12's NodeCounter keys a count by (X12Path equality is by its parts)."""
    return (path if isinstance(path, X12Path) else X12Path(str(path))).format()


# Every key a count was ever kept under (map paths: a few hundred), and per reset key the known
# keys below it, so that a reset drops those present instead of testing every count's key. A
# key is known before any count holds it (_TraceCounter.increment, force_loop_start; a replayed
# step only increments keys its simulation did); the generation tells a stale list (threads).
_known: set[str] = set()
_generation = 0
_below: dict[str, tuple[int, tuple[str, ...]]] = {}


def _register(key: str) -> None:
    global _generation
    if key not in _known:
        _known.add(key)
        _generation += 1


def _keys_below(key: str) -> tuple[str, ...]:
    generation = _generation
    prefix = key + "/"
    below = tuple(k for k in list(_known) if k.startswith(prefix))
    _below[key] = (generation, below)
    return below


def reset(counts: dict[str, int], key: str) -> None:
    """NodeCounter.reset_to_node: drop the counts of every path below `key`."""
    entry = _below.get(key)
    below = entry[1] if entry is not None and entry[0] == _generation else _keys_below(key)
    for child in below:
        if child in counts:
            del counts[child]


class _Probe(int):
    """A count as the walk read it: comparisons made on it are written to the trace."""

    ops: list[Op]
    key: str

    def _log(self, name: str, other: Any) -> bool:
        result = _COMPARE[name](int(self), other)
        self.ops.append((_CMP, self.key, name, int(other), result))
        return result

    def __lt__(self, other: Any) -> bool:
        return self._log("<", other)

    def __le__(self, other: Any) -> bool:
        return self._log("<=", other)

    def __gt__(self, other: Any) -> bool:
        return self._log(">", other)

    def __ge__(self, other: Any) -> bool:
        return self._log(">=", other)

    def __eq__(self, other: object) -> bool:
        return self._log("==", other)

    def __ne__(self, other: object) -> bool:
        return self._log("!=", other)

    __hash__ = int.__hash__


class _TraceCounter(NodeCounter):
    """pyx12's NodeCounter over our counts dict, recording what the walk does with it."""

    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__()
        self.counts = counts
        self.ops: list[Op] = []

    def reset_to_node(self, xpath: Any) -> None:
        key = path_key(xpath)
        self.ops.append((_RESET, key))
        reset(self.counts, key)

    def increment(self, xpath: Any) -> None:
        key = path_key(xpath)
        _register(key)
        self.ops.append((_INC, key))
        self.counts[key] = self.counts.get(key, 0) + 1

    def setCount(self, xpath: Any, ct: int) -> None:  # noqa: N802 (pyx12's name)
        raise NotImplementedError("the map walk does not set counts")

    def get_count(self, xpath: Any) -> int:
        probe = _Probe(self.counts.get(path_key(xpath), 0))
        probe.ops, probe.key = self.ops, path_key(xpath)
        return probe


class _Step:
    """One transition: guards on the counts before it, its counter changes, its outcomes."""

    __slots__ = ("guards", "mutations", "increments", "outcomes", "present", "flips", "others")

    def __init__(
        self,
        guards: tuple[tuple[str, Callable[[int, int], bool], int], ...],
        mutations: tuple[tuple[int, str], ...],
    ) -> None:
        self.guards = guards
        self.mutations = mutations
        # the keys incremented, when the step resets none (most steps)
        self.increments = (
            tuple(k for _, k in mutations) if all(c == _INC for c, _ in mutations) else None
        )
        # Most guards ask whether a count is still zero ("count < 1", "count >= 1"): a count is
        # never below 1 once kept, so they ask whether the path is in the counts at all.
        presence = [(k, c is operator.lt) for k, c, t in guards if _is_presence(c, t)]
        self.present = tuple(k for k, _ in presence)
        self.flips = tuple(flip for _, flip in presence)
        self.others = tuple(g for g in guards if not _is_presence(g[1], g[2]))
        # guard results -> (node reached or None, walk errors), or None: simulate every time
        self.outcomes: dict[Any, tuple[Any, tuple[WalkError, ...]] | None] = {}

    def replay(self, counts: dict[str, int]) -> tuple[Any, tuple[WalkError, ...]] | None:
        """The step's outcome for these counts, its counter changes made; None (nothing
        changed) when pyx12 is to walk it."""
        if self.others:
            outcome = self.outcomes.get(self.results(counts))
        else:  # (results() inlined: the common case, on every segment)
            outcome = self.outcomes.get((tuple(map(counts.__contains__, self.present)), ()))
        if outcome is not None:
            get = counts.get
            if self.increments is not None:
                for k in self.increments:
                    counts[k] = get(k, 0) + 1
                return outcome
            for code, k in self.mutations:
                if code == _INC:
                    counts[k] = get(k, 0) + 1
                else:
                    reset(counts, k)
        return outcome

    def results(self, counts: dict[str, int]) -> tuple[Any, ...]:
        """The guards' outcome on the counts: presences, then the other comparisons."""
        present = tuple(map(counts.__contains__, self.present))
        if not self.others:
            return (present, ())
        get = counts.get
        return (present, tuple([compare(get(k, 0), bound) for k, compare, bound in self.others]))

    def as_results(self, seen: tuple[bool, ...]) -> tuple[Any, ...]:
        """The outcome of results() from the guard results a simulation saw, in guard order."""
        present, others = [], []
        for (_, compare, bound), result in zip(self.guards, seen, strict=True):
            if _is_presence(compare, bound):
                present.append(result != (compare is operator.lt))
            else:
                others.append(result)
        return (tuple(present), tuple(others))


def _is_presence(compare: Callable[[int, int], bool], bound: int) -> bool:
    return bound == 1 and (compare is operator.lt or compare is operator.ge)


def _compile(
    ops: list[Op],
) -> tuple[tuple[Any, ...], tuple[tuple[int, str], ...], tuple[bool, ...]]:
    """Guards on the counts before the step, the counter changes, and the guard results seen.

    A comparison on a count the step reset earlier is a constant (the step's own increments);
    any other compares the count before the step plus the step's increments so far, which is a
    comparison of the count before the step with a shifted bound."""
    resets: list[str] = []
    seen: dict[str, list[Any]] = {}  # key -> [counted from zero, increments so far]
    guards: list[tuple[str, Callable[[int, int], bool], int]] = []
    results: list[bool] = []
    mutations: list[tuple[int, str]] = []

    def state(key: str) -> list[Any]:
        if key not in seen:
            seen[key] = [any(key.startswith(p) for p in resets), 0]
        return seen[key]

    for op in ops:
        if op[0] == _RESET:
            prefix = op[1] + "/"
            resets.append(prefix)
            for key, value in seen.items():
                if key.startswith(prefix):
                    value[0], value[1] = True, 0
            mutations.append((_RESET, op[1]))
        elif op[0] == _INC:
            state(op[1])[1] += 1
            mutations.append((_INC, op[1]))
        else:
            _, key, name, other, result = op
            zero, delta = state(key)
            if zero:
                if _COMPARE[name](delta, other) != result:  # cannot be: the walk is pyx12's
                    raise AssertionError("a reset count compared unlike its replay")
                continue
            guards.append((key, _COMPARE[name], other - delta))
            results.append(result)
    return tuple(guards), tuple(mutations), tuple(results)


class Transitions:
    """The replayed walk of one run: counts by path string, steps shared by every run."""

    # Steps by component separator (is_match reads 01-1 and drops trailing empty components,
    # so a raw qualifier value means something else with another one), shared by every run:
    # the maps are loaded once per process.
    _tables: dict[str, dict[tuple[Any, ...], _Step]] = {}
    simulated = 0  # steps pyx12 walked (class-wide: for the tests and the bench)

    def __init__(self, seg_term: str, ele_term: str, subele_term: str) -> None:
        self.counts: dict[str, int] = {}
        self.terms = (seg_term, ele_term, subele_term)
        if subele_term not in self._tables and len(self._tables) >= 16:
            self._tables.clear()
        self._steps = self._tables.setdefault(subele_term, {})

    def force_loop_start(self, loop_path: str, child_path: str) -> None:
        """walk_tree.forceWalkCounterToLoopStart (ISA and GS)."""
        loop_key, child_key = path_key(loop_path), path_key(child_path)
        _register(loop_key)
        _register(child_key)
        reset(self.counts, loop_key)
        counts = self.counts
        counts[loop_key] = counts.get(loop_key, 0) + 1
        counts[child_key] = counts.get(child_key, 0) + 1

    def walk(
        self,
        node: Any,
        key: tuple[Any, ...],
        text: str,
        seg_count: int,
        cur_line: int,
        loop_of: Callable[[Any], str | None],
    ) -> tuple[Any, tuple[WalkError, ...]]:
        """The node the segment matches from `node` (None: not found) and the walk errors.
        `key` identifies (node, segment id, qualifier values); `text` is the line, for pyx12
        to walk when the step is new."""
        step = self._steps.get(key)
        if step is not None:
            outcome = step.replay(self.counts)
            if outcome is not None:
                return outcome
        seg = pyx12.segment.Segment(text, *self.terms)
        return self._simulate(node, key, seg, seg_count, cur_line, loop_of)

    def _simulate(
        self,
        node: Any,
        key: tuple[Any, ...],
        seg: pyx12.segment.Segment,
        seg_count: int,
        cur_line: int,
        loop_of: Callable[[Any], str | None],
    ) -> tuple[Any, tuple[WalkError, ...]]:
        Transitions.simulated += 1
        walker = walk_tree()
        counter = _TraceCounter(self.counts)
        walker.counter = counter
        found, _, _, walked = walker.walk_errors(node, seg, seg_count, cur_line, None)
        seg_id = seg.get_seg_id() or ""
        errors = tuple(
            _walk_error(err, seg_id, found if found is not None else node, loop_of)
            for err in walked
        )
        guards, mutations, results = _compile(counter.ops)
        step = self._steps.get(key)
        if step is None or step.guards != guards or step.mutations != mutations:
            if len(self._steps) >= MAX_TRANSITIONS:
                self._steps.clear()
            step = self._steps[key] = _Step(guards, mutations)
        counted = any(err[2] in _COUNTED for err in errors)
        step.outcomes[step.as_results(results)] = None if counted else (found, errors)
        return found, errors


def _walk_error(
    err: Any, seg_id: str, node: Any, loop_of: Callable[[Any], str | None]
) -> WalkError:
    """A walk error as _Run._walk_errors records it (node: where the walk stands after it)."""
    err_seg = err.seg_data.get_seg_id() if err.seg_data is not None else seg_id
    loop = loop_of(err.map_node if err.map_node is not None else node)
    return (err_seg, loop, err.err_cde, _clean_segment_message(err.err_cde, err.err_str, err_seg))
