"""Desk accounts: argon2id password hashes, server-side sessions that expire, CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from scrubber.desk.store import Store, now_iso

IDLE_SECONDS = 30 * 60  # a session ends after half an hour without a request
MIN_PASSWORD = 10
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# verified when a name is unknown, so that a wrong name takes as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A user cannot be added or removed (the message says why)."""


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    user_id: int
    user: str
    csrf: str


def _valid_name(name: str) -> bool:
    return 0 < len(name) <= 64 and all(c.isalnum() or c in "._-@" for c in name)


def check_name(name: str) -> None:
    """AccountError when `name` cannot be a user name (asked before the password)."""
    if not _valid_name(name):
        raise AccountError(
            "a user name is 1 to 64 letters, digits and . _ - @ (no spaces or markup)"
        )


def add_user(store: Store, name: str, password: str) -> None:
    check_name(name)
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    try:
        with store.transaction() as db:
            db.execute(
                "INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?)",
                (name, _hasher.hash(password), now_iso()),
            )
    except sqlite3.IntegrityError as error:
        raise AccountError(f"there is already a user {name}") from error


def remove_user(store: Store, name: str) -> None:
    with store.transaction() as db:
        gone = db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount
    if not gone:
        raise AccountError(f"there is no user {name}")


def check_password(store: Store, name: str, password: str) -> int | None:
    """The user's id when the password is right, else None."""
    row = store.one("SELECT id, password_hash FROM users WHERE name = ?", name)
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _hasher.check_needs_rehash(row["password_hash"]):
        with store.transaction() as db:
            db.execute(
                "UPDATE users SET password_hash = ? WHERE id = ?",
                (_hasher.hash(password), row["id"]),
            )
    return int(row["id"])


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def open_session(store: Store, user_id: int, user_agent: str = "") -> str:
    """A new session; returns the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    with store.transaction() as db:
        db.execute(
            "INSERT INTO sessions (id, token_hash, user_id, csrf, created_at, last_seen, "
            "user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                secrets.token_urlsafe(12),
                _token_hash(token),
                user_id,
                secrets.token_urlsafe(32),
                now_iso(),
                time.time(),
                user_agent[:200],
            ),
        )
    return token


def session_for(store: Store, token: str | None, idle: float = IDLE_SECONDS) -> Session | None:
    """The live session of a cookie token (its idle clock restarted), or None."""
    if not token:
        return None
    row = store.one(
        "SELECT s.id, s.user_id, s.csrf, s.last_seen, u.name FROM sessions s "
        "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
        _token_hash(token),
    )
    if row is None:
        return None
    now = time.time()
    if now - row["last_seen"] > idle:
        close_session(store, row["id"])
        return None
    if now - row["last_seen"] > 5:  # spare the database a write on every request
        with store.transaction() as db:
            db.execute("UPDATE sessions SET last_seen = ? WHERE id = ?", (now, row["id"]))
    return Session(row["id"], row["user_id"], row["name"], row["csrf"])


def close_session(store: Store, session_id: str, user_id: int | None = None) -> bool:
    """End a session (only one of `user_id`'s when it is given)."""
    with store.transaction() as db:
        if user_id is None:
            gone = db.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount
        else:
            gone = db.execute(
                "DELETE FROM sessions WHERE id = ? AND user_id = ?", (session_id, user_id)
            ).rowcount
    return bool(gone)


def csrf_ok(session: Session, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(session.csrf, given or "")
