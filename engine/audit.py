"""Append-only audit log with one hash chain per stream (a case, or 'system'), keyed by a secret.

Each event's hash covers the previous event's hash, so changing, removing or reordering one event
breaks the chain after it. With a key (a secret kept outside the database) the hash is an
HMAC-SHA256: someone who can write the database but does not hold the key cannot rewrite a stream
from a change to its head and recompute the hashes. Each stream's head row (``audit_head``) names
its last event and carries a MAC of it, so cutting a stream short is detected too.

Chains written before the key (unkeyed sha256) are carried over: ``keyed_from`` on the head is the
first sequence number whose event is keyed; the events before it keep the old rule. The migration
sets it to the old head + 1 for every existing stream; the first keyed writer seals every head that
has no MAC yet. After that, a stream without a MAC in a keyed log is itself a sign of tampering.

What the key cannot protect against is someone who also holds the key, or who replaces the whole
log with an older copy. For that, `heads` gives a signed, dated list of stream heads that an
administrator stores elsewhere; `check(..., published=)` verifies that each published head is still
in its chain (the events up to it unchanged).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable

from sqlalchemy import event as sa_event
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, scoped_session

from .audit_chain import (  # noqa: F401 - the public names of the audit log
    GENESIS,
    HEADS_FORMAT,
    AuditKeyError,
    Broken,
    Verification,
    WrongKey,
    _mac,
    as_key,
    digest,
    event_hash,
    head_mac,
    key_id,
    keyed_event_hash,
    stream_of,
)
from . import txcache
from .audit_check import check_log
from .audit_people import Pseudonyms, people_in, scrub
from .models import AuditEvent, AuditHead, utcnow

# Built once: a completion reads the head of its case's stream every time (bench P1).
_HEAD = select(AuditHead).where(AuditHead.stream == bindparam("stream")).with_for_update()


class AuditLog:
    """Writes and verifies the chains. `key` (bytes or text) keys new events; None keeps the old
    unkeyed rule, which is refused on a stream that is already keyed."""

    def __init__(self, clock: Callable[[], datetime] = utcnow, key: bytes | str | None = None):
        self.clock = clock
        self.key = as_key(key)
        self.key_id = key_id(self.key) if self.key else None
        self._sealed = False
        self.pseudonyms = Pseudonyms()

    # ------------------------------------------------------------------ writing

    def append(self, session: Session, *, kind: str, actor: str | None, case_id: int | None = None,
               summary: str = "", detail: dict | None = None, data: Any = None,
               people: Iterable[str] = ()) -> AuditEvent:
        """Append one event. The actor, the people under personal keys of `detail` and any in `people`
        (identifiers that the summary may contain) are written as pseudonymous references
        (engine/audit_people.py); the digest of `data` is then keyed with the person's salt."""
        stream = stream_of(case_id)
        subjects = people_in(actor, detail, people)
        refs = self.pseudonyms.refs(session, subjects)
        actor = refs.get(actor, actor)
        if self.key and not self._sealed:
            self.seal(session)
        head = self._head(session, stream)
        seq, prev = head.seq + 1, head.hash
        at = self.clock()
        summary, detail = scrub(summary or "", detail or {}, refs)
        data_digest = self.pseudonyms.digest(session, data, subjects) or digest(data)
        summary = summary[:500]
        fields = (prev, stream, seq, case_id, at, actor, kind, summary, detail, data_digest)
        if self.key:
            if head.key_id not in (None, self.key_id):
                raise AuditKeyError(f"audit stream {stream} is keyed with key id {head.key_id}, "
                                    f"not with the configured key (id {self.key_id})")
            if head.keyed_from is None:  # written without a key so far: its keyed chain starts here
                head.keyed_from = seq
            hash_ = keyed_event_hash(self.key, *fields)
        else:
            if head.keyed_from is not None and head.keyed_from <= seq:
                raise AuditKeyError(f"audit stream {stream} is keyed: it cannot be extended without the key")
            hash_ = event_hash(*fields)
        event = AuditEvent(stream=stream, seq=seq, case_id=case_id, at=at, actor=actor, kind=kind,
                           summary=summary, detail=detail, data_digest=data_digest, prev_hash=prev, hash=hash_)
        session.add(event)
        head.seq, head.hash = seq, hash_
        if self.key:
            head.key_id, head.mac = self.key_id, head_mac(self.key, stream, head.keyed_from, seq, hash_)
        return event

    def _head(self, session: Session, stream: str) -> AuditHead:
        """The stream's head row, locked. The head row serializes appends to one stream (on PostgreSQL by
        its row lock); read once per transaction and kept (engine/txcache.py), so a second event of the
        same stream in the transaction (an incident's after the action's) neither reads it again nor, read
        without an autoflush, misses a head that is still pending."""
        heads = txcache.cache(session, "audit_heads")
        head = heads.get(stream) if heads is not None else None
        if not txcache.alive(session, head):
            with session.no_autoflush:  # a save's pending rows are flushed once, at its end
                head = session.scalar(_HEAD, {"stream": stream})
            if head is None:
                head = AuditHead(stream=stream, seq=0, hash=GENESIS, keyed_from=1 if self.key else None)
                session.add(head)
            if heads is not None:
                heads[stream] = head
        return head

    def seal(self, session: Session) -> int:
        """Give every head without a MAC (chains carried over, or written without a key) the key's MAC,
        anchoring its keyed chain after its present head. Done by the first keyed write of each
        process; returns the number of heads sealed."""
        if not self.key:
            raise AuditKeyError("sealing the audit log needs its key")
        heads = list(session.scalars(select(AuditHead).where(AuditHead.mac.is_(None)).with_for_update()))
        for head in heads:
            if head.keyed_from is None:
                head.keyed_from = head.seq + 1
            head.key_id = self.key_id
            head.mac = head_mac(self.key, head.stream, head.keyed_from, head.seq, head.hash)

        # Sealing is skipped from now on only once this transaction has committed.
        target = session() if isinstance(session, scoped_session) else session
        rolled_back = []

        def _committed(_session):
            if not rolled_back:
                self._sealed = True

        sa_event.listen(target, "after_commit", _committed, once=True)
        sa_event.listen(target, "after_rollback", lambda _session: rolled_back.append(True), once=True)
        return len(heads)

    def heads(self, session: Session, at: datetime | None = None) -> dict:
        """The signed, dated list of every stream's head, to be stored outside the database."""
        if not self.key:
            raise AuditKeyError("publishing stream heads needs the audit key")
        rows = session.scalars(select(AuditHead).where(AuditHead.seq > 0).order_by(AuditHead.stream))
        document = {"format": HEADS_FORMAT, "at": (at or self.clock()).isoformat(), "key_id": self.key_id,
                    "heads": {h.stream: {"seq": h.seq, "hash": h.hash} for h in rows}}
        return {**document, "mac": _mac(self.key, document)}

    # ---------------------------------------------------------------- verifying

    def verify(self, session: Session, published: dict | None = None) -> Broken | None:
        """Check every chain (and the published heads, if given); return the first problem, or None."""
        return self.check(session, published).problem

    def check(self, session: Session, published: dict | None = None) -> Verification:
        """Check every chain (and the published heads); the outcome with what was checked."""
        return check_log(self.key, session, published)
