"""A worker process killed with SIGKILL in the middle of a task completion, a timer sweep, message
routing or mail delivery (SQLite and PostgreSQL).

Each child process patches the point where it should die to call `pause()` (see faults.py); the
parent kills it there. Afterwards every case is in its state from before or after the action,
never in between — stored workflow, version, projections, outbox and audit chain agree — and a
fresh process finishes the work: each due timer fires exactly once in total and each outbox
message is delivered exactly once.

Mail is the exception by design: the SMTP server may have accepted a mail before the process died
and before the outbox row was marked sent, so delivery is *at least once*; the resend carries the
same Message-ID (the idempotency key a receiver can deduplicate on). A mail in flight when the
process dies arrives once or twice with one Message-ID; no mail is lost, none other is repeated.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from aiosmtpd.controller import Controller
from engine_support import Harness, deploy
from sqlalchemy import select

from engine import AuditLog, CaseEngine
from engine.mail import MailDelivery, MailSettings, OutboxMail, queue_mail
from engine.models import Base, OutboxMessage
from workflows.proposal import Proposal

from .faults import TIMED_SENDER, audit_intact, check_case, in_fresh_process, kill_at, snapshot

T0 = datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)
DUE = T0 + timedelta(hours=1, seconds=1)


def _pause_on(cls, name, pause, *, when, after=False):
    """Replace cls.name (in the child only) so that a call for which `when(*args, **kwargs)` is true
    pauses before (or `after`) doing its work."""
    original = getattr(cls, name)

    def patched(*args, **kwargs):
        hit = when(*args, **kwargs)
        if hit and not after:
            pause()
        value = original(*args, **kwargs)
        if hit and after:
            pause()
        return value

    setattr(cls, name, patched)


def _nth(n, predicate):
    calls = []

    def when(*args, **kwargs):
        if predicate(*args, **kwargs):
            calls.append(1)
            return len(calls) == n
        return False
    return when


# ================================================================ a completion

COMPLETION_POINTS = {
    # point: (patch, the state the case must be in after the kill)
    "versioned update written, audit event not": "before",
    "save flushed, not committed": "before",
    "about to commit": "before",
    "just committed": "after",
}


def _patch_completion(point, pause):
    import sqlalchemy.orm

    completing = threading.local()

    def marks(cls, name):
        original = getattr(cls, name)

        def patched(*args, **kwargs):
            value = original(*args, **kwargs)
            completing.done = True
            return value
        setattr(cls, name, patched)

    if point == "versioned update written, audit event not":
        _pause_on(AuditLog, "append", pause, when=lambda self, session, **kw: kw.get("kind") == "complete")
    elif point == "save flushed, not committed":
        _pause_on(CaseEngine, "save", pause, when=lambda self, session, instance, **kw: kw.get("kind") == "complete",
                  after=True)
    else:
        marks(CaseEngine, "complete_task")
        _pause_on(sqlalchemy.orm.Session, "commit", pause, when=lambda *a, **k: getattr(completing, "done", False),
                  after=point == "just committed")


@pytest.mark.parametrize("point", list(COMPLETION_POINTS))
def test_killed_completion_leaves_the_case_before_or_after(app, client, people, db_url, point):
    from support import make_app

    from web.extensions import db

    token = people.token("lead")
    headers = {"Authorization": f"Bearer {token}"}
    case_id = client.post("/api/v1/cases", headers=headers, json={
        "process_id": "proposal", "title": "Genbrug", "working_group_id": people.group_id}).get_json()["id"]
    [task] = [t for t in client.get("/api/v1/tasks", headers=headers).get_json() if t["case_id"] == case_id]
    version = client.get(f"/api/v1/tasks/{task['id']}", headers=headers).get_json()["case_version"]
    body = {"version": version, "data": {"kind": "principle", "title": "Genbrug før køb", "summary": "Resumé",
                                         "statement": "Genbrug før køb", "rationale": "", "implications": ""}}
    harness = Harness(db_url, create=False)
    with harness.session() as s:
        before = snapshot(s, case_id)

    def complete():
        response = make_app(db_url).test_client().post(f"/api/v1/tasks/{task['id']}/complete", headers=headers,
                                                       json=body)
        raise AssertionError(f"the completion finished: {response.status_code}")

    with app.app_context():
        engines = [db.engine, harness.db]
    kill_at(lambda pause: _patch_completion(point, pause), complete, engines=engines)

    expected = COMPLETION_POINTS[point]
    with harness.session() as s:
        now = snapshot(s, case_id)
        record = s.scalar(select(Proposal).where(Proposal.case_id == case_id))
        if expected == "before":
            assert now == before
            assert (record.status, record.revision, record.title) == ("draft", 0, "Genbrug")
        else:
            assert now["version"] == before["version"] + 1
            assert now["completed"] == [task["id"]] and now["audit"] == before["audit"] + ["complete"]
            assert (record.status, record.revision, record.title) == ("submitted", 1, "Genbrug før køb")
        check_case(harness.engine, s, case_id)
        audit_intact(s)

    # the user tries again with what they read: it goes through once, whatever happened before
    again = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers, json=body)
    assert again.status_code == (200 if expected == "before" else 409), again.get_json()
    with harness.session() as s:
        final = snapshot(s, case_id)
        assert final["version"] == before["version"] + 1
        assert final["completed"] == [task["id"]]
        assert final["audit"].count("complete") == 1
        record = s.scalar(select(Proposal).where(Proposal.case_id == case_id))
        assert (record.status, record.revision) == ("submitted", 1)
        check_case(harness.engine, s, case_id)
        audit_intact(s)
    harness.dispose()


# ================================================================ timers and messages

SWEEP_POINTS = ["mid-save", "saved, not committed"]


def _pause_nth_save(kind, n, point, pause):
    if point == "mid-save":  # the case row's versioned UPDATE is flushed, its audit event not yet written
        _pause_on(AuditLog, "append", pause, when=_nth(n, lambda self, session, **kw: kw.get("kind") == kind))
    else:
        _pause_on(CaseEngine, "save", pause, after=True,
                  when=_nth(n, lambda self, session, instance, **kw: kw.get("kind") == kind))


def _sweep(url, what):
    with time_machine.travel(DUE, tick=False):
        harness = Harness(url, create=False)
        try:
            return harness.engine.fire_due_timers() if what == "timers" else harness.engine.route_messages()
        finally:
            harness.dispose()


@pytest.mark.parametrize("point", SWEEP_POINTS)
def test_killed_timer_sweep_and_router_fire_and_deliver_exactly_once(db_url, point):
    harness = Harness(db_url, create=False)
    with harness.session() as s, s.begin():
        deploy(harness.engine, s, "msg_receiver")
        deploy(harness.engine, s, "msg_sender", replace=TIMED_SENDER)
    with time_machine.travel(T0, tick=False):
        with harness.session() as s, s.begin():
            receivers = [harness.engine.start(s, "msg_receiver", actor="t", data={"case_key": f"K-{i}"}).id
                         for i in range(4)]
            senders = [harness.engine.start(s, "timed_sender", actor="t",
                                            data={"case_key": f"K-{i}", "greeting": f"hej {i}"}).id
                       for i in range(4)]
    with harness.session() as s:
        waiting = {c: snapshot(s, c) for c in senders + receivers}

    def sweep(what):
        return lambda: _sweep(db_url, what)

    # --- the timer sweep dies while saving the third case
    kill_at(lambda pause: _pause_nth_save("timer", 3, point, pause), sweep("timers"), engines=[harness.db])
    with harness.session() as s:
        states = {c: snapshot(s, c) for c in senders}
        fired = [c for c in senders if states[c] != waiting[c]]
        assert len(fired) == 2, states  # the cases before the third were committed, one by one
        for c in senders:
            check_case(harness.engine, s, c)
            if c in fired:
                assert states[c]["status"] == "completed" and states[c]["sent"] == 1
                assert states[c]["audit"] == ["start", "timer"]
            else:
                assert states[c] == waiting[c]
        audit_intact(s)
    assert in_fresh_process(_sweep, db_url, "timers", engines=[harness.db]) == 2
    assert in_fresh_process(_sweep, db_url, "timers", engines=[harness.db]) == 0
    with harness.session() as s:
        for c in senders:
            state = snapshot(s, c)
            assert state["audit"] == ["start", "timer"]  # fired exactly once in total
            assert state["version"] == waiting[c]["version"] + 1 and state["sent"] == 1
            check_case(harness.engine, s, c)
        assert len(s.scalars(select(OutboxMessage)).all()) == 4  # one message per sender, none twice

    # --- the router dies while delivering the second message
    kill_at(lambda pause: _pause_nth_save("message", 2, point, pause), sweep("messages"), engines=[harness.db])
    with harness.session() as s:
        delivered = [m for m in s.scalars(select(OutboxMessage)) if m.delivered_at is not None]
        assert len(delivered) == 1
        for c in receivers:
            check_case(harness.engine, s, c)
            state = snapshot(s, c)
            got = c == delivered[0].target_case_id
            assert state["audit"] == (["start", "message"] if got else ["start"])
            assert state["ready"] == (["got_ping"] if got else [])
        audit_intact(s)
    assert in_fresh_process(_sweep, db_url, "messages", engines=[harness.db]) == 3
    assert in_fresh_process(_sweep, db_url, "messages", engines=[harness.db]) == 0
    with harness.session() as s:
        messages = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert all(m.delivered_at is not None for m in messages)
        assert sorted(m.target_case_id for m in messages) == sorted(receivers)  # each delivered once
        for c in receivers:
            state = snapshot(s, c)
            assert state["audit"] == ["start", "message"] and state["ready"] == ["got_ping"]
            assert state["received"] == 1
            check_case(harness.engine, s, c)
        for i, c in enumerate(receivers):
            assert harness.engine.load(s, c).data["ping"]["greeting"] == f"hej {i}"
        audit_intact(s)
    harness.dispose()


# ================================================================ mail

class _Collector:
    def __init__(self):
        self.envelopes = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0)
        with self.lock:
            self.envelopes.append(envelope)
        return "250 OK"

    def messages(self):
        with self.lock:
            return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes]


@pytest.fixture
def smtp():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = _Collector()
    handler.port = port
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler
    controller.stop()


def _deliver(url, port):
    harness = Harness(url, create=False)
    try:
        settings = MailSettings(backend="smtp", host="127.0.0.1", port=port, timeout=30)
        return MailDelivery(settings, harness.session_factory).deliver_pending()
    finally:
        harness.dispose()


@pytest.mark.parametrize("point", ["server accepted the mail", "about to send"])
def test_killed_mail_delivery_is_at_least_once_with_one_message_id(db_url, smtp, point):
    import smtplib

    harness = Harness(db_url, create=False)
    Base.metadata.create_all(harness.db, tables=[OutboxMail.__table__])
    with harness.session() as s, s.begin():
        for i in range(3):
            queue_mail(s, to=f"part{i}@example.dk", subject=f"Høring {i}", body=f"Kære part {i}")
    with harness.session() as s:
        ids = [m.id for m in s.scalars(select(OutboxMail).order_by(OutboxMail.id))]

    kill_at(lambda pause: _pause_on(smtplib.SMTP, "send_message", pause, when=_nth(2, lambda *a, **k: True),
                                    after=point == "server accepted the mail"),
            lambda: _deliver(db_url, smtp.port), engines=[harness.db])
    in_flight = 1 if point == "server accepted the mail" else 0
    assert len(smtp.messages()) == 1 + in_flight
    with harness.session() as s:
        assert [m.sent_at is not None for m in s.scalars(select(OutboxMail).order_by(OutboxMail.id))] == \
            [True, False, False]

    assert in_fresh_process(_deliver, db_url, smtp.port, engines=[harness.db]) == 2
    assert in_fresh_process(_deliver, db_url, smtp.port, engines=[harness.db]) == 0
    with harness.session() as s:
        rows = s.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
        assert all(m.sent_at is not None and m.attempts == 0 for m in rows)
        ids_by_row = [m.message_id for m in rows]
    messages = smtp.messages()
    by_id: dict[str, list] = {}
    for message in messages:
        by_id.setdefault(message["Message-ID"], []).append(message)
    # every mail arrived, under the Message-ID its outbox row keeps
    assert sorted(by_id) == sorted(ids_by_row) and len(set(ids_by_row)) == len(ids) == 3
    # only the mail in flight when the process died may have come twice, as the same message
    counts = [len(by_id[mid]) for mid in ids_by_row]
    assert counts == [1, 1 + in_flight, 1]
    for copies in by_id.values():
        assert len({(m["To"], m["Subject"], m.get_content()) for m in copies}) == 1
    harness.dispose()

