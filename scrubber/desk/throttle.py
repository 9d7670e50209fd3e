"""Login throttling: a delay after a few failed logins per name and per address, and a cap on
the password hashes computed at once (each argon2 check takes 64 MiB)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

NAME_FREE = 5  # failed logins of one name before each further try must wait
ADDRESS_FREE = 20  # failed logins from one address (any names) before it must wait
FIRST_DELAY = 30.0  # seconds; doubles with each further failure
MAX_DELAY = 15 * 60.0
FORGET = 60 * 60.0  # failures older than this are forgotten
CONCURRENT_HASHES = 2
HASH_WAIT = 10.0  # seconds a login waits for a free hashing slot before it is turned away
_MAX_KEYS = 10_000  # bound on the memory a flood of names can take


class Busy(RuntimeError):
    """Too many logins are being checked at once."""


@dataclass(slots=True)
class _Failures:
    count: int = 0
    last: float = 0.0


@dataclass
class LoginThrottle:
    clock: Callable[[], float] = time.monotonic
    concurrent: int = CONCURRENT_HASHES
    _failures: dict[tuple[str, str], _Failures] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _slots: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.concurrent)

    def _keys(self, name: str, address: str) -> list[tuple[tuple[str, str], int]]:
        return [(("name", name.casefold()), NAME_FREE), (("address", address), ADDRESS_FREE)]

    def wait_seconds(self, name: str, address: str) -> int:
        """Seconds before this name or address may try again (0: now)."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key, free in self._keys(name, address):
                seen = self._failures.get(key)
                if seen is None or seen.count < free:
                    continue
                delay = min(FIRST_DELAY * 2 ** (seen.count - free), MAX_DELAY)
                wait = max(wait, seen.last + delay - now)
        return int(wait + 0.999) if wait > 0 else 0

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) >= _MAX_KEYS:
                self._forget(now)
            for key, _free in self._keys(name, address):
                seen = self._failures.setdefault(key, _Failures())
                if now - seen.last > FORGET:
                    seen.count = 0
                seen.count += 1
                seen.last = now

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(("name", name.casefold()), None)

    def _forget(self, now: float) -> None:
        old = [k for k, v in self._failures.items() if now - v.last > FORGET]
        for key in old or list(self._failures)[: _MAX_KEYS // 2]:
            del self._failures[key]

    @contextmanager
    def hashing(self, wait: float = HASH_WAIT) -> Iterator[None]:
        """A slot to check one password in; Busy when none frees up within `wait` seconds."""
        if not self._slots.acquire(timeout=wait):
            raise Busy("too many logins at once")
        try:
            yield
        finally:
            self._slots.release()
