"""Pseudonymous references in the audit log (engine/audit_people.py, engine/audit_rechain.py): no person's
identifier in an event's text, detail or digest; deleting the mapping leaves every chain verifiable; events
written before are moved to this form by re-chaining, the old heads kept as evidence."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from engine_support import Harness, audit_key
from sqlalchemy import select

from engine.audit import AuditLog, digest, event_hash, head_mac, keyed_event_hash
from engine.audit_people import ERASED, Pseudonyms, is_ref, subject_of
from engine.audit_rechain import pseudonymise_existing
from engine.models import AuditEvent, AuditHead, AuditPseudonym, AuditRechain

KEY = audit_key().encode()


def _raw(event: AuditEvent) -> str:
    return json.dumps([event.actor, event.summary, event.detail, event.data_digest], ensure_ascii=False)


def test_people_are_written_as_references_and_read_back_until_the_mapping_is_deleted(db_url):
    h = Harness(db_url, create=False)
    log = AuditLog(key=KEY)
    try:
        with h.session() as s, s.begin():
            log.append(s, kind="session_ended", actor="anna.a", summary="all sessions of anna.a ended",
                       detail={"user": "anna.a", "count": 2}, data={"mail": "anna@example.org"})
            log.append(s, kind="note", actor="worker", summary="notat v1 (t)", detail={"n": 1})
        with h.session() as s:
            first, second = s.scalars(select(AuditEvent).where(AuditEvent.stream == "system",
                                                              AuditEvent.kind.in_(["session_ended", "note"]))
                                      .order_by(AuditEvent.seq)).all()
            assert "anna" not in _raw(first) and is_ref(first.actor)
            assert first.detail["user"] == first.actor and first.actor in first.summary
            assert first.data_digest != digest({"mail": "anna@example.org"})  # keyed with the person's salt
            assert (second.actor, second.summary) == ("worker", "notat v1 (t)")  # the system is no person
            assert Pseudonyms().reveal(s, [first])[0] == ("anna.a", "all sessions of anna.a ended",
                                                           {"user": "anna.a", "count": 2})
            assert log.check(s).problem is None
        with h.session() as s, s.begin():
            assert Pseudonyms().forget(s, "anna.a") == first.actor
        with h.session() as s:
            assert subject_of(s, first.actor) is None
            assert Pseudonyms().reveal(s, [first])[0][1] == f"all sessions of {ERASED} ended"
            assert log.check(s).problem is None  # nothing in the chain changed
        with h.session() as s, s.begin():  # the same person later gets a new, unlinkable reference
            again = log.append(s, kind="login", actor="anna.a", summary="logged in")
            assert is_ref(again.actor) and again.actor != first.actor
    finally:
        h.dispose()


def _legacy(s, stream: str, case_id, rows, keyed: bool):
    """Write a stream the way the releases before pseudonymisation did (names in the clear)."""
    prev, at = "0" * 64, datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    for seq, (actor, summary, detail) in enumerate(rows, start=1):
        fields = (prev, stream, seq, case_id, at, actor, "admin", summary, detail, "d" * 64)
        hash_ = keyed_event_hash(KEY, *fields) if keyed else event_hash(*fields)
        s.add(AuditEvent(stream=stream, seq=seq, case_id=case_id, at=at, actor=actor, kind="admin", summary=summary,
                         detail=detail, data_digest="d" * 64, prev_hash=prev, hash=hash_))
        prev = hash_
    head = AuditHead(stream=stream, seq=len(rows), hash=prev, keyed_from=1 if keyed else None)
    if keyed:
        head.key_id, head.mac = AuditLog(key=KEY).key_id, head_mac(KEY, stream, 1, len(rows), prev)
    s.add(head)
    return prev


def test_existing_events_are_pseudonymised_and_re_chained_with_the_old_heads_kept(db_url):
    h = Harness(db_url, create=False)
    log = AuditLog(key=KEY)
    try:
        with h.session() as s, s.begin():
            for head in s.scalars(select(AuditHead)):  # the template's deployments: seal them as a keyed log would
                head.keyed_from = head.keyed_from or head.seq + 1
                head.key_id, head.mac = log.key_id, head_mac(KEY, head.stream, head.keyed_from, head.seq, head.hash)
            old_keyed = _legacy(s, "case:901", 901, [("bo.b", "user ny.bruger created", {"user": "ny.bruger"}),
                                                     ("bo.b", "password of ny.bruger reset", {"user": "ny.bruger"})],
                                keyed=True)
        with h.session() as s:
            assert log.check(s).problem is None
        with h.session() as s, s.begin():
            result = pseudonymise_existing(s, AuditLog(key=None))  # without the key a keyed stream is left
            assert result.skipped == ["case:901"] and not result.streams
        with h.session() as s, s.begin():
            result = pseudonymise_existing(s, log)
            assert set(result.streams) == {"case:901"} and result.events == 2
        with h.session() as s:
            events = s.scalars(select(AuditEvent).where(AuditEvent.stream == "case:901")).all()
            assert not any("bo.b" in _raw(e) or "ny.bruger" in _raw(e) for e in events)
            [evidence] = s.scalars(select(AuditRechain)).all()
            assert (evidence.stream, evidence.old_seq, evidence.old_hash) == ("case:901", 2, old_keyed)
            announced = s.scalars(select(AuditEvent).where(AuditEvent.kind == "audit.rechained")).one()
            assert announced.detail["heads"]["case:901"]["old"] == old_keyed
            assert log.check(s).problem is None
            assert s.scalar(select(AuditPseudonym.subject).where(AuditPseudonym.ref == events[0].actor)) == "bo.b"
        with h.session() as s, s.begin():  # a second run finds nothing left to do
            assert not pseudonymise_existing(s, log).streams
    finally:
        h.dispose()
