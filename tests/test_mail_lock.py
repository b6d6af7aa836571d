"""Mail delivery never holds SQLite's write lock while it speaks SMTP.

An aiosmtpd server stalls several seconds on every message. While the worker delivers to it, a user
completes a task through the real app on SQLite (every transaction BEGIN IMMEDIATE): the completion
must not wait for the stalled SMTP conversation. The bound is a property of lock holding, not a
benchmark: a completion held behind the lock would take at least the rest of the stall, so it is
compared against half the stall. The same completion is timed with a prompt server for comparison
(printed; run with -s to see both figures).
"""
from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sqlalchemy import select
from support import People, make_app
from test_mail import Collector, SmtpServer

from engine.mail import OutboxMail, queue_mail

STALL = 4.0  # seconds the server sits on each message before answering


class Stalling(Collector):
    """Signals when a message's data has arrived, then keeps the client waiting `delay` seconds."""

    def __init__(self, delay: float):
        super().__init__(delay)
        self.receiving = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.receiving.set()
        await asyncio.sleep(self.delay)
        with self.lock:
            self.envelopes.append(envelope)
        return "250 OK"


def _api(client, method, url, token, **kwargs):
    return client.open(url, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)


def _draft_task(client, token, group_id):
    created = _api(client, "POST", "/api/v1/cases", token,
                   json={"process_id": "proposal", "title": "Genbrug før køb", "working_group_id": group_id})
    assert created.status_code == 201, created.get_json()
    case_id = created.get_json()["id"]
    [task] = [t for t in _api(client, "GET", "/api/v1/tasks", token).get_json() if t["case_id"] == case_id]
    return _api(client, "GET", f"/api/v1/tasks/{task['id']}", token).get_json()


@pytest.mark.parametrize("delay", [STALL, 0.0], ids=["stalling server", "prompt server"])
def test_task_completion_does_not_wait_for_a_stalled_smtp_server(sqlite_url, delay):
    server = SmtpServer()
    server.handler = Stalling(delay)
    server.start()
    app = make_app(sqlite_url, MAIL_BACKEND="smtp", MAIL_HOST="127.0.0.1", MAIL_PORT=str(server.port))
    byplan = app.extensions["byplan"]
    worker: threading.Thread | None = None
    try:
        people = People(app)
        token = people.token("lead")
        client = app.test_client()
        draft = _draft_task(client, token, people.group_id)
        session_factory = app.extensions["byplan_session_factory"]
        with session_factory() as s, s.begin():
            for i in range(2):
                queue_mail(s, to=f"part{i}@example.dk", subject=f"Høring {i}", body="Kære part")
        data = {**draft["values"], "summary": "Genbrug", "statement": "Genbrug før køb før byg",
                "rationale": "Sparer penge", "implications": "Marked undersøges først"}

        sent: list[int] = []
        worker = threading.Thread(target=lambda: sent.append(byplan.mail.deliver_pending()))
        worker.start()
        assert server.handler.receiving.wait(10), "the worker never reached the SMTP server"
        started = time.monotonic()
        done = _api(client, "POST", f"/api/v1/tasks/{draft['id']}/complete", token,
                    json={"version": draft["case_version"], "data": data})
        elapsed = time.monotonic() - started
        assert done.status_code == 200, done.get_json()
        print(f"\ncompletion while mail is delivered to a server stalling {delay:.0f} s per mail: "
              f"{elapsed * 1000:.0f} ms")
        if delay:
            assert elapsed < delay / 2, f"the completion waited {elapsed:.2f} s behind a {delay} s SMTP stall"
            assert worker.is_alive(), "the stall ended before the completion: the comparison says nothing"

        worker.join(4 * STALL + 10)
        assert sent == [2]
        with session_factory() as s:
            assert all(m.sent_at is not None and m.claimed_by is None for m in s.scalars(select(OutboxMail)))
    finally:
        if worker is not None:
            worker.join(4 * STALL + 10)
        server.stop()
        with app.app_context():
            from web.extensions import db

            db.session.remove()
            db.engine.dispose()
