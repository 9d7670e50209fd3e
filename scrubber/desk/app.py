"""The desk's web application (Flask): every page behind a login, every POST with a CSRF token.

Thin over the desk's modules (batches, decide, accounts) and the library (the report's view
model for a claim, the resolve engine for a build).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, abort, g, jsonify, redirect, request, send_file
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response

from scrubber.desk import accounts, decide
from scrubber.desk.batches import BatchError, Desk
from scrubber.desk.pages import assets, render
from scrubber.desk.throttle import Busy, LoginThrottle
from scrubber.report.views import claim_view, edit_views
from scrubber.resolve import DecisionsError, ResolveError, read_decisions
from scrubber.resolve.findings import finding_code

COOKIE = "desk_session"
LOGIN_COOKIE = "desk_login"
OPEN = {"login", "login_post"}
DECISIONS_LIMIT = 1 << 20


def create_app(desk: Desk, *, secure_cookies: bool = False) -> Flask:
    app = Flask("scrubber.desk")
    # the form around an upload is small; the file itself is checked against the desk's limit
    app.config["MAX_CONTENT_LENGTH"] = desk.upload_limit + (1 << 16)
    app.config["MAX_FORM_MEMORY_SIZE"] = 1 << 20
    throttle = LoginThrottle()

    def page(name: str, status: int = 200, **context: Any) -> Response:
        session = g.get("session")
        html = render(
            name,
            user=session.user if session else None,
            csrf=session.csrf if session else "",
            **context,
        )
        return Response(html, status=status, mimetype="text/html")

    def set_cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=True,
            samesite="Strict",
            secure=secure_cookies,
            path="/",
        )

    @app.before_request
    def authenticate() -> Response | None:
        g.session = accounts.session_for(desk.store, request.cookies.get(COOKIE))
        if request.endpoint in OPEN:
            return None
        if g.session is None:
            if request.method == "POST":
                _drain()
                return Response("Log in first.", status=401, mimetype="text/plain")
            return redirect("/login", code=303)
        if request.method == "POST":
            given = request.headers.get("X-CSRF-Token")
            if given is None:
                _drain_if_too_large(desk)
                given = request.form.get("csrf_token")
            if not accounts.csrf_ok(g.session, given):
                return page(
                    "message.html",
                    status=403,
                    title="Refused",
                    text="The form had no valid security token. Reload the page and try again.",
                )
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = assets()[2]
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cache-Control"] = "no-store"  # pages and files hold patient data
        return response

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error: Exception) -> Response:
        return page(
            "message.html",
            status=413,
            title="File too large",
            text=f"The file is larger than the desk's limit of "
            f"{desk.upload_limit // (1 << 20)} MB. Split the batch in your practice "
            "management system and upload the parts.",
        )

    @app.errorhandler(404)
    def not_found(_error: Exception) -> Response:
        return page(
            "message.html",
            status=404,
            title="Not found",
            text="There is no such page, or it is not yours to see.",
        )

    # -- logging in and out
    @app.get("/login")
    def login() -> Response:
        token = secrets.token_urlsafe(32)
        response = page("login.html", login_token=token, error="")
        set_cookie(response, LOGIN_COOKIE, token, 600)
        return response

    @app.post("/login")
    def login_post() -> Response:
        token = request.cookies.get(LOGIN_COOKIE, "")
        if not token or not secrets.compare_digest(token, request.form.get("csrf_token", "")):
            return page(
                "message.html",
                status=403,
                title="Refused",
                text="The login form had expired. Open the login page again.",
            )
        name, address = request.form.get("name", ""), request.remote_addr or ""
        wait = throttle.wait_seconds(name, address)
        if wait:
            return page(
                "message.html",
                status=429,
                title="Refused",
                text=f"Too many failed logins for this name or from this address: try again in "
                f"{wait} seconds.",
            )
        try:
            with throttle.hashing():
                user_id = accounts.check_password(
                    desk.store, name, request.form.get("password", "")
                )
        except Busy:
            return page(
                "message.html",
                status=503,
                title="Busy",
                text="The desk is checking too many logins at once: try again in a minute.",
            )
        if user_id is None:
            throttle.failed(name, address)
            fresh = secrets.token_urlsafe(32)
            response = page(
                "login.html",
                status=401,
                login_token=fresh,
                error="That name and password do not match an account.",
            )
            set_cookie(response, LOGIN_COOKIE, fresh, 600)
            return response
        throttle.succeeded(name)
        session_token = accounts.open_session(
            desk.store, user_id, request.headers.get("User-Agent", "")
        )
        response = redirect("/", code=303)
        set_cookie(response, COOKIE, session_token, None)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @app.post("/logout")
    def logout() -> Response:
        accounts.close_session(desk.store, g.session.id)
        response = redirect("/login", code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    # -- batches
    def batches_page(status: int = 200, error: str = "") -> Response:
        return page(
            "batches.html",
            status=status,
            batches=desk.store.batches(),
            held_files=desk.held_files(),
            held_folder=str(desk.held_folder or ""),
            limit_mb=desk.upload_limit // (1 << 20),
            limit=desk.upload_limit,
            error=error,
        )

    @app.get("/")
    def batches() -> Response:
        return batches_page()

    @app.post("/batches")
    def upload() -> Response:
        given = request.files.get("file")
        if given is None or not given.filename:
            return batches_page(400, "Choose an 837 file to upload.")
        try:
            desk.add_upload(given.filename, given.stream, g.session.user)
        except BatchError as error:
            return batches_page(400, str(error))
        return redirect("/", code=303)

    @app.post("/batches/open")
    def open_held() -> Response:
        try:
            desk.open_held(request.form.get("name", ""), g.session.user)
        except BatchError as error:
            return batches_page(400, str(error))
        return redirect("/", code=303)

    @app.get("/batches/status.json")
    def status() -> Response:
        return jsonify(
            [
                {"id": b["id"], "status": b["status"], "progress": round(b["progress"], 3)}
                for b in desk.store.batches()
            ]
        )

    def batch_or_404(batch_id: str, ready: bool = True) -> dict[str, Any]:
        try:
            batch = desk.store.batch(batch_id)
        except KeyError:
            batch = None
        if batch is None or (ready and batch["status"] != "ready"):
            abort(404)
        return batch

    @app.get("/batches/<batch_id>")
    def batch(batch_id: str) -> Response:
        found = batch_or_404(batch_id, ready=False)
        held = desk.held_claims(found) if found["status"] == "ready" else None
        rows = decide.latest(desk.store.decisions(batch_id))
        states: dict[int, list[str]] = {}
        for (claim, _edit, _code), row in rows.items():
            states.setdefault(claim, []).append(decide.ACTION_LABELS[row["action"]])
        views = (
            [(c, claim_view(c.position, c.entry, held.report)) for c in held.claims] if held else []
        )
        return page(
            "batch.html",
            batch=found,
            claims=views,
            states=states,
            build=decide.last_build(desk, batch_id),
            error="",
        )

    def claim_or_404(batch_id: str, position: int) -> tuple[dict[str, Any], Any, Any]:
        found = batch_or_404(batch_id)
        held = desk.held_claims(found)
        claim = held.get(position)
        if claim is None:
            abort(404)
        return found, held, claim

    @app.get("/batches/<batch_id>/claims/<int:position>")
    def claim(batch_id: str, position: int) -> Response:
        found, held, item = claim_or_404(batch_id, position)
        view = claim_view(position, item.entry, held.report)
        delimiters = held.report.get("delimiters") or {}
        rows = desk.store.decisions(batch_id, position)
        current = decide.latest(rows)
        decisions = []
        for entry, finding in zip(_sorted_entries(item.entry), view.findings, strict=True):
            code = finding_code(entry, delimiters)
            decisions.append(
                {
                    "code": code,
                    "shown": decide.dotted(code) if code else "",
                    "decidable": entry.get("severity") == "error",
                    "current": current.get((position, finding.edit, code)),
                }
            )
        return page(
            "claim.html",
            batch=found,
            claim=view,
            position=position,
            notes=item.notes,
            edits=edit_views(held.report, {f.edit for f in view.findings}),
            findings=list(zip(view.findings, decisions, strict=True)),
            history=rows,
            total=len(held.claims),
            labels=decide.ACTION_LABELS,
        )

    @app.get("/batches/<batch_id>/claims/<int:position>/check")
    def check(batch_id: str, position: int) -> Response:
        _found, _held, item = claim_or_404(batch_id, position)
        result = decide.check_code(
            desk, item, request.args.get("code", "")[:12], request.args.get("replacing", "")[:12]
        )
        return jsonify(result.as_json())

    @app.post("/batches/<batch_id>/claims/<int:position>/decide")
    def decide_post(batch_id: str, position: int) -> Response:
        _found, held, item = claim_or_404(batch_id, position)
        form = request.form
        action = form.get("action", "")
        edit = form.get("edit", "")
        code = form.get("code", "")
        after = (form.get("typed") or form.get("choice") or "").strip()
        why = decide.decision_problem(
            desk, held.report, item, edit=edit, code=code, action=action, after=after
        )
        if why:
            return page(
                "message.html",
                status=400,
                title="Not saved",
                text=f"The decision was not saved: {why}.",
                back=f"/batches/{batch_id}/claims/{position}",
            )
        question = form.get("question", "").strip()[:2000]
        decision_id = decide.record(
            desk,
            batch_id,
            item,
            edit=edit,
            code=code,
            action=action,
            after=after,
            question=question,
            user=g.session.user,
        )
        if action == "query":
            return redirect(f"/batches/{batch_id}/queries/{decision_id}", code=303)
        return redirect(f"/batches/{batch_id}/claims/{position}#decided", code=303)

    @app.get("/batches/<batch_id>/queries/<int:decision_id>")
    def query(batch_id: str, decision_id: int) -> Response:
        found = batch_or_404(batch_id)
        row = desk.store.one(
            "SELECT * FROM decisions WHERE id = ? AND batch_id = ? AND action = 'query'",
            decision_id,
            batch_id,
        )
        if row is None:
            abort(404)
        held = desk.held_claims(found)
        item = held.get(row["claim"])
        assert item is not None
        view = claim_view(item.position, item.entry, held.report)
        delimiters = held.report.get("delimiters") or {}
        finding = next(
            (
                f
                for e, f in zip(_sorted_entries(item.entry), view.findings, strict=True)
                if f.edit == row["edit"] and finding_code(e, delimiters) == row["code"]
            ),
            None,
        )
        explanation = (held.report.get("edits") or {}).get(row["edit"]) or {}
        return page(
            "query.html",
            batch=found,
            claim=view,
            query=dict(row),
            finding=finding,
            explanation=explanation,
        )

    @app.post("/batches/<batch_id>/build")
    def build(batch_id: str) -> Response:
        found = batch_or_404(batch_id)
        try:
            decide.build(desk, found, g.session.user)
        except (ResolveError, DecisionsError) as error:
            return page(
                "message.html",
                status=400,
                title="Not built",
                text=str(error),
                back=f"/batches/{batch_id}",
            )
        return redirect(f"/batches/{batch_id}#build", code=303)

    def download(path: Path | None, name: str | None = None) -> Response:
        if path is None or not path.is_file():
            abort(404)
        return send_file(
            path,
            as_attachment=True,
            download_name=name or path.name,
            mimetype="application/edi-x12",
        )

    @app.get("/batches/<batch_id>/builds/<int:build_id>/<kind>")
    def build_download(batch_id: str, build_id: int, kind: str) -> Response:
        batch_or_404(batch_id)
        if kind not in ("resolved", "held"):
            abort(404)
        return download(decide.build_file(desk, batch_id, build_id, kind))

    @app.get("/batches/<batch_id>/held.837")
    def held_download(batch_id: str) -> Response:
        return download(desk.held_path(batch_or_404(batch_id)))

    @app.get("/batches/<batch_id>/decisions.json")
    def export(batch_id: str) -> Response:
        found = batch_or_404(batch_id)
        data = decide.as_decisions(desk, found).as_json()
        response = Response(json.dumps(data, indent=2), mimetype="application/json")
        response.headers["Content-Disposition"] = "attachment; filename=decisions.json"
        return response

    def import_refused(batch_id: str, text: str) -> Response:
        return page(
            "message.html", status=400, title="Not imported", text=text, back=f"/batches/{batch_id}"
        )

    @app.post("/batches/<batch_id>/decisions")
    def import_(batch_id: str) -> Response:
        found = batch_or_404(batch_id)
        given = request.files.get("file")
        name = (given.filename if given else "") or "the decisions file"
        try:
            raw = given.read(DECISIONS_LIMIT + 1) if given else b""
            if len(raw) > DECISIONS_LIMIT:
                raise DecisionsError(f"{name}: larger than 1 MB; a decisions file is smaller")
            decisions = read_decisions(raw, name)
            decide.import_decisions(desk, found, decisions, g.session.user)
        except DecisionsError as error:
            return import_refused(batch_id, str(error))
        except ValueError as error:
            return import_refused(batch_id, f"{name}: {error}")
        return redirect(f"/batches/{batch_id}", code=303)

    # -- the audit trail
    @app.get("/audit")
    def audit() -> Response:
        batch_id = request.args.get("batch") or None
        return page(
            "audit.html",
            rows=decide.audit_rows(desk, batch_id),
            batch_id=batch_id,
            labels=decide.ACTION_LABELS,
        )

    @app.get("/audit.csv")
    def audit_csv() -> Response:
        rows = decide.audit_rows(desk, request.args.get("batch") or None)
        response = Response(decide.audit_csv(rows), mimetype="text/csv")
        response.headers["Content-Disposition"] = "attachment; filename=desk-audit.csv"
        return response

    # -- your account and its sessions
    def own_sessions() -> list[dict[str, Any]]:
        rows = desk.store.all(
            "SELECT id, created_at, last_seen, user_agent FROM sessions "
            "WHERE user_id = ? ORDER BY created_at",
            g.session.user_id,
        )
        return [dict(r) for r in rows]

    @app.get("/account")
    def account() -> Response:
        return page("account.html", sessions=own_sessions(), current=g.session.id, shown=None)

    @app.get("/account/sessions/<session_id>")
    def session_page(session_id: str) -> Response:
        shown = next((s for s in own_sessions() if s["id"] == session_id), None)
        if shown is None:
            abort(404)
        return page("account.html", sessions=own_sessions(), current=g.session.id, shown=shown)

    @app.post("/account/sessions/<session_id>/end")
    def end_session(session_id: str) -> Response:
        if not accounts.close_session(desk.store, session_id, g.session.user_id):
            abort(404)
        return redirect("/account" if session_id != g.session.id else "/login", code=303)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        code = error.code or 500
        return page(
            "message.html", status=code, title=error.name or "Error", text=error.description or ""
        )

    return app


def _sorted_entries(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The claim's findings in the order the report's view shows them (errors first)."""
    order = {"error": 0, "warning": 1, "info": 2}
    findings = [f for f in entry.get("findings") or [] if isinstance(f, dict)]
    return sorted(findings, key=lambda f: order.get(str(f.get("severity", "")).lower(), 3))


def _drain() -> None:
    """Read what is left of a refused request's body, so the client gets the answer."""
    stream = request.environ["wsgi.input"]
    left = min(request.content_length or 0, 1 << 28)
    while left > 0:
        block = stream.read(min(left, 1 << 16))
        if not block:
            break
        left -= len(block)


def _drain_if_too_large(desk: Desk) -> None:
    if (request.content_length or 0) > desk.upload_limit + (1 << 16):
        _drain()
        raise RequestEntityTooLarge()
