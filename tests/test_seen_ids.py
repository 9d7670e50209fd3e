"""The bounded-memory id sets: SeenIds (CLM002, the content view's uncovered claims) and the HL
tree's SeenLevels must answer exactly what a plain dict would."""

from __future__ import annotations

import random

import pytest

from scrubber import seen_ids
from scrubber.seen_ids import SeenIds
from scrubber.x12.events import Problem
from scrubber.x12.hltree import NumberingProblems, SeenLevels


def test_seen_ids_match_a_dict_across_spills(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seen_ids, "BATCH", 16)
    rng = random.Random(7)
    seen, plain = SeenIds(), {}
    for number in range(1, 2000):
        key = f"P{rng.randrange(600)}"
        assert seen.setdefault(key, number) == plain.setdefault(key, number)
        assert len(seen) == len(plain)
    assert seen.get("never") is None
    assert all(seen.get(k) == v for k, v in plain.items())
    seen.close()


def test_a_digest_collision_is_not_a_repeat(monkeypatch: pytest.MonkeyPatch) -> None:
    # every id sets the same Bloom bits: only the database can tell them apart
    monkeypatch.setattr(seen_ids, "BATCH", 2)
    monkeypatch.setattr(seen_ids, "_MASK", 0)
    seen = SeenIds()
    for number, key in enumerate(["A", "B", "C", "D"], start=1):
        assert seen.setdefault(key, number) == number
    assert seen.get("E") is None
    assert seen.add("E") is True and seen.add("A") is False
    assert seen.get("C") == 3


def test_ids_that_are_not_plain_text() -> None:
    seen = SeenIds()
    seen._recent["x\udc80"] = 5
    seen._spill()
    assert seen.get("x\udc80") == 5 and seen.get("x") is None


def test_seen_levels_later_id_wins() -> None:
    levels, plain = SeenLevels(), {}
    hls = [
        ("1", "20"),
        ("2", "22"),
        ("5", "22"),
        ("4", "23"),
        ("5", "20"),
        ("2", "23"),
        ("07", "22"),
    ]
    for position, (hl_id, code) in enumerate(hls, start=1):
        levels.set(hl_id, code, position)
        plain[hl_id] = code
    for hl_id in ["1", "2", "4", "5", "6", "07", "7", "0", "", "x", "٣"]:
        assert levels.get(hl_id) == plain.get(hl_id), hl_id


def test_numbering_problems_keep_the_first_of_each_kind() -> None:
    numbering = NumberingProblems()
    for key in ["hl01", "hl04", "hl01", "hl01"]:
        numbering.append(Problem("HL001", key))
    first, second = numbering.firsts()
    assert (first.key, first.more, second.key, second.more) == ("hl01", 2, "hl04", 0)


def test_set_replaces_in_memory_and_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seen_ids, "BATCH", 3)
    seen = SeenIds()
    for number, key in enumerate("ABCDEFG", start=1):
        seen.set(key, number)
    seen.set("A", 10)  # on disk
    seen.set("G", 70)  # in memory
    seen.set("H", 80)  # new
    assert [seen.get(k) for k in "ABGHZ"] == [10, 2, 70, 80, None]
    assert len(seen) == 8


def test_uncovered_claims_are_told_apart_by_id(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    from scrubber.content.view import ContentView

    monkeypatch.setattr(seen_ids, "BATCH", 4)
    rng = random.Random(3)
    view, plain = ContentView(), {}
    for _ in range(300):
        claim_id = f"C{rng.randrange(60)}"
        view.start_claim(claim_id)
        for _ in range(rng.randrange(4)):
            kind, day = rng.choice(["ptp", "mue", "cpt"]), date(2026, 4, rng.randrange(1, 9))
            assert view.release(kind, day) is None  # no such release: an uncovered day
            plain.setdefault(kind, set()).add(claim_id)
    counted = {m["kind"]: m["claims"] for m in view.head()["uncovered"]}
    assert counted == {kind: len(ids) for kind, ids in plain.items()}
