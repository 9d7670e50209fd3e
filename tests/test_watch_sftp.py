"""End to end: a real OpenSSH server (internal-sftp, chroot when we can), paramiko uploads in
small chunks with pauses, and `scrub837 watch` behind it as a separate process.

Under CI (CI=true) a missing sshd fails the test instead of skipping it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paramiko
import pytest

from scrubber.synth import ClaimSpec, build_837
from scrubber.watch.folders import default_state
from scrubber.watch.service import CRASH_ENV
from tests.watching import (
    REPO,
    SAMPLES,
    Dirs,
    assert_exactly_once,
    claim_ids,
    events,
    timestamp,
    wait_for,
    watch_command,
)

SETTLE = 1.5
POLL = 0.25
PAUSE = 0.6  # between chunks: longer than --poll, shorter than --settle
STALL = SETTLE + 1.5  # a stalled upload: longer than --settle


def _sshd() -> str | None:
    for candidate in (shutil.which("sshd"), "/usr/sbin/sshd"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _chroot_base() -> Path | None:
    """sshd wants every component of a chroot root-owned and not writable by others: /tmp is
    not, /run usually is. Without root (or such a folder) the test runs without a chroot."""
    if os.geteuid() != 0:
        return None
    base = Path("/run")
    st = base.stat()
    if st.st_uid != 0 or st.st_mode & 0o022 or not os.access(base, os.W_OK):
        return None
    return base


@dataclass
class Server:
    port: int
    user: str
    key: paramiko.PKey
    inbox: Path  # on this machine
    remote_inbox: str  # as the SFTP client sees it

    def connect(self) -> paramiko.Transport:
        transport = paramiko.Transport(("127.0.0.1", self.port))
        transport.connect(username=self.user, pkey=self.key)
        return transport


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    sshd = _sshd()
    if sshd is None:
        if os.environ.get("CI") == "true":
            pytest.fail("sshd (Debian package openssh-server) is not installed")
        pytest.skip("sshd not installed (apt-get install openssh-server)")
    base = tmp_path_factory.mktemp("sshd")
    host_key = paramiko.ECDSAKey.generate(bits=256)
    host_key.write_private_key_file(str(base / "host_key"))
    os.chmod(base / "host_key", 0o600)
    client_key = paramiko.ECDSAKey.generate(bits=256)
    (base / "authorized_keys").write_text(
        f"{client_key.get_name()} {client_key.get_base64()} scrub837-test\n"
    )
    user = os.environ.get("USER") or __import__("pwd").getpwuid(os.geteuid()).pw_name
    chroot_base = _chroot_base()
    chroot: Path | None = None
    if chroot_base is not None:
        chroot = Path(tempfile.mkdtemp(prefix="scrub837-sftp-", dir=chroot_base))
        os.chmod(chroot, 0o755)
        inbox, remote_inbox = chroot / "upload", "/upload"
    else:
        inbox = base / "upload"
        remote_inbox = str(inbox)
    inbox.mkdir(mode=0o700)
    if os.geteuid() == 0:  # sshd run by root wants its privilege separation folder
        with contextlib.suppress(OSError):
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    port = _free_port()
    lines = [
        f"Port {port}",
        "ListenAddress 127.0.0.1",
        f"HostKey {base / 'host_key'}",
        f"PidFile {base / 'sshd.pid'}",
        f"AuthorizedKeysFile {base / 'authorized_keys'}",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password",
        "UsePAM no",
        "StrictModes no",
        "AllowTcpForwarding no",
        "X11Forwarding no",
        "Subsystem sftp internal-sftp -u 0077",
        f"Match User {user}",
        "    ForceCommand internal-sftp -u 0077",
    ]
    if chroot is not None:
        lines.append(f"    ChrootDirectory {chroot}")
    config = base / "sshd_config"
    config.write_text("\n".join(lines) + "\n")
    log = (base / "sshd.log").open("wb")
    process = subprocess.Popen([sshd, "-D", "-e", "-f", str(config)], stderr=log)
    try:
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                pytest.fail(f"sshd exited: {(base / 'sshd.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("sshd did not start listening")
                time.sleep(0.05)
        yield Server(port, user, client_key, inbox, remote_inbox)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        if chroot is not None:
            shutil.rmtree(chroot, ignore_errors=True)


@dataclass
class Upload:
    name: str  # final name in the inbox
    data: bytes
    via: str | None = None  # upload under this name, then rename (as WinSCP does)
    stall_at: int | None = None  # pause for STALL after this many bytes
    done: float = 0.0  # wall clock when the file was complete under its final name

    def run(self, server: Server, chunks: int = 4) -> None:
        transport = server.connect()
        try:
            sftp = paramiko.SFTPClient.from_transport(transport)
            assert sftp is not None
            target = f"{server.remote_inbox}/{self.via or self.name}"
            size = -(-len(self.data) // chunks)
            with sftp.open(target, "wb") as remote:
                sent = 0
                while sent < len(self.data):
                    end = min(sent + size, len(self.data))
                    if self.stall_at is not None and sent < self.stall_at < end:
                        end = self.stall_at
                    remote.write(self.data[sent:end])
                    remote.flush()
                    sent = end
                    if sent < len(self.data):
                        time.sleep(STALL if sent == self.stall_at else PAUSE)
            if self.via:
                sftp.posix_rename(target, f"{server.remote_inbox}/{self.name}")
            self.done = time.time()
            sftp.close()
        finally:
            transport.close()


def test_sftp_uploads_are_scrubbed_once_and_only_when_complete(
    server: Server, tmp_path: Path
) -> None:
    # the state folder defaults to one under the user's state directory, outside the inbox
    state_home = tmp_path / "state-home"
    dirs = Dirs.make(tmp_path, inbox=server.inbox, state=default_state(server.inbox, state_home))
    args = [a for a in dirs.args() if a not in ("--state", str(dirs.state))]
    uploads = [
        Upload("mixed.837", (SAMPLES / "mixed.837").read_bytes()),
        Upload(
            "renamed.837",
            build_837(
                [ClaimSpec(claim_id=f"R{n:03d}") for n in range(40)], control_number=11
            ).encode(),
            via="renamed.837.filepart",
        ),
    ]
    stalled = build_837([ClaimSpec(claim_id=f"S{n:03d}") for n in range(40)], control_number=12)
    uploads.append(Upload("stalled.837", stalled.encode(), stall_at=len(stalled) // 2))
    inputs = {u.name: claim_ids_of(u.data) for u in uploads}

    env = {k: v for k, v in os.environ.items() if k not in (CRASH_ENV, "STATE_DIRECTORY")}
    env["XDG_STATE_HOME"] = str(state_home)
    watcher = subprocess.Popen(
        [*watch_command(), *args, "--settle", str(SETTLE), "--poll", str(POLL)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(lambda: bool(events(dirs.log, "started")), 30, "the watcher to start")
        threads = [threading.Thread(target=u.run, args=(server,)) for u in uploads]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert all(u.done for u in uploads), "an upload failed"
        wait_for(lambda: len(events(dirs.log, "processed")) >= 3, 90, "three processed files")
        time.sleep(2 * POLL)
        watcher.send_signal(signal.SIGTERM)
        _, stderr = watcher.communicate(timeout=30)
        assert watcher.returncode == 0, stderr.decode()
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()

    assert_exactly_once(dirs, inputs)
    assert (dirs.state / "journal.sqlite3").exists() and dirs.state.is_relative_to(state_home)
    assert stat.S_IMODE(dirs.state.stat().st_mode) == 0o700
    assert not [p for p in server.inbox.iterdir() if p.name.startswith(".scrub837")]
    by_name = {u.name: u for u in uploads}
    for entry in events(dirs.log, "scrubbing") + events(dirs.log, "processed"):
        upload = by_name[entry["file"]]
        # taken only once complete, and what was scrubbed is exactly what was uploaded
        assert timestamp(entry) >= upload.done - 0.01, entry
        assert entry["sha256"] == hashlib.sha256(upload.data).hexdigest()
    assert sorted(e["file"] for e in events(dirs.log, "scrubbing")) == sorted(inputs)
    # the stalled upload settled half way but did not end with IEA: it was made to wait
    assert [e["file"] for e in events(dirs.log, "waiting")] == ["stalled.837"]
    # the .filepart name was never touched
    assert not any("filepart" in e.get("file", "") for e in events(dirs.log, ""))
    for path in dirs.archive.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def claim_ids_of(data: bytes) -> list[str]:
    with tempfile.NamedTemporaryFile(suffix=".837") as handle:
        handle.write(data)
        handle.flush()
        return claim_ids(Path(handle.name))
