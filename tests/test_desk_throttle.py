"""The desk's login throttle: a wait after a few failures per name and per address, a cap on the
password hashes computed at once; over real HTTP and on the throttle with a hand-moved clock."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from scrubber.desk import throttle as th
from tests.desk_client import Client, running_desk


def test_failed_logins_wait_per_name_then_per_address(tmp_path: Path) -> None:
    with running_desk(tmp_path / "desk") as server:
        client = Client(server.url)
        for _ in range(th.NAME_FREE):
            assert client.login("ann", "wrong-password-1").status == 401
        refused = client.login("ann")  # the right password no longer helps, for now
        assert refused.status == 429 and "try again in 30 seconds" in refused.text
        assert Client(server.url).login("bob").status == 303  # another name still may
        for number in range(th.ADDRESS_FREE - th.NAME_FREE):
            assert client.login(f"nobody{number}", "wrong-password-1").status == 401
        assert Client(server.url).login("bob").status == 429


def test_the_wait_doubles_expires_and_a_success_clears_the_name() -> None:
    now = [1000.0]
    throttle = th.LoginThrottle(clock=lambda: now[0])
    for _ in range(th.NAME_FREE):
        assert throttle.wait_seconds("Ann", "10.0.0.1") == 0
        throttle.failed("Ann", "10.0.0.1")
    assert throttle.wait_seconds("ann", "10.0.0.2") == 30  # names match without case
    now[0] += 30
    assert throttle.wait_seconds("ann", "10.0.0.2") == 0
    throttle.failed("ann", "10.0.0.2")
    assert throttle.wait_seconds("ann", "10.0.0.3") == 60
    throttle.succeeded("ann")
    assert throttle.wait_seconds("ann", "10.0.0.3") == 0


def test_no_more_hashes_at_once_than_the_cap() -> None:
    throttle = th.LoginThrottle(concurrent=1)
    inside = threading.Event()
    leave = threading.Event()

    def hold() -> None:
        with throttle.hashing():
            inside.set()
            leave.wait(10)

    worker = threading.Thread(target=hold)
    worker.start()
    assert inside.wait(10)
    with pytest.raises(th.Busy), throttle.hashing(wait=0):
        pass
    leave.set()
    worker.join()
    with throttle.hashing(wait=0):
        pass
