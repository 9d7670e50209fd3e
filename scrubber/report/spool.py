"""Per-claim report entries kept on disk, not in memory, until the reports are written."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from typing import Any


class ClaimSpool:
    def __init__(self) -> None:
        # a private temp file: it holds patient data until the run ends
        self._file = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self.count = 0

    def add(self, entry: dict[str, Any]) -> None:
        self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self.count += 1

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self._file.flush()
        self._file.seek(0)
        for line in self._file:
            yield json.loads(line)
        self._file.seek(0, 2)

    def by_disposition(self, *dispositions: str) -> Iterator[dict[str, Any]]:
        """Entries in the order given (held first for people), file order within each."""
        for disposition in dispositions:
            for entry in self:
                if entry["disposition"] == disposition:
                    yield entry

    def __len__(self) -> int:
        return self.count

    def close(self) -> None:
        self._file.close()
