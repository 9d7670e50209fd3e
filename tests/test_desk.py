"""The desk over real HTTP (cheroot on loopback, SQLite, the background scrub): logins, CSRF,
escaping, other users' sessions, uploads that are refused, accounts on the command line."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scrubber.api import scrub
from scrubber.cli import main
from scrubber.desk import accounts
from scrubber.desk.server import ServeError, check_exposure
from scrubber.desk.store import Store
from scrubber.options import ScrubOptions
from tests.desk_client import PASSWORDS, SAMPLES, Client, running_desk
from tests.helpers import wrap


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    data = tmp_path_factory.mktemp("desk")
    held = tmp_path_factory.mktemp("held")  # a scrub's outputs, as the watcher leaves them
    scrub(SAMPLES / "mixed.837", ScrubOptions(out_dir=held, html=False, ledger=False))
    with running_desk(data, upload_limit=200_000, held_folder=held) as server:
        yield server


@pytest.fixture(scope="module")
def ann(desk: Any) -> Client:
    client = Client(desk.url)
    assert client.login("ann").status == 303
    return client


@pytest.fixture(scope="module")
def batch(desk: Any, ann: Client) -> str:
    """mixed.837, scrubbed: its held claims MIX0002 (M54.5) and MIX0004 (unbalanced)."""
    reply = ann.upload("mixed.837", (SAMPLES / "mixed.837").read_bytes())
    assert reply.status == 303, reply.text
    rows = ann.wait_ready()
    ready = [r for r in rows if r["status"] == "ready"]
    assert ready
    return str(ready[-1]["id"])


def batch_dirs(desk: Any) -> list[str]:
    return sorted(p.name for p in (desk.desk.store.data_dir / "batches").iterdir())


def test_no_page_or_download_without_a_login(desk: Any, batch: str) -> None:
    anonymous = Client(desk.url)
    for path in (
        "/",
        f"/batches/{batch}",
        f"/batches/{batch}/claims/1",
        f"/batches/{batch}/claims/1/check?code=M5450",
        f"/batches/{batch}/held.837",
        f"/batches/{batch}/decisions.json",
        f"/batches/{batch}/builds/1/resolved",
        "/batches/status.json",
        "/audit",
        "/audit.csv",
        "/account",
    ):
        reply = anonymous.get(path)
        assert reply.status == 303 and reply.headers["Location"] == "/login", path
        assert b"MIX000" not in reply.body and b"ADAMS" not in reply.body
    reply = anonymous.post(f"/batches/{batch}/build", {}, csrf=False)
    assert reply.status == 401
    # a wrong password opens nothing
    assert anonymous.login("ann", "not-her-password").status == 401
    assert anonymous.get("/").status == 303


def test_a_post_without_its_csrf_token_is_refused(desk: Any, ann: Client, batch: str) -> None:
    before = len(desk.desk.store.decisions(batch))
    form = {"edit": "DX002", "code": "M545", "action": "code", "choice": "M5450"}
    for token in (None, "forged-token"):
        given = dict(form) if token is None else {**form, "csrf_token": token}
        reply = ann.post(f"/batches/{batch}/claims/1/decide", given, csrf=False)
        assert reply.status == 403
    assert len(desk.desk.store.decisions(batch)) == before
    dirs = batch_dirs(desk)
    assert ann.upload("mixed.837", b"ISA*", csrf=False).status == 403
    assert ann.post(f"/batches/{batch}/build", {}, csrf=False).status == 403
    assert batch_dirs(desk) == dirs
    # the login form carries one too
    fresh = Client(desk.url)
    fresh.get("/login")
    reply = fresh.post(
        "/login", {"name": "ann", "password": PASSWORDS["ann"], "csrf_token": "x"}, csrf=False
    )
    assert reply.status == 403


def test_markup_in_names_and_notes_is_shown_escaped(desk: Any, ann: Client) -> None:
    subscriber = (
        "HL*2*1*22*0~SBR*P*18*******CI~NM1*IL*1*<SCRIPT>ALERT(1)</SCRIPT>*<B>ROSE****MI*M1~"
        "N3*1 ELM ST~N4*SPRINGFIELD*IL*62701~DMG*D8*19700101*F~NM1*PR*2*PAYER*****PI*P1~"
    )
    claim = (
        "CLM*XSS1*100***11:B:1*Y*A*Y*Y~NTE*ADD*<IMG SRC=X ONERROR=ALERT(2)>~HI*ABK:M545~LX*1~"
        "SV1*HC:97110:GP*100*UN*1***1~DTP*472*D8*20260410~"
    )
    reply = ann.upload("markup.837", wrap(claim, subscriber=subscriber).encode())
    assert reply.status == 303
    rows = ann.wait_ready()
    batch_id = rows[0]["id"]
    page = ann.get(f"/batches/{batch_id}/claims/1")
    assert page.status == 200, page.text
    assert "&lt;SCRIPT&gt;ALERT(1)&lt;/SCRIPT&gt;" in page.text
    assert "&lt;IMG SRC=X ONERROR=ALERT(2)&gt;" in page.text
    assert "<SCRIPT>" not in page.text and "<IMG" not in page.text and "<B>" not in page.text
    listing = ann.get(f"/batches/{batch_id}")
    assert "&lt;SCRIPT&gt;" in listing.text and "<SCRIPT>" not in listing.text
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'sha256-" in csp and "unsafe-inline" not in csp
    assert "default-src 'none'" in csp


def test_a_second_user_cannot_read_the_first_users_session(desk: Any, ann: Client) -> None:
    bob = Client(desk.url)
    assert bob.login("bob").status == 303
    store: Store = desk.desk.store
    ann_sessions = [
        r["id"]
        for r in store.all(
            "SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.name = 'ann'"
        )
    ]
    assert ann_sessions
    mine = ann.get(f"/account/sessions/{ann_sessions[0]}")
    assert mine.status == 200 and ann_sessions[0] in mine.text
    for session_id in ann_sessions:
        reply = bob.get(f"/account/sessions/{session_id}")
        assert reply.status == 404 and session_id not in reply.text
        assert bob.post(f"/account/sessions/{session_id}/end", {}).status == 404
    assert session_id not in bob.get("/account").text
    assert ann.get("/account").status == 200  # ann is still logged in


def test_an_upload_over_the_limit_or_not_x12_gets_a_message_and_leaves_nothing(
    desk: Any, ann: Client
) -> None:
    dirs = batch_dirs(desk)
    count = len(desk.desk.store.batches())
    big = ann.upload("big.837", (SAMPLES / "mixed.837").read_bytes() * 300)
    assert big.status == 413 and "larger than the desk's limit of" in big.text
    just_over = ann.upload("over.837", b"ISA" + b"*" * 200_001)
    assert just_over.status == 400 and "larger than the desk's limit" in just_over.text
    csv = ann.upload("export.837", (SAMPLES / "not_x12_env001.837").read_bytes())
    assert csv.status == 400
    assert "export.837: not an X12 837 file" in csv.text and "export.837: export" not in csv.text
    assert "export the claim file again" in csv.text
    empty = ann.upload("empty.837", b"")
    assert empty.status == 400 and "empty.837: the file is empty" in empty.text
    assert batch_dirs(desk) == dirs
    assert len(desk.desk.store.batches()) == count
    leftovers = [p for p in (desk.desk.store.data_dir / "batches").rglob("*") if "over" in p.name]
    assert leftovers == []


def test_passwords_are_not_stored_in_the_clear(desk: Any) -> None:
    db = sqlite3.connect(desk.desk.store.path)
    rows = db.execute("SELECT name, password_hash FROM users").fetchall()
    raw = desk.desk.store.path.read_bytes()
    db.close()
    assert {name for name, _ in rows} == {"ann", "bob"}
    for name, stored in rows:
        assert stored.startswith("$argon2id$")
        assert PASSWORDS[name] not in stored
        assert PASSWORDS[name].encode() not in raw
    # and the session cookie's token is not stored either: only its sha256
    tokens = sqlite3.connect(desk.desk.store.path).execute("SELECT token_hash FROM sessions")
    assert all(len(t) == 64 for (t,) in tokens)


def test_desk_files_are_private(desk: Any, batch: str) -> None:
    store: Store = desk.desk.store
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    for path in (store.data_dir / "batches" / batch).iterdir():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path.name


def test_decisions_are_saved_as_made_and_a_second_user_sees_them(
    desk: Any, ann: Client, batch: str
) -> None:
    reply = ann.post(
        f"/batches/{batch}/claims/1/decide",
        {"edit": "DX002", "code": "M545", "action": "code", "choice": "M5450"},
    )
    assert reply.status == 303
    bob = Client(desk.url)
    bob.login("bob")
    page = bob.get(f"/batches/{batch}/claims/1")
    assert "Decided: <strong>Code chosen</strong> <code>M545</code> &rarr; <code>M5450</code>" in (
        page.text
    )
    assert "by ann" in page.text
    assert "Low back pain, unspecified" in page.text  # the suggestions' titles
    # the finding's edit link leads to the edit's explanation on the page
    assert 'href="#edit-DX002"' in page.text and 'id="edit-DX002"' in page.text
    audit = bob.get(f"/audit.csv?batch={batch}")
    assert audit.status == 200
    assert "ann" in audit.text and "M545,M5450" in audit.text
    values = [v for row in csv.reader(io.StringIO(audit.text)) for v in row]
    assert "" in values and "'" not in values  # an empty value stays empty
    # a code that is not billable is not saved
    refused = ann.post(
        f"/batches/{batch}/claims/1/decide",
        {"edit": "DX002", "code": "M545", "action": "code", "typed": "M62.83"},
    )
    assert refused.status == 400 and "M62.83 is a category" in refused.text
    # a finding the claim does not have cannot be decided
    assert (
        ann.post(
            f"/batches/{batch}/claims/1/decide",
            {"edit": "BAL001", "code": "", "action": "leave"},
        ).status
        == 400
    )


def test_the_code_check(ann: Client, batch: str) -> None:
    check = ann.get(f"/batches/{batch}/claims/1/check?code=M62.83&replacing=M545").json()
    assert check["ok"] is False and check["more_specific"][0] == "M62.830"
    check = ann.get(f"/batches/{batch}/claims/1/check?code=M54.59&replacing=M545").json()
    assert check == {
        "code": "M5459",
        "shown": "M54.59",
        "ok": True,
        "title": "Other low back pain",
        "release": "ICD-10-CM April 1, 2026",
        "problems": [],
        "more_specific": [],
    }
    # MIX0004 carries S39.012A: M54.5- Excludes1 low back strain
    check = ann.get(f"/batches/{batch}/claims/2/check?code=M54.50").json()
    assert not check["ok"] and any("Excludes1 with S39.012A" in p for p in check["problems"])
    check = ann.get(f"/batches/{batch}/claims/1/check?code=M62.830").json()
    assert check["problems"] == ["M62.830 is already on the claim"]


def test_a_session_expires_after_inactivity(desk: Any) -> None:
    store: Store = desk.desk.store
    user = store.one("SELECT id FROM users WHERE name = 'ann'")
    token = accounts.open_session(store, user["id"])
    assert accounts.session_for(store, token) is not None
    with store.transaction() as db:
        db.execute(
            "UPDATE sessions SET last_seen = ? WHERE token_hash = ?",
            (time.time() - accounts.IDLE_SECONDS - 1, accounts._token_hash(token)),
        )
    assert accounts.session_for(store, token) is None
    # a browser with that cookie is sent to the login page
    client = Client(desk.url)
    client.jar.set_cookie(_cookie("desk_session", token))
    assert client.get("/").status == 303


def _cookie(name: str, value: str) -> Any:
    import http.cookiejar

    return http.cookiejar.Cookie(
        0,
        name,
        value,
        None,
        False,
        "127.0.0.1",
        False,
        False,
        "/",
        True,
        False,
        None,
        False,
        None,
        None,
        {},
    )


def test_non_loopback_needs_tls_or_insecure_http() -> None:
    assert check_exposure("127.0.0.1", None, False) is None
    assert check_exposure("::1", None, False) is None
    with pytest.raises(ServeError, match="--tls-cert and --tls-key"):
        check_exposure("0.0.0.0", None, False)
    assert "WARNING" in (check_exposure("192.0.2.10", None, True) or "")
    result = CliRunner().invoke(main, ["desk", "--host", "0.0.0.0", "--data", "/nonexistent"])
    assert result.exit_code == 2 and "--tls-cert" in result.output


def test_add_and_remove_user_on_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "d")
    result = runner.invoke(
        main, ["desk", "add-user", "carol", "--data", data], input="carol-pass-12\ncarol-pass-12\n"
    )
    assert result.exit_code == 0, result.output
    store = Store(Path(data))
    assert accounts.check_password(store, "carol", "carol-pass-12") is not None
    differ = runner.invoke(
        main, ["desk", "add-user", "dave", "--data", data], input="dave-pass-123\nother-pass-12\n"
    )
    assert differ.exit_code == 2 and "differ" in differ.output
    markup = runner.invoke(main, ["desk", "add-user", "<script>", "--data", data], input="x\ny\n")
    assert markup.exit_code == 2 and "a user name is 1 to 64 letters" in markup.output
    assert "differ" not in markup.output
    short = runner.invoke(main, ["desk", "add-user", "erin", "--data", data], input="x\nx\n")
    assert short.exit_code == 2 and "at least 10 characters" in short.output
    again = runner.invoke(
        main, ["desk", "add-user", "carol", "--data", data], input="carol-pass-12\ncarol-pass-12\n"
    )
    assert again.exit_code == 2 and "already a user carol" in again.output
    assert runner.invoke(main, ["desk", "remove-user", "carol", "--data", data]).exit_code == 0
    assert accounts.check_password(store, "carol", "carol-pass-12") is None
    gone = runner.invoke(main, ["desk", "remove-user", "carol", "--data", data])
    assert gone.exit_code == 2 and "no user carol" in gone.output


def test_a_held_file_of_the_folder_opens_as_a_batch(desk: Any, ann: Client) -> None:
    page = ann.get("/")
    assert "mixed.held.837" in page.text and "mixed.clean.837" in page.text
    dirs = batch_dirs(desk)
    for name in ("../desk.sqlite3", "/etc/passwd", "nothing.837"):
        reply = ann.post("/batches/open", {"name": name})
        assert reply.status == 400 and "is not a file of the held folder" in reply.text
    assert batch_dirs(desk) == dirs
    assert ann.post("/batches/open", {"name": "mixed.held.837"}).status == 303
    rows = ann.wait_ready()
    opened = next(b for b in desk.desk.store.batches() if b["name"] == "mixed.held.837")
    assert opened["source"] == "folder" and opened["status"] == "ready"
    assert opened["summary"]["counts"] == {
        "claims": 2,
        "clean": 0,
        "fixed": 0,
        "held": 2,
        "rejected": 0,
    }
    assert rows


def test_the_exported_decisions_resolve_the_same_on_the_command_line(
    desk: Any, ann: Client, batch: str, tmp_path: Path
) -> None:
    ann.post(
        f"/batches/{batch}/claims/1/decide",
        {"edit": "DX002", "code": "M545", "action": "code", "choice": "M5451"},
    )
    exported = ann.get(f"/batches/{batch}/decisions.json")
    assert exported.status == 200
    data = exported.json()
    assert data["schema"] == "scrub837-decisions/1" and data["held_file"] == "mixed.held.837"
    decisions = tmp_path / "decisions.json"
    decisions.write_bytes(exported.body)
    assert ann.post(f"/batches/{batch}/build", {}).status == 303
    page = ann.get(f"/batches/{batch}")
    assert "1</strong> of 2 held claims resolved" in page.text
    held = desk.desk.held_path(desk.desk.store.batch(batch))
    result = CliRunner().invoke(
        main,
        ["resolve", str(held), "--decisions", str(decisions), "-o", str(tmp_path / "cli")],
    )
    assert result.exit_code == 1, result.output
    resolved = (tmp_path / "cli" / "mixed.resolved.837").read_text(encoding="utf-8")
    assert "HI*ABK:M5451*ABF:M62830~" in resolved
    build_id = desk.desk.store.one("SELECT max(id) AS id FROM builds")["id"]
    download = ann.get(f"/batches/{batch}/builds/{build_id}/resolved")
    assert download.status == 200 and download.text == resolved


def test_decisions_import_into_a_batch_of_the_same_claims(
    desk: Any, ann: Client, batch: str
) -> None:
    exported = ann.get(f"/batches/{batch}/decisions.json").body
    bob = Client(desk.url)
    bob.login("bob")
    assert bob.post("/batches/open", {"name": "mixed.held.837"}).status == 303
    bob.wait_ready()
    target = next(
        b for b in desk.desk.store.batches() if b["name"] == "mixed.held.837" and b["id"] != batch
    )
    before = len(desk.desk.store.decisions(target["id"]))

    page = f"/batches/{target['id']}"

    def send(content: bytes) -> Any:
        boundary = "b0undary"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                f"{bob.csrf(page)}\r\n--{boundary}\r\n"
                'Content-Disposition: form-data; name="file"; filename="d.json"\r\n\r\n'
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return bob.request(
            page + "/decisions",
            body,
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )

    assert send(exported).status == 303
    rows = desk.desk.store.decisions(target["id"])
    assert len(rows) > before
    assert rows[-1]["user"] == "bob" and rows[-1]["note"].startswith("imported; decided by ann")
    wrong = exported.replace(b'"MIX0002"', b'"OTHER01"')
    refused = send(wrong)
    assert refused.status == 400 and "is not a held claim of this batch" in refused.text
    refused = send(b"{not json")
    assert refused.status == 400 and "d.json: not a JSON file" in refused.text
    deep = send(b"[" * 100000 + b"]" * 100000)
    assert deep.status == 400 and "d.json: not a JSON file" in deep.text
    misdated = json.loads(exported)
    misdated["run_date"] = "2026-02-30"
    refused = send(json.dumps(misdated).encode())
    assert refused.status == 400 and "d.json: run_date 2026-02-30 is not a date" in refused.text
    # the claim page's checks: an edit not on the claim, a code check_code refuses
    for change, why in (
        ({"edit": "BAL001", "code": "M545"}, "claim 1 has no BAL001 finding on M54.5"),
        ({"after": "M62.83"}, "M62.83 is a category"),
        ({"after": "ZZZ99"}, "ZZZ.99 is not an ICD-10-CM code"),
    ):
        count = len(desk.desk.store.decisions(target["id"]))
        item = {"claim": 1, "claim_id": "MIX0002", "edit": "DX002", "code": "M545"}
        item.update({"action": "code", "after": "M5450", **change})
        file = {"schema": "scrub837-decisions/1", "decisions": [item]}
        refused = send(json.dumps(file).encode())
        assert refused.status == 400, refused.text
        assert "d.json: decision 1 (" in refused.text and why in refused.text
        assert len(desk.desk.store.decisions(target["id"])) == count
    # a UTF-8 byte order mark is allowed
    assert send(b"\xef\xbb\xbf" + exported).status == 303


def test_a_build_of_a_cut_off_held_file_is_refused(desk: Any, ann: Client, batch: str) -> None:
    known = {b["id"] for b in desk.desk.store.batches()}
    assert ann.post("/batches/open", {"name": "mixed.held.837"}).status == 303
    ann.wait_ready()
    (opened,) = [b for b in desk.desk.store.batches() if b["id"] not in known]
    held = desk.desk.held_path(opened)
    held.write_bytes(held.read_bytes()[:900])
    folder = desk.desk.folder(opened["id"])
    before = sorted(p.name for p in folder.rglob("*") if p.is_file())
    reply = ann.post(f"/batches/{opened['id']}/build", {})
    assert reply.status == 400 and "is cut off (no SE/GE/IEA): ask for the whole file" in (
        reply.text
    )
    after = sorted(p.name for p in folder.rglob("*") if p.is_file())
    assert after == before


def _self_signed(folder: Path) -> tuple[Path, Path]:
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_the_desk_serves_tls_with_secure_cookies(tmp_path: Path) -> None:
    import ssl
    import urllib.request

    from scrubber.desk.batches import Desk
    from scrubber.desk.server import DeskServer, TlsFiles

    cert, key = _self_signed(tmp_path)
    desk = Desk(Store(tmp_path / "data"), options=ScrubOptions(ledger=False))
    server = DeskServer(desk, "127.0.0.1", 0, TlsFiles(cert, key))
    server.start()
    try:
        assert server.url.startswith("https://")
        context = ssl.create_default_context(cafile=str(cert))
        with urllib.request.urlopen(server.url + "/login", context=context, timeout=30) as reply:
            assert reply.status == 200
            cookie = reply.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        plain = ssl.create_default_context()  # an unknown certificate is refused
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(server.url + "/login", context=plain, timeout=30)
    finally:
        server.stop()


def test_the_desk_command_serves_until_sigterm(tmp_path: Path) -> None:
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = tmp_path / "data"
    command = [sys.executable, "-m", "scrubber", "desk", "--data", str(data), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        client = Client(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/login").status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f"The desk is at http://127.0.0.1:{port}/" in out
    assert "No accounts yet" in err and "Traceback" not in err
    assert stat.S_IMODE(os.stat(data / "desk.sqlite3").st_mode) == 0o600


def test_a_decisions_file_over_1_mb_is_refused_by_name(tmp_path: Path) -> None:
    with running_desk(tmp_path / "desk", upload_limit=4 << 20, tr3=False) as server:
        client = Client(server.url)
        assert client.login("ann").status == 303
        assert client.upload("mixed.837", (SAMPLES / "mixed.837").read_bytes()).status == 303
        client.wait_ready()
        page = f"/batches/{server.desk.store.batches()[0]['id']}"
        boundary = "b0undary"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                f"{client.csrf(page)}\r\n--{boundary}\r\n"
                'Content-Disposition: form-data; name="file"; filename="big.json"\r\n\r\n'
            ).encode()
            + b" " * (1 << 20)
            + b"{}"
            + f"\r\n--{boundary}--\r\n".encode()
        )
        reply = client.request(
            page + "/decisions", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        assert reply.status == 400 and "big.json: larger than 1 MB" in reply.text
