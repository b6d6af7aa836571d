"""The timer and message worker, as a loop (`byplan worker`) or a background thread (`byplan serve`)."""
from __future__ import annotations

import logging
import os
import socket
import threading

from engine import logcontext

log = logging.getLogger(__name__)


def run_once(byplan, sessions=None) -> tuple[int, int, int]:
    """One sweep; `sessions` (workflows.sessions.Sessions) also removes the records of expired sessions."""
    logcontext.clear()  # each case the sweep loads binds its own case and request id (engine/logcontext.py)
    fired = byplan.engine.fire_due_timers()
    routed = byplan.engine.route_messages()
    notifications = getattr(byplan, "notifications", None)
    if notifications is not None:
        notifications.send_digests()  # the daily digests go into the outbox, delivered just below
    retention = getattr(byplan, "retention", None)
    if retention is not None:
        retention.daily(byplan.engine.session_factory)  # issue 18: the retention rules, once a day
    sent = byplan.mail.deliver_pending() if byplan.mail is not None else 0
    if sessions is not None:
        expired = sessions.sweep()
        if expired:
            log.info("worker: %d expired session(s) removed", expired)
        if sessions.session_factory is not None:  # issue 17: SAML requests and seen assertion ids
            from workflows.identity.saml import sweep as sweep_saml

            with sessions.session_factory() as session:
                sweep_saml(session, sessions.clock())
                session.commit()
    logcontext.clear()
    heartbeat(byplan)
    return fired, routed, sent


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def heartbeat(byplan) -> None:
    """The worker's heartbeat row (engine.analytics.WorkerHeartbeat), read by /readyz and /metrics."""
    from engine.analytics import beat

    session = byplan.engine.session_factory()
    try:
        beat(session, worker_name(), byplan.engine.clock())
        session.commit()
    finally:
        session.close()


def run_forever(byplan, interval: float, stop: threading.Event | None = None, sessions=None) -> None:
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            fired, routed, sent = run_once(byplan, sessions)
            if fired or routed or sent:
                log.info("worker: %d timer(s) fired, %d message(s) delivered, %d mail(s) sent", fired, routed, sent)
        except Exception:  # the loop must survive a bad sweep; the next one retries
            log.exception("worker sweep failed")
        stop.wait(interval)


def start_background_worker(app) -> threading.Thread:
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, name="byplan-worker", daemon=True,
                              args=(app.extensions["byplan"], app.config["WORKER_INTERVAL"], stop,
                                    app.extensions.get("byplan_sessions")))
    thread.start()
    app.extensions["byplan_worker_stop"] = stop
    return thread
