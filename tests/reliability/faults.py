"""Fault-injection helpers: child processes killed at a chosen point, consistency checks of a case,
real servers (a thread, or forked processes) and a tiny HTTP client.

Children are forked (``multiprocessing`` with the ``fork`` context): they start at once with every
module already imported and run closures, so no production hook is needed. A child patches the
point where it should die (e.g. wraps ``AuditLog.append``) to call ``pause()``: that writes one byte
to a pipe and sleeps; the parent waits for the byte and sends SIGKILL. The parent's database engines
are disposed before the fork (it reconnects on its next use), so a child never inherits
a pooled connection it could use or close under the parent.
"""
from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import select
import signal
import time
import traceback
from typing import Any, Callable, Iterable

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import ThrowingEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func
from sqlalchemy import select as sql_select

from engine import AuditLog
from engine_support import audit_key
from engine.models import (
    AuditEvent,
    Case,
    CompletedTask,
    MessageSubscription,
    OutboxMessage,
    ReadyTask,
    WaitingTimer,
)

FORK = multiprocessing.get_context("fork")

# Audit kinds written by CaseEngine.save: each is one versioned UPDATE of the case row.
SAVE_KINDS = {"start", "complete", "timer", "message"}

# tests/bpmn/msg_sender.bpmn with its user task replaced by a one-hour timer (as in test_engine.py)
TIMED_SENDER = {"msg_sender": {
    'processRef="msg_sender"': 'processRef="timed_sender"',
    '<bpmn:process id="msg_sender" name="Message sender"': '<bpmn:process id="timed_sender" name="Timed sender"',
    '<bpmn:userTask id="compose" name="Compose">': '<bpmn:intermediateCatchEvent id="compose" name="Wait an hour">',
    "</bpmn:userTask>": '<bpmn:timerEventDefinition id="compose_timer"><bpmn:timeDuration '
                        'xsi:type="bpmn:tFormalExpression">"PT1H"</bpmn:timeDuration>'
                        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
}}


# ------------------------------------------------------------------ child processes

def pause_here(fd: int) -> Callable[[], None]:
    def pause():
        os.write(fd, b"!")
        while True:
            time.sleep(3600)
    return pause


def _dispose(engines: Iterable) -> None:
    for engine in engines:
        engine.dispose()


def _crash_child(fd: int, setup, action) -> None:
    try:
        setup(pause_here(fd))
        action()
    except BaseException:  # noqa: BLE001 - reported to the parent by the exit code
        traceback.print_exc()
        os._exit(3)
    os._exit(0)


def kill_at(setup: Callable[[Callable[[], None]], None], action: Callable[[], Any], *,
            engines: Iterable = (), timeout: float = 60.0) -> None:
    """Fork a child that calls `setup(pause)` (to patch its crash point) and then `action()`;
    SIGKILL it as soon as it reaches `pause()`. Fails if it finishes without reaching it."""
    _dispose(engines)
    r, w = os.pipe()
    proc = FORK.Process(target=_crash_child, args=(w, setup, action), daemon=True)
    proc.start()
    os.close(w)
    try:
        ready, _, _ = select.select([r], [], [], timeout)
        got = os.read(r, 1) if ready else b""
    finally:
        os.close(r)
    if got != b"!":
        proc.kill()
        proc.join(10)
        raise AssertionError(f"the child never reached its crash point (exit code {proc.exitcode})")
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(30)
    assert proc.exitcode == -signal.SIGKILL


def _result_child(conn, fn, args) -> None:
    try:
        conn.send(("ok", fn(*args)))
    except BaseException as exc:  # noqa: BLE001 - sent to the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
    finally:
        conn.close()
        os._exit(0)


def start_fresh(fn: Callable[..., Any], *args, engines: Iterable = ()):
    """Start `fn(*args)` in a new (forked) process; returns a handle for `result()`."""
    _dispose(engines)
    parent, child = FORK.Pipe(duplex=False)
    proc = FORK.Process(target=_result_child, args=(child, fn, args), daemon=True)
    proc.start()
    child.close()
    return proc, parent


def result(handle, timeout: float = 120.0):
    proc, conn = handle
    if not conn.poll(timeout):
        proc.kill()
        raise AssertionError("the child process did not finish in time")
    status, value = conn.recv()
    proc.join(30)
    if status != "ok":
        raise AssertionError(f"the child process failed: {value}")
    return value


def in_fresh_process(fn: Callable[..., Any], *args, engines: Iterable = (), timeout: float = 120.0):
    """Run `fn(*args)` in a new (forked) process and return its (picklable) result."""
    return result(start_fresh(fn, *args, engines=engines), timeout)


# ------------------------------------------------------------------ consistency

def _throws(workflow) -> int:
    return sum(1 for t in workflow.get_tasks(state=TaskState.COMPLETED)
               if isinstance(t.task_spec, ThrowingEvent)
               and isinstance(t.task_spec.event_definition, MessageEventDefinition))


def check_case(engine, session, case_id: int) -> None:
    """Assert that a case's stored workflow, version, projections, outbox and audit events agree."""
    instance = engine.load(session, case_id)
    row, workflow = instance.row, instance.workflow
    where = {"case_id": case_id}

    ready = sorted(str(t.id) for t in instance.ready_human_tasks)
    assert sorted(session.scalars(sql_select(ReadyTask.id).filter_by(**where))) == ready, case_id
    timers = sorted(due for _, due in instance.waiting_timers())
    assert sorted(session.scalars(sql_select(WaitingTimer.due_at).filter_by(**where))) == timers, case_id
    assert row.timer_count == len(timers)
    subscriptions = session.scalar(sql_select(func.count()).select_from(MessageSubscription).filter_by(**where))
    assert subscriptions == row.subscription_count == len(instance.waiting_messages()), case_id
    done = {str(t.id) for t in workflow.get_tasks(state=TaskState.COMPLETED, manual=True)}
    assert set(session.scalars(sql_select(CompletedTask.id).filter_by(**where))) == done, case_id
    assert row.status == ("completed" if workflow.is_completed() else "running"), (case_id, row.status, row.error)

    kinds = list(session.scalars(sql_select(AuditEvent.kind).where(AuditEvent.stream == f"case:{case_id}")
                                 .order_by(AuditEvent.seq)))
    # one versioned UPDATE per save after the INSERT (version 1), one audit event per save
    assert row.version == 1 + sum(k in SAVE_KINDS for k in kinds), (case_id, row.version, kinds)
    sent = session.scalar(sql_select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.source_case_id == case_id))
    assert sent == _throws(workflow), (case_id, sent)
    received = session.scalar(sql_select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.target_case_id == case_id,
                                     OutboxMessage.delivered_at.is_not(None)))
    assert received == kinds.count("message"), (case_id, received, kinds)


def snapshot(session, case_id: int) -> dict:
    """What an action may change about a case, in comparable form."""
    row = session.get(Case, case_id)
    where = {"case_id": case_id}
    return {
        "version": row.version,
        "status": row.status,
        "ready": sorted(session.scalars(sql_select(ReadyTask.spec_name).filter_by(**where))),
        "timers": sorted(session.scalars(sql_select(WaitingTimer.due_at).filter_by(**where))),
        "completed": sorted(session.scalars(sql_select(CompletedTask.id).filter_by(**where))),
        "audit": list(session.scalars(sql_select(AuditEvent.kind).where(AuditEvent.stream == f"case:{case_id}")
                                      .order_by(AuditEvent.seq))),
        "sent": session.scalar(sql_select(func.count()).select_from(OutboxMessage)
                               .where(OutboxMessage.source_case_id == case_id)),
        "received": session.scalar(sql_select(func.count()).select_from(OutboxMessage)
                                   .where(OutboxMessage.target_case_id == case_id)),
    }


def audit_intact(session) -> None:
    broken = AuditLog(key=audit_key()).verify(session)
    assert broken is None, str(broken)


# ------------------------------------------------------------------ HTTP

def http_json(base: str, method: str, path: str, token: str | None = None, body: Any = None,
              timeout: float = 120.0) -> tuple[int, Any]:
    """One request to a real server (no proxies from the environment); returns (status, JSON or None)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw) if raw else None
    except ValueError:
        return response.status, raw.decode(errors="replace")


# ------------------------------------------------------------------ real servers

class Rendezvous:
    """Holds whoever arrives with a key until `parties` have arrived with it, or until `timeout`.

    Files in a directory, so it works across threads and processes alike. `arrivals(key)` says
    how many came: with all of them the racers really worked from the same state.
    """

    def __init__(self, directory, parties: int = 2, timeout: float = 10.0):
        self.directory, self.parties, self.timeout = directory, parties, timeout

    def wait(self, key: str) -> None:
        (self.directory / f"{key}.{os.getpid()}.{time.monotonic_ns()}").touch()
        deadline = time.monotonic() + self.timeout
        while self.arrivals(key) < self.parties and time.monotonic() < deadline:
            time.sleep(0.005)

    def arrivals(self, key: str) -> int:
        return len(list(self.directory.glob(f"{key}.*")))


def hold_completions(engine, rendezvous: Rendezvous) -> None:
    """Make each completion on `engine` wait, after it loaded the case and before it changes
    anything, until the other racer has loaded it too (the instance's methods are replaced)."""
    import threading

    completing = threading.local()
    original_complete, original_ready = engine.complete_task, engine.ready_task

    def complete_task(*args, **kwargs):
        completing.active = True
        try:
            return original_complete(*args, **kwargs)
        finally:
            completing.active = False

    def ready_task(instance, task_id):
        if getattr(completing, "active", False):  # not when a task page is only read
            rendezvous.wait(str(task_id))
        return original_ready(instance, task_id)

    engine.complete_task, engine.ready_task = complete_task, ready_task


def serve_in_thread(app):
    """Serve `app` with Werkzeug's threaded server in a thread; returns (base URL, server)."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def _serve_child(conn, url: str, rendezvous: Rendezvous | None) -> None:
    try:
        from support import make_app
        from werkzeug.serving import make_server

        app = make_app(url)
        if rendezvous is not None:
            hold_completions(app.extensions["byplan"].engine, rendezvous)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        conn.send(server.server_port)
        conn.close()
        server.serve_forever()
    finally:
        os._exit(0)


def serve_in_process(url: str, rendezvous: Rendezvous | None = None, *, engines: Iterable = ()):
    """Serve the app for `url` in a forked process (its own engine and pool); returns (base URL, process)."""
    _dispose(engines)
    parent, child = FORK.Pipe(duplex=False)
    proc = FORK.Process(target=_serve_child, args=(child, url, rendezvous), daemon=True)
    proc.start()
    child.close()
    if not parent.poll(60):
        proc.kill()
        raise AssertionError("the server process did not start")
    return f"http://127.0.0.1:{parent.recv()}", proc
