"""Append-only audit log with one hash chain per stream (a case, or 'system')."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import AuditEvent, AuditHead, utcnow
from .serialization import canonical_json

GENESIS = "0" * 64


def stream_of(case_id: int | None) -> str:
    return f"case:{case_id}" if case_id is not None else "system"


def digest(data: Any) -> str:
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def event_hash(prev_hash: str, stream: str, seq: int, case_id, at: datetime, actor, kind: str,
               summary: str, detail: dict, data_digest: str) -> str:
    body = canonical_json([prev_hash, stream, seq, case_id, at.isoformat(), actor, kind, summary,
                           detail, data_digest])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass
class Broken:
    event_id: int
    stream: str
    seq: int
    reason: str

    def __str__(self):
        return f"audit event {self.event_id} ({self.stream} #{self.seq}): {self.reason}"


class AuditLog:
    def __init__(self, clock: Callable[[], datetime] = utcnow):
        self.clock = clock

    def append(self, session: Session, *, kind: str, actor: str | None, case_id: int | None = None,
               summary: str = "", detail: dict | None = None, data: Any = None) -> AuditEvent:
        stream = stream_of(case_id)
        # The head row serializes appends to one stream (on PostgreSQL by its row lock).
        head = session.scalar(select(AuditHead).where(AuditHead.stream == stream).with_for_update())
        if head is None:
            head = AuditHead(stream=stream, seq=0, hash=GENESIS)
            session.add(head)
        seq, prev = head.seq + 1, head.hash
        at = self.clock()
        detail = detail or {}
        data_digest = digest(data)
        event = AuditEvent(
            stream=stream, seq=seq, case_id=case_id, at=at, actor=actor, kind=kind,
            summary=summary[:500], detail=detail, data_digest=data_digest, prev_hash=prev,
            hash=event_hash(prev, stream, seq, case_id, at, actor, kind, summary[:500], detail, data_digest),
        )
        session.add(event)
        head.seq, head.hash = seq, event.hash
        return event

    def verify(self, session: Session) -> Broken | None:
        """Check every chain; return the first broken event, or None if all verify."""
        prev_by_stream: dict[str, tuple[int, str]] = {}
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.stream, AuditEvent.seq))
        for ev in rows:
            expected_seq, expected_prev = prev_by_stream.get(ev.stream, (1, GENESIS))
            if ev.seq != expected_seq:
                return Broken(ev.id, ev.stream, ev.seq, f"sequence gap: expected #{expected_seq}")
            if ev.prev_hash != expected_prev:
                return Broken(ev.id, ev.stream, ev.seq, "does not link to the previous event")
            recomputed = event_hash(ev.prev_hash, ev.stream, ev.seq, ev.case_id, ev.at, ev.actor, ev.kind,
                                    ev.summary, ev.detail or {}, ev.data_digest)
            if recomputed != ev.hash:
                return Broken(ev.id, ev.stream, ev.seq, "content does not match its hash")
            prev_by_stream[ev.stream] = (ev.seq + 1, ev.hash)
        heads = {h.stream: h for h in session.scalars(select(AuditHead))}
        for stream in sorted(set(heads) | set(prev_by_stream)):
            head = heads.get(stream)
            next_seq, last_hash = prev_by_stream.get(stream, (1, GENESIS))
            if head is None or head.seq != next_seq - 1 or head.hash != last_hash:
                last = session.scalar(select(AuditEvent).where(AuditEvent.stream == stream)
                                      .order_by(AuditEvent.seq.desc()).limit(1))
                expected = f"#{head.seq}" if head else "no head"
                return Broken(last.id if last else 0, stream, next_seq - 1,
                              f"the chain ends at #{next_seq - 1} but its head says {expected}: "
                              "events were removed from its end")
        return None
