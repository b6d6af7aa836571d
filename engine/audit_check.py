"""Verifying the audit log's chains (see engine/audit.py), optionally against published stream heads.

Per stream the report names the first problem, in this order: the chain's structure (sequence,
links, head), which needs no key; then an event's content against its hash (keyed events with the
key, older ones with the unkeyed rule); then the head's MAC; then the published head. A key that is
not the log's is reported once as a wrong key before any event is looked at.
"""
from __future__ import annotations

import hmac
from itertools import groupby
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .audit_chain import (
    GENESIS,
    HEADS_FORMAT,
    AuditKeyError,
    Broken,
    Verification,
    WrongKey,
    _mac,
    event_hash,
    head_mac,
    key_id,
    keyed_event_hash,
)
from .models import AuditEvent, AuditHead


class HeadsFileBroken(Broken):
    def __str__(self):
        return f"heads file: {self.reason}"


class _Key:
    def __init__(self, key: bytes | None):
        self.key = key
        self.key_id = key_id(key) if key else None


def check_log(key: bytes | None, session: Session, published: dict | None = None) -> Verification:
    """Check every chain with `key` (None: keyed events for order and links only)."""
    log = _Key(key)
    result = Verification()
    heads = {h.stream: h for h in session.scalars(select(AuditHead))}
    keyed_log = any(h.mac for h in heads.values())
    if log.key and keyed_log and not any(h.key_id == log.key_id for h in heads.values() if h.mac):
        found = ", ".join(sorted({h.key_id or "?" for h in heads.values() if h.mac}))
        result.problem = WrongKey(0, "", 0, f"the audit log is keyed with key id {found}; the configured "
                                            f"key (BYPLAN_AUDIT_KEY) has id {log.key_id}")
        return result
    wanted: dict[str, tuple[int, str]] = {}
    at = ""
    if published is not None:
        result.problem = _check_signature(log, published)
        if result.problem:
            return result
        at = str(published["at"])
        wanted = {stream: (int(v["seq"]), str(v["hash"])) for stream, v in published["heads"].items()}
    if not log.key:
        result.notes.append("no audit key given: keyed events were checked for order and links only")

    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.stream, AuditEvent.seq))
    seen: set[str] = set()
    for stream, events in groupby(rows, key=lambda ev: ev.stream):
        seen.add(stream)
        result.streams += 1
        problem = _check_stream(log, result, stream, events, heads.get(stream), keyed_log, wanted.get(stream), at)
        if problem:
            result.problem = problem
            return result
    for stream in sorted(set(heads) - seen):
        head = heads[stream]
        result.problem = Broken(0, stream, 0, f"the chain ends at #0 but its head says #{head.seq}: "
                                              "events were removed from its end")
        return result
    for stream in sorted(set(wanted) - seen):
        seq, _ = wanted[stream]
        result.problem = Broken(0, stream, seq, f"the stream, published at {at} with its head at #{seq}, is gone")
        return result
    return result


def _check_stream(log: _Key, result: Verification, stream: str, events: Iterable[AuditEvent],
                  head: AuditHead | None, keyed_log: bool, wanted: tuple[int, str] | None,
                  at: str) -> Broken | None:
    expected_seq, expected_prev = 1, GENESIS
    structure = content = None
    keyed_from = head.keyed_from if head is not None else None
    last = None
    at_published = None
    for ev in events:
        result.events += 1
        if structure is None:
            if ev.seq != expected_seq:
                structure = Broken(ev.id, stream, ev.seq, f"sequence gap: expected #{expected_seq}")
            elif ev.prev_hash != expected_prev:
                structure = Broken(ev.id, stream, ev.seq, "does not link to the previous event")
        fields = (ev.prev_hash, ev.stream, ev.seq, ev.case_id, ev.at, ev.actor, ev.kind, ev.summary,
                  ev.detail or {}, ev.data_digest)
        if keyed_from is not None and ev.seq >= keyed_from:
            if log.key:
                result.keyed += 1
                intact = hmac.compare_digest(keyed_event_hash(log.key, *fields), ev.hash)
            else:
                result.unchecked += 1
                intact = True
        else:
            result.unkeyed += 1
            intact = event_hash(*fields) == ev.hash
        if not intact and content is None:
            content = Broken(ev.id, stream, ev.seq, "content does not match its hash")
        if wanted is not None and ev.seq == wanted[0]:
            at_published = ev
        expected_seq, expected_prev, last = ev.seq + 1, ev.hash, ev
    if structure:
        return structure
    if head is None or head.seq != last.seq or head.hash != last.hash:
        expected = f"#{head.seq}" if head else "no head"
        return Broken(last.id, stream, last.seq,
                      f"the chain ends at #{last.seq} but its head says {expected}: events were removed from its end")
    if content:
        return content
    if log.key and keyed_log:
        if not head.mac:
            return Broken(last.id, stream, last.seq, "its head has no MAC in a keyed log: the stream was "
                                                     "rewritten or added without the key")
        if head.key_id != log.key_id:
            return Broken(last.id, stream, last.seq, f"its head is keyed with another key (id {head.key_id})")
        if not hmac.compare_digest(head_mac(log.key, stream, head.keyed_from, head.seq, head.hash), head.mac):
            return Broken(last.id, stream, last.seq, "its head's MAC does not match: the head (or where its "
                                                     "keyed chain starts) was changed without the key")
    if wanted is not None:
        seq, hash_ = wanted
        if at_published is None:
            return Broken(last.id, stream, last.seq, f"the chain ends at #{last.seq}, before its head #{seq} "
                                                     f"published at {at}: it was cut short after it was published")
        if not hmac.compare_digest(at_published.hash, hash_):
            return Broken(at_published.id, stream, seq, f"differs from the head published at {at}: the events "
                                                        "up to it were rewritten after it was published")
        result.published += 1
    return None


def _check_signature(log: _Key, document: dict) -> Broken | None:
    if (not isinstance(document, dict) or document.get("format") != HEADS_FORMAT
            or not isinstance(document.get("heads"), dict) or "at" not in document):
        return HeadsFileBroken(0, "", 0, f"not a list of stream heads ({HEADS_FORMAT})")
    if not log.key:
        raise AuditKeyError("checking a heads file needs the audit key")
    body = {name: value for name, value in document.items() if name != "mac"}
    if hmac.compare_digest(_mac(log.key, body), str(document.get("mac", ""))):
        try:
            for value in document["heads"].values():
                int(value["seq"]), str(value["hash"])
        except (TypeError, KeyError, ValueError):
            return HeadsFileBroken(0, "", 0, "a head is not a sequence number and a hash")
        return None
    if document.get("key_id") != log.key_id:
        return WrongKey(0, "", 0, f"the heads file is signed with key id {document.get('key_id')}; the configured "
                                  f"key (BYPLAN_AUDIT_KEY) has id {log.key_id}")
    return HeadsFileBroken(0, "", 0, "its signature does not match: the file was changed after it was signed")
