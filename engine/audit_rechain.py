"""Moving audit events written before pseudonymisation to the pseudonymous form, keeping chains verifiable.

For each stream whose events name a person, every event from the first such one to the head is
rewritten (people replaced by references, see engine/audit_people.py) and re-hashed by the rule it
was written under (unkeyed before the head's `keyed_from`, keyed after), and the head row gets the
new hash (and MAC). The old head is kept in `audit_rechain` as evidence (someone holding a heads file
published before can match it against it); the caller announces the re-chaining in the application log,
and in a keyed log whose heads are all sealed an `audit.rechained` event in the system stream names the
streams' old and new heads too.

Digests of data written before cannot be re-keyed (the data is not in the log); they stay as they
were. A keyed stream cannot be re-chained without the key: it is skipped and named in the result.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .audit_chain import GENESIS, event_hash, head_mac, keyed_event_hash
from .audit_people import people_in, scrub
from .models import AuditEvent, AuditHead, AuditRechain, utcnow


@dataclass
class Rechained:
    streams: dict[str, tuple[str, str]] = field(default_factory=dict)  # stream -> (old head, new head)
    events: int = 0
    skipped: list[str] = field(default_factory=list)  # keyed streams left alone for want of the key


def pseudonymise_existing(session: Session, audit, at: datetime | None = None) -> Rechained:
    """Pseudonymise and re-chain every stream that still names people; announce it in the log."""
    at = at or utcnow()
    result = Rechained()
    heads = {h.stream: h for h in session.scalars(select(AuditHead).with_for_update())}
    for stream, head in sorted(heads.items()):
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.stream == stream)
                                      .order_by(AuditEvent.seq)))
        first = next((i for i, ev in enumerate(events) if people_in(ev.actor, ev.detail)), None)
        if first is None:
            continue
        keyed = head.keyed_from is not None and events[-1].seq >= head.keyed_from
        if keyed and not audit.key:
            result.skipped.append(stream)
            continue
        old_head = head.hash
        prev = events[first - 1].hash if first else GENESIS
        for ev in events[first:]:
            subjects = people_in(ev.actor, ev.detail)
            refs = audit.pseudonyms.refs(session, subjects)
            summary, detail = scrub(ev.summary or "", ev.detail or {}, refs)
            ev.actor, ev.summary, ev.detail, ev.prev_hash = refs.get(ev.actor, ev.actor), summary[:500], detail, prev
            fields = (prev, ev.stream, ev.seq, ev.case_id, ev.at, ev.actor, ev.kind, ev.summary, ev.detail,
                      ev.data_digest)
            if head.keyed_from is not None and ev.seq >= head.keyed_from:
                ev.hash = keyed_event_hash(audit.key, *fields)
            else:
                ev.hash = event_hash(*fields)
            prev = ev.hash
            result.events += 1
        head.hash = prev
        if head.mac and audit.key:
            head.mac = head_mac(audit.key, stream, head.keyed_from, head.seq, head.hash)
        session.add(AuditRechain(stream=stream, old_seq=head.seq, old_hash=old_head, new_hash=prev,
                                 reason="pseudonymisation of people in events written before it", at=at))
        result.streams[stream] = (old_head, prev)
    session.flush()
    # Announced in the audit log itself when that changes nothing else: a keyed log whose heads are all sealed
    # (appending to a log with unsealed, carried-over heads would seal them). The caller also logs it.
    if result.streams and audit.key and all(h.mac for h in heads.values()):
        audit.append(session, kind="audit.rechained", actor="system",
                     summary=f"{len(result.streams)} audit streams re-chained after pseudonymisation",
                     detail={"events": result.events, "skipped": result.skipped,
                             "heads": {s: {"old": o, "new": n} for s, (o, n) in result.streams.items()}})
    return result
