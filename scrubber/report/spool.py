"""Per-claim report entries kept on disk, not in memory, until the reports are written."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from typing import IO, Any

#: The HTML report's order: held claims first (for people), then fixed, then clean.
GROUPS = ("held", "fixed", "clean")

# json.dumps(entry, ensure_ascii=False), with the encoder made once rather than per entry
_encode = json.JSONEncoder(ensure_ascii=False).encode
_decode = json.JSONDecoder().decode


def _private_file() -> IO[str]:
    # a private temp file: it holds patient data until the run ends
    return tempfile.TemporaryFile(mode="w+", encoding="utf-8")


class ClaimSpool:
    """Each entry is encoded once and written twice: in file order (for the JSON report, which
    copies the encoded lines) and in its disposition's group (for the HTML report, which reads
    each group once), so that every report is one pass over the spool."""

    def __init__(self) -> None:
        self._file = _private_file()
        self._groups: dict[str, IO[str]] = {}
        self.count = 0
        self.edits: set[str] = set()  # the edit ids of every entry's findings

    def add(self, entry: dict[str, Any]) -> None:
        line = _encode(entry) + "\n"
        self._file.write(line)
        disposition = entry.get("disposition")
        if disposition in GROUPS:
            group = self._groups.get(disposition)
            if group is None:
                group = self._groups[disposition] = _private_file()
            group.write(line)
        self.edits.update(f["edit"] for f in entry["findings"])
        self.count += 1

    def encoded(self) -> Iterator[str]:
        """The entries in file order as JSON texts (no line break), as they were encoded."""
        yield from (line[:-1] for line in _lines(self._file))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """The entries in file order."""
        for line in _lines(self._file):
            yield _decode(line)

    def by_disposition(self, *dispositions: str) -> Iterator[dict[str, Any]]:
        """Entries of these dispositions (held, fixed, clean) in the order given, file order
        within each."""
        for disposition in dispositions:
            group = self._groups.get(disposition)
            if group is not None:
                for line in _lines(group):
                    yield _decode(line)

    def __len__(self) -> int:
        return self.count

    def close(self) -> None:
        self._file.close()
        for group in self._groups.values():
            group.close()


def _lines(file: IO[str]) -> Iterator[str]:
    file.flush()
    file.seek(0)
    yield from file
    file.seek(0, 2)
