"""Ids seen so far in a file (a claim id and where it first stood), exact, in bounded memory.

A file of a million claims must not need a million strings in memory to notice a repeated claim
id. The latest ids are kept in a dict; every BATCH of them goes to a private temporary SQLite
database on disk, and into a Bloom filter of fixed size, so that an id never seen is told
apart without reading the disk. A Bloom hit is only a "maybe": the database answers exactly, so
a hash collision can never make a repeat of an id that was not there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

#: Ids held in memory before they are moved to disk (a small file never touches the disk).
BATCH = 4096
#: Bits of the Bloom filter (1 MiB): about 1 in 20,000 unseen ids of a 100,000-claim file
#: reads the disk for nothing; with more ids the filter only lets more through, never less.
BLOOM_BITS = 1 << 23
_PROBES = 3
_MASK = BLOOM_BITS - 1


class SeenIds:
    """A mapping of text ids to a number each (where the id was first seen, say)."""

    def __init__(self) -> None:
        self._recent: dict[str, int] = {}
        self._bloom: bytearray | None = None
        self._db: sqlite3.Connection | None = None
        self._spilled = 0

    def __len__(self) -> int:
        return self._spilled + len(self._recent)

    def get(self, key: str) -> int | None:
        found = self._recent.get(key)
        if found is not None or self._bloom is None or not self._maybe(key):
            return found
        assert self._db is not None
        row = self._db.execute("SELECT value FROM seen WHERE key = ?", (_blob(key),)).fetchone()
        return None if row is None else int(row[0])

    def setdefault(self, key: str, value: int) -> int:
        """The number recorded for `key`, recording `value` first if the id is new."""
        found = self.get(key)
        if found is not None:
            return found
        recent = self._recent
        recent[key] = value
        if len(recent) >= BATCH:
            self._spill()
        return value

    def add(self, key: str) -> bool:
        """Record `key` (with 0); True if it was new."""
        if self.get(key) is not None:
            return False
        recent = self._recent
        recent[key] = 0
        if len(recent) >= BATCH:
            self._spill()
        return True

    def set(self, key: str, value: int) -> None:
        """Record `value` for `key`, replacing what was recorded."""
        recent = self._recent
        if key not in recent and self._bloom is not None and self._maybe(key):
            assert self._db is not None
            found = self._db.execute("UPDATE seen SET value = ? WHERE key = ?", (value, _blob(key)))
            if found.rowcount:
                return
        recent[key] = value
        if len(recent) >= BATCH:
            self._spill()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()  # the temporary database is deleted with its connection
            self._db = None

    def _maybe(self, key: str) -> bool:
        """False: the id is not on disk. True: it may be (the database says)."""
        bloom = self._bloom
        assert bloom is not None
        # three probes by double hashing from one 64-bit hash (stable within the process,
        # which is all that counts); written out, as this runs once per claim
        h = hash(key) & 0xFFFFFFFFFFFFFFFF
        bit, step = h & _MASK, (h >> 32) | 1
        if not bloom[bit >> 3] >> (bit & 7) & 1:
            return False
        bit = (bit + step) & _MASK
        if not bloom[bit >> 3] >> (bit & 7) & 1:
            return False
        bit = (bit + step) & _MASK
        return bool(bloom[bit >> 3] >> (bit & 7) & 1)

    def _spill(self) -> None:
        if self._db is None:
            import sqlite3

            # "": a private temporary database on disk, removed when the connection closes
            # (one owner at a time, but a run may end, and its ids be freed, in another thread)
            self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode = OFF")
            self._db.execute("PRAGMA synchronous = OFF")
            self._db.execute(
                "CREATE TABLE seen (key BLOB PRIMARY KEY, value INTEGER) WITHOUT ROWID"
            )
            self._bloom = bytearray(BLOOM_BITS // 8)
        bloom = self._bloom
        assert bloom is not None
        for key in self._recent:  # the same probes as _maybe
            h = hash(key) & 0xFFFFFFFFFFFFFFFF
            bit, step = h & _MASK, (h >> 32) | 1
            for _ in range(_PROBES):
                bloom[bit >> 3] |= 1 << (bit & 7)
                bit = (bit + step) & _MASK
        self._db.execute("BEGIN")  # one transaction for the batch
        self._db.executemany(
            "INSERT INTO seen VALUES (?, ?)", ((_blob(k), v) for k, v in self._recent.items())
        )
        self._db.execute("COMMIT")
        self._spilled += len(self._recent)
        self._recent = {}

    def __del__(self) -> None:
        self.close()


def _blob(key: str) -> bytes:
    # ids read with surrogateescape may hold lone surrogates, which SQLite's text cannot
    return key.encode("utf-8", "surrogatepass")
