"""Running it: /healthz (the process is up), /readyz (database reachable, migrations current, worker heartbeat
recent), /metrics (Prometheus), a request id on every request and log line, JSON logs on a setting.

None of these needs a login except /metrics: with `METRICS_TOKEN` set it wants `Authorization: Bearer
<token>` (for the Prometheus scraper); without one only a signed-in administrator may read it.
"""
from __future__ import annotations

import hmac
import time
from pathlib import Path
from datetime import timedelta

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_login import current_user
from sqlalchemy import func, select, text

from engine import logcontext, metrics
from engine.analytics import last_heartbeat
from engine.mail import OutboxMail
from engine.models import Case, OutboxMessage, utcnow
from workflows import lanes

from .extensions import csrf, db

bp = Blueprint("ops", __name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"  # as web/cli.py has it


def init_app(app) -> None:
    if app.config.get("LOG_FORMAT") in ("json", "text") and not app.testing:
        logcontext.configure(app.config["LOG_FORMAT"])
    app.register_blueprint(bp)
    csrf.exempt(bp)

    @app.before_request
    def _request_id():
        g.request_started = time.perf_counter()
        g.request_id = logcontext.new_request_id(request.headers.get("X-Request-ID"))
        logcontext.bind_request(g.request_id)

    @app.after_request
    def _observe(response):
        started = g.get("request_started")
        if started is not None:
            metrics.observe_request(request.endpoint, request.method, time.perf_counter() - started)
        if g.get("request_id"):
            response.headers["X-Request-ID"] = g.request_id
        return response

    @app.teardown_request
    def _clear(_exc=None):
        logcontext.clear()


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


def migrations_current(session) -> tuple[bool, str]:
    """(whether the database is at the newest Alembic revision, its revision)."""
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory(str(MIGRATIONS)).get_heads())
    current = {row[0] for row in session.execute(text("SELECT version_num FROM alembic_version"))}
    return current == heads, ",".join(sorted(current))


@bp.get("/readyz")
def readyz():
    checks, ok = {}, True
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure to reach the database means not ready
        db.session.rollback()
        return jsonify(status="unavailable", checks={"database": f"unreachable: {type(exc).__name__}"}), 503
    try:
        current, revision = migrations_current(db.session)
        checks["migrations"] = "ok" if current else f"behind ({revision or 'none'})"
        ok = ok and current
    except Exception as exc:  # noqa: BLE001 - no alembic_version table: never migrated
        db.session.rollback()
        checks["migrations"] = f"unknown: {type(exc).__name__}"
        ok = False
    limit = current_app.config["READY_HEARTBEAT_SECONDS"]
    if limit > 0:
        beat = last_heartbeat(db.session)
        if beat is None:
            checks["worker"], ok = "no heartbeat yet", False
        elif utcnow() - beat > timedelta(seconds=limit):
            checks["worker"], ok = f"last heartbeat {int((utcnow() - beat).total_seconds())} s ago", False
        else:
            checks["worker"] = "ok"
    else:
        checks["worker"] = "not checked"
    return jsonify(status="ready" if ok else "unavailable", checks=checks), 200 if ok else 503


def _may_read_metrics() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        offered = request.headers.get("Authorization", "")
        return offered.startswith("Bearer ") and hmac.compare_digest(offered[7:].encode(), token.encode())
    return bool(current_user and current_user.is_authenticated and lanes.is_admin(current_user))


def database_gauges() -> dict:
    session = db.session
    beat = last_heartbeat(session)
    return {
        "messages": session.scalar(select(func.count()).select_from(OutboxMessage)
                                   .where(OutboxMessage.delivered_at.is_(None))) or 0,
        "mails": session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.sent_at.is_(None))) or 0,
        "incidents": session.scalar(select(func.count()).select_from(Case).where(Case.status == "incident")) or 0,
        "heartbeat_age": None if beat is None else max(0.0, (utcnow() - beat).total_seconds()),
    }


@bp.get("/metrics")
def prometheus():
    if not _may_read_metrics():
        status = 403 if current_user and current_user.is_authenticated else 401
        response = Response("metrics need a token or an administrator\n", status=status, mimetype="text/plain")
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return Response(metrics.render(database_gauges), content_type=metrics.CONTENT_TYPE)
