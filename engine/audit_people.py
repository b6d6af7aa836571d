"""Pseudonymous references to people in the audit log.

An audit event never holds a person's identifier in its text, detail or digest: the actor, and the
people named in the summary or under a personal key of the detail, are replaced by a reference
``person:<random hex>`` before the event is hashed. The mapping from reference to person is a row of
``audit_pseudonym``; deleting it (erasure, retention) unties the events from the person without
changing a byte of them, so every chain still verifies. Digests of data that concern a person are
keyed with the person's own salt (kept in the mapping row): once the row is gone, no one can test a
guess of the data against the digest.

What counts as a person: any actor except the system's own (`SYSTEM_ACTORS`) and references to
records (``party:12``). Events written before pseudonymisation are moved to this form by
`pseudonymise_existing`, which re-chains each changed stream and keeps its old head as evidence.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any, Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .serialization import canonical_json

SYSTEM_ACTORS = frozenset({"timer", "router", "worker", "system", "scheduler", "cli", "retention"})
PERSONAL_KEYS = frozenset({"user", "username", "email", "e-mail", "name", "person", "subject", "requester",
                           "to", "login", "acting_for"})
REF_PREFIX = "person:"
_REF = re.compile(r"person:[0-9a-f]{16}")
_RECORD = re.compile(r"^[a-z_]+:\d+$")
ERASED = "person (erased)"


def is_ref(value: Any) -> bool:
    return isinstance(value, str) and _REF.fullmatch(value) is not None


def is_person(actor: Any) -> bool:
    """Whether an actor value names a person (and must be pseudonymised)."""
    if not isinstance(actor, str) or not actor.strip():
        return False
    return actor not in SYSTEM_ACTORS and not _RECORD.match(actor) and not is_ref(actor)


def _pattern(subject: str) -> re.Pattern:
    return re.compile(r"(?<![\w.@-])" + re.escape(subject) + r"(?![\w.@-])")


def _scrub_text(text: str, refs: dict[str, str]) -> str:
    for subject in sorted(refs, key=len, reverse=True):  # longest first: "ann.b" before "ann"
        text = _pattern(subject).sub(refs[subject], text)
    return text


def _scrub(value: Any, refs: dict[str, str]) -> Any:
    if isinstance(value, str):
        return refs.get(value) or _scrub_text(value, refs)
    if isinstance(value, dict):
        return {k: _scrub(v, refs) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v, refs) for v in value]
    return value


def people_in(actor: Any, detail: dict | None, people: Iterable[str] = ()) -> set[str]:
    """The personal identifiers of an event: the actor, the values under personal keys, and `people`."""
    found = {p for p in people if isinstance(p, str) and p.strip() and not is_ref(p)}
    if is_person(actor):
        found.add(actor)

    def walk(value):
        if isinstance(value, dict):
            for k, v in value.items():
                if str(k).lower() in PERSONAL_KEYS and isinstance(v, str) and is_person(v):
                    found.add(v)
                else:
                    walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(detail or {})
    return found


_BY_SUBJECT: list = []


def _by_subject():
    """The mapping row of a subject, as a statement built once (every audited action reads it: bench P1)."""
    if not _BY_SUBJECT:
        from .models import AuditPseudonym

        _BY_SUBJECT.append(select(AuditPseudonym).where(AuditPseudonym.subject == bindparam("subject")))
    return _BY_SUBJECT[0]


class Pseudonyms:
    """The mapping between people and their references (one row each in `audit_pseudonym`)."""

    def ref(self, session: Session, subject: str) -> str:
        from .models import AuditPseudonym

        row = self._row(session, subject)
        if row is None:
            row = AuditPseudonym(ref=REF_PREFIX + secrets.token_hex(8), subject=subject[:254],
                                 salt=secrets.token_hex(32))
            session.add(row)
            session.flush()
            session.info.setdefault("audit_pseudonyms", {})[subject] = row
        return row.ref

    def _row(self, session: Session, subject: str):
        cache = session.info.setdefault("audit_pseudonyms", {})
        row = cache.get(subject)
        if row is None or row not in session:
            with session.no_autoflush:  # rows are added by ref() only, and flushed there at once
                row = session.scalar(_by_subject(), {"subject": subject[:254]})
            if row is not None:
                cache[subject] = row
        return row

    def refs(self, session: Session, subjects: Iterable[str]) -> dict[str, str]:
        return {s: self.ref(session, s) for s in sorted(set(subjects))}

    def digest(self, session: Session, data: Any, subjects: Iterable[str]) -> str | None:
        """The digest of data about a person, keyed with the first person's salt (None: no person)."""
        subjects = sorted(set(subjects))
        if not subjects:
            return None
        row = self._row(session, subjects[0])
        return hmac.new(bytes.fromhex(row.salt), canonical_json(data).encode("utf-8"), hashlib.sha256).hexdigest()

    def resolve(self, session: Session, refs: Iterable[str | None]) -> dict[str, str]:
        """Who each known reference stands for (erased ones are left out)."""
        from .models import AuditPseudonym

        wanted = {r for r in refs if is_ref(r)}
        if not wanted:
            return {}
        return dict(session.execute(select(AuditPseudonym.ref, AuditPseudonym.subject)
                                    .where(AuditPseudonym.ref.in_(wanted))).all())

    def resolve_text(self, session: Session, text: str, known: dict[str, str] | None = None) -> str:
        """A summary with its references replaced by who they stand for (or 'person (erased)')."""
        refs = _REF.findall(text or "")
        if not refs:
            return text
        known = known if known is not None else self.resolve(session, refs)
        return _REF.sub(lambda m: known.get(m.group(0), ERASED), text)

    def reveal(self, session: Session, events) -> list[tuple[str | None, str, dict]]:
        """Each event's (actor, summary, detail) as a reader sees them: references replaced by who they stand
        for, in one query for all events; an erased person's reference becomes None (actor) or ERASED (text)."""
        events = list(events)
        refs: set[str] = set()
        for e in events:
            refs.update(_REF.findall(" ".join([e.actor or "", e.summary or "", canonical_json(e.detail or {})])))
        known = self.resolve(session, refs)

        def text(value):
            if isinstance(value, str):
                return _REF.sub(lambda m: known.get(m.group(0), ERASED), value)
            if isinstance(value, dict):
                return {k: text(v) for k, v in value.items()}
            if isinstance(value, list):
                return [text(v) for v in value]
            return value

        return [(known.get(e.actor) if is_ref(e.actor) else e.actor, text(e.summary or ""), text(e.detail or {}))
                for e in events]

    def forget(self, session: Session, subject: str) -> str | None:
        """Delete the mapping of one person; returns the reference that no longer resolves (None: none)."""
        row = self._row(session, subject)
        if row is None:
            return None
        session.delete(row)
        session.info.get("audit_pseudonyms", {}).pop(subject, None)
        session.flush()
        return row.ref


def scrub(summary: str, detail: dict, refs: dict[str, str]) -> tuple[str, dict]:
    """The summary and detail with every person replaced by their reference."""
    if not refs:
        return summary, detail
    return _scrub_text(summary, refs), _scrub(detail, refs)


def subject_of(session: Session, value: str | None) -> str | None:
    """Who an actor value stands for: the person behind a reference (None once erased), else the value."""
    if not is_ref(value):
        return value
    return Pseudonyms().resolve(session, [value]).get(value)
