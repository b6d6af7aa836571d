"""`byplan audit verify` against a tampered audit log (SQLite and PostgreSQL): every change to a
stored event — its summary, detail, data digest or time, a re-hashed event, a deleted, reordered
or cut-off event — gives exit status 1 and names the event and its stream; an untouched log exits 0.

The chains are unkeyed sha256: someone who can write the database and rewrites a whole stream from
the changed event to its head (the audit_head row included) is not detected. What is detected is
any change that leaves the rest of the stream as it was.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from engine_support import Harness, deploy
from sqlalchemy import delete, select, update

from engine import DocumentStore
from engine.audit import digest, event_hash
from engine.models import AuditEvent
from web.cli import main


def _events(harness, stream):
    with harness.session() as s:
        return s.scalars(select(AuditEvent).where(AuditEvent.stream == stream).order_by(AuditEvent.seq)).all()


@pytest.fixture
def log(db_url, monkeypatch):
    """A case with three audit events (start, document, complete); returns (harness, stream, events)."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    harness = Harness(db_url, create=False)
    with harness.session() as s, s.begin():
        deploy(harness.engine, s, "msg_sender")
        case_id = harness.engine.start(s, "msg_sender", actor="t", data={"case_key": "A"}).id
        DocumentStore(harness.audit).add(s, case_id=case_id, filename="notat.txt", content=b"notat", actor="t")
        [task] = harness.engine.load(s, case_id).ready_human_tasks
        harness.engine.complete_task(s, case_id, str(task.id), {"greeting": "hej"}, actor="t")
    stream = f"case:{case_id}"
    events = _events(harness, stream)
    assert [e.kind for e in events] == ["start", "document", "complete"]
    yield harness, stream, events
    harness.dispose()


def _verify():
    return CliRunner().invoke(main, ["audit", "verify"], catch_exceptions=False)


def test_untouched_log_verifies(log):
    outcome = _verify()
    assert outcome.exit_code == 0, outcome.output
    assert "BROKEN" not in outcome.output


def _rehash(session, event, **changes):
    values = {c: getattr(event, c) for c in ("prev_hash", "stream", "seq", "case_id", "at", "actor", "kind",
                                             "summary", "detail", "data_digest")}
    values.update(changes)
    new_hash = event_hash(values["prev_hash"], values["stream"], values["seq"], values["case_id"], values["at"],
                          values["actor"], values["kind"], values["summary"], values["detail"] or {},
                          values["data_digest"])
    session.execute(update(AuditEvent).where(AuditEvent.id == event.id).values(**changes, hash=new_hash))


def _swap_seq(session, a, b):
    session.execute(update(AuditEvent).where(AuditEvent.id == a.id).values(seq=-1))
    session.execute(update(AuditEvent).where(AuditEvent.id == b.id).values(seq=a.seq))
    session.execute(update(AuditEvent).where(AuditEvent.id == a.id).values(seq=b.seq))


def _by_id(event_id):
    return update(AuditEvent).where(AuditEvent.id == event_id)


# tamper: (change the stored events, which event the report names (index), the reason it gives)
TAMPERS = {
    "summary": (lambda s, e: s.execute(_by_id(e[1].id).values(summary="notat v2 (slettet)")), 1, "does not match"),
    "detail": (lambda s, e: s.execute(_by_id(e[1].id).values(detail={**e[1].detail, "filename": "andet.txt"})),
               1, "does not match"),
    "data_digest": (lambda s, e: s.execute(_by_id(e[1].id).values(data_digest=digest("noget andet"))),
                    1, "does not match"),
    "time": (lambda s, e: s.execute(_by_id(e[1].id).values(at=e[1].at - timedelta(days=1))), 1, "does not match"),
    "rehashed after a change": (lambda s, e: _rehash(s, e[1], summary="forfalsket"), 2, "does not link"),
    "deleted": (lambda s, e: s.execute(delete(AuditEvent).where(AuditEvent.id == e[1].id)), 2, "sequence gap"),
    "reordered": (lambda s, e: _swap_seq(s, e[1], e[2]), 2, "does not link"),
    "cut off at the end": (lambda s, e: s.execute(delete(AuditEvent).where(AuditEvent.id == e[2].id)), 1,
                           "removed from its end"),
}


@pytest.mark.parametrize("tamper", list(TAMPERS))
def test_tampering_is_reported_with_the_event_and_stream(log, tamper):
    harness, stream, events = log
    change, named, reason = TAMPERS[tamper]
    with harness.session() as s, s.begin():
        change(s, events)
    outcome = _verify()
    assert outcome.exit_code == 1, outcome.output
    assert "BROKEN" in outcome.output
    assert f"audit event {events[named].id} ({stream} #" in outcome.output, outcome.output
    assert reason in outcome.output
