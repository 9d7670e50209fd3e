"""A real desk on loopback for the tests (cheroot, SQLite, the background scrub) and a plain
HTTP client that logs in like a browser: cookies, the forms' CSRF tokens."""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrubber.desk.accounts import add_user
from scrubber.desk.batches import Desk
from scrubber.desk.server import DeskServer
from scrubber.desk.store import Store
from scrubber.options import ScrubOptions

SAMPLES = Path(__file__).resolve().parents[1] / "x12_samples"
PASSWORDS = {"ann": "ann-password-1", "bob": "bob-password-1"}


@contextmanager
def running_desk(
    data: Path,
    *,
    upload_limit: int = 1 << 20,
    held_folder: Path | None = None,
    tr3: bool = True,
    workers: int = 1,
) -> Iterator[DeskServer]:
    store = Store(data)
    for name, password in PASSWORDS.items():
        add_user(store, name, password)
    desk = Desk(
        store,
        held_folder=held_folder,
        upload_limit=upload_limit,
        options=ScrubOptions(tr3=tr3, ledger=False),
    )
    server = DeskServer(desk, "127.0.0.1", 0, scrub_workers=workers)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(
        self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as response:
                return Reply(response.status, response.read(), dict(response.headers), path)
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read(), dict(error.headers), path)

    def get(self, path: str) -> Reply:
        return self.request(path)

    def post(self, path: str, form: dict[str, str], *, csrf: bool = True) -> Reply:
        if csrf and "csrf_token" not in form:
            form = {**form, "csrf_token": self.csrf()}
        body = urllib.parse.urlencode(form).encode()
        return self.request(path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def csrf(self, path: str = "/") -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', self.get(path).text)
        assert found, "no CSRF token on the page"
        return found.group(1)

    def login(self, name: str, password: str | None = None) -> Reply:
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.get("/login").text)
        assert token
        return self.post(
            "/login",
            {
                "csrf_token": token.group(1),
                "name": name,
                "password": password if password is not None else PASSWORDS[name],
            },
        )

    def upload(self, name: str, content: bytes, *, csrf: bool = True) -> Reply:
        boundary = uuid.uuid4().hex
        parts = []
        if csrf:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                f"{self.csrf()}\r\n".encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(
            "/batches", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )

    def wait_ready(self, timeout: float = 60) -> list[dict[str, Any]]:
        """Wait until no batch is queued or scrubbing; the batches' states."""
        deadline = time.monotonic() + timeout
        while True:
            rows: list[dict[str, Any]] = self.get("/batches/status.json").json()
            if all(r["status"] not in ("queued", "scrubbing") for r in rows):
                return rows
            if time.monotonic() > deadline:
                raise TimeoutError(rows)
            time.sleep(0.1)
