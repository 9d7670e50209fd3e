"""Serving the desk: cheroot (CherryPy's threaded WSGI server) on loopback, or with TLS.

cheroot serves TLS itself (no proxy needed for a small office), runs in this process beside
the background scrub, and is pure Python: nothing to compile on the coder's machine.
"""

from __future__ import annotations

import ipaddress
import threading
from dataclasses import dataclass
from pathlib import Path

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from scrubber.desk.app import create_app
from scrubber.desk.batches import Desk


class ServeError(ValueError):
    """The desk cannot be served as asked (the message says what to add)."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(slots=True)
class TlsFiles:
    cert: Path
    key: Path


def check_exposure(host: str, tls: TlsFiles | None, insecure_http: bool) -> str | None:
    """None when the address is fine as asked, else the warning to print for --insecure-http;
    ServeError when a non-loopback address has neither TLS nor --insecure-http."""
    if is_loopback(host) or tls is not None:
        return None
    if not insecure_http:
        raise ServeError(
            f"--host {host} is reachable from other machines: give --tls-cert and --tls-key "
            "(the desk shows patient data and passwords), or --insecure-http if a proxy in "
            "front of it does TLS"
        )
    return (
        f"WARNING: serving the desk on {host} without TLS: passwords and patient data cross "
        "the network in the clear. Put a TLS proxy in front of it."
    )


class DeskServer:
    """The desk's app on cheroot, with its background scrub; start() and stop() for tests."""

    def __init__(
        self,
        desk: Desk,
        host: str = "127.0.0.1",
        port: int = 8837,
        tls: TlsFiles | None = None,
        threads: int = 16,
        scrub_workers: int = 1,
    ) -> None:
        self.desk = desk
        self.scrub_workers = scrub_workers
        app = create_app(desk, secure_cookies=tls is not None)
        self.server = wsgi.Server((host, port), app, numthreads=threads, shutdown_timeout=2)
        if tls is not None:
            self.server.ssl_adapter = BuiltinSSLAdapter(str(tls.cert), str(tls.key))
        self._thread: threading.Thread | None = None
        self.scheme = "https" if tls else "http"

    @property
    def url(self) -> str:
        host, port = self.server.bind_addr[:2]
        return f"{self.scheme}://{host}:{port}"

    def start(self) -> None:
        """Bind, start the background scrub and serve in a thread."""
        self.server.prepare()
        self.desk.start(self.scrub_workers)
        self._thread = threading.Thread(target=self.server.serve, name="desk-http", daemon=True)
        self._thread.start()

    def serve_forever(self) -> None:
        self.server.prepare()
        self.desk.start(self.scrub_workers)
        try:
            self.server.serve()
        finally:
            self.stop()

    def stop(self) -> None:
        self.server.stop()
        self.desk.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
